"""Invoice Ninja: the addresses of its first account and of its mails, the mail server it
sends through, and its pinned release (version and checksum change together)."""

from __future__ import annotations

from functools import partial
from typing import Any

from .. import i18n, validators
from .common import Host, Problem, check

ROLES = ("invoiceninja",)
_say = partial(i18n.say, "preflight_invoiceninja")


def problems(host: Host) -> list[Problem]:
    where = host.places.association
    # Its name is a domain: checked with every *_domain variable (variables.py). The
    # addresses default to collectif_admin_email, checked with the association's values.
    found: list[Problem] = []
    for name in ("invoiceninja_admin_email", "invoiceninja_mail_from_address"):
        if name in host.vars:
            found += check(name, host.vars[name], validators.email_problem, where)
    return found + _mail(host, where) + _release(host, where)


def _mail(host: Host, where: str) -> list[Problem]:
    mail_host = host.vars.get("invoiceninja_mail_host", "")
    if not mail_host:
        return []
    found = check("invoiceninja_mail_host", mail_host, validators.domain_problem, where)
    if "invoiceninja_mail_port" in host.vars:
        found += check(
            "invoiceninja_mail_port", host.vars["invoiceninja_mail_port"], _port_problem, where
        )
    if host.vars.get("invoiceninja_mail_username") and not host.vars.get(
        "invoiceninja_mail_password"
    ):
        found.append(
            Problem(
                "invoiceninja_mail_password",
                _say("mail_password"),
                where,
            )
        )
    return found


def _port_problem(value: Any) -> str | None:
    if "-" in str(value):
        return _say("port_range", value=value)
    return validators.port_problem(value)


def _release(host: Host, where: str) -> list[Problem]:
    """A new version needs its own checksum: the pinned one is the old archive's, and
    the download would be refused on the server, after other changes."""
    version = host.vars.get("invoiceninja_version")
    sha256 = host.vars.get("invoiceninja_sha256")
    found: list[Problem] = []
    if version is not None:
        found += check("invoiceninja_version", version, validators.release_version_problem, where)
    if sha256 is not None:
        found += check("invoiceninja_sha256", sha256, validators.sha256_problem, where)
    if version is not None and sha256 is None:
        found.append(
            Problem(
                "invoiceninja_sha256",
                _say("sha256", version=version),
                where,
            )
        )
    return found
