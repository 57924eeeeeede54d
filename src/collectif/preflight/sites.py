"""The services' own sites (each role declares them in meta/collectif.yml, needs:
nginx_sites) against the inventory: every address a service gets from the domain must be
one DNS allows, and no site of the inventory may take a service's site name or address
(nginx would serve one of the two, or the run would stop half-way).

The addresses are worked out here as the roles would: the inventory's value, or the role's
default (such as "cloud.{{ collectif_domain }}") rendered with the inventory's values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import jinja2
import jinja2.meta

from .. import i18n, services
from .common import Host, Problem, as_list, role_defaults

ROLES = ("nginx",)
_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)  # not HTML
MAX_NAME = 253  # characters in a DNS name
_ONE_VARIABLE = re.compile(r"^\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}$")
_say = partial(i18n.say, "preflight_sites")


@dataclass(frozen=True)
class ServiceSite:
    service: services.Service
    name: str
    server_names: tuple[tuple[str, str], ...]  # (address, the variable that sets it)


def problems(host: Host) -> list[Problem]:
    where = host.places.association
    sites = service_sites(host)
    found: list[Problem] = []
    # A wrong domain is said where it is set; here, only what a valid one can still do
    # wrong once a service adds its prefix: grow beyond what DNS allows.
    for site in sites:
        for address, variable in site.server_names:
            if len(address) > MAX_NAME:
                found.append(
                    Problem(
                        variable,
                        _say(
                            "too_long",
                            site=site.name,
                            address=address,
                            length=len(address),
                            most=MAX_NAME,
                        ),
                        where,
                    )
                )
    by_name = {site.name: site for site in sites}
    by_address = {
        address: (site, variable) for site in sites for address, variable in site.server_names
    }
    for index, site in enumerate(as_list(host.vars.get("nginx_sites"))):
        if not isinstance(site, Mapping):
            continue  # the web checks say it
        label = f"nginx_sites[{index}]"
        if site.get("name") in by_name:
            owner = by_name[site["name"]].service.name
            found.append(
                Problem(
                    f"{label}.name",
                    _say("name_taken", name=site["name"], owner=owner),
                    where,
                )
            )
        for position, address in enumerate(as_list(site.get("server_names"))):
            if address in by_address:
                owner_site, variable = by_address[address]
                found.append(
                    Problem(
                        f"{label}.server_names[{position}]",
                        _say(
                            "address_taken",
                            address=address,
                            site=owner_site.name,
                            variable=variable,
                        ),
                        where,
                    )
                )
    return found


def service_sites(host: Host) -> list[ServiceSite]:
    """The sites the host's services declare, with their addresses as the roles make them
    (those that cannot be worked out here are left to the roles)."""
    found: list[ServiceSite] = []
    for service in host.services:
        for declared in as_list(service.needs.get("nginx_sites")):
            if not isinstance(declared, Mapping) or not isinstance(declared.get("name"), str):
                continue
            addresses: list[tuple[str, str]] = []
            for template in as_list(declared.get("server_names")):
                match = _ONE_VARIABLE.match(str(template))
                variable = match[1] if match else _say("service_address", service=service.name)
                value = _render(str(template), service.name, host.vars)
                if isinstance(value, str) and value:
                    addresses.append((value, variable))
            found.append(ServiceSite(service, declared["name"], tuple(addresses)))
    return found


def _render(template: str, role: str, inventory: Mapping[str, Any], depth: int = 0) -> Any:
    """A template of the role's, with the inventory's values first, then the role's
    defaults (rendered in turn); None when it needs what only the server knows."""
    if "{{" not in template and "{%" not in template:
        return template
    if depth > 8:
        return None
    try:
        parsed = _ENV.parse(template)
        context: dict[str, Any] = {}
        for name in jinja2.meta.find_undeclared_variables(parsed):
            if name in inventory:
                context[name] = inventory[name]
            elif name in role_defaults(role):
                default = role_defaults(role)[name]
                context[name] = (
                    _render(default, role, inventory, depth + 1)
                    if isinstance(default, str)
                    else default
                )
        return _ENV.from_string(parsed).render(context)
    except (jinja2.TemplateError, TypeError):
        return None
