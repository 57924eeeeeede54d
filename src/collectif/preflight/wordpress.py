"""WordPress owns its domain's site, and the members' sites need names WordPress accepts
(its rules are validators.py's, which the wordpress role asserts too)."""

from __future__ import annotations

from collections.abc import Mapping

from .. import validators
from .common import Host, Problem, check, role_defaults

ROLES = ("wordpress",)


def problems(host: Host) -> list[Problem]:
    where = host.places.association
    found: list[Problem] = []
    members = host.vars.get("wordpress_sites", [])
    if not isinstance(members, list):
        return [*found, Problem("wordpress_sites", "must be a list of sites", where)]
    seen: set[str] = set()
    admin = host.vars.get(
        "wordpress_admin_user", role_defaults("wordpress").get("wordpress_admin_user")
    )
    for index, site in enumerate(members):
        label = f"wordpress_sites[{index}]"
        if not isinstance(site, Mapping):
            found.append(Problem(label, "must be a site (slug, title, owner, owner_email)", where))
            continue
        slug = site.get("slug", "")
        bad_slug = check(f"{label}.slug", slug, validators.wordpress_slug_problem, where)
        found += bad_slug
        if not bad_slug and slug in seen:
            found.append(Problem(f"{label}.slug", f"'{slug}' names two sites", where))
        seen.add(str(slug))
        if not site.get("title"):
            found.append(Problem(f"{label}.title", "is missing", where))
        found += check(
            f"{label}.owner", site.get("owner", ""), validators.wordpress_login_problem, where
        )
        if site.get("owner") == admin:
            found.append(
                Problem(
                    f"{label}.owner",
                    f"'{admin}' is the network's administrator (wordpress_admin_user): a "
                    "member's site belongs to the member's own account",
                    where,
                )
            )
        found += check(
            f"{label}.owner_email", site.get("owner_email"), validators.email_problem, where
        )
    return found
