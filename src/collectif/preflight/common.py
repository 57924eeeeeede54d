"""What every check of the preflight shares: the problem line, where to set things, the
host being checked, and the helpers that walk a list of named items.

The checks never stop at the first problem (a volunteer fixes them all in one go), so
each returns a list of Problem and the package sorts and prints them together.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

from .. import i18n, services

ENVIRONMENTS = ("production", "test", "demo")
SERVERS_GROUP = "servers"
BACKUP_GROUP = "backup_targets"


def say(key: str, **values: Any) -> str:
    """A message of the preflight's frame (locale/preflight.toml), in the user's language."""
    return i18n.say("preflight", key, **values)


def group_label(group: str) -> str:
    """How the report names a group of the inventory, in place of a variable."""
    return say("group", group=group)


@dataclass(frozen=True, order=True)
class Problem:
    """One line of the report: the variable, what is wrong with it, the file to fix."""

    variable: str
    message: str
    where: str

    def __str__(self) -> str:
        return say("problem", variable=self.variable, message=self.message, where=self.where)


@dataclass(frozen=True)
class Places:
    """Where a volunteer sets things, relative to the inventory they run."""

    inventory: str
    host: str

    @property
    def association(self) -> str:
        return f"{self.inventory}/group_vars/all/association.yml"

    @property
    def host_file(self) -> str:
        return f"{self.inventory}/host_vars/{self.host}.yml"

    @property
    def hosts_file(self) -> str:
        return f"{self.inventory}/hosts.yml"


@dataclass(frozen=True)
class Host:
    """The host being checked, with what the services' declarations say it runs."""

    name: str
    vars: Mapping[str, Any]
    groups: Mapping[str, Sequence[str]]  # the inventory's groups, each with its hosts
    places: Places

    @cached_property
    def group_names(self) -> tuple[str, ...]:
        """The groups this host is in."""
        return tuple(group for group, hosts in self.groups.items() if self.name in hosts)

    @cached_property
    def services(self) -> tuple[services.Service, ...]:
        """The services the host runs, by the groups it is in (before `enabled`)."""
        return tuple(services.on_groups(self.group_names))

    @cached_property
    def roles(self) -> frozenset[str]:
        return frozenset(service.name for service in self.services)

    @property
    def environment(self) -> Any:
        return self.vars.get("collectif_environment", "production")

    def in_group(self, group: str) -> bool:
        return self.name in self.groups.get(group, ())


def shown_path(inventory_dir: str | None) -> str:
    """The inventory as the volunteer typed it: relative to where they run, if inside."""
    if not inventory_dir:
        return say("where.no_inventory")
    path = Path(inventory_dir)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def check(
    variable: str,
    value: Any,
    rule: Callable[[Any], str | None],
    where: str,
) -> list[Problem]:
    """A shared rule (validators and co.: None or a sentence) as a list of problems."""
    message = rule(value)
    return [] if message is None else [Problem(variable, message, where)]


def named_items(
    value: Any,
    variable: str,
    items_of: str,
    item_needs: str,
    duplicate: Callable[..., str],
    where: str,
    name_rule: Callable[[Any], str | None] | None = None,
) -> tuple[list[tuple[str, Mapping[str, Any]]], list[Problem]]:
    """The mappings of a list such as collectif_plans or nginx_sites, each with its label,
    and the problems they share: not a list, an item that is not a mapping, a repeated
    name (`duplicate(name=...)` says that message), a name `name_rule` refuses
    (None when the caller checks names itself)."""
    if not isinstance(value, list):
        return [], [Problem(variable, say("items.not_a_list", items=items_of), where)]
    items: list[tuple[str, Mapping[str, Any]]] = []
    found: list[Problem] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        label = f"{variable}[{index}]"
        if not isinstance(item, Mapping):
            found.append(Problem(label, say("items.not_a_mapping", needs=item_needs), where))
            continue
        name = item.get("name")
        if name_rule is not None:
            found += check(f"{label}.name", name, name_rule, where)
        if isinstance(name, str) and name in seen:
            found.append(Problem(f"{label}.name", duplicate(name=name), where))
        seen.add(str(name))
        items.append((label, item))
    return items, found


@cache
def role_defaults(role: str) -> dict[str, Any]:
    """A role's defaults/main.yml as written (templates unrendered): for a rule that must
    see the value a role uses when the inventory does not set it."""
    path = services.ROLES / role / "defaults" / "main.yml"
    return yaml.safe_load(path.read_text()) or {} if path.exists() else {}


def as_list(value: Any) -> list[Any]:
    """The value when it is a list; nothing otherwise (its type is the specs' business)."""
    return value if isinstance(value, list) else []
