"""The association's plans (collectif_plans) and its members (collectif_members, in the
inventory's group_vars/all/members.yml), checked on every host.

A plan names the services it gives and its yearly fee; a member has a login, a name, an
e-mail, a plan and a state. A login must suit every service of the member's plan, and the
services' own accounts and namespaces are never a member's.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Mapping
from functools import partial
from typing import Any

from .. import bridges, i18n, validators
from .common import Host, Problem, as_list, check, named_items

_say = partial(i18n.say, "preflight_members")
# What a plan may give (what each word means for the member: the catalogue's service.<word>).
SERVICES = ("cloud", "matrix", "bridges", "blog", "video")
# purged: gone, their data exported to an archive and their accounts deleted (`collectif
# member purge`); the login stays in the register, never given again.
STATES = ("active", "suspended", "gone", "purged")
# Logins no member gets: the system's and the services' own accounts, and the mailboxes
# RFC 2142 gives a domain's operators.
RESERVED = frozenset(
    {
        "abuse",
        "admin",
        "administrator",
        "anonymous",
        "collectif",  # Ansible's own account on Synapse
        "guest",
        "hostmaster",
        "mailer-daemon",
        "nobody",
        "noreply",
        "no-reply",
        "postmaster",
        "root",
        "security",
        "webmaster",
        "www-data",
    }
    | validators.JITSI_RESERVED
)
# The service roles' own administrators, by the variable that names them (and its default).
SERVICE_ADMINS = (("nextcloud_admin_user", "admin"), ("wordpress_admin_user", "admin"))
# A login as every service takes it: lowercase letters, digits and . _ -, from a letter.
_LOGIN = re.compile(r"^[a-z][a-z0-9._-]{0,31}$")
_NAME = re.compile(r"^[^\x00-\x1f<>]{1,100}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def problems(host: Host) -> list[Problem]:
    plans = host.vars.get("collectif_plans", [])
    found = _plans(plans, host.places.association)
    known = {str(plan.get("name")): plan for plan in as_list(plans) if isinstance(plan, Mapping)}
    return found + _members(host, known)


def _plans(plans: Any, where: str) -> list[Problem]:
    items, found = named_items(
        plans,
        "collectif_plans",
        _say("plans.items"),
        _say("plans.needs"),
        partial(_say, "plans.duplicate"),
        where,
        name_rule=validators.slug_problem,
    )
    for label, plan in items:
        fee = plan.get("fee")
        if fee is None:
            found.append(
                Problem(
                    f"{label}.fee",
                    _say("fee.missing"),
                    where,
                )
            )
        elif isinstance(fee, bool) or not isinstance(fee, int | float) or fee < 0:
            found.append(
                Problem(
                    f"{label}.fee",
                    _say("fee.wrong", fee=fee),
                    where,
                )
            )
        services = plan.get("services")
        if not isinstance(services, list):
            found.append(
                Problem(
                    f"{label}.services",
                    _say("services.not_a_list", services=", ".join(SERVICES)),
                    where,
                )
            )
            services = []
        for index, service in enumerate(services):
            if not isinstance(service, str) or service not in SERVICES:
                found.append(
                    Problem(f"{label}.services[{index}]", _unknown_service(service), where)
                )
        if "bridges" in services and "matrix" not in services:
            found.append(
                Problem(
                    f"{label}.services",
                    _say("services.bridges_without_matrix"),
                    where,
                )
            )
        quota = plan.get("nextcloud_quota")
        if "cloud" in services:
            found += check(f"{label}.nextcloud_quota", quota, validators.quota_problem, where)
        elif quota is not None:
            found.append(
                Problem(
                    f"{label}.nextcloud_quota",
                    _say("quota.without_cloud"),
                    where,
                )
            )
    return found


def _unknown_service(service: Any) -> str:
    guess = difflib.get_close_matches(str(service), list(SERVICES), n=1)
    hint = _say("closest", guess=guess[0]) if guess else ""
    known = "; ".join(
        _say("service.meaning", word=word, meaning=_say(f"service.{word}")) for word in SERVICES
    )
    return _say("service.unknown", service=service, known=known, hint=hint)


def _members(host: Host, plans: Mapping[str, Mapping[str, Any]]) -> list[Problem]:
    where = f"{host.places.inventory}/group_vars/all/members.yml"
    members = host.vars.get("collectif_members", [])
    if not isinstance(members, list):
        return [Problem("collectif_members", _say("members.not_a_list"), where)]
    reserved = RESERVED | {
        str(host.vars.get(variable, default)) for variable, default in SERVICE_ADMINS
    }
    found: list[Problem] = []
    logins: dict[str, str] = {}
    emails: dict[str, str] = {}
    inventory_accounts = _inventory_accounts(host)
    for index, member in enumerate(members):
        label = f"collectif_members[{index}]"
        if not isinstance(member, Mapping):
            found.append(Problem(label, _say("member.not_a_mapping"), where))
            continue
        login = member.get("login")
        refused = _login(f"{label}.login", login, reserved, where)
        if not refused and login in inventory_accounts:
            refused = [
                Problem(
                    f"{label}.login",
                    _say(
                        "member.inventory_account", login=login, variable=inventory_accounts[login]
                    ),
                    where,
                )
            ]
        found += refused
        found += check(f"{label}.email", member.get("email"), validators.email_problem, where)
        found += check(f"{label}.name", member.get("name"), _name_problem, where)
        plan = member.get("plan")
        if not _named(plan, plans):
            found.append(Problem(f"{label}.plan", _unknown_plan(plan, plans), where))
        elif not refused:
            found += _login_for_plan(f"{label}.login", login, str(plan), plans[plan], where)
        found += check(f"{label}.state", member.get("state", "active"), _state_problem, where)
        found += _dates(label, member, plans, where)
        for field, seen in (("login", logins), ("email", emails)):
            value = member.get(field)
            if not isinstance(value, str) or not value:
                continue
            if value.lower() in seen:
                found.append(
                    Problem(
                        f"{label}.{field}",
                        _say(f"member.{field}_taken", value=value, other=seen[value.lower()]),
                        where,
                    )
                )
            seen.setdefault(value.lower(), label)
    return found


# The accounts the inventory lists for itself (the volunteers', a shared blog), which the
# members play never touches: a member may not have one of their names.
INVENTORY_ACCOUNTS = (
    ("synapse_users", "name"),
    ("jitsi_meet_users", "name"),
    ("wordpress_sites", "owner"),
)


def _inventory_accounts(host: Host) -> dict[str, str]:
    found: dict[str, str] = {}
    for variable, key in INVENTORY_ACCOUNTS:
        for item in as_list(host.vars.get(variable)):
            if isinstance(item, Mapping) and isinstance(item.get(key), str):
                found.setdefault(item[key], variable)
    return found


def _login(
    variable: str, login: Any, reserved: frozenset[str] | set[str], where: str
) -> list[Problem]:
    if not isinstance(login, str) or not _LOGIN.match(login):
        return [
            Problem(
                variable,
                _say("login.invalid", login=login),
                where,
            )
        ]
    if login in reserved:
        return [Problem(variable, _say("login.reserved", login=login), where)]
    bridge = bridges.reserved_localpart(login)
    if bridge is not None:
        return [
            Problem(
                variable,
                _say(
                    "login.bridge",
                    login=login,
                    bridge=bridge.display,
                    bot=bridge.bot,
                    network=bridge.network,
                ),
                where,
            )
        ]
    return []


def _login_for_plan(
    variable: str, login: str, name: str, plan: Mapping[str, Any], where: str
) -> list[Problem]:
    """What a service of the plan refuses in a login the general rule accepts."""
    services = as_list(plan.get("services"))
    rules = (
        ("matrix", validators.matrix_login_problem),
        ("video", validators.jitsi_login_problem),
        ("blog", validators.wordpress_login_problem),
    )
    found = []
    for service, rule in rules:
        message = rule(login) if service in services else None
        if message is not None:
            said = _say("login.plan", plan=name, service=service, problem=message)
            found.append(Problem(variable, said, where))
    return found


def _named(plan: Any, plans: Mapping[str, Any]) -> bool:
    """Whether a member's plan is one of the plans (a list or a mapping written there is not)."""
    return isinstance(plan, str) and plan in plans


def _unknown_plan(plan: Any, plans: Mapping[str, Any]) -> str:
    guess = difflib.get_close_matches(str(plan), list(plans), n=1)
    hint = _say("closest", guess=guess[0]) if guess else ""
    known = ", ".join(plans) or _say("plan.none")
    return _say("plan.unknown", plan=plan, plans=known, hint=hint)


def _name_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip() or not _NAME.match(value):
        return _say("name", value=value)
    return None


def _date(value: Any) -> datetime.date | None:
    """A date as YAML reads it (2026-09-01), or as text in that form."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and _DATE.match(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _dates(
    label: str, member: Mapping[str, Any], plans: Mapping[str, Any], where: str
) -> list[Problem]:
    """`since` (the day they joined) and `history` (each change: its date, the plan or
    the state from that day on), oldest first."""
    found = []
    since = member.get("since")
    if since is not None and _date(since) is None:
        found.append(Problem(f"{label}.since", _not_a_date(since), where))
    history = member.get("history", [])
    if not isinstance(history, list):
        changes = _say("history.not_a_list")
        return [*found, Problem(f"{label}.history", changes, where)]
    last = _date(since)
    for index, change in enumerate(history):
        item = f"{label}.history[{index}]"
        if not isinstance(change, Mapping) or not ({"plan", "state"} & set(change)):
            found.append(Problem(item, _say("history.item"), where))
            continue
        day = _date(change.get("date"))
        if day is None:
            found.append(Problem(f"{item}.date", _not_a_date(change.get("date")), where))
        elif last is not None and day < last:
            found.append(
                Problem(
                    f"{item}.date",
                    _say("history.order", day=day, last=last),
                    where,
                )
            )
        last = day or last
        if "plan" in change and not _named(change["plan"], plans):
            found.append(Problem(f"{item}.plan", _unknown_plan(change["plan"], plans), where))
        if "state" in change:
            found += check(f"{item}.state", change["state"], _state_problem, where)
    return found


def _state_problem(value: Any) -> str | None:
    return None if value in STATES else _say("state", value=value, states=", ".join(STATES))


def _not_a_date(value: Any) -> str:
    return _say("date", value=value)
