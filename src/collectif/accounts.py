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
# Not a service a plan gives but what every member owes: the plan's yearly fee, invoiced
# while the member is active (and the fee is not 0).
DUES = "dues"


def service_accounts(
    members: Iterable[Any],
    plans: Iterable[Any],
    service: str,
    passwords: Mapping[str, Any] | None = None,
    only: Iterable[str] = (),
    reset: Iterable[str] = (),
    purge: Iterable[str] = (),
    archives: str = "",
) -> list[dict[str, Any]]:
    """One entry per member (only those named, when `only` names some): login, name,
    e-mail, plan, state, `enabled` (and its opposite, `locked`), `quota` (the plan's
    Nextcloud quota, "" when the plan gives no cloud), `fee` (the plan's yearly fee; for
    the service "dues", `enabled` means it is invoiced), `first` (this run brings the
    member a first password: the password itself is never in the entry, which tasks show,
    but in `passwords`, which the roles read in tasks that show nothing) and `reset` (that
    password replaces the one of every account the member has: `collectif member
    password`) and `purge` (a member who is gone, whose
    data this run exports and whose accounts it deletes: `collectif member purge`), with
    `archive`, the server's directory where each service puts what it exports of theirs
    (`archives`/LOGIN)."""
    by_name = {str(plan.get("name")): plan for plan in plans if isinstance(plan, Mapping)}
    chosen = set(only)
    renewed = set(reset)
    purged = set(purge)
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
        fee = plan.get("fee") if isinstance(plan.get("fee"), int | float) else 0
        given = fee > 0 if service == DUES else service in gives
        enabled = state in STATES_ENABLED and given
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
                "fee": fee,
                "first": bool(passwords.get(login)),
                "reset": login in renewed and bool(passwords.get(login)),
                "purge": login in purged and state == "gone",
                "archive": f"{archives}/{login}" if login in purged and archives else "",
            }
        )
    return accounts


def with_passwords(
    accounts: Iterable[Mapping[str, Any]], passwords: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The entries with each one's first password beside (`password`, "" for none): for a
    program's standard input, in a task that shows nothing."""
    return [{**a, "password": str(passwords.get(a["login"]) or "")} for a in accounts]


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


def dues_changes(
    members: Iterable[Mapping[str, Any]],
    clients: Iterable[Mapping[str, Any]],
    recurring: Iterable[Mapping[str, Any]],
    product_key: str,
) -> dict[str, Any]:
    """What Invoice Ninja must change for the members' dues (one entry per member, as
    service_accounts makes them for "dues"), from its clients and recurring invoices as
    its API lists them. A member's client is the one with their e-mail among its
    contacts; their dues, that client's recurring invoice with a line `product_key`.
    Returns `clients` (e-mail -> client id) and the members in `without_client`,
    `to_invoice` (no dues yet), `to_change` (other amount, or paused while they are
    active) and `to_stop` (still invoiced while they are not), the last two with `dues`."""
    ids: dict[str, str] = {}
    for client in clients:
        for contact in client.get("contacts") or []:
            email = str(contact.get("email") or "").lower()
            if email:
                ids.setdefault(email, str(client.get("id")))
    dues_of: dict[str, Mapping[str, Any]] = {}
    for invoice in recurring:
        lines = invoice.get("line_items") or []
        if invoice.get("is_deleted") or not any(
            line.get("product_key") == product_key for line in lines
        ):
            continue
        dues_of.setdefault(str(invoice.get("client_id")), invoice)
    found: dict[str, Any] = {
        "clients": ids,
        "without_client": [],
        "to_invoice": [],
        "to_change": [],
        "to_stop": [],
    }
    for member in members:
        client = ids.get(str(member.get("email") or "").lower())
        dues = dues_of.get(client) if client else None
        status = str(dues.get("status_id")) if dues else ""
        if member.get("enabled"):
            if client is None:
                found["without_client"].append(dict(member))
            if dues is None:
                found["to_invoice"].append(dict(member))
            elif status == PAUSED or _amount(dues) != float(member.get("fee") or 0):
                found["to_change"].append({**member, "dues": dict(dues)})
        elif dues is not None and status in INVOICING:
            found["to_stop"].append({**member, "dues": dict(dues)})
    return found


# Invoice Ninja's states of a recurring invoice (app/Models/RecurringInvoice.php): draft,
# active and pending (active, first invoice to come) invoice; paused does not.
INVOICING = ("1", "2", "-1")
PAUSED = "3"


def _amount(invoice: Mapping[str, Any]) -> float:
    try:
        return float(invoice.get("amount") or 0)
    except (TypeError, ValueError):
        return -1.0


def member_counts(members: Iterable[Any], plans: Iterable[Any]) -> dict[str, Any]:
    """What a public page may say of the members: how many are active on each plan (with
    its yearly fee), how many are suspended, and the yearly dues of the active ones. No
    name, no login."""
    listed = [m for m in members if isinstance(m, Mapping)]
    active = [m for m in listed if (m.get("state") or "active") == "active"]
    rows = []
    dues = 0.0
    for plan in plans:
        if not isinstance(plan, Mapping):
            continue
        fee = plan.get("fee") if isinstance(plan.get("fee"), int | float) else 0
        count = sum(1 for m in active if m.get("plan") == plan.get("name"))
        rows.append({"name": str(plan.get("name")), "fee": fee, "active": count})
        dues += fee * count
    return {
        "plans": rows,
        "active": len(active),
        "suspended": sum(1 for m in listed if m.get("state") == "suspended"),
        "dues": dues,
    }
