"""Filters of collectif: its rules, which live once in the package src/collectif."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible.errors import AnsibleFilterError
from ansible_collections.collectif.core.plugins.module_utils.collectif import (
    accounts,
    bridges,
    nginx,
    php,
    secrets,
    xmpp,
)
from ansible_collections.collectif.core.plugins.module_utils.collectif.validators import (
    PROBLEMS,
)


def secret(key: Any, purpose: str, length: int = 64) -> str:
    """collectif_secret_key | collectif.core.secret('nextcloud.database'): every derived
    password and token (sha256 of "<key>:<purpose>" in hexadecimal, maybe shortened)."""
    try:
        return secrets.derive(key, purpose, int(length))
    except ValueError as error:
        raise AnsibleFilterError(str(error)) from error


def bridge(network: str) -> dict[str, Any]:
    """'whatsapp' | collectif.core.bridge: the catalogue's entry (port, bot, prefix...)."""
    try:
        return bridges.bridge(network)
    except ValueError as error:
        raise AnsibleFilterError(str(error)) from error


def problem(value: Any, rule: str) -> str:
    """value | collectif.core.problem('domain'): what is wrong with it by that rule, or ""
    (for an assert's message: the same sentence preflight prints)."""
    if rule not in PROBLEMS:
        raise AnsibleFilterError(
            f"collectif.core.problem: no rule '{rule}' ({', '.join(PROBLEMS)})"
        )
    return PROBLEMS[rule](value) or ""


def php_packages(extensions: list[str], version: str = "8.4") -> list[str]:
    """Debian packages for PHP extensions; an unknown name stops the templating."""
    try:
        return php.packages(extensions, str(version))
    except ValueError as error:
        raise AnsibleFilterError(str(error)) from error


def php_fpm_pools(
    items: list[Any], socket: str, sessions_dir: str, tmp_dir: str = "/var/lib/php/tmp"
) -> list[Any]:
    """The pools of the host, every key filled in (src/collectif/php.py)."""
    try:
        return php.pools(items, socket, sessions_dir, tmp_dir)
    except ValueError as error:
        raise AnsibleFilterError(str(error)) from error


def nginx_sites(
    items: list[Any],
    max_body_size: str,
    headers: dict[str, str],
    limits: list[str] | None = None,
) -> list[Any]:
    """The sites nginx serves, every key filled in (src/collectif/nginx.py); `limits`: the
    names of the request limits a location may ask for."""
    try:
        return nginx.sites(items, max_body_size, headers, limits)
    except ValueError as error:
        raise AnsibleFilterError(str(error)) from error


def nginx_locations(items: list[Any], limits: list[str] | None = None) -> list[Any]:
    """The location drop-ins nginx writes, every key filled in."""
    try:
        return nginx.locations(items, limits)
    except ValueError as error:
        raise AnsibleFilterError(str(error)) from error


def nginx_request_limits(items: dict[str, Any]) -> dict[str, Any]:
    """The request limits the sites' locations may ask for, every key filled in."""
    try:
        return nginx.request_limits(items)
    except ValueError as error:
        raise AnsibleFilterError(str(error)) from error


def prosody_account(password: Any, salt_base: Any, jid: str) -> dict[str, Any]:
    """password | collectif.core.prosody_account(salt_base, 'user@host'): what Prosody
    stores for the account (src/collectif/xmpp.py), its salt derived from salt_base."""
    try:
        return xmpp.account(str(password), xmpp.salt(str(salt_base), jid))
    except ValueError as error:
        raise AnsibleFilterError(f"{jid}: {error}") from error


def prosody_encode(name: str) -> str:
    """'meet.example.org' | collectif.core.prosody_encode: the name of Prosody's files."""
    return xmpp.encode(str(name))


def prosody_decode(name: str) -> str:
    """'camille%2ecolin' | collectif.core.prosody_decode: the name a Prosody file stands for."""
    return xmpp.decode(str(name))


def preflight_problems(
    hostvars: Any, groups: Any, host: str, inventory_dir: str | None = None, specs: Any = ()
) -> list[str]:
    """The inventory's problems for one host (src/collectif/preflight), with the errors
    of the roles' argument specs (the results of the preflight's validation loop)."""
    from ansible_collections.collectif.core.plugins.module_utils.collectif import preflight

    return preflight.problems(hostvars, groups, host, inventory_dir, specs)


def unreadable(hostvars: Any) -> list[str]:
    """The host's variables that cannot be rendered (an undefined reference, a broken
    template, a lookup that fails): left out of the roles' argument specs, whose error
    would print their text (maybe a password); the preflight names them once."""
    from ansible_collections.collectif.core.plugins.module_utils.collectif import preflight

    return sorted(problem.variable for problem in preflight.readable(hostvars, "")[1])


def service_accounts(
    members: Any, plans: Any, service: str, run: Any = None
) -> list[dict[str, Any]]:
    """collectif_members | collectif.core.service_accounts(collectif_plans, 'cloud', run):
    each member's account on one service (src/collectif/accounts.py); `run`: what
    `collectif member` gives this run ({passwords, only, reset, purge, archives})."""
    run = run or {}
    return accounts.service_accounts(
        members or [],
        plans or [],
        service,
        run.get("passwords") or {},
        run.get("only") or (),
        run.get("reset") or (),
        run.get("purge") or (),
        str(run.get("archives") or ""),
    )


def dues_changes(members: Any, clients: Any, recurring: Any, product_key: str) -> dict[str, Any]:
    """invoiceninja_members | collectif.core.dues_changes(clients, recurring_invoices,
    'cotisation'): what Invoice Ninja must change for the dues (src/collectif/accounts.py)."""
    return accounts.dues_changes(members or [], clients or [], recurring or [], product_key)


def member_counts(members: Any, plans: Any) -> dict[str, Any]:
    """collectif_members | collectif.core.member_counts(collectif_plans): active members
    per plan, suspended, yearly dues; no names (src/collectif/accounts.py)."""
    return accounts.member_counts(members or [], plans or [])


def with_passwords(accounts_: Any, passwords: Any) -> list[dict[str, Any]]:
    """wordpress_members | collectif.core.with_passwords(wordpress_members_passwords): the
    entries with their first password, for a task that shows nothing."""
    return accounts.with_passwords(accounts_ or [], passwords or {})


def account_differences(wanted: Any, current: Any, fields: Any) -> list[dict[str, Any]]:
    """wanted | collectif.core.account_differences(current, {'enabled': 'enabled'}): the
    existing accounts that differ from the wanted ones (src/collectif/accounts.py)."""
    return accounts.differences(wanted or [], current or {}, fields)


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "secret": secret,
            "bridge": bridge,
            "problem": problem,
            "php_packages": php_packages,
            "php_fpm_pools": php_fpm_pools,
            "nginx_sites": nginx_sites,
            "nginx_locations": nginx_locations,
            "nginx_request_limits": nginx_request_limits,
            "prosody_account": prosody_account,
            "prosody_encode": prosody_encode,
            "prosody_decode": prosody_decode,
            "preflight": preflight_problems,
            "unreadable": unreadable,
            "service_accounts": service_accounts,
            "account_differences": account_differences,
            "dues_changes": dues_changes,
            "member_counts": member_counts,
            "with_passwords": with_passwords,
        }
