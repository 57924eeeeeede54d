"""Each service's accounts, as the members file and the plans want them.

The members play hands every service role one list, made here from `collectif_members`
and `collectif_plans` (the preflight checked both): for each member, whether their account
on that service should be usable (`enabled`: the member is active and their plan gives the
service) and what the plan sets on it (Nextcloud's quota). A member whose account should
not be usable keeps it, locked or disabled, with its data: the roles never delete one.

The role then compares the list with the accounts the service has (read in one query) and
changes only what differs (`differences`). A missing account is made only for a member the
volunteer's run brings a first password for (`collectif member add` and `password`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

STATES_ENABLED = ("active",)


def service_accounts(
    members: Iterable[Any],
    plans: Iterable[Any],
    service: str,
    passwords: Mapping[str, Any] | None = None,
    only: Iterable[str] = (),
    reset: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """One entry per member (only those named, when `only` names some): login, name,
    e-mail, plan, state, `enabled` (and its opposite, `locked`), `quota` (the plan's
    Nextcloud quota, "" when the plan gives no cloud), `password` (the first password this
    run brings, or "") and `reset` (this password replaces the one of every account the
    member has: `collectif member password`)."""
    by_name = {str(plan.get("name")): plan for plan in plans if isinstance(plan, Mapping)}
    chosen = set(only)
    renewed = set(reset)
    passwords = passwords or {}
    accounts = []
    for member in members:
        if not isinstance(member, Mapping):
            continue
        login = str(member.get("login", ""))
        if chosen and login not in chosen:
            continue
        plan = by_name.get(str(member.get("plan")), {})
        gives = plan.get("services") or []
        state = str(member.get("state") or "active")
        enabled = state in STATES_ENABLED and service in gives
        accounts.append(
            {
                "login": login,
                "name": str(member.get("name") or login),
                "email": str(member.get("email") or ""),
                "plan": str(member.get("plan") or ""),
                "state": state,
                "enabled": enabled,
                "locked": not enabled,
                "quota": str(plan.get("nextcloud_quota") or "") if "cloud" in gives else "",
                "password": str(passwords.get(login) or ""),
                "reset": login in renewed and bool(passwords.get(login)),
            }
        )
    return accounts


def differences(
    wanted: Iterable[Mapping[str, Any]],
    current: Mapping[str, Any],
    fields: Mapping[str, str],
) -> list[dict[str, Any]]:
    """The wanted accounts that exist (`current`: the service's accounts by login) and
    differ in one of `fields` (wanted field -> the service's field): each with `current`,
    the service's account, beside it. A wanted value of "" means "leave it"."""
    found = []
    for account in wanted:
        there = current.get(account["login"])
        if not isinstance(there, Mapping):
            continue
        if any(
            account[mine] != "" and _same(account[mine]) != _same(there.get(theirs))
            for mine, theirs in fields.items()
        ):
            found.append({**account, "current": dict(there)})
    return found


def _same(value: Any) -> Any:
    """Services answer booleans as true/false, 1/0 or "1"/"0"; compare them as booleans."""
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1", "true", "false"):
        return value in (1, "1", "true")
    return value
