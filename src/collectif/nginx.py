"""nginx's sites and locations, as the inventory and the services describe them.

The nginx role reads its sites through the filter collectif.core.nginx_sites (defaults
filled in, in one place) and preflight checks the inventory's through site_problems: the
keys of a site and their rules are written here only.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from functools import partial
from typing import Any

from . import i18n, shapes, validators

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
    "limit": "",
    "php": False,
    "config": [],
}
# A request limit (nginx_request_limits): its keys and their defaults.
LIMIT_KEYS: dict[str, Any] = {"rate": None, "burst": 5, "methods": []}
_RATE = re.compile(r"^[1-9][0-9]*r/[sm]$")
_METHOD = re.compile(r"^[A-Z]+$")
_LIMIT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MATCHES = ("prefix", "exact", "regex", "regex_ci", "prefix_priority")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_say = partial(i18n.say, "nginx")


def site_problems(site: Any, limits: Collection[str] | None = None) -> list[str]:
    """What is wrong with one site, each as a short sentence (empty when it is good).
    `limits`: the names of the request limits defined (None: not checked)."""
    if not isinstance(site, Mapping):
        return [_say("site.not_a_mapping")]
    found: list[str] = []
    name = site.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        found.append(_say("site.name", name=name))
    unknown = sorted(set(site) - set(SITE_KEYS))
    if unknown:
        found.append(
            _say("site.unknown_keys", unknown=", ".join(unknown), keys=", ".join(SITE_KEYS))
        )
    server_names = site.get("server_names")
    if not isinstance(server_names, list) or not server_names:
        found.append(_say("site.server_names"))
    else:
        for server_name in server_names:
            problem = validators.domain_problem(server_name)
            if problem:
                found.append(_say("site.server_name", problem=problem))
    targets = [key for key in TARGETS if site.get(key)]
    if len(targets) > 1:
        given = _say("and").join(targets)
        found.append(_say("site.targets", given=given, targets=", ".join(TARGETS)))
    if site.get("php_socket") and not site.get("root"):
        found.append(_say("site.php_socket"))
    for location in site.get("locations") or []:
        found += [
            _say("site.location", problem=problem)
            for problem in location_problems(location, inline=True, limits=limits)
        ]
        if isinstance(location, Mapping) and location.get("php") and not site.get("php_socket"):
            found.append(_say("site.location_php", path=location.get("path")))
    return found


def location_problems(
    location: Any, inline: bool = False, limits: Collection[str] | None = None
) -> list[str]:
    """What is wrong with one location (a site's own, or a drop-in for another site's).
    `limits`: the names of the request limits defined (None: not checked)."""
    if not isinstance(location, Mapping) or not location.get("path"):
        return [_say("location.no_path")]
    found: list[str] = []
    path = location["path"]
    keys = set(LOCATION_KEYS) - ({"site", "name"} if inline else set())
    unknown = sorted(set(location) - keys)
    if unknown:
        found.append(_say("location.unknown_keys", path=path, unknown=", ".join(unknown)))
    if location.get("match", "prefix") not in MATCHES:
        found.append(_say("location.match", path=path, matches=", ".join(MATCHES)))
    limit = location.get("limit", "")
    if not isinstance(limit, str):
        found.append(_say("location.limit_type", path=path))
    elif limit and limits is not None and limit not in limits:
        known = ", ".join(sorted(limits)) or _say("location.limits_none")
        found.append(_say("location.limit_unknown", path=path, limit=limit, known=known))
    if location.get("php") and not inline:
        # A drop-in is written apart from its site: it does not know the site's socket.
        found.append(_say("location.php_dropin", path=path))
    if not inline:
        for key in ("site", "name"):
            if not isinstance(location.get(key), str) or not _NAME.match(location[key]):
                found.append(_say("location.name", path=path, field=key))
    return found


def limit_problems(name: Any, limit: Any) -> list[str]:
    """What is wrong with one request limit of nginx_request_limits."""
    if not isinstance(name, str) or not _LIMIT_NAME.match(name):
        return [f"name '{name}' must be lowercase letters, digits and _, starting with a letter"]
    if not isinstance(limit, Mapping):
        return [f"'{name}' must be a dictionary with rate, burst and methods"]
    found: list[str] = []
    unknown = sorted(set(limit) - set(LIMIT_KEYS))
    if unknown:
        found.append(
            f"'{name}' has unknown keys {', '.join(unknown)} (the keys: {', '.join(LIMIT_KEYS)})"
        )
    if not isinstance(limit.get("rate"), str) or not _RATE.match(limit["rate"]):
        found.append(f"'{name}': rate is requests per second or minute, such as 6r/m or 2r/s")
    burst = limit.get("burst", 5)
    if isinstance(burst, bool) or not isinstance(burst, int) or burst < 0:
        found.append(f"'{name}': burst is a number of requests, 0 or more")
    methods = limit.get("methods", [])
    if not isinstance(methods, list) or not all(
        isinstance(m, str) and _METHOD.match(m) for m in methods
    ):
        found.append(f"'{name}': methods lists HTTP methods in capitals, such as [POST]")
    return found


def request_limits(items: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every request limit with all its keys, and the names nginx knows it by: the zone
    (limit_req_zone) and the variable its key is in (empty for a request not counted)."""
    if not isinstance(items, Mapping):
        raise ValueError("nginx request limits: must be a dictionary of named limits")
    found: dict[str, dict[str, Any]] = {}
    for name, item in items.items():
        problems = limit_problems(name, item)
        if problems:
            raise ValueError(f"nginx request limit: {'; '.join(problems)}")
        limit = {key: item.get(key, default) for key, default in LIMIT_KEYS.items()}
        limit["zone"] = f"collectif_{name}"
        limit["key"] = f"$collectif_limit_{name}"
        found[name] = limit
    return found


def sites(
    items: Sequence[Mapping[str, Any]],
    max_body_size: str,
    security_headers: Mapping[str, str],
    limits: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    """Every site to serve, each with all its keys (state: absent ones are left out).

    Stops on the first bad site with its problems: preflight reports an inventory's sites
    before any change; this catches a service's declaration gone wrong.
    """
    served: list[dict[str, Any]] = []
    for item in items:
        site = shapes.complete(
            item,
            SITE_KEYS,
            lambda site: site_problems(site, limits),
            f"nginx site '{item.get('name')}'",
        )
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


def locations(
    items: Sequence[Mapping[str, Any]], limits: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """Every location drop-in, each with all its keys."""
    found: list[dict[str, Any]] = []
    for item in items:
        location = shapes.complete(
            item,
            LOCATION_KEYS,
            lambda location: location_problems(location, limits=limits),
            "nginx location",
        )
        location["file"] = f"/etc/nginx/collectif/{location['site']}.d/{location['name']}.conf"
        found.append(location)
    return found
