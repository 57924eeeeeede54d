"""The members file (group_vars/all/members.yml of an inventory), edited by `collectif member`.

The file is the association's register: each member's plan and state, the day they joined
and each change since. Edits keep its comments, order and layout (a round trip through
ruamel.yaml), are checked with the preflight's rules before the file is written, and a
change is dated (today, unless the volunteer gives the day it took effect).
"""

from __future__ import annotations

import datetime
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from . import i18n
from .inventory_files import AnsibleLoader
from .preflight import members as rules
from .preflight.common import Host, Places


def say(key: str, **values: Any) -> str:
    return i18n.say("member", key, **values)


FILE = Path("group_vars") / "all" / "members.yml"
HEADER = """\
---
# The association's members: login, name, e-mail, plan (collectif_plans), state (active,
# suspended, gone), the day they joined and each change since. `collectif member` keeps it.
# Les membres de l'association : identifiant, nom, adresse, formule, état (active,
# suspended, gone), date d'adhésion et chaque changement depuis. `collectif member` le tient.
collectif_members: []
"""
# What each state change needs the member to be in, and the state it leads to.
CHANGES = {
    "suspend": (("active",), "suspended"),
    "resume": (("suspended", "gone"), "active"),
    "remove": (("active", "suspended"), "gone"),
    "purge": (("gone",), "purged"),
}


class Refused(Exception):
    """A change the register cannot take: the file is left as it was."""


@dataclass
class Register:
    """One inventory's members file, loaded for a round trip."""

    inventory: Path
    document: CommentedMap

    @property
    def path(self) -> Path:
        return self.inventory / FILE

    @property
    def members(self) -> CommentedSeq:
        listed = self.document.get("collectif_members")
        if not isinstance(listed, CommentedSeq) or (not listed and listed.fa.flow_style()):
            listed = CommentedSeq()  # block style, the file's own, from the first member
            self.document["collectif_members"] = listed
        return listed

    def find(self, login: str) -> CommentedMap:
        for member in self.members:
            if isinstance(member, Mapping) and member.get("login") == login:
                return member
        known = ", ".join(str(m.get("login")) for m in self.members if isinstance(m, Mapping))
        raise Refused(
            say(
                "refused.no_member",
                login=login,
                path=self.path,
                known=known or say("list.none"),
            )
        )


def first_password(length: int = 20) -> str:
    """A member's first password: letters and digits, easy to read out and type, random
    from the system's secure source (about 119 bits with 20 characters)."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _yaml() -> YAML:
    handler = YAML()  # round trip: comments, order, quotes
    handler.preserve_quotes = True
    handler.indent(mapping=2, sequence=4, offset=2)
    handler.width = 100
    handler.explicit_start = True  # "---", as every YAML file of an inventory
    return handler


def load(inventory: Path) -> Register:
    path = inventory / FILE
    text = path.read_text() if path.exists() else HEADER
    document = _yaml().load(text)
    if not isinstance(document, CommentedMap):
        raise Refused(say("refused.unreadable", path=path))
    return Register(inventory, document)


def save(register: Register) -> None:
    register.path.parent.mkdir(parents=True, exist_ok=True)
    with register.path.open("w") as out:
        _yaml().dump(register.document, out)


def plans(inventory: Path) -> list[Any]:
    """The plans the inventory's hosts see: the project's, unless association.yml sets its own."""
    found: list[Any] = []
    for name in ("00-project.yml", "association.yml"):
        path = inventory / "group_vars" / "all" / name
        if path.exists():
            values = yaml.load(path.read_text(), Loader=AnsibleLoader) or {}
            if isinstance(values, Mapping) and "collectif_plans" in values:
                found = values["collectif_plans"]
    return found


def problems(register: Register) -> list[str]:
    """The preflight's lines about these plans and members."""
    host = Host(
        "members",
        {
            "collectif_plans": plans(register.inventory),
            "collectif_members": _plain(register.members),
        },
        {},
        Places(str(register.inventory), "members"),
    )
    return [str(problem) for problem in rules.problems(host)]


def _plain(value: Any) -> Any:
    """ruamel's commented values as the plain ones Ansible hands the preflight."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def checked(register: Register, before: list[str]) -> None:
    """Refuse the change when it brings a problem the file did not have."""
    new = [line for line in problems(register) if line not in before]
    if new:
        raise Refused(say("refused.problems") + "\n- " + "\n- ".join(new))


def add(
    register: Register, login: str, name: str, email: str, plan: str, day: datetime.date
) -> None:
    before = problems(register)
    member = CommentedMap(
        [
            ("login", login),
            ("name", name),
            ("email", email),
            ("plan", plan),
            ("state", "active"),
            ("since", day),
        ]
    )
    register.members.append(member)
    checked(register, before)


def change_plan(register: Register, login: str, plan: str, day: datetime.date) -> str:
    before = problems(register)
    member = register.find(login)
    old = member.get("plan")
    if old == plan:
        raise Refused(say("refused.same_plan", login=login, plan=plan))
    member["plan"] = plan
    _record(member, day, "plan", plan)
    checked(register, before)
    return str(old)


def change_state(register: Register, login: str, change: str, day: datetime.date) -> str:
    before = problems(register)
    member = register.find(login)
    allowed, state = CHANGES[change]
    current = member.get("state", "active")
    if current not in allowed:
        raise Refused(
            say(
                "refused.state",
                login=login,
                current=current,
                change=change,
                allowed=" or ".join(allowed),
            )
        )
    member["state"] = state
    _record(member, day, "state", state)
    checked(register, before)
    return state


def _record(member: CommentedMap, day: datetime.date, field: str, value: str) -> None:
    history = member.get("history")
    if not isinstance(history, CommentedSeq):
        history = CommentedSeq()
        member["history"] = history
    entry = CommentedMap([("date", day), (field, value)])
    entry.fa.set_flow_style()
    history.append(entry)


def rows(register: Register) -> list[tuple[str, ...]]:
    """login, name, plan, state and since, for `collectif member list`."""
    return [
        tuple(
            str(member.get(field, "active" if field == "state" else ""))
            for field in ("login", "name", "plan", "state", "since")
        )
        for member in register.members
        if isinstance(member, Mapping)
    ]


def quotas(register: Register) -> dict[str, str]:
    """Each member's cloud quota, from their plan ("" when it gives no cloud)."""
    given = {
        str(plan.get("name")): str(plan.get("nextcloud_quota") or "")
        for plan in plans(register.inventory)
        if isinstance(plan, Mapping) and "cloud" in (plan.get("services") or [])
    }
    return {
        str(member.get("login")): given.get(str(member.get("plan")), "")
        for member in register.members
        if isinstance(member, Mapping)
    }


def usage_cell(used: int | None, quota: str) -> str:
    """ "1.2 GB / 5 GB (24 %)" for the list; a dash for what is not known."""
    shown = "-" if used is None else _size(used)
    if not quota:
        return shown
    limit = _bytes(quota)
    share = f" ({100 * used / limit:.0f} %)" if used is not None and limit else ""
    return f"{shown} / {quota}{share}"


_UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def _bytes(quota: str) -> int:
    """Nextcloud's quota ("5 GB") in bytes (its units are powers of 1024); 0 if unknown."""
    number, _, unit = quota.strip().partition(" ")
    try:
        return int(float(number) * _UNITS[unit.upper() or "B"])
    except (KeyError, ValueError):
        return 0


def _size(count: int) -> str:
    for unit in ("TB", "GB", "MB", "KB"):
        if count >= _UNITS[unit]:
            return f"{count / _UNITS[unit]:.1f} {unit}"
    return f"{count} B"


def summary(register: Register) -> list[str]:
    """Counts by state and by plan, and the yearly dues of the active members (each plan's
    fee)."""
    fees = {
        str(plan.get("name")): _fee(plan)
        for plan in plans(register.inventory)
        if isinstance(plan, Mapping)
    }
    listed = [m for m in register.members if isinstance(m, Mapping)]
    states = {
        state: [m for m in listed if m.get("state", "active") == state] for state in rules.STATES
    }
    active = states["active"]
    by_plan = {name: sum(1 for m in active if m.get("plan") == name) for name in fees}
    dues = sum(fees.get(str(m.get("plan")), 0) for m in active)
    counts = ", ".join(f"{name} {count}" for name, count in by_plan.items() if count)
    return [
        say(
            "list.summary",
            active=len(active),
            counts=counts or say("list.none"),
            suspended=len(states["suspended"]),
            gone=len(states["gone"]),
            purged=len(states["purged"]),
            dues=f"{dues:g}",
        )
    ]


def _fee(plan: Mapping[str, Any]) -> float:
    """A plan's yearly fee; 0 for one the preflight would refuse (the list still shows)."""
    fee = plan.get("fee")
    return fee if isinstance(fee, int | float) and not isinstance(fee, bool) else 0
