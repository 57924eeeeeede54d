"""The inventory's groups (hosts.yml): each must be one a collectif service runs on, as
the roles declare in meta/collectif.yml; a group nothing runs on would deploy nothing,
silently, so it is refused rather than ignored."""

from __future__ import annotations

import difflib
from functools import partial
from pathlib import Path

import yaml

from .. import i18n, services
from .common import BACKUP_GROUP, SERVERS_GROUP, Host, Problem, group_label, say

_say = partial(i18n.say, "preflight_groups")

# Hosts that run Pebble, the ACME test server (demo and tests only).
PEBBLE_GROUP = "pebble"
# Groups that may hold several hosts and need no other group; every other known group is
# a service's, run on one host (for now) that is also one of the servers.
SHARED_GROUPS = (SERVERS_GROUP, BACKUP_GROUP, PEBBLE_GROUP)
# Groups every Ansible inventory has.
IMPLICIT_GROUPS = ("all", "ungrouped")


def service_groups() -> tuple[str, ...]:
    """The groups of services that run once per association."""
    return tuple(group for group in services.known_groups() if group not in SHARED_GROUPS)


def problems(host: Host) -> list[Problem]:
    where = host.places.hosts_file
    found: list[Problem] = []
    mine = [group for group in service_groups() if host.in_group(group)]
    for group in mine:
        members = list(host.groups[group])
        if len(members) > 1:
            found.append(
                Problem(
                    group_label(group),
                    _say("too_many", count=len(members), hosts=", ".join(members), group=group),
                    where,
                )
            )
        if not host.in_group(SERVERS_GROUP):
            found.append(
                Problem(
                    group_label(group),
                    _say("not_in_servers", host=host.name, group=group, servers=SERVERS_GROUP),
                    where,
                )
            )
    production = host.environment == "production"
    if host.in_group(PEBBLE_GROUP) and production:
        found.append(
            Problem(
                group_label(PEBBLE_GROUP),
                _say("pebble", host=host.name),
                where,
            )
        )
    if host.in_group(BACKUP_GROUP) and production and mine:
        found.append(
            Problem(
                group_label(BACKUP_GROUP),
                _say("backup_of_itself", host=host.name, services=", ".join(mine)),
                where,
            )
        )
    return found + _unknown(host) + _inventory_keys(host)


# What a group of a YAML inventory may hold; Ansible only warns about anything else and
# goes on without it (a group under `host:` has no hosts).
GROUP_KEYS = ("hosts", "children", "vars")


def _inventory_keys(host: Host) -> list[Problem]:
    """Keys of hosts.yml that Ansible skips, such as `host:` for `hosts:`."""
    path = Path(host.places.inventory)
    files = [path / name for name in ("hosts.yml", "hosts.yaml")] if path.is_dir() else [path]
    found: list[Problem] = []
    for file in files:
        try:
            data = yaml.safe_load(file.read_text())
        except (OSError, yaml.YAMLError, UnicodeDecodeError):
            continue  # not a YAML inventory here: Ansible reads it, or says why not
        found += _group_keys(data, file)
    return found


def _group_keys(groups: object, file: Path) -> list[Problem]:
    found: list[Problem] = []
    for name, group in groups.items() if isinstance(groups, dict) else ():
        if not isinstance(group, dict):
            continue
        for key in group:
            if key not in GROUP_KEYS:
                guess = difflib.get_close_matches(str(key), GROUP_KEYS, n=1, cutoff=0.6)
                hint = _say("key_hint", guess=guess[0]) if guess else ""
                found.append(
                    Problem(
                        group_label(str(name)),
                        _say("key", word=key, hint=hint, keys=", ".join(GROUP_KEYS)),
                        str(file),
                    )
                )
        found += _group_keys(group.get("children"), file)
    return found


def _unknown(host: Host) -> list[Problem]:
    """One problem per group of the host that no service runs on, with a guess."""
    known = services.known_groups()
    found: list[Problem] = []
    for group in host.group_names:
        if group in IMPLICIT_GROUPS or group in known:
            continue
        guess = difflib.get_close_matches(group, known, n=1, cutoff=0.75)
        hint = say("did_you_mean", guess=guess[0]) if guess else ""
        found.append(
            Problem(
                group_label(group),
                _say("unknown", hint=hint, known=", ".join(known)),
                host.places.hosts_file,
            )
        )
    return found
