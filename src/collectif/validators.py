"""Format checks shared by the preflight and the plugins.

Each function answers None when the value is good, or a short sentence saying what is wrong,
written for a volunteer reading it in a terminal.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

from . import bridges, php, secrets

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}$")
_QUOTA = re.compile(r"^(?P<number>\d+(\.\d+)?) ?(?P<unit>B|KB|MB|GB|TB)$")
_USERNAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_SSH_KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)
_BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
_QUOTA_UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def domain_problem(value: Any) -> str | None:
    """A DNS name such as example.org: lowercase labels, at least two of them."""
    if not isinstance(value, str) or not value:
        return "is empty; write a domain name such as example.org"
    if value != value.lower():
        return f"'{value}' has uppercase letters; write it in lowercase ('{value.lower()}')"
    if len(value) > 253 or "." not in value:
        return f"'{value}' is not a domain name (expected something like example.org)"
    labels = value.split(".")
    if not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        return (
            f"'{value}' is not a domain name: use letters, digits and hyphens "
            "between dots, like example.org"
        )
    return None


def email_problem(value: Any) -> str | None:
    """An address such as bureau@example.org."""
    if not isinstance(value, str) or not value:
        return "is empty; write an e-mail address such as bureau@example.org"
    local, sep, domain = value.rpartition("@")
    if not sep or not _EMAIL_LOCAL.match(local) or domain_problem(domain.lower()) is not None:
        return f"'{value}' is not an e-mail address (expected something like bureau@example.org)"
    return None


def quota_bytes(value: str) -> int:
    """Bytes in a quota written like Nextcloud's: "5 GB", "500 MB" (binary units)."""
    match = _QUOTA.match(value.strip())
    if match is None:
        raise ValueError(value)
    return int(float(match["number"]) * _QUOTA_UNITS[match["unit"]])


def quota_problem(value: Any) -> str | None:
    """A storage quota: a number and a unit, such as "5 GB" or "500 MB"."""
    if not isinstance(value, str) or _QUOTA.match(value.strip()) is None:
        return (
            f"'{value}' is not a quota: write a number and a unit among "
            'B, KB, MB, GB, TB, like "5 GB" or "500 MB"'
        )
    if quota_bytes(value) == 0:
        return f"'{value}' is zero: a member could not store anything"
    return None


def username_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not _USERNAME.match(value):
        return (
            f"'{value}' is not a valid login name: lowercase letters, digits, '-' and '_', "
            "starting with a letter, 32 characters at most"
        )
    return None


def slug_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not _SLUG.match(value):
        return f"'{value}' is not a valid name: lowercase letters, digits, '-' and '_'"
    return None


def ssh_key_problem(value: Any) -> str | None:
    """An OpenSSH public key line: type, base64 body, optional comment."""
    if not isinstance(value, str):
        return "is not a text line; paste the content of your .pub file"
    fields = value.strip().split()
    if len(fields) < 2 or fields[0] not in _SSH_KEY_TYPES or not _BASE64.match(fields[1]):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return (
            f"'{shown}' is not an SSH public key: paste the whole line of your "
            "~/.ssh/id_ed25519.pub (it starts with ssh-ed25519)"
        )
    return None


def network_problem(value: Any) -> str | None:
    try:
        ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        return f"'{value}' is not an IP address or network (like 192.0.2.10 or 2001:db8::/32)"
    return None


def port_problem(value: Any) -> str | None:
    text = str(value)
    bounds = text.split("-", 1)
    if not all(part.isdigit() and 1 <= int(part) <= 65535 for part in bounds) or (
        len(bounds) == 2 and int(bounds[0]) >= int(bounds[1])
    ):
        return f"'{value}' is not a port (1-65535) or a range like 49152-49200"
    return None


# WordPress's rules for a network's site names and accounts (sub-directory network).
_WORDPRESS_SLUG = re.compile(r"^[a-z0-9]{4,}$")
_WORDPRESS_LOGIN = re.compile(r"^[a-z0-9]{4,60}$")
# Paths WordPress keeps for itself in a sub-directory network.
WORDPRESS_RESERVED = frozenset({"page", "comments", "blog", "files", "feed", "embed"})


def wordpress_slug_problem(value: Any) -> str | None:
    """A member's site address, /<slug>/ under the network's domain."""
    if (
        not isinstance(value, str)
        or not _WORDPRESS_SLUG.match(value)
        or value in WORDPRESS_RESERVED
    ):
        return (
            f"'{value}': the site's address takes 4 or more lowercase letters and digits "
            f"(WordPress's rule), and not {', '.join(sorted(WORDPRESS_RESERVED))}"
        )
    return None


def wordpress_login_problem(value: Any) -> str | None:
    """An account name in a WordPress network."""
    if not isinstance(value, str) or not _WORDPRESS_LOGIN.match(value):
        return (
            f"'{value}': an account name of 4 to 60 lowercase letters and digits "
            "(WordPress's rule in a network)"
        )
    return None


# The rules roles apply through the collection collectif.core: `x is collectif.core.<name>`
# and `x | collectif.core.problem('<name>')` (the same sentence preflight prints).
PROBLEMS: dict[str, Callable[[Any], str | None]] = {
    "domain": domain_problem,
    "email": email_problem,
    "quota": quota_problem,
    "username": username_problem,
    "slug": slug_problem,
    "ssh_key": ssh_key_problem,
    "network": network_problem,
    "port": port_problem,
    "wordpress_slug": wordpress_slug_problem,
    "wordpress_login": wordpress_login_problem,
    "php_extensions": php.unknown_extensions_problem,
    "secret_key": secrets.key_problem,
    "bridge": bridges.network_problem,
}
