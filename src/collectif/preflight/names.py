"""Variables of the inventory that nothing reads: a name written with a role's prefix (or
the association's, `collectif_`) that no role declares is a misspelling, and Ansible would
ignore it silently and use the default (a quota, a bridge, a backup target never set).
The known names are the roles' argument specs (every public variable is there, tests/
test_roles.py sees to it), the project's group_vars/all.yml and the association's values."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import yaml

from .. import services
from .common import Host, Problem

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
def known(roles: Path = services.ROLES) -> frozenset[str]:
    """Every variable an inventory may set."""
    names: set[str] = {*ASSOCIATION, *FACTS}
    for specs in sorted(roles.glob("*/meta/argument_specs.yml")):
        entry_points = (yaml.safe_load(specs.read_text()) or {}).get("argument_specs", {})
        for entry in entry_points.values():
            names.update((entry or {}).get("options") or {})
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
    where = f"{host.places.inventory}/group_vars or host_vars (wherever it is set)"
    return [Problem(name, _message(name, known()), where) for name in unknown(host.vars)]


def unknown(names: Iterable[str]) -> list[str]:
    """The names with a collectif prefix that no role knows."""
    return sorted(name for name in names if name.startswith(prefixes()) and name not in known())


def _message(name: str, names: frozenset[str]) -> str:
    guess = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.75)
    hint = f" (did you mean '{guess[0]}'?)" if guess else ""
    return f"is not a variable collectif knows{hint}; as it is written, nothing reads it"
