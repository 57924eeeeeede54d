"""The association's own values (group_vars/all/association.yml), checked on every host:
its domain and address, its environment, its artifact mirror, and the secret key when the
host runs a service that derives passwords from it. The plans are members.py's."""

from __future__ import annotations

import ipaddress

from .. import secrets, validators
from .common import ENVIRONMENTS, Host, Problem, check

# The values every inventory gives, with an example for the message when one is missing.
REQUIRED = (
    ("collectif_domain", validators.domain_problem, "mon-asso.fr"),
    ("collectif_admin_email", validators.email_problem, "bureau@mon-asso.fr"),
)
BOOLEAN_WORDS = ("true", "false", "yes", "no")
MIRROR_SCHEMES = ("http://", "https://", "file:///")
# How to make the key, after the rule's own sentence (secrets.key_problem).
MAKE_A_KEY = (
    "Make one with `openssl rand -hex 32`, keep it encrypted as vault_collectif_secret_key "
    "in group_vars/all/vault.yml (ansible-vault create), and refer to it from association.yml"
)


def problems(host: Host) -> list[Problem]:
    """The values every host reads, whatever it runs."""
    where = host.places.association
    found: list[Problem] = []
    for variable, rule, example in REQUIRED:
        value = host.vars.get(variable)
        if value in (None, ""):
            found.append(Problem(variable, f"is required (for example: {example})", where))
        else:
            found += check(variable, value, rule, where)
    mirror = host.vars.get("collectif_artifact_mirror", "")
    if mirror and not str(mirror).startswith(MIRROR_SCHEMES):
        found.append(
            Problem(
                "collectif_artifact_mirror",
                f"'{mirror}' is not a mirror address: it starts with https://, http:// "
                "or file:/// (a directory on the controller)",
                where,
            )
        )
    if host.environment not in ENVIRONMENTS:
        found.append(
            Problem(
                "collectif_environment",
                f"'{host.environment}' is not one of {', '.join(ENVIRONMENTS)}",
                where,
            )
        )
    found += _environment_reaches(host, where) + _example_address(host) + _example_domain(host)
    if host.environment == "production" and not host.vars.get("collectif_project_settings"):
        found.append(
            Problem(
                "group_vars/all/00-project.yml",
                "is missing or its link is broken, so the project's settings (the plans, the "
                "TURN name...) are not read; link it again: ln -sf ../../../../group_vars/all.yml "
                f"{host.places.inventory}/group_vars/all/00-project.yml",
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
        found.append(Problem("collectif_stamps", f"'{enabled}' is not true or false", where))
    hours = host.vars.get("collectif_stamps_max_age_hours", 24)
    if isinstance(hours, bool) or not str(hours).isdigit() or int(hours) < 1:
        found.append(
            Problem(
                "collectif_stamps_max_age_hours",
                f"'{hours}' is not a number of hours (a whole number, 1 or more; default 24)",
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
        own = "own IPv6 address" if ip.version == 6 else "own address"
        found.append(
            Problem(
                variable,
                f"{address} is an example address (kept from the example inventory): write "
                f"{host.name}'s {own}, as your provider gives it",
                host.places.hosts_file if place == "hosts" else _anywhere(host),
            )
        )
    return found + _ipv6(host)


def _anywhere(host: Host) -> str:
    return f"{host.places.inventory}/group_vars or host_vars (wherever it is set)"


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
        message = f"'{value}' is not an IPv6 address (like 2001:41d0:302:2100::1c8)"
    elif any(ip in network for network in EXAMPLE_NETWORKS):
        return []  # said as an example address
    elif host.environment == "production" and not ip.is_global:
        message = f"'{value}' is a private or reserved address, not one the internet reaches"
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
            f"'{domain}' is an example domain (kept from the example inventory): write the "
            "association's own domain, the one its members will type",
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
            f"'{host.environment}' turns the production rules off, and {host.name} is reached "
            f"at {address}, a real server's address: remove collectif_environment "
            "(production is the default), or point the inventory at a test machine",
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
    return [Problem("collectif_secret_key", f"{message}. {MAKE_A_KEY}", host.places.association)]
