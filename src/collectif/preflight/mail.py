"""The server's outgoing mail (the postfix role): a relay host needs its login, clear
text only to a relay on the server itself, the provider's DNS records well formed. Its
addresses (postfix_from_address, postfix_admin_email) are checked on the server before
any change, where their defaults are known."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import validators
from ..i18n import say
from .common import Host, Problem

ROLES = ("postfix",)
LOOPBACK = ("127.0.0.1", "::1", "localhost")
LEVELS = ("secure", "encrypt", "none")
PORTS = (25, 465, 587, 2525)
TLS = "postfix_relay_tls_security_level"
VAULT = "vault_postfix_relay_password"


def _problem(variable: str, key: str, where: str, **values: Any) -> Problem:
    return Problem(variable, say("preflight_mail", key, **values), where)


def problems(host: Host) -> list[Problem]:
    where = host.places.association
    relay = host.vars.get("postfix_relay_host", "")
    found = _records(host.vars.get("postfix_dns_records", []), where)
    if not relay:
        return found
    if relay not in LOOPBACK and validators.domain_problem(relay) is not None:
        found.append(_problem("postfix_relay_host", "relay.not_a_server", where, host=relay))
    if not host.vars.get("postfix_relay_user"):
        found.append(_problem("postfix_relay_user", "relay.login_missing", where, host=relay))
    # The role's default reads the vault's value: either one gives the password.
    if not host.vars.get("postfix_relay_password", host.vars.get(VAULT)):
        found.append(_problem("postfix_relay_password", "relay.login_missing", where, host=relay))
    level = host.vars.get(TLS, "secure")
    if level not in LEVELS:
        found.append(_problem(TLS, "relay.bad_level", where, value=level))
    elif level == "none" and relay not in LOOPBACK:
        found.append(_problem(TLS, "relay.clear_text", where, host=relay))
    port = host.vars.get("postfix_relay_port", 587)
    if str(port) not in {str(p) for p in PORTS}:
        found.append(_problem("postfix_relay_port", "relay.bad_port", where, value=port))
    return found


def _record_ok(record: Any) -> bool:
    return (
        isinstance(record, Mapping)
        and all(isinstance(record.get(key), str) and record[key] for key in ("name", "value"))
        and record.get("type") in ("TXT", "CNAME", "MX")
    )


def _records(value: Any, where: str) -> list[Problem]:
    if not isinstance(value, list):
        return [_problem("postfix_dns_records", "dns.bad_record", where)]
    return [
        _problem(f"postfix_dns_records[{index}]", "dns.bad_record", where)
        for index, record in enumerate(value)
        if not _record_ok(record)
    ]
