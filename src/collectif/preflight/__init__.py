"""Inventory checks run before any host is touched (the first play of site.yml).

`problems()` looks at one host's variables and the inventory's groups and returns every
problem found, each as one line that names the variable, says what is wrong and where to
set it. Nothing stops at the first problem: a volunteer fixes them all in one go.

The association's values and the groups are checked on every host. The other checks
belong to services: each module here names the roles it checks (ROLES), and runs only on
a host that runs one of them, as the roles' meta/collectif.yml say (services.on_groups).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import (
    association,
    backup,
    base,
    invoiceninja,
    jitsi,
    mail,
    matrix,
    members,
    sites,
    variables,
    web,
    wordpress,
)
from . import groups as inventory_groups  # `groups` is problems()'s argument
from .common import Host, Places, Problem, say, shown_path

__all__ = ["SERVICE_CHECKS", "Problem", "problems", "spec_problems"]

Check = Callable[[Host], list[Problem]]
# Each service module's roles and checks; a module's checks run when the host runs one
# of its roles.
SERVICE_CHECKS: tuple[tuple[tuple[str, ...], Check], ...] = tuple(
    (module.ROLES, module.problems)
    for module in (base, web, sites, backup, matrix, wordpress, jitsi, invoiceninja, mail)
)


def problems(
    hostvars: Mapping[str, Any],
    groups: Mapping[str, Sequence[str]],
    host: str,
    inventory_dir: str | None = None,
    spec_results: Sequence[Mapping[str, Any]] = (),
) -> list[str]:
    """Every problem with `host`'s variables, as readable lines (empty when all is well),
    with the errors of the roles' argument specs (`spec_results`, the preflight's loop)."""
    places = Places(shown_path(inventory_dir), host)
    values, unreadable = readable(hostvars, say("where.vars", inventory=places.inventory))
    # A variable that cannot be read is left out of the roles' specs (the filter
    # collectif.core.unreadable) and looks unset to the rules: it is said once, by its name.
    lines = spec_problems(spec_results, inventory_dir)
    checked = Host(host, values, groups, places)
    found = (
        association.problems(checked)
        + members.problems(checked)
        + inventory_groups.problems(checked)
        + variables.problems(checked)
    )
    if association.needs_secret_key(checked):
        found += association.secret_key_problems(checked)
    for roles, check in SERVICE_CHECKS:
        if checked.roles.intersection(roles):
            found += check(checked)
    said = {problem.variable for problem in unreadable}
    found = [p for p in found if re.split(r"[\[.]", p.variable)[0] not in said]
    return lines + [str(p) for p in sorted({*unreadable, *found})]


_UNDEFINED = re.compile(r"'([^']+)' is undefined")


def readable(hostvars: Mapping[str, Any], where: str) -> tuple[dict[str, Any], list[Problem]]:
    """The host's variables with their templates rendered, and a problem for each one that
    cannot be: a reference to a value that is not defined (a vault value missing or
    misspelt), or `{{` that is not a template. The value itself is never shown: it may be
    a password."""
    values: dict[str, Any] = {}
    found: list[Problem] = []
    for name in list(hostvars):
        try:
            value = _plain(hostvars[name])
        except Exception as error:  # Ansible's template errors share no public type
            found.append(Problem(str(name), _unreadable(str(error)), where))
            continue
        values[name] = value
    return values, found


def _plain(value: Any) -> Any:
    """The value with everything in it rendered now (Ansible renders a list's or a
    mapping's items when they are read), so that an error shows here, by its variable."""
    if type(value).__name__.endswith("Marker"):
        # Ansible hands over a marker in place of a value it could not render; it raises
        # the error when used.
        str(value)
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _unreadable(error: str) -> str:
    missing = _UNDEFINED.search(error)
    if missing:
        return say("unreadable.undefined", name=missing[1])
    if "syntax error" in error.lower():
        # Jinja's message may quote the text around the error: never shown.
        return say("unreadable.syntax")
    # A lookup that fails (a key file that is not there...): Ansible's reason, first line.
    reason = error.split("\n", 1)[0].removeprefix("A captured exception marker was tripped: ")
    return say("unreadable.failed", reason=reason.rstrip("."))


def spec_problems(
    results: Sequence[Mapping[str, Any]],
    inventory_dir: str | None = None,
) -> list[str]:
    """Lines for the argument-spec errors registered by the preflight's validation loop."""
    where = say("where.vars", inventory=shown_path(inventory_dir))
    lines: list[str] = []
    for result in results:
        role = result.get("item", "?")
        errors = result.get("argument_errors") or []
        for error in errors:
            lines.append(say("spec.error", role=role, error=str(error).rstrip("."), where=where))
        if result.get("failed") and not errors:
            # Not a wrong value but one that cannot be computed (an undefined variable, a
            # lookup that fails): the role would fail on it too, later and half-way.
            reason = str(result.get("msg") or say("spec.unknown_error"))
            reason = reason.removeprefix("Task failed: ").rstrip(".")
            lines.append(say("spec.unreadable", role=role, reason=reason, where=where))
    return lines
