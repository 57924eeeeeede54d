"""The base role's rules beyond its argument specs' types: admins who can log in, a short
host name, a locale that is generated, networks and ports in range. Servers and backup
targets both get the base role (admins, SSH hardening, firewall), so both are checked."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from .. import i18n, validators
from .association import LOCAL_CONNECTIONS
from .common import Host, Problem, as_list, check, role_defaults

ROLES = ("base",)
# Accounts the system and the services run as (Debian's fixed ones, the database and web
# servers', this server's services'): made an admin, one would get a login shell, sudo and
# its keys replaced.
SYSTEM_ACCOUNTS = frozenset(
    {
        *("root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news"),
        *("uucp", "proxy", "www-data", "backup", "list", "irc", "nobody", "messagebus"),
        *("sshd", "polkitd", "postgres", "mysql", "valkey", "redis", "turnserver"),
        *("synapse", "nextcloud", "wordpress", "pebble", "restic", "rest-server", "prosody"),
        *("jitsi", "jicofo", "jvb", "invoiceninja", "postfix", "opendkim"),
    }
)
SYSTEM_PREFIXES = ("_", "systemd-", "mautrix-", "debian-")
# Swap file sizes that make sense on a rented server (MiB): less is no help, more fills
# the disk the members' files need.
SWAP_MB = (64, 16384)
_say = partial(i18n.say, "preflight_base")


def _default(variable: str) -> Any:
    return role_defaults("base").get(variable)


def problems(host: Host) -> list[Problem]:
    return _admins(host) + _host_values(host) + _connection(host)


def _connection(host: Host) -> list[Problem]:
    """The account Ansible logs in as must still be let in once sshd allows only the admins
    (and the provider's first account, while Ansible connects as it)."""
    if host.environment != "production" or host.vars.get("ansible_connection") in LOCAL_CONNECTIONS:
        return []
    provider = host.vars.get("base_provider_account", _default("base_provider_account"))
    root = host.vars.get("base_sshd_permit_root_login", _default("base_sshd_permit_root_login"))
    users = host.vars.get("base_admin_users", [])
    admins = [
        u.get("name")
        for u in (users if isinstance(users, list) else [])
        if isinstance(u, Mapping) and u.get("state", "present") == "present"
    ]
    allowed = [provider, *admins, *(["root"] if root != "no" else [])]
    user = host.vars.get("ansible_user")
    if user in allowed:
        return []
    who = _say("login.who_unset") if user is None else _say("login.who_refused", user=user)
    allowed = "login.allowed" if root != "no" else "login.allowed_not_root"
    return [
        Problem("ansible_user", _say(allowed, who=who, provider=provider), host.places.hosts_file)
    ]


def _admins(host: Host) -> list[Problem]:
    where = host.places.association
    users = host.vars.get("base_admin_users", [])
    if not isinstance(users, list):
        return [Problem("base_admin_users", _say("admins.not_a_list"), where)]
    found: list[Problem] = []
    with_keys = 0
    names: dict[str, str] = {}
    blobs: dict[str, str] = {}
    for index, user in enumerate(users):
        label = f"base_admin_users[{index}]"
        if not isinstance(user, Mapping):
            found.append(Problem(label, _say("admins.not_a_mapping"), where))
            continue
        name = user.get("name")
        found += check(f"{label}.name", name, validators.username_problem, where)
        found += _admin_name(f"{label}.name", name, names, where)
        keys = user.get("ssh_keys", [])
        if not isinstance(keys, list):
            found.append(Problem(f"{label}.ssh_keys", _say("admins.keys_not_a_list"), where))
            continue
        for key_index, key in enumerate(keys):
            key_label = f"{label}.ssh_keys[{key_index}]"
            found += check(key_label, key, validators.ssh_key_problem, where)
            blob = validators.ssh_key_blob(key)
            if blob in blobs:
                found.append(
                    Problem(
                        key_label,
                        _say("admins.same_key", other=blobs[blob]),
                        where,
                    )
                )
            elif blob is not None:
                blobs[blob] = key_label
        if user.get("state", "present") == "present" and keys:
            with_keys += 1
    if host.environment == "production" and with_keys == 0:
        found.append(
            Problem(
                "base_admin_users",
                _say("admins.none_with_a_key"),
                where,
            )
        )
    return found


def _admin_name(label: str, name: Any, seen: dict[str, str], where: str) -> list[Problem]:
    """An admin's login: not an account of the system or of a service, not listed twice."""
    if not isinstance(name, str):
        return []
    if name in SYSTEM_ACCOUNTS or name.startswith(SYSTEM_PREFIXES):
        return [
            Problem(
                label,
                _say("admins.system_account", name=name),
                where,
            )
        ]
    if name in seen:
        return [Problem(label, _say("admins.twice", name=name, other=seen[name]), where)]
    seen[name] = label
    return []


def _host_values(host: Host) -> list[Problem]:
    """Values set per host (host_vars): name, locale, firewall and SSH settings."""
    found: list[Problem] = []
    where = host.places.host_file
    if "base_hostname" in host.vars and not _short_name(host.vars["base_hostname"]):
        found.append(
            Problem(
                "base_hostname",
                _say("hostname", value=host.vars["base_hostname"]),
                where,
            )
        )
    # The role's defaults count too: base_locale set alone must be one of the default list.
    locale = host.vars.get("base_locale", _default("base_locale"))
    locales = host.vars.get("base_locales", _default("base_locales"))
    for index, name in enumerate(as_list(locales)):
        found += check(f"base_locales[{index}]", name, validators.locale_problem, where)
    if isinstance(locales, list) and locale not in locales:
        found.append(
            Problem(
                "base_locale",
                _say("locale", locale=locale, locales=", ".join(map(str, locales))),
                where,
            )
        )
    if "base_timezone" in host.vars:
        found += check(
            "base_timezone", host.vars["base_timezone"], validators.timezone_problem, where
        )
    size = host.vars.get("base_swap_size_mb")
    if (
        isinstance(size, int)
        and not isinstance(size, bool)
        and not SWAP_MB[0] <= size <= SWAP_MB[1]
    ):
        found.append(
            Problem(
                "base_swap_size_mb",
                _say("swap", size=size, low=SWAP_MB[0], high=SWAP_MB[1]),
                where,
            )
        )
    for variable in ("base_firewall_ssh_sources", "base_fail2ban_ignoreip"):
        for index, network in enumerate(as_list(host.vars.get(variable))):
            found += check(f"{variable}[{index}]", network, validators.network_problem, where)
    # Ports of the wrong type are reported by the argument specs; here only the range.
    for variable in ("base_firewall_tcp_ports", "base_firewall_udp_ports"):
        for index, port in enumerate(as_list(host.vars.get(variable))):
            if isinstance(port, int):
                found += check(f"{variable}[{index}]", port, validators.port_problem, where)
    port = host.vars.get("base_sshd_port")
    if isinstance(port, int):
        found += check("base_sshd_port", port, validators.port_problem, where)
    return found


def _short_name(value: Any) -> bool:
    """A host name without its domain: one DNS label."""
    return (
        isinstance(value, str)
        and "." not in value
        and validators.domain_problem(f"{value}.example.org") is None
    )
