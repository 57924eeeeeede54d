"""Format checks shared by the preflight and the plugins.

Each function answers None when the value is good, or a short sentence saying what is wrong,
written for a volunteer reading it in a terminal.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import ipaddress
import re
import zoneinfo
from collections.abc import Callable
from functools import cache, partial
from typing import Any

from . import bridges, i18n, php, secrets

_say = partial(i18n.say, "validators")

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


def _kind(value: Any) -> str:
    """What a value is, for a message about a value of the wrong kind."""
    if value is None:
        return _say("kind.empty")
    if isinstance(value, list):
        return _say("kind.list")
    if isinstance(value, dict):
        return _say("kind.mapping")
    if isinstance(value, bool):
        return _say("kind.bool")
    if isinstance(value, int | float):
        return _say("kind.number")
    return _say("kind.other", type=type(value).__name__)


def domain_problem(value: Any) -> str | None:
    """A DNS name such as example.org: lowercase labels, at least two of them."""
    if not isinstance(value, str):
        return _say("domain.kind", kind=_kind(value))
    if not value:
        return _say("domain.empty")
    if value != value.lower():
        return _say("domain.uppercase", value=value, lower=value.lower())
    if len(value) > 253 or "." not in value:
        return _say("domain.invalid", value=value)
    labels = value.split(".")
    long = [label for label in labels if len(label) > 63]
    if long:
        return _say("domain.long_label", value=value, label=long[0][:20], length=len(long[0]))
    if not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        return _say("domain.characters", value=value)
    return None


def email_problem(value: Any) -> str | None:
    """An address such as bureau@example.org."""
    if not isinstance(value, str):
        return _say("email.kind", kind=_kind(value))
    if not value:
        return _say("email.empty")
    local, sep, domain = value.rpartition("@")
    if not sep or not _EMAIL_LOCAL.match(local) or domain_problem(domain.lower()) is not None:
        return _say("email.invalid", value=value)
    if domain != domain.lower():
        # WordPress and others refuse it later, on the server.
        return _say("email.uppercase", value=value, lower=f"{local}@{domain.lower()}")
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
        return _say("quota.invalid", value=value)
    if quota_bytes(value) == 0:
        return _say("quota.zero", value=value)
    return None


def username_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not _USERNAME.match(value):
        return _say("username", value=value)
    return None


def slug_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not _SLUG.match(value):
        return _say("slug", value=value)
    return None


def ssh_key_problem(value: Any) -> str | None:
    """An OpenSSH public key line as authorized_keys takes it: options (optional), type,
    base64 body, comment (optional). The body is decoded as `ssh-keygen -l` would: a key
    cut short, damaged or labelled with another type would be ignored by sshd, and the
    admin locked out."""
    if not isinstance(value, str):
        return _say("ssh_key.not_text")
    shown = value if len(value) <= 40 else value[:37] + "..."
    fields = _key_fields(value.strip())
    if fields is None:
        return _say("ssh_key.shape", shown=shown)
    label, body = fields
    held = _key_blob_type(body)
    if held is None:
        return _say("ssh_key.damaged", shown=shown)
    if held != label:
        return _say("ssh_key.type", shown=shown, label=label, held=held)
    return None


def ssh_key_blob(value: str) -> str | None:
    """The base64 body of a valid key line (to find one key listed twice), else None."""
    fields = _key_fields(value.strip()) if isinstance(value, str) else None
    return None if fields is None or ssh_key_problem(value) else fields[1]


_KEY_OPTIONS = re.compile(r'^[A-Za-z-]+(="(?:[^"\\]|\\.)*")?(,[A-Za-z-]+(="(?:[^"\\]|\\.)*")?)*$')


def _key_fields(line: str) -> tuple[str, str] | None:
    """(type, base64 body) of a key line, its authorized_keys options skipped; None when
    the line is not shaped like one."""
    fields = line.split()
    if not fields or fields[0] not in _SSH_KEY_TYPES:
        # Options come first and may hold quoted spaces: from="10.0.0.1",no-pty ssh-ed25519 ...
        match = re.match(r'^((?:[^\s"]|"(?:[^"\\]|\\.)*")+)\s+(.*)$', line)
        if match is None or not _KEY_OPTIONS.match(match[1]):
            return None
        fields = match[2].split()
    if len(fields) < 2 or fields[0] not in _SSH_KEY_TYPES or not _BASE64.match(fields[1]):
        return None
    return fields[0], fields[1]


# The size of the fixed parts of each type's key, after its type name (RFC 4253, 5656, 8709,
# and OpenSSH's PROTOCOL.u2f): ed25519 keys are 32 bytes, ECDSA points 65, 97 or 133 bytes.
_EC_POINT = {"nistp256": 65, "nistp384": 97, "nistp521": 133}


def _key_blob_type(body: str) -> str | None:
    """The type a key's blob holds, when the whole blob is well formed; None otherwise."""
    try:
        blob = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None
    parts: list[bytes] = []
    at = 0
    while at < len(blob):
        if at + 4 > len(blob):
            return None
        size = int.from_bytes(blob[at : at + 4], "big")
        if at + 4 + size > len(blob):
            return None
        parts.append(blob[at + 4 : at + 4 + size])
        at += 4 + size
    if not parts:
        return None
    held = parts[0].decode("ascii", "replace")
    rest = parts[1:]
    shapes: dict[str, bool] = {
        "ssh-ed25519": len(rest) == 1 and len(rest[0]) == 32,
        "sk-ssh-ed25519@openssh.com": len(rest) == 2 and len(rest[0]) == 32,
        # e, then n: at least 1024 bits (sshd refuses smaller RSA keys).
        "ssh-rsa": len(rest) == 2 and len(rest[1].lstrip(b"\0")) * 8 >= 1024,
    }
    if held.startswith(("ecdsa-sha2-", "sk-ecdsa-sha2-")):
        curve = held.removeprefix("sk-").removeprefix("ecdsa-sha2-").removesuffix("@openssh.com")
        wanted = 3 if held.startswith("sk-") else 2
        shapes[held] = (
            len(rest) == wanted
            and rest[0].decode("ascii", "replace") == curve
            and len(rest[1]) == _EC_POINT.get(curve, -1)
        )
    return held if shapes.get(held, False) else None


_LOCALE = re.compile(r"^[a-z]{2,3}_[A-Z]{2}(\.UTF-8)?(@[a-z]+)?$")


def locale_problem(value: Any) -> str | None:
    """A locale as Debian's locales package names it: fr_FR.UTF-8."""
    if not isinstance(value, str) or not _LOCALE.match(value):
        return _say("locale", value=value)
    return None


def timezone_problem(value: Any) -> str | None:
    """A time zone of the tz database, such as Europe/Paris."""
    zones = _timezones()
    if not isinstance(value, str) or (zones and value not in zones):
        guess = difflib.get_close_matches(str(value), sorted(zones), n=1)
        hint = _say("did_you_mean", guess=guess[0]) if guess else ""
        return _say("timezone", value=value, hint=hint)
    return None


@cache
def _timezones() -> frozenset[str]:
    """The tz database's zones as the controller knows them (empty when it has none: then
    any name passes, and the server's own check decides)."""
    try:
        return frozenset(zoneinfo.available_timezones())
    except OSError:  # no tz database on the controller: not an inventory problem
        return frozenset()


def network_problem(value: Any) -> str | None:
    try:
        ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        return _say("network", value=value)
    return None


def port_problem(value: Any) -> str | None:
    text = str(value)
    bounds = text.split("-", 1)
    if not all(part.isdigit() and 1 <= int(part) <= 65535 for part in bounds) or (
        len(bounds) == 2 and int(bounds[0]) >= int(bounds[1])
    ):
        return _say("port", value=value)
    return None


# Synapse's rules for a local account's name (the part of @name:example.org before the ':').
MATRIX_LOCALPART = r"[a-z0-9._=/+-]+"
_MATRIX_LOCALPART = re.compile(rf"^{MATRIX_LOCALPART}$")


def matrix_login_problem(value: Any) -> str | None:
    """A Matrix account's name, as Synapse accepts one at registration."""
    if not isinstance(value, str):
        return _say("login.kind", kind=_kind(value))
    if not value:
        return _say("matrix_login.empty")
    if not _MATRIX_LOCALPART.match(value):
        return _say("matrix_login.characters", value=value)
    if value.startswith("_") or value.isdigit():
        return _say("matrix_login.reserved", value=value)
    if len(value) > 64:
        return _say("matrix_login.long", value=value)
    return None


# A Jitsi account's login, as the role writes it into Prosody (tasks/user.yml).
_JITSI_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
# Jitsi's own accounts on its XMPP server.
JITSI_RESERVED = frozenset({"focus", "jvb"})


def jitsi_login_problem(value: Any) -> str | None:
    """A member's Jitsi login: what the role's entry point accepts."""
    if not isinstance(value, str):
        return _say("login.kind", kind=_kind(value))
    if not _JITSI_LOGIN.match(value):
        return _say("jitsi_login.characters", value=value)
    if value in JITSI_RESERVED:
        return _say("jitsi_login.reserved", value=value)
    return None


def public_ip_problem(value: Any, version: int | None = None) -> str | None:
    """An address of the internet, neither private nor reserved (of that IP version when
    one is given: behind NAT, the router's IPv4 address)."""
    try:
        address = ipaddress.ip_address(str(value))
    except ValueError:
        address = None
    if address is None or (version is not None and address.version != version):
        if version == 4:
            return _say("ip.v4", value=value)
        return _say("ip.any", value=value)
    if not address.is_global:
        return _say("ip.private", value=value)
    return None


def public_ipv4_problem(value: Any) -> str | None:
    return public_ip_problem(value, 4)


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
        reserved = ", ".join(sorted(WORDPRESS_RESERVED))
        return _say("wordpress.slug", value=value, reserved=reserved)
    return None


def wordpress_login_problem(value: Any) -> str | None:
    """An account name in a WordPress network."""
    if not isinstance(value, str) or not _WORDPRESS_LOGIN.match(value):
        return _say("wordpress.login", value=value)
    return None


# A pinned release: its version (X.Y.Z, a suffix allowed: 1.2.3-rc1) and its archive's sum.
_RELEASE_VERSION = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+(-[a-z0-9]+)?$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def release_version_problem(value: Any) -> str | None:
    """A release's version as the roles pin one: 5.11.81, 31.0.9, 1.2.3-rc1."""
    if not isinstance(value, str) or not _RELEASE_VERSION.match(value):
        return _say("release_version", value=value)
    return None


def sha256_problem(value: Any) -> str | None:
    """A release's checksum, as sha256sum prints it."""
    if not isinstance(value, str) or not _SHA256.match(value):
        return _say("sha256")
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
    "locale": locale_problem,
    "timezone": timezone_problem,
    "port": port_problem,
    "matrix_login": matrix_login_problem,
    "jitsi_login": jitsi_login_problem,
    "public_ipv4": public_ipv4_problem,
    "public_ip": public_ip_problem,
    "wordpress_slug": wordpress_slug_problem,
    "wordpress_login": wordpress_login_problem,
    "php_extensions": php.unknown_extensions_problem,
    "secret_key": secrets.key_problem,
    "bridge": bridges.network_problem,
    "release_version": release_version_problem,
    "sha256": sha256_problem,
}
