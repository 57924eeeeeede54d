"""WordPress owns its domain's site, and the members' sites need names WordPress accepts
(its rules are validators.py's, which the wordpress role asserts too)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from .. import i18n, validators
from .common import Host, Problem, check, role_defaults

ROLES = ("wordpress",)
_say = partial(i18n.say, "preflight_wordpress")


def problems(host: Host) -> list[Problem]:
    where = host.places.association
    found: list[Problem] = []
    members = host.vars.get("wordpress_sites", [])
    if not isinstance(members, list):
        return [*found, Problem("wordpress_sites", _say("not_a_list"), where)]
    seen: set[str] = set()
    admin = host.vars.get(
        "wordpress_admin_user", role_defaults("wordpress").get("wordpress_admin_user")
    )
    for index, site in enumerate(members):
        label = f"wordpress_sites[{index}]"
        if not isinstance(site, Mapping):
            found.append(Problem(label, _say("not_a_site"), where))
            continue
        slug = site.get("slug", "")
        bad_slug = check(f"{label}.slug", slug, validators.wordpress_slug_problem, where)
        found += bad_slug
        if not bad_slug and slug in seen:
            found.append(Problem(f"{label}.slug", _say("slug_twice", slug=slug), where))
        seen.add(str(slug))
        if not site.get("title"):
            found.append(Problem(f"{label}.title", _say("title"), where))
        found += check(
            f"{label}.owner", site.get("owner", ""), validators.wordpress_login_problem, where
        )
        if site.get("owner") == admin:
            found.append(
                Problem(
                    f"{label}.owner",
                    _say("owner_admin", admin=admin),
                    where,
                )
            )
        found += check(
            f"{label}.owner_email", site.get("owner_email"), validators.email_problem, where
        )
    return found
