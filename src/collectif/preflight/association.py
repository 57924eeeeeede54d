"""The association's own values (group_vars/all/association.yml), checked on every host:
its domain and address, its environment, its plans, its artifact mirror, and the secret
key when the host runs a service that derives passwords from it."""

from __future__ import annotations

import ipaddress

from .. import secrets, validators
from .common import ENVIRONMENTS, Host, Problem, check, named_items

# The values every inventory gives, with an example for the message when one is missing.
REQUIRED = (
    ("collectif_domain", validators.domain_problem, "example.org"),
    ("collectif_admin_email", validators.email_problem, "bureau@example.org"),
)
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
    found += _environment_reaches(host, where) + _example_address(host)
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
    return found + _plans(host.vars.get("collectif_plans", []), where)


# Connections that never leave the controller's machine: containers and the machine itself.
LOCAL_CONNECTIONS = ("local", "docker", "community.docker.docker", "podman")
# Names that never reach a real server (RFC 2606 and 6761, and a container's bare name).
LOCAL_SUFFIXES = (".localhost", ".test", ".local", ".internal", ".example", ".invalid")


# The addresses documentation uses (RFC 5737, 3849), as the example inventory does.
EXAMPLE_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)


def _example_address(host: Host) -> list[Problem]:
    """The example inventory's address left in place: the run would wait on no server."""
    address = host.vars.get("ansible_host")
    try:
        ip = ipaddress.ip_address(str(address))
    except ValueError:
        return []
    if not any(ip in network for network in EXAMPLE_NETWORKS):
        return []
    return [
        Problem(
            "ansible_host",
            f"{address} is an example address (kept from the example inventory): write "
            f"{host.name}'s own address, as your provider gives it",
            host.places.hosts_file,
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


def _plans(plans: object, where: str) -> list[Problem]:
    items, found = named_items(
        plans,
        "collectif_plans",
        "plans (name, nextcloud_quota)",
        "a name and a nextcloud_quota",
        "'{name}' is used by two plans",
        where,
        name_rule=validators.slug_problem,
    )
    for label, plan in items:
        found += check(
            f"{label}.nextcloud_quota", plan.get("nextcloud_quota"), validators.quota_problem, where
        )
    return found


def needs_secret_key(host: Host) -> bool:
    """Whether a service of the host derives passwords or tokens from the key (its
    declaration lists secrets): without the key, that role would fail half-way."""
    return any(service.secrets for service in host.services)


def secret_key_problems(host: Host) -> list[Problem]:
    message = secrets.key_problem(host.vars.get("collectif_secret_key"))
    if message is None:
        return []
    return [Problem("collectif_secret_key", f"{message}. {MAKE_A_KEY}", host.places.association)]
