"""nginx's sites and locations, as the inventory and the services describe them.

The nginx role reads its sites through the filter collectif.core.nginx_sites (defaults
filled in, in one place) and preflight checks the inventory's through site_problems: the
keys of a site and their rules are written here only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from . import shapes, validators

# What location / of a site does: one of these, or none when only its locations serve.
TARGETS = ("upstream", "root", "return")
# Every key of a site, with its value when the site does not give it (None: computed).
SITE_KEYS: dict[str, Any] = {
    "name": None,
    "server_names": None,
    "upstream": "",
    "root": "",
    "php_socket": "",
    "php_config": [],
    "index": None,
    "try_files": None,
    "return": "",
    "max_body_size": None,
    "websocket": False,
    "locations": [],
    "headers": {},
    "config": [],
    "state": "present",
}
LOCATION_KEYS: dict[str, Any] = {
    "site": None,
    "name": None,
    "path": None,
    "match": "prefix",
    "upstream": "",
    "websocket": False,
    "alias": "",
    "root": "",
    "try_files": "",
    "return": "",
    "headers": {},
    "config": [],
}
MATCHES = ("prefix", "exact", "regex", "regex_ci", "prefix_priority")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def site_problems(site: Any) -> list[str]:
    """What is wrong with one site, each as a short sentence (empty when it is good)."""
    if not isinstance(site, Mapping):
        return ["must have a name and server_names"]
    found: list[str] = []
    name = site.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        found.append(f"name '{name}' must be lowercase letters, digits, - and _")
    unknown = sorted(set(site) - set(SITE_KEYS))
    if unknown:
        found.append(f"has unknown keys {', '.join(unknown)} (the keys: {', '.join(SITE_KEYS)})")
    server_names = site.get("server_names")
    if not isinstance(server_names, list) or not server_names:
        found.append("server_names must list the site's domain names")
    else:
        for server_name in server_names:
            problem = validators.domain_problem(server_name)
            if problem:
                found.append(f"server name {problem}")
    targets = [key for key in TARGETS if site.get(key)]
    if len(targets) > 1:
        found.append(f"gives {' and '.join(targets)}; a site serves one of {', '.join(TARGETS)}")
    if site.get("php_socket") and not site.get("root"):
        found.append("php_socket needs a root, where the PHP files are")
    for location in site.get("locations") or []:
        found += [f"location: {p}" for p in location_problems(location, inline=True)]
    return found


def location_problems(location: Any, inline: bool = False) -> list[str]:
    """What is wrong with one location (a site's own, or a drop-in for another site's)."""
    if not isinstance(location, Mapping) or not location.get("path"):
        return ["must have a path"]
    found: list[str] = []
    keys = set(LOCATION_KEYS) - ({"site", "name"} if inline else set())
    unknown = sorted(set(location) - keys)
    if unknown:
        found.append(f"'{location['path']}' has unknown keys {', '.join(unknown)}")
    if location.get("match", "prefix") not in MATCHES:
        found.append(f"'{location['path']}': match is one of {', '.join(MATCHES)}")
    if not inline:
        for key in ("site", "name"):
            if not isinstance(location.get(key), str) or not _NAME.match(location[key]):
                found.append(
                    f"'{location['path']}': {key} must be lowercase letters, digits, - and _"
                )
    return found


def sites(
    items: Sequence[Mapping[str, Any]], max_body_size: str, security_headers: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Every site to serve, each with all its keys (state: absent ones are left out).

    Stops on the first bad site with its problems: preflight reports an inventory's sites
    before any change; this catches a service's declaration gone wrong.
    """
    served: list[dict[str, Any]] = []
    for item in items:
        site = shapes.complete(item, SITE_KEYS, site_problems, f"nginx site '{item.get('name')}'")
        if site["state"] == "absent":
            continue
        php = bool(site["php_socket"])
        if site["index"] is None:
            site["index"] = ["index.php", "index.html"] if php else []
        if site["try_files"] is None:
            site["try_files"] = (
                "$uri $uri/ /index.php$is_args$args"
                if php
                else ("$uri $uri/ =404" if site["root"] else "")
            )
        site["max_body_size"] = site["max_body_size"] or max_body_size
        site["headers"] = {**security_headers, **(site["headers"] or {})}
        site["locations"] = [
            {key: loc.get(key, default) for key, default in LOCATION_KEYS.items()}
            for loc in site["locations"]
        ]
        served.append(site)
    twice = shapes.repeated([site["name"] for site in served])
    if twice:
        raise ValueError(f"nginx sites: two sites are named {', '.join(twice)}")
    return served


def locations(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every location drop-in, each with all its keys."""
    found: list[dict[str, Any]] = []
    for item in items:
        location = shapes.complete(item, LOCATION_KEYS, location_problems, "nginx location")
        location["file"] = f"/etc/nginx/collectif/{location['site']}.d/{location['name']}.conf"
        found.append(location)
    return found
