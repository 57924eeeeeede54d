"""nginx's sites and ACME settings, PHP's extensions: the rules beyond the specs' types.

What one site may hold is nginx.py's rule (the nginx role applies the same one); what
spans sites is checked here: two sites with one name, one domain served by two sites.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from .. import i18n, nginx, php
from .common import Host, Problem, as_list, check, named_items

ROLES = ("nginx", "php_fpm")
_say = partial(i18n.say, "preflight_web")
OVH_KEYS = (
    "nginx_acme_ovh_application_key",
    "nginx_acme_ovh_application_secret",
    "nginx_acme_ovh_consumer_key",
)


def problems(host: Host) -> list[Problem]:
    where = host.places.association
    found: list[Problem] = []
    if "nginx" in host.roles:
        found += _acme(host, where)
        found += _sites(host.vars.get("nginx_sites"), where)
    extensions = host.vars.get("php_fpm_extensions")
    if "php_fpm" in host.roles and extensions is not None:
        found += check("php_fpm_extensions", extensions, php.unknown_extensions_problem, where)
    return found


def _acme(host: Host, where: str) -> list[Problem]:
    if host.vars.get("nginx_acme_challenge") != "dns-ovh":
        return []
    return [
        Problem(
            variable,
            _say("acme.ovh_key"),
            where,
        )
        for variable in OVH_KEYS
        if not host.vars.get(variable)
    ]


def _sites(sites: Any, where: str) -> list[Problem]:
    if sites is None:
        return []
    items, found = named_items(
        sites,
        "nginx_sites",
        _say("sites.items"),
        _say("sites.needs"),
        partial(_say, "sites.duplicate"),
        where,
    )
    served: dict[str, str] = {}
    for label, site in items:
        found += [Problem(label, sentence, where) for sentence in nginx.site_problems(site)]
        for index, server_name in enumerate(as_list(site.get("server_names"))):
            if isinstance(server_name, str) and server_name in served:
                found.append(
                    Problem(
                        f"{label}.server_names[{index}]",
                        _say("sites.served_twice", name=server_name, site=served[server_name]),
                        where,
                    )
                )
            served.setdefault(str(server_name), str(site.get("name")))
    return found
