"""The inventory's variables against the roles' argument specs (every public variable is
there, tests/test_roles.py sees to it), beyond what Ansible's own validation says:

- a name written with a role's prefix (or the association's, `collectif_`) that no role
  declares is a misspelling: Ansible would ignore it and use the default (a quota, a
  bridge, a backup target never set);
- a text where a list is expected, or a quoted boolean: Ansible's validation converts
  them for itself and lets them pass, but the roles read the value as written: a text is
  then read one character at a time, and a quoted 'false' counts as true."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import cache, partial
from pathlib import Path
from typing import Any

import yaml

from .. import i18n, services, validators
from .common import Host, Problem, say

_say = partial(i18n.say, "preflight_variables")

# The association's values every role may read (group_vars/all/association.yml).
ASSOCIATION = (
    "collectif_domain",
    "collectif_admin_email",
    "collectif_association_name",
    "collectif_environment",
    "collectif_plans",
    "collectif_secret_key",
    "collectif_artifact_mirror",
    "collectif_artifact_cache",
    "collectif_turn_domain",
)
# Set by the plays themselves (playbooks/plays/shared.yml), seen when a playbook imports
# another that checks the inventory again.
FACTS = ("collectif_services",)


@cache
def specs(roles: Path = services.ROLES) -> dict[str, dict[str, dict[str, Any]]]:
    """Every option of every entry point, by role and name."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for path in sorted(roles.glob("*/meta/argument_specs.yml")):
        entry_points = (yaml.safe_load(path.read_text()) or {}).get("argument_specs", {})
        options = found.setdefault(path.parents[1].name, {})
        for entry in entry_points.values():
            options.update((entry or {}).get("options") or {})
    return found


@cache
def known(roles: Path = services.ROLES) -> frozenset[str]:
    """Every variable an inventory may set."""
    names: set[str] = {*ASSOCIATION, *FACTS}
    for options in specs(roles).values():
        names.update(options)
    project = roles.parent / "group_vars" / "all.yml"
    if project.exists():
        names.update(yaml.safe_load(project.read_text()) or {})
    return frozenset(names)


@cache
def prefixes(roles: Path = services.ROLES) -> tuple[str, ...]:
    """The prefixes that say a variable is meant for collectif: each role's name, and
    the association's."""
    names = sorted(p.name for p in roles.iterdir() if (p / "tasks").is_dir())
    return ("collectif_", *(f"{name}_" for name in names))


def problems(host: Host) -> list[Problem]:
    where = say("where.anywhere", inventory=host.places.inventory)
    found = [Problem(name, _message(name, known()), where) for name in unknown(host.vars)]
    # The roles this host runs, as for Ansible's own validation of their specs.
    for role in sorted(host.roles):
        for name, spec in specs().get(role, {}).items():
            if name in host.vars and (message := loose_type(host.vars[name], spec)):
                found.append(Problem(name, message, where))
    # Every address a service answers at (nextcloud_domain, the TURN name...), when the
    # inventory sets it: a domain name, like collectif_domain.
    # One made from a wrong collectif_domain ("turn.Example.org") is said there, once.
    domain = str(host.vars.get("collectif_domain", ""))
    for name in sorted(host.vars):
        value = host.vars[name]
        if not name.endswith("_domain") or name not in known() or name == "collectif_domain":
            continue
        if domain and str(value).endswith(domain) and validators.domain_problem(domain):
            continue
        message = validators.domain_problem(value)
        if message:
            found.append(Problem(name, message, where))
    return found


def loose_type(value: Any, spec: dict[str, Any]) -> str | None:
    """What Ansible would convert silently and the roles would misread. (Lists of
    mappings, such as nginx_sites, have their own rule in their service's checks.)"""
    wanted = spec.get("type")
    if wanted == "list" and spec.get("elements") != "dict" and isinstance(value, str | int | float):
        return _say("not_a_list", shown=repr(value), value=value)
    if wanted == "bool" and isinstance(value, str):
        return _say("quoted_bool", value=value)
    return None


def unknown(names: Iterable[str]) -> list[str]:
    """The names with a collectif prefix that no role knows."""
    return sorted(name for name in names if name.startswith(prefixes()) and name not in known())


def _message(name: str, names: frozenset[str]) -> str:
    guess = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.75)
    hint = say("did_you_mean", guess=guess[0]) if guess else ""
    return _say("unknown", hint=hint)
