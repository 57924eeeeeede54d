"""The association's own values (group_vars/all/association.yml), checked on every host:
its domain and address, its environment, its artifact mirror, and the secret key when the
host runs a service that derives passwords from it. The plans are members.py's."""

from __future__ import annotations

import ipaddress
from functools import partial
from pathlib import Path

from .. import i18n, inventory_files, secrets, validators
from .common import ENVIRONMENTS, Host, Problem, check

# The values every inventory gives, with an example for the message when one is missing.
REQUIRED = (
    ("collectif_domain", validators.domain_problem, "mon-asso.fr"),
    ("collectif_admin_email", validators.email_problem, "bureau@mon-asso.fr"),
)
BOOLEAN_WORDS = ("true", "false", "yes", "no")
MIRROR_SCHEMES = ("http://", "https://", "file:///")
_say = partial(i18n.say, "preflight_association")


def problems(host: Host) -> list[Problem]:
    """The values every host reads, whatever it runs."""
    where = host.places.association
    found: list[Problem] = []
    for variable, rule, example in REQUIRED:
        value = host.vars.get(variable)
        if value in (None, ""):
            found.append(Problem(variable, _say("required", example=example), where))
        else:
            found += check(variable, value, rule, where)
    mirror = host.vars.get("collectif_artifact_mirror", "")
    if mirror and not str(mirror).startswith(MIRROR_SCHEMES):
        found.append(
            Problem(
                "collectif_artifact_mirror",
                _say("mirror", mirror=mirror),
                where,
            )
        )
    if host.environment not in ENVIRONMENTS:
        found.append(
            Problem(
                "collectif_environment",
                _say(
                    "environment.unknown",
                    environment=host.environment,
                    choices=", ".join(ENVIRONMENTS),
                ),
                where,
            )
        )
    found += _environment_reaches(host, where) + _example_address(host) + _example_domain(host)
    if host.environment == "production" and not host.vars.get("collectif_project_settings"):
        found.append(
            Problem(
                "group_vars/all/00-project.yml",
                _say(
                    "project_settings",
                    command=inventory_files.relink_command(Path(host.places.inventory)),
                ),
                f"{host.places.inventory}/group_vars/all",
            )
        )
    return found + _stamps(host, where)


def _stamps(host: Host, where: str) -> list[Problem]:
    """The re-runs' stamps: on or off, and for how long one counts (read as Ansible reads
    them, so that -e collectif_stamps=false works as well as the inventory's false)."""
    found: list[Problem] = []
    enabled = host.vars.get("collectif_stamps", True)
    if not isinstance(enabled, bool) and str(enabled).lower() not in BOOLEAN_WORDS:
        found.append(Problem("collectif_stamps", _say("stamps.enabled", value=enabled), where))
    hours = host.vars.get("collectif_stamps_max_age_hours", 24)
    if isinstance(hours, bool) or not str(hours).isdigit() or int(hours) < 1:
        found.append(
            Problem(
                "collectif_stamps_max_age_hours",
                _say("stamps.hours", hours=hours),
                where,
            )
        )
    return found


# Connections that never leave the controller's machine: containers and the machine itself.
LOCAL_CONNECTIONS = ("local", "docker", "community.docker.docker", "podman")
# Names that never reach a real server (RFC 2606 and 6761, and a container's bare name).
LOCAL_SUFFIXES = (".localhost", ".test", ".local", ".internal", ".example", ".invalid")


# The addresses documentation uses (RFC 5737, 3849), as the example inventory does.
EXAMPLE_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)


# The addresses the inventory gives a server, where a volunteer sets each one.
ADDRESSES = (
    ("ansible_host", "hosts"),
    ("collectif_ipv6", "hosts"),
    ("coturn_external_ip", "vars"),
)


def _example_address(host: Host) -> list[Problem]:
    """An example inventory's address left in place (ansible_host, or another address the
    inventory gives the server): the run would wait on no server, DNS would send members
    nowhere."""
    found: list[Problem] = []
    for variable, place in ADDRESSES:
        address = host.vars.get(variable)
        try:
            ip = ipaddress.ip_address(str(address))
        except ValueError:
            continue  # not an address: ansible_host may be a name; the IPv6 is said below
        if not any(ip in network for network in EXAMPLE_NETWORKS):
            continue
        found.append(
            Problem(
                variable,
                _say(
                    "example.address_v6" if ip.version == 6 else "example.address",
                    address=address,
                    host=host.name,
                ),
                host.places.hosts_file if place == "hosts" else _anywhere(host),
            )
        )
    return found + _ipv6(host)


def _anywhere(host: Host) -> str:
    return i18n.say("preflight", "where.anywhere", inventory=host.places.inventory)


def _ipv6(host: Host) -> list[Problem]:
    """collectif_ipv6, the server's IPv6 address (its AAAA record, `collectif dns`): an
    IPv6 address, one the internet reaches on a real server."""
    value = host.vars.get("collectif_ipv6", "")
    if value in ("", None):
        return []
    try:
        ip = ipaddress.ip_address(str(value))
    except ValueError:
        ip = None
    if ip is None or ip.version != 6:
        message = _say("ipv6.not_ipv6", value=value)
    elif any(ip in network for network in EXAMPLE_NETWORKS):
        return []  # said as an example address
    elif host.environment == "production" and not ip.is_global:
        message = _say("ipv6.private", value=value)
    else:
        return []
    return [Problem("collectif_ipv6", message, host.places.hosts_file)]


# The names documentation uses (RFC 2606): the example inventory's domain is one of them.
EXAMPLE_DOMAINS = ("example.org", "example.com", "example.net")


def _example_domain(host: Host) -> list[Problem]:
    """The example inventory's domain left in place, on a real server: no certificate, no
    member would ever reach it."""
    value = host.vars.get("collectif_domain")
    if host.environment != "production" or validators.domain_problem(value) is not None:
        return []  # a domain that is not one is said once, by its own rule
    domain = str(value).rstrip(".")
    example = domain.endswith(".example") or any(
        domain == name or domain.endswith(f".{name}") for name in EXAMPLE_DOMAINS
    )
    if not example:
        return []
    return [
        Problem(
            "collectif_domain",
            _say("example.domain", domain=domain),
            host.places.association,
        )
    ]


def _environment_reaches(host: Host, where: str) -> list[Problem]:
    """'test' and 'demo' turn the production rules off (admins' keys, real certificates):
    refused for a host reached at a real address."""
    if host.environment not in ("test", "demo"):
        return []
    if host.vars.get("ansible_connection") in LOCAL_CONNECTIONS:
        return []
    address = str(host.vars.get("ansible_host") or host.name)
    if not _real_address(address):
        return []
    return [
        Problem(
            "collectif_environment",
            _say(
                "environment.real_server",
                environment=host.environment,
                host=host.name,
                address=address,
            ),
            where,
        )
    ]


def _real_address(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_global
    except ValueError:
        name = address.lower().rstrip(".")
        return "." in name and not name.endswith(LOCAL_SUFFIXES)


def needs_secret_key(host: Host) -> bool:
    """Whether a service of the host derives passwords or tokens from the key (its
    declaration lists secrets): without the key, that role would fail half-way."""
    return any(service.secrets for service in host.services)


def secret_key_problems(host: Host) -> list[Problem]:
    message = secrets.key_problem(host.vars.get("collectif_secret_key"))
    if message is None:
        return []
    said = _say("secret_key", problem=message, inventory=host.places.inventory)
    return [Problem("collectif_secret_key", said, host.places.association)]
