"""Jitsi Meet: its names, TURN on the same server, the address behind NAT, and the
accounts that may open rooms."""

from __future__ import annotations

from .. import validators
from .common import Host, Problem, check, named_items, role_defaults

ROLES = ("jitsi_meet",)


def problems(host: Host) -> list[Problem]:
    where = host.places.association
    # Its names are domains: checked with every *_domain variable (variables.py).
    found: list[Problem] = []
    if "coturn" not in host.roles:
        found.append(
            Problem(
                "coturn",
                "Jitsi gives participants whose network blocks its media the TURN server of "
                "the same server, and this host is not in the coturn group: add it there",
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
                "the server is behind NAT (coturn_external_ip is set) and the videobridge "
                "does not know its public address: browsers would get a private one and "
                "receive no media; set it to the public IPv4 address",
                where,
            )
        ]
    return []


def _users(users: object, where: str, shortest: object) -> list[Problem]:
    items, found = named_items(
        users,
        "jitsi_meet_users",
        "accounts (name, password)",
        "a name and a password",
        "'{name}' is listed twice; list each account once",
        where,
        name_rule=validators.jitsi_login_problem,
    )
    for label, user in items:
        password = user.get("password")
        if not isinstance(password, str) or not password:
            found.append(Problem(f"{label}.password", "is missing; put one in the vault", where))
        elif isinstance(shortest, int) and len(password) < shortest:
            found.append(
                Problem(
                    f"{label}.password",
                    f"has {len(password)} characters, fewer than {shortest} "
                    "(jitsi_meet_password_minimum_length): choose a longer one",
                    where,
                )
            )
    return found
