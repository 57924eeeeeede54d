"""The services of collectif, as each role declares itself in `meta/collectif.yml`.

A declaration says who runs the role (inventory groups), what must run before it, what
it asks of the shared services (its *needs*: databases, a PHP pool, sites, firewall
ports, backups...), which secrets it derives from the association's key, and which of
its variables other roles may read (*publishes*). Everything that used to be a list kept
by hand follows from these files: the order of the plays (checked by a test), doctor's
health checks, preflight's argument specs and known groups, the passwords that
`collectif secrets --show` prints, the README's list of services.

The Ansible side reads the same files through the collection collectif.core (lookups
`needs`, `published` and `services`); this module knows their shape and their order.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLES = ROOT / "roles"
DECLARATION = Path("meta") / "collectif.yml"

# What a service may ask for, and the shared role that gives it. Each kind is a list; the
# consumer reads the gathered list in its variable `<kind>_auto`.
NEEDS: dict[str, str] = {
    "base_firewall_rules": "base",
    "nginx_sites": "nginx",
    "nginx_locations": "nginx",
    "postgresql_databases": "postgresql",
    "mariadb_databases": "mariadb",
    "php_fpm_pools": "php_fpm",
    "php_fpm_settings": "php_fpm",
    "valkey_users": "valkey",
    "artifact_releases": "artifact",
    "synapse_appservices": "synapse",
    "restic_backups": "restic",
    "coturn_peers": "coturn",
    "transparency_services": "transparency",
    "alerts_checks": "alerts",
}
SERVICE_KEYS = {"title", "groups", "enabled", "after", "playbook", "health"}
# The plays every service belongs to come in this order: the base, the shared services,
# the applications (any other play), the backups, which keep what the others made, then
# the transparency page, which tells of them all.
STAGES = {
    "plays/base.yml": 0,
    "plays/shared.yml": 1,
    "plays/backup.yml": 3,
    "plays/transparency.yml": 4,
}
APPLICATIONS = 2
TOP_KEYS = {"service", "secrets", "publishes", "needs", "members"}
SECRET_KEYS = {"purpose", "length", "show", "who", "variable"}


# libyaml's parser when PyYAML has it: the registry is read by every task that asks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DeclarationError(ValueError):
    """A role's meta/collectif.yml does not say what collectif needs to know."""


@dataclass(frozen=True)
class Secret:
    """A value derived from collectif_secret_key: sha256 of "<key>:<purpose>", in hex."""

    purpose: str  # may hold {placeholders} when the role derives one per instance
    length: int = 64
    show: str = ""  # the name `collectif secrets --show` knows it by ("" for tokens)
    who: str = ""  # whose password it is, for that command's message
    variable: str = ""  # the role variable an inventory may set instead


@dataclass(frozen=True)
class Service:
    """One role's declaration (roles/<name>/meta/collectif.yml)."""

    name: str
    title: str
    groups: tuple[str, ...]
    playbook: str
    after: tuple[str, ...] = ()
    enabled: str = ""  # a Jinja condition, templated on the host ("" means always)
    health: bool = False
    secrets: tuple[Secret, ...] = ()
    publishes: tuple[str, ...] = ()
    needs: Mapping[str, Any] = field(default_factory=dict)
    # The plan service (cloud, matrix...) its member contract, tasks/members.yml, gives
    # each member ("" when the role has none); playbooks/plays/members.yml runs it.
    members: str = ""

    @property
    def path(self) -> Path:
        return ROLES / self.name


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise DeclarationError(f"{where}: must be a list of names")
    return tuple(value)


def parse(name: str, data: Any) -> Service:
    """A Service from the content of roles/<name>/meta/collectif.yml."""
    where = f"roles/{name}/{DECLARATION}"
    if not isinstance(data, Mapping) or not isinstance(data.get("service"), Mapping):
        raise DeclarationError(f"{where}: must have a 'service' mapping")
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise DeclarationError(f"{where}: unknown keys {sorted(unknown)}")
    service = data["service"]
    unknown = set(service) - SERVICE_KEYS
    if unknown:
        raise DeclarationError(f"{where}: unknown service keys {sorted(unknown)}")
    for key in ("title", "playbook"):
        if not isinstance(service.get(key), str) or not service[key]:
            raise DeclarationError(f"{where}: service.{key} is required")
    groups = _strings(service.get("groups"), f"{where}: service.groups")
    if not groups:
        raise DeclarationError(f"{where}: service.groups names no inventory group")
    needs = data.get("needs") or {}
    if not isinstance(needs, Mapping) or set(needs) - set(NEEDS):
        raise DeclarationError(
            f"{where}: needs may only hold {', '.join(NEEDS)} (got {sorted(set(needs))})"
        )
    secrets: list[Secret] = []
    for item in data.get("secrets") or []:
        if not isinstance(item, Mapping) or "purpose" not in item or set(item) - SECRET_KEYS:
            raise DeclarationError(f"{where}: each secret needs a purpose (keys {SECRET_KEYS})")
        secrets.append(Secret(**item))
    return Service(
        name=name,
        title=service["title"],
        groups=groups,
        playbook=service["playbook"],
        after=_strings(service.get("after"), f"{where}: service.after"),
        enabled=str(service.get("enabled") or ""),
        health=bool(service.get("health", False)),
        secrets=tuple(secrets),
        publishes=_strings(data.get("publishes"), f"{where}: publishes"),
        needs=needs,
        members=str(data.get("members") or ""),
    )


def stage(service: Service) -> int:
    """Where the service's play comes in site.yml: base, shared, applications, backups."""
    return STAGES.get(service.playbook, APPLICATIONS)


def _ordered(services: Mapping[str, Service]) -> list[Service]:
    """Each service after those it names in `after` and after every service of an earlier
    stage; otherwise in alphabetical order."""
    graph = graphlib.TopologicalSorter()
    for name in sorted(services):
        missing = set(services[name].after) - set(services)
        if missing:
            raise DeclarationError(f"roles/{name}: service.after names unknown {sorted(missing)}")
        earlier = {other for other in services if stage(services[other]) < stage(services[name])}
        graph.add(name, *sorted(set(services[name].after) | earlier))
    graph.prepare()
    order: list[str] = []
    while graph.is_active():
        ready = sorted(graph.get_ready())
        order += ready
        graph.done(*ready)
    return [services[name] for name in order]


@cache
def load(roles: Path = ROLES) -> tuple[Service, ...]:
    """Every declared service, in the order they are deployed."""
    found: dict[str, Service] = {}
    for path in sorted(roles.glob(f"*/{DECLARATION}")):
        name = path.parents[1].name
        found[name] = parse(name, yaml.load(path.read_text(), Loader=_LOADER))
    return tuple(_ordered(found))


def by_name(roles: Path = ROLES) -> dict[str, Service]:
    return {service.name: service for service in load(roles)}


def known_groups(roles: Path = ROLES) -> tuple[str, ...]:
    """The inventory groups some service runs on."""
    return tuple(sorted({group for service in load(roles) for group in service.groups}))


def on_groups(groups: Iterable[str], roles: Path = ROLES) -> list[Service]:
    """The services a host in these groups may run (before their `enabled` conditions)."""
    mine = set(groups)
    return [service for service in load(roles) if mine & set(service.groups)]


def owner(variable: str, roles: Path = ROLES) -> Service:
    """The service whose role a variable belongs to: the longest role name it starts with."""
    candidates = [s for s in load(roles) if variable.startswith(f"{s.name}_")]
    if not candidates:
        raise DeclarationError(f"'{variable}' does not belong to a declared role")
    return max(candidates, key=lambda s: len(s.name))


def showable(roles: Path = ROLES) -> dict[str, tuple[Service, Secret]]:
    """The passwords people type, by the name `collectif secrets --show` knows them by."""
    return {
        secret.show: (service, secret)
        for service in load(roles)
        for secret in service.secrets
        if secret.show
    }
