#!/usr/bin/python3
"""collectif-transparency: the association's transparency page and ChatonsInfos files.

Installed on the server by the `transparency` role as /usr/local/sbin/collectif-transparency;
run by its timer every hour and after each deploy that changes its facts:

    collectif-transparency [--facts FILE] [--backups DIR] [--out DIR]

The facts come from the inventory at each deploy (/etc/collectif/transparency.json: the
services and their versions, where the data lives, the backup policy, log retention, the
members per plan, the yearly costs and dues); what only the server knows is read when the
page is made: the last successful backup and restore drill (collectif-backup's reports)
and the version of each service Debian installs. It writes, atomically:

    OUT/index.html                          the page, in French and English
    OUT/bienvenue/index.html                the welcome page: the services, for members
    OUT/chatonsinfos/organization.properties  the same facts for the CHATONS collective
    OUT/chatonsinfos/<service>.properties

Standard library only: the server's python3 runs it.
"""

from __future__ import annotations

import argparse
import datetime
import html
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

FACTS = Path("/etc/collectif/transparency.json")
BACKUPS = Path("/var/lib/collectif/backup")
OUT = Path("/var/www/collectif-transparency")
GENERATOR = "collectif-transparency"


def dpkg_version(package: str) -> str:
    """The version Debian installed of a package ("" when it is not installed)."""
    try:
        answer = subprocess.run(
            ["dpkg-query", "--showformat=${Version}", "--show", package],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return ""
    return answer.stdout.strip() if answer.returncode == 0 else ""


def last_run(backups: Path, kind: str) -> str:
    """When collectif-backup last finished `kind` (backup, drill) successfully: its
    report's time, or "" when there is none."""
    try:
        report = json.loads((backups / f"{kind}.json").read_text())
    except (OSError, ValueError):
        return ""
    return str(report.get("finished") or "") if isinstance(report, dict) else ""


def gather(
    facts: Mapping[str, Any], backups: Path, version_of: Callable[[str], str] = dpkg_version
) -> dict[str, Any]:
    """The facts, completed with what the server knows now."""
    services = []
    for service in facts.get("services") or []:
        version = str(service.get("version") or "")
        if not version and service.get("package"):
            version = version_of(str(service["package"]))
        services.append({**service, "version": version})
    return {
        **facts,
        "services": services,
        "last_backup": last_run(backups, "backup"),
        "last_drill": last_run(backups, "drill"),
    }


def _when(moment: str) -> str:
    """An ISO time as the page shows it (UTC), or a dash when there is none."""
    if not moment:
        return "—"
    try:
        parsed = datetime.datetime.fromisoformat(moment)
    except ValueError:
        return moment
    return parsed.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _link(url: str) -> str:
    return f'<a href="{html.escape(url)}">{html.escape(url)}</a>' if url else "—"


def _money(amount: float) -> str:
    return f"{amount:,.2f} €".replace(",", " ").replace(".", ",")


def page(facts: Mapping[str, Any]) -> str:
    """The transparency page: French first, English alongside."""
    e = html.escape
    name = e(str(facts.get("association") or ""))
    services = "\n".join(
        f"<tr><td>{e(s.get('name', ''))}</td><td>{e(s.get('what', ''))}</td>"
        f"<td>{e(s.get('software', ''))} {e(s.get('version') or '—')}</td>"
        f"<td>{_link(str(s.get('url') or ''))}</td></tr>"
        for s in facts.get("services") or []
    )
    members = facts.get("members") or {}
    plans = "\n".join(
        f"<tr><td>{e(plan['name'])}</td><td>{plan['active']}</td>"
        f"<td>{_money(float(plan['fee']))}</td></tr>"
        for plan in members.get("plans") or []
    )
    costs = facts.get("costs") or []
    cost_rows = "\n".join(
        f"<tr><td>{e(str(c.get('what', '')))}</td><td>{_money(float(c.get('amount', 0)))}</td></tr>"
        for c in costs
    )
    total = sum(float(c.get("amount", 0)) for c in costs)
    dues = float(members.get("dues") or 0)
    backup = facts.get("backup") or {}
    keep = backup.get("keep") or {}
    kept = ", ".join(
        f"{count} {label}"
        for label, count in (
            ("horaires / hourly", keep.get("hourly")),
            ("quotidiennes / daily", keep.get("daily")),
            ("hebdomadaires / weekly", keep.get("weekly")),
            ("mensuelles / monthly", keep.get("monthly")),
        )
        if count
    )
    return f"""<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Transparence — {name}</title>
<style>
body {{ font-family: sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #222; }}
table {{ border-collapse: collapse; width: 100%; margin: 1rem 0; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .3rem .5rem; text-align: left; }}
.en {{ color: #555; font-style: italic; }}
</style>
</head>
<body>
<h1>Transparence <span class="en">/ Transparency</span> — {name}</h1>
<p>Ce que l'association héberge pour ses membres, où, comment c'est sauvegardé, et ce que
cela coûte. <span class="en">What the association hosts for its members, where, how it is
backed up, and what it costs.</span> Page refaite chaque heure
<span class="en">(remade every hour)</span> :
<time id="made">{e(_when(str(facts.get("made", ""))))}</time>.</p>

<h2>Les services <span class="en">/ The services</span></h2>
<table>
<tr><th>Service</th><th>Pour <span class="en">/ For</span></th>
<th>Logiciel <span class="en">/ Software</span></th>
<th>Adresse <span class="en">/ Address</span></th></tr>
{services}
</table>

<h2>Où sont les données <span class="en">/ Where the data lives</span></h2>
<p id="hosting">{e(str(facts.get("hosting") or "—"))}</p>

<h2>Sauvegardes <span class="en">/ Backups</span></h2>
<ul>
<li>Fréquence <span class="en">/ frequency</span> :
{e(str(backup.get("frequency") or "—"))}</li>
<li>Conservées <span class="en">/ kept</span> : {e(kept or "—")}</li>
<li>Où <span class="en">/ where</span> : {e(str(backup.get("where") or "—"))}, chiffrées
<span class="en">(encrypted)</span></li>
<li>Dernière sauvegarde réussie <span class="en">/ last successful backup</span> :
<time id="last-backup">{e(_when(str(facts.get("last_backup", ""))))}</time></li>
<li>Dernier exercice de restauration réussi
<span class="en">/ last successful restore drill</span> :
<time id="last-drill">{e(_when(str(facts.get("last_drill", ""))))}</time></li>
</ul>

<h2>Journaux <span class="en">/ Logs</span></h2>
<p>Conservés au plus <span class="en">(kept at most)</span> :
{e(str(facts.get("log_retention") or "—"))}</p>

<h2>Membres <span class="en">/ Members</span></h2>
<table id="members">
<tr><th>Formule <span class="en">/ Plan</span></th>
<th>Membres actifs <span class="en">/ Active members</span></th>
<th>Cotisation annuelle <span class="en">/ Yearly fee</span></th></tr>
{plans}
</table>
<p>Suspendus <span class="en">/ suspended</span> : {members.get("suspended", 0)}.</p>

<h2>Les comptes <span class="en">/ The accounts</span></h2>
<table id="costs">
<tr><th>Dépense annuelle <span class="en">/ Yearly cost</span></th>
<th>Montant <span class="en">/ Amount</span></th></tr>
{cost_rows}
<tr><th>Total</th><th>{_money(total)}</th></tr>
<tr><th>Cotisations des membres actifs <span class="en">/ Dues of the active members</span></th>
<th id="dues">{_money(dues)}</th></tr>
</table>
<p>Les mêmes informations pour le collectif CHATONS <span class="en">(the same facts for
the CHATONS collective)</span> :
<a href="/.well-known/chatonsinfos/organization.properties">ChatonsInfos</a>.</p>
</body>
</html>
"""


def welcome(facts: Mapping[str, Any]) -> str:
    """The welcome page members are sent to: each service, what it is for, its address,
    and how to sign in. French first, English alongside."""
    e = html.escape
    name = e(str(facts.get("association") or ""))
    services = "\n".join(
        f'<li><a href="{e(str(s.get("url") or ""))}">{e(str(s.get("name", "")))}</a> — '
        f"{e(str(s.get('what', '')))}</li>"
        for s in facts.get("services") or []
        if s.get("url")
    )
    contact = str(facts.get("contact") or "")
    mail = f'<a href="mailto:{e(contact)}">{e(contact)}</a>' if contact else ""
    write_fr, write_en = (f"à {mail}", mail) if mail else ("aux bénévoles", "the volunteers")
    return f"""<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bienvenue — {name}</title>
<style>
body {{ font-family: sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #222; }}
li {{ margin: .4rem 0; }}
.en {{ color: #555; font-style: italic; }}
</style>
</head>
<body>
<h1>Bienvenue <span class="en">/ Welcome</span> — {name}</h1>
<p>Les services que l'association héberge pour ses membres, avec des logiciels libres.
<span class="en">The services the association hosts for its members, with free
software.</span></p>

<h2>Nos services <span class="en">/ Our services</span></h2>
<ul id="services">
{services}
</ul>

<h2>Votre compte <span class="en">/ Your account</span></h2>
<p>Un seul identifiant pour tous les services de votre formule : celui que l'association
vous a donné, avec un premier mot de passe à changer dès la première connexion.
<span class="en">One login for every service of your plan: the one the association gave
you, with a first password to change when you first sign in.</span></p>
<p>Un mot de passe oublié, un compte bloqué, une question : écrivez {write_fr}.
<span class="en">A forgotten password, a locked account, a question: write to
{write_en}.</span></p>

<p>Ce que l'association héberge, où, comment c'est sauvegardé et ce que cela coûte :
<a href="{e(str(facts.get("page_url") or "/transparence/"))}">la page de transparence</a>.
<span class="en">What the association hosts, where, how it is backed up and what it
costs: the transparency page.</span></p>
</body>
</html>
"""


def _properties(pairs: list[tuple[str, Any]]) -> str:
    """A properties file: `key = value`, one per line (UTF-8), empty values left out."""
    lines = [f"# {GENERATOR}: made from the inventory and the server; do not edit"]
    for key, value in pairs:
        text = " ".join(str(value).split())  # one line each
        if text:
            lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def chatonsinfos(facts: Mapping[str, Any]) -> dict[str, str]:
    """The organization's file and one per service, named as the CHATONS models name their
    keys (file.*, organization.*, subs.*, service.*, host.*, software.*)."""
    made = str(facts.get("made") or "")
    base = str(facts.get("chatonsinfos_url") or "").rstrip("/")
    # No file.protocol: the models' current version could not be checked from here.
    header = [("file.class", ""), ("file.datetime", made), ("file.generator", GENERATOR)]
    files: dict[str, str] = {}
    subs = []
    for service in facts.get("services") or []:
        ident = str(service.get("id") or "")
        subs.append((f"subs.{ident}", f"{base}/{ident}.properties"))
        files[f"{ident}.properties"] = _properties(
            [
                *[(k, "Service" if k == "file.class" else v) for k, v in header],
                ("service.name", service.get("name")),
                ("service.description", service.get("what")),
                ("service.website", service.get("url")),
                ("service.status.level", "OK"),
                ("service.registration", "MEMBER"),
                ("host.name", facts.get("host_provider")),
                ("host.server.type", "VIRTUAL"),
                ("host.provider.type", "OUTSOURCED"),
                ("host.country.name", facts.get("country_name")),
                ("host.country.code", facts.get("country_code")),
                ("software.name", service.get("software")),
                ("software.version", service.get("version")),
                ("software.website", service.get("software_url")),
                ("software.license.name", service.get("license")),
            ]
        )
    files["organization.properties"] = _properties(
        [
            *[(k, "Organization" if k == "file.class" else v) for k, v in header],
            ("organization.name", facts.get("association")),
            ("organization.website", facts.get("website")),
            ("organization.contact.email", facts.get("contact")),
            ("organization.type", "ASSOCIATION"),
            ("organization.status.level", "ACTIVE"),
            ("organization.country.name", facts.get("country_name")),
            ("organization.country.code", facts.get("country_code")),
            ("organization.legal.url", facts.get("page_url")),
            *subs,
        ]
    )
    return files


def write(out: Path, files: Mapping[str, str]) -> None:
    """Each file replaced at once (a reader never sees half of one), world-readable."""
    for relative, text in files.items():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".new-")
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="collectif-transparency", description=__doc__)
    parser.add_argument("--facts", type=Path, default=FACTS)
    parser.add_argument("--backups", type=Path, default=BACKUPS)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    try:
        facts = json.loads(args.facts.read_text())
    except (OSError, ValueError) as error:
        print(f"collectif-transparency: cannot read {args.facts}: {error}", file=sys.stderr)
        return 1
    facts = gather(facts, args.backups)
    facts["made"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    files = {"index.html": page(facts), "bienvenue/index.html": welcome(facts)}
    files.update({f"chatonsinfos/{k}": v for k, v in chatonsinfos(facts).items()})
    write(args.out, files)
    return 0


if __name__ == "__main__":
    sys.exit(main())
