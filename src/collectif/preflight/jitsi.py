"""Jitsi Meet: its names, TURN on the same server, the address behind NAT, and the
accounts that may open rooms."""

from __future__ import annotations

from functools import partial

from .. import i18n, validators
from .common import Host, Problem, check, named_items, role_defaults, say

ROLES = ("jitsi_meet",)
_say = partial(i18n.say, "preflight_jitsi")


def problems(host: Host) -> list[Problem]:
    where = host.places.association
    # Its names are domains: checked with every *_domain variable (variables.py).
    found: list[Problem] = []
    if "coturn" not in host.roles:
        found.append(
            Problem(
                "coturn",
                _say("coturn"),
                host.places.hosts_file,
            )
        )
    found += _nat(host, where)
    shortest = host.vars.get(
        "jitsi_meet_password_minimum_length",
        role_defaults("jitsi_meet")["jitsi_meet_password_minimum_length"],
    )
    return found + _users(host.vars.get("jitsi_meet_users", []), where, shortest)


def _nat(host: Host, where: str) -> list[Problem]:
    """Behind NAT (coturn_external_ip says so), the videobridge must announce the public
    address too, and that address must be one the internet reaches."""
    mapped = host.vars.get("jitsi_meet_nat_public_ipv4", "")
    if mapped:
        return check("jitsi_meet_nat_public_ipv4", mapped, validators.public_ipv4_problem, where)
    if host.vars.get("coturn_external_ip"):
        return [
            Problem(
                "jitsi_meet_nat_public_ipv4",
                _say("nat"),
                where,
            )
        ]
    return []


def _users(users: object, where: str, shortest: object) -> list[Problem]:
    items, found = named_items(
        users,
        "jitsi_meet_users",
        say("accounts.items"),
        say("accounts.needs"),
        partial(say, "accounts.duplicate"),
        where,
        name_rule=validators.jitsi_login_problem,
    )
    for label, user in items:
        password = user.get("password")
        if not isinstance(password, str) or not password:
            found.append(Problem(f"{label}.password", _say("password.missing"), where))
        elif isinstance(shortest, int) and len(password) < shortest:
            found.append(
                Problem(
                    f"{label}.password",
                    _say("password.short", length=len(password), shortest=shortest),
                    where,
                )
            )
    return found
