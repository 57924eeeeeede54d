"""Matrix: Synapse's server name and its delegation from the bare domain, and the
bridges to other chat networks (the catalogue is bridges.py's)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial

from .. import bridges, i18n, validators
from .common import Host, Problem, as_list, check, named_items, role_defaults, say

ROLES = ("synapse", "mautrix_bridge")
MATRIX_ID = re.compile(rf"^@{validators.MATRIX_LOCALPART}:[a-z0-9.-]+(:[0-9]+)?$")
TELEGRAM_HASH = re.compile(r"[0-9a-f]{32}")
_say = partial(i18n.say, "preflight_matrix")


def problems(host: Host) -> list[Problem]:
    found: list[Problem] = []
    if "synapse" in host.roles:
        found += _synapse(host, host.places.association)
    if "mautrix_bridge" in host.roles:
        found += _bridges(host, host.places.association)
    return found


def _synapse(host: Host, where: str) -> list[Problem]:
    server_name = host.vars.get("synapse_server_name", host.vars.get("collectif_domain"))
    found: list[Problem] = []
    if "synapse_server_name" in host.vars:
        found += check("synapse_server_name", server_name, validators.domain_problem, where)
    shortest = host.vars.get(
        "synapse_password_minimum_length",
        role_defaults("synapse")["synapse_password_minimum_length"],
    )
    found += _users(host.vars.get("synapse_users", []), where, shortest)
    # WordPress, when it serves the bare domain, serves Synapse's delegation files with it. A wrong
    # domain is said once, where it is set: not again as a site that does not serve it.
    wordpress_domain = host.vars.get("wordpress_domain", host.vars.get("collectif_domain"))
    if ("wordpress" in host.roles and wordpress_domain == server_name) or validators.domain_problem(
        server_name
    ) is not None:
        return found
    # Otherwise one of the inventory's sites must serve the bare domain, where other
    # servers and clients look for /.well-known/matrix/*.
    site = host.vars.get("synapse_wellknown_site", "accueil")
    served = [
        s
        for s in as_list(host.vars.get("nginx_sites"))
        if isinstance(s, Mapping)
        and s.get("name") == site
        and server_name in as_list(s.get("server_names"))
    ]
    if not served:
        found.append(
            Problem(
                "nginx_sites",
                _say("wellknown", server_name=server_name, site=site),
                where,
            )
        )
    return found


def _users(users: object, where: str, shortest: object) -> list[Problem]:
    """The accounts the inventory creates: Synapse's login rules, each once, none that a
    bridge's bot or puppets own, a first password as long as the members' own must be."""
    items, found = named_items(
        users,
        "synapse_users",
        say("accounts.items"),
        say("accounts.needs"),
        partial(say, "accounts.duplicate"),
        where,
        name_rule=validators.matrix_login_problem,
    )
    for label, user in items:
        name = user.get("name")
        owner = bridges.reserved_localpart(name) if isinstance(name, str) else None
        if owner is not None:
            found.append(
                Problem(
                    f"{label}.name",
                    _say("users.bridge", name=name, bridge=owner.display, network=owner.network),
                    where,
                )
            )
        password = user.get("password")
        if isinstance(password, str) and isinstance(shortest, int) and len(password) < shortest:
            found.append(
                Problem(
                    f"{label}.password",
                    _say("users.short_password", length=len(password), shortest=shortest),
                    where,
                )
            )
    return found


def _bridges(host: Host, where: str) -> list[Problem]:
    networks = host.vars.get("mautrix_bridge_networks", [])
    if not isinstance(networks, list):
        return [Problem("mautrix_bridge_networks", _say("networks.not_a_list"), where)]
    found: list[Problem] = []
    for network in networks:
        # A name, or what YAML made of one (a mapping would not even be hashable).
        shown = network if isinstance(network, str) else str(network)
        found += check("mautrix_bridge_networks", shown, bridges.network_problem, where)
    if "telegram" in networks and not _telegram_app(host):
        found.append(
            Problem(
                "mautrix_bridge_telegram_api_id",
                _say("telegram"),
                where,
            )
        )
    admins = host.vars.get("mautrix_bridge_admins", [])
    domain = host.vars.get("collectif_domain", "example.org")
    for admin in admins if isinstance(admins, list) else [admins]:
        if not isinstance(admin, str) or not MATRIX_ID.match(admin):
            found.append(
                Problem(
                    "mautrix_bridge_admins",
                    _say("admin", admin=admin, domain=domain),
                    where,
                )
            )
    return found


def _telegram_app(host: Host) -> bool:
    """Whether the Telegram app's credentials look right: the id a number, or its digits
    as a string (as a vault value usually is), the hash 32 hexadecimal characters."""
    api_id = host.vars.get("mautrix_bridge_telegram_api_id")
    api_hash = host.vars.get("mautrix_bridge_telegram_api_hash")
    valid_id = not isinstance(api_id, bool) and str(api_id).isdigit() and int(api_id) > 0
    return valid_id and TELEGRAM_HASH.fullmatch(str(api_hash or "")) is not None
