#!/usr/bin/python3
"""collectif-health: the server checks itself, and mails the admins once per problem.

Installed on every server by the `alerts` role as /usr/local/sbin/collectif-health:

    collectif-health --json               every check's result, as JSON (exit 1: a check fails)
    collectif-health --run                the timer's run: check, mail what is new or fixed
    collectif-health --unit-failed UNIT   collectif-alert@UNIT.service: mail that UNIT failed,
                                          with the last lines of its journal

Every check runs, each on its own (one that cannot run is itself a failure): disk and inode
space of each real filesystem, available memory, a reboot pending for too long, security
updates left uninstalled for too long, certificates close to their end, the age of the last
backup and restore drill, failed systemd units, and what each service declares (units that
must be active, addresses that must answer 200 on the loopback).

The admins are told once: /var/lib/collectif/alerts/state.json remembers what they were
told. A new problem is mailed once, its end once ("fixed"), one still there only as a
reminder every few days (if set). A mail that cannot be sent leaves the state as it was:
the next run sends it. Settings: /etc/collectif/alerts.json, written by the role.

Standard library only: the server's python3 runs it. Mails are in French, then English.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import email.message
import email.utils
import fcntl
import glob
import json
import os
import re
import smtplib
import socket
import ssl
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CONFIG = Path("/etc/collectif/alerts.json")
STATE = Path("/var/lib/collectif/alerts/state.json")
BACKUP = "/usr/local/sbin/collectif-backup"
JOURNAL_LINES = 30
# Filesystems that are always full or read-only by nature (images, snaps): never checked.
NOT_CHECKED = {"squashfs", "iso9660", "udf", "erofs"}

DEFAULTS: dict[str, Any] = {
    "host": "",
    "recipients": [],
    "sender": "",
    "smtp_host": "127.0.0.1",
    "smtp_port": 25,
    "disk_max_used_percent": 90,
    "inodes_max_used_percent": 90,
    "memory_min_available_percent": 10,
    "reboot_max_age_hours": 24,
    "security_updates_max_age_hours": 36,
    "certificates": ["/etc/letsencrypt/live/*/cert.pem"],
    "certificate_min_days": 14,
    "reminder_days": 0,
    "checks": [],
}


@dataclass
class Result:
    """One check's outcome. `key` names the problem for good (the state's key); the texts
    say what is wrong, or what was checked, in French and in English."""

    key: str
    ok: bool
    fr: str
    en: str
    skipped: bool = False
    # Told along with a new problem only (a failed unit's last journal lines).
    extra: str = field(default="", repr=False)


def fail(key: str, fr: str, en: str, extra: str = "") -> Result:
    return Result(key, False, fr, en, extra=extra)


def good(key: str, fr: str, en: str) -> Result:
    return Result(key, True, fr, en)


class System:
    """What the checks read from the server; the tests give their own."""

    def now(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.UTC)

    def mounts(self) -> list[tuple[str, str]]:
        """(mount point, filesystem type) of every mount."""
        found = []
        for line in Path("/proc/self/mounts").read_text().splitlines():
            fields = line.split()
            if len(fields) >= 3:
                # Spaces and such are octal escapes in /proc/self/mounts.
                point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), fields[1])
                found.append((point, fields[2]))
        return found

    def virtual_filesystems(self) -> set[str]:
        """The kernel's filesystems without a device (proc, tmpfs, overlay...)."""
        return {
            line.split()[-1]
            for line in Path("/proc/filesystems").read_text().splitlines()
            if line.startswith("nodev")
        }

    def statvfs(self, path: str) -> os.statvfs_result:
        return os.statvfs(path)

    def device(self, path: str) -> int | None:
        """The mount's device; None for a file mounted on its own (a container's
        /etc/resolv.conf): not a filesystem to fill."""
        found = os.stat(path)
        return found.st_dev if stat.S_ISDIR(found.st_mode) else None

    def meminfo(self) -> dict[str, int]:
        values = {}
        for line in Path("/proc/meminfo").read_text().splitlines():
            name, _, rest = line.partition(":")
            values[name] = int(rest.split()[0])
        return values

    def mtime(self, path: str) -> datetime.datetime | None:
        try:
            return datetime.datetime.fromtimestamp(os.stat(path).st_mtime, datetime.UTC)
        except FileNotFoundError:
            return None

    def read(self, path: str) -> str:
        try:
            return Path(path).read_text()
        except OSError:
            return ""

    def glob(self, pattern: str) -> list[str]:
        return sorted(glob.glob(pattern))

    def run(self, argv: Sequence[str], timeout: float = 120) -> tuple[int, str]:
        done = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
        )
        return done.returncode, done.stdout if done.returncode == 0 else done.stdout + done.stderr

    def http_status(self, url: str) -> int:
        """The status the address answers, without following a redirect (the loopback's
        certificates name the public names: not checked)."""

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        opener = urllib.request.build_opener(
            NoRedirect(), urllib.request.HTTPSHandler(context=context)
        )
        try:
            with opener.open(url, timeout=15) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return int(error.code)


# ------------------------------------------------------------------ the checks

# A check reads the settings, the server, and the state (which it may add to).
Check = Callable[[Mapping[str, Any], System, dict[str, Any]], list[Result]]


def _percent(used: int, total: int) -> int:
    return round(100 * used / total) if total else 0


def check_filesystems(
    config: Mapping[str, Any], system: System, state: dict[str, Any]
) -> list[Result]:
    """Space and inodes of each real filesystem (the root's always), each device once."""
    virtual = system.virtual_filesystems()
    results: list[Result] = []
    seen: set[int] = set()
    for point, kind in system.mounts():
        if kind in NOT_CHECKED or (kind in virtual and point != "/"):
            continue
        try:
            device = system.device(point)
            if device is None or device in seen:
                continue
            seen.add(device)
            stats = system.statvfs(point)
        except OSError:
            continue  # gone, or hidden from the sandbox: nothing to fill
        # Used against what ordinary users may have (df's figure): space, then inodes
        # (a filesystem without an inode limit, btrfs, counts none).
        space = (stats.f_blocks, stats.f_bfree, stats.f_bavail)
        inodes = (stats.f_files, stats.f_ffree, stats.f_favail)
        for what, (size, free, available), fr, en in (
            ("disk", space, "est plein à {} %", "is {}% full"),
            ("inodes", inodes, "a utilisé {} % de ses inodes", "has used {}% of its inodes"),
        ):
            if not size:
                continue
            used = _percent(size - free, size - free + available)
            limit = int(config[f"{what}_max_used_percent"])
            results.append(
                Result(
                    f"{what}:{point}",
                    used < limit,
                    f"le disque {point} {fr.format(used)} (seuil : {limit} %)",
                    f"disk {point} {en.format(used)} (limit {limit}%)",
                )
            )
    return results


def check_memory(config: Mapping[str, Any], system: System, state: dict[str, Any]) -> list[Result]:
    info = system.meminfo()
    free = _percent(info["MemAvailable"], info["MemTotal"])
    limit = int(config["memory_min_available_percent"])
    return [
        Result(
            "memory",
            free >= limit,
            f"mémoire disponible : {free} % (seuil : {limit} %)",
            f"available memory: {free}% (limit {limit}%)",
        )
    ]


def _hours(since: datetime.datetime, now: datetime.datetime) -> float:
    return (now - since).total_seconds() / 3600


def check_reboot(config: Mapping[str, Any], system: System, state: dict[str, Any]) -> list[Result]:
    """A reboot an update asked for (/run/reboot-required), not done in time."""
    since = system.mtime("/run/reboot-required")
    if since is None:
        return [good("reboot", "aucun redémarrage en attente", "no reboot pending")]
    hours = int(_hours(since, system.now()))
    limit = int(config["reboot_max_age_hours"])
    packages = " ".join(system.read("/run/reboot-required.pkgs").split()) or "?"
    return [
        Result(
            "reboot",
            hours < limit,
            f"un redémarrage est demandé depuis {hours} h (paquets : {packages})",
            f"a reboot has been pending for {hours} h (packages: {packages})",
        )
    ]


INSTALL = re.compile(r"^Inst (\S+) (?:\[[^]]*\] )?\((\S+) ([^)]*)\)", re.MULTILINE)


def security_updates(system: System) -> list[str]:
    """The pending updates from a security archive, as "package=version"."""
    code, out = system.run(
        [
            "apt-get",
            "--simulate",
            "-o",
            "Debug::NoLocking=true",
            # Nothing written under /var/cache/apt (read-only in the sandbox).
            "-o",
            "Dir::Cache::pkgcache=",
            "-o",
            "Dir::Cache::srcpkgcache=",
            "dist-upgrade",
        ]
    )
    if code:
        raise RuntimeError(f"apt-get --simulate dist-upgrade: {out.strip()[-300:]}")
    return sorted(
        f"{name}={version}"
        for name, version, origin in INSTALL.findall(out)
        if "security" in origin.lower()
    )


def check_security_updates(
    config: Mapping[str, Any], system: System, state: dict[str, Any]
) -> list[Result]:
    """Security updates unattended-upgrades should have installed (daily) by now: each
    counts from when a run first saw it pending, which the state keeps (`security`; the
    updates no longer pending are forgotten)."""
    pending = security_updates(system)
    now = system.now()
    seen = state.get("security", {})
    state["security"] = {u: seen.get(u, now.isoformat(timespec="seconds")) for u in pending}
    limit = int(config["security_updates_max_age_hours"])
    late = [u for u in pending if _hours(_time(state["security"][u]) or now, now) >= limit]
    names = ", ".join(update.split("=")[0] for update in late[:10])
    if late:
        texts = (
            f"{len(late)} mise(s) à jour de sécurité en attente depuis plus de {limit} h : {names}",
            f"{len(late)} security update(s) pending for more than {limit} h: {names}",
        )
    elif pending:
        texts = (
            f"{len(pending)} mise(s) à jour de sécurité en attente depuis moins de {limit} h",
            f"{len(pending)} security update(s) pending for less than {limit} h",
        )
    else:
        texts = ("aucune mise à jour de sécurité en attente", "no security update pending")
    return [Result("security-updates", not late, *texts)]


def check_certificates(
    config: Mapping[str, Any], system: System, state: dict[str, Any]
) -> list[Result]:
    days = int(config["certificate_min_days"])
    results = []
    for pattern in config["certificates"]:
        for path in system.glob(pattern):
            code, out = system.run(
                [
                    "openssl",
                    "x509",
                    "-noout",
                    "-enddate",
                    "-checkend",
                    str(days * 86400),
                    "-in",
                    path,
                ]
            )
            end = out.split("notAfter=", 1)[-1].splitlines()[0] if "notAfter=" in out else "?"
            results.append(
                Result(
                    f"certificate:{path}",
                    code == 0,
                    f"le certificat {path} expire le {end} (alerte à {days} jours)",
                    f"certificate {path} expires on {end} (warned {days} days before)",
                )
            )
    return results


def _time(text: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(text) if text else None


def check_backups(config: Mapping[str, Any], system: System, state: dict[str, Any]) -> list[Result]:
    """The last good backup and restore drill are recent (as doctor's restic check): a new
    server has its limit's time for its first, counted from when backups were set up."""
    wanted = [check["backups"] for check in config["checks"] if check.get("backups")]
    if not wanted:
        return []
    code, out = system.run([BACKUP, "report"])
    if code:
        raise RuntimeError(f"collectif-backup report: {out.strip()[-300:]}")
    report = json.loads(out)
    now = system.now()
    since = _time(report.get("enabled_at")) or datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    results = []
    for kind, fr, en in (
        ("backup", "sauvegarde", "backup"),
        ("drill", "restauration d'essai réussie", "good restore drill"),
    ):
        limit = float(wanted[0]["drill_max_age_hours" if kind == "drill" else "max_age_hours"])
        finished = (report.get(kind) or {}).get("finished")
        hours = _hours(_time(finished) or since, now)
        when = finished or "jamais"
        results.append(
            Result(
                f"{kind}-age",
                hours < limit,
                f"dernière {fr} : {when} (au plus {limit:g} h)",
                f"last {en}: {finished or 'never'} (at most {limit:g} h old)",
            )
        )
    return results


def unit_state(system: System, unit: str) -> dict[str, str]:
    _, out = system.run(["systemctl", "show", "--property=LoadState,ActiveState", unit])
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def journal(system: System, unit: str) -> str:
    _, out = system.run(
        ["journalctl", "--unit", unit, "--lines", str(JOURNAL_LINES), "--no-pager", "--quiet"]
    )
    return out.strip()


def check_failed_units(
    config: Mapping[str, Any], system: System, state: dict[str, Any]
) -> list[Result]:
    code, out = system.run(["systemctl", "list-units", "--failed", "--plain", "--no-legend"])
    if code:
        raise RuntimeError(f"systemctl list-units --failed: {out.strip()[-300:]}")
    failed = [line.split()[0] for line in out.splitlines() if line.strip()]
    return [
        fail(f"unit:{unit}", f"l'unité {unit} a échoué", f"unit {unit} failed") for unit in failed
    ] or [good("units", "aucune unité en échec", "no failed unit")]


def check_declared(
    config: Mapping[str, Any], system: System, state: dict[str, Any]
) -> list[Result]:
    """What the services declare: a unit that must be active, an address that must answer
    200. A unit not installed yet (a first deploy under way) is skipped."""
    results = []
    for check in config["checks"]:
        unit = check.get("active")
        if not unit:
            continue
        status = unit_state(system, unit)
        if status.get("LoadState") != "loaded":
            results.append(
                Result(
                    f"unit:{unit}",
                    True,
                    f"{unit} n'est pas (encore) installée",
                    f"{unit} is not installed (yet)",
                    skipped=True,
                )
            )
            continue
        active = status.get("ActiveState", "?")
        results.append(
            Result(
                f"unit:{unit}",
                active == "active",
                f"l'unité {unit} est {active} (attendu : active)",
                f"unit {unit} is {active} (expected: active)",
            )
        )
        if check.get("url") and active == "active":
            url = check["url"]
            try:
                answer = str(system.http_status(url))
            except (OSError, ValueError) as error:
                answer = str(getattr(error, "reason", error))
            results.append(
                Result(
                    f"url:{url}",
                    answer == "200",
                    f"{url} répond {answer} (attendu : 200)",
                    f"{url} answers {answer} (expected: 200)",
                )
            )
    return results


CHECKS: tuple[tuple[str, Check], ...] = (
    ("filesystems", check_filesystems),
    ("memory", check_memory),
    ("reboot", check_reboot),
    ("security-updates", check_security_updates),
    ("certificates", check_certificates),
    ("backups", check_backups),
    ("units", check_failed_units),
    ("declared", check_declared),
)


def run_checks(
    config: Mapping[str, Any],
    system: System,
    state: dict[str, Any],
    checks: Iterable[tuple[str, Check]] = CHECKS,
) -> list[Result]:
    """Every check, each on its own: one that breaks is reported, the others still run.
    A problem found twice (a declared unit that is also a failed unit) counts once."""
    results: dict[str, Result] = {}
    for name, check in checks:
        try:
            found = check(config, system, state)
        except Exception as error:  # a broken check is a problem to report
            found = [
                fail(
                    f"check:{name}",
                    f"la vérification {name} n'a pas pu se faire : {error}",
                    f"check {name} could not run: {error}",
                )
            ]
        for result in found:
            if result.key not in results or (results[result.key].ok and not result.ok):
                results[result.key] = result
    return list(results.values())


# ------------------------------------------------------------------ what to tell


@dataclass
class Message:
    """A mail to send: a new problem, a reminder of one, or its end."""

    kind: str  # "problem", "reminder" or "fixed"
    key: str
    fr: str
    en: str
    extra: str = ""


def plan(
    told: Mapping[str, Mapping[str, Any]],
    results: Iterable[Result],
    now: datetime.datetime,
    reminder_days: float = 0,
) -> list[Message]:
    """What the admins must hear, given what they were told."""
    messages = []
    failing = {result.key: result for result in results if not result.ok}
    for key, result in failing.items():
        if key not in told:
            messages.append(Message("problem", key, result.fr, result.en, result.extra))
        elif reminder_days and _hours(_time(told[key]["mailed"]), now) >= reminder_days * 24:
            messages.append(Message("reminder", key, result.fr, result.en))
    for key, was in told.items():
        if key not in failing:
            messages.append(Message("fixed", key, was["fr"], was["en"]))
    return messages


def remember(state: dict[str, Any], message: Message, now: datetime.datetime) -> None:
    """The state once the admins have heard the message."""
    told = state.setdefault("told", {})
    stamp = now.isoformat(timespec="seconds")
    if message.kind == "fixed":
        told.pop(message.key, None)
    elif message.kind == "problem":
        told[message.key] = {"since": stamp, "mailed": stamp, "fr": message.fr, "en": message.en}
    else:
        told[message.key]["mailed"] = stamp


SUBJECTS = {
    "problem": ("PROBLÈME", "PROBLEM"),
    "reminder": ("RAPPEL : toujours en panne", "REMINDER: still failing"),
    "fixed": ("RÉGLÉ", "FIXED"),
}
OPENINGS = {
    "problem": (
        "Sur le serveur {host}, une vérification échoue :",
        "On the server {host}, a check fails:",
    ),
    "reminder": (
        "Sur le serveur {host}, ce problème dure depuis le {since} :",
        "On the server {host}, this problem has lasted since {since}:",
    ),
    "fixed": (
        "Sur le serveur {host}, ce problème est réglé :",
        "On the server {host}, this problem is fixed:",
    ),
}
CLOSINGS = {
    "problem": (
        "Ce message n'est envoyé qu'une fois ; un autre suivra quand ce sera réglé.\n"
        "Toutes les vérifications : sudo collectif-health --json",
        "This mail is sent once; another follows when it is fixed.\n"
        "Every check: sudo collectif-health --json",
    ),
    "reminder": ("Toutes les vérifications : sudo collectif-health --json",) * 2,
    "fixed": ("", ""),
}


def compose(
    message: Message, host: str, sender: str, recipients: Sequence[str], since: str = ""
) -> email.message.EmailMessage:
    """The mail, French first, then English: subject and body name the host and the check."""
    fr_kind, en_kind = SUBJECTS[message.kind]
    mail = email.message.EmailMessage()
    mail["Subject"] = f"[{host}] {fr_kind} / {en_kind} : {message.key}"
    mail["From"] = sender
    mail["To"] = ", ".join(recipients)
    mail["Date"] = email.utils.formatdate(localtime=False)
    mail["Message-ID"] = email.utils.make_msgid(domain=host or None)
    mail["Auto-Submitted"] = "auto-generated"
    parts = []
    for index, (detail, closing) in enumerate(
        ((message.fr, CLOSINGS[message.kind][0]), (message.en, CLOSINGS[message.kind][1]))
    ):
        opening = OPENINGS[message.kind][index].format(host=host, since=since)
        lines = [
            opening,
            "",
            f"  {message.key} : {detail}" if index == 0 else f"  {message.key}: {detail}",
        ]
        if message.extra and index == 0:
            lines += [
                "",
                "Dernières lignes du journal / Last lines of its journal:",
                "",
                message.extra,
            ]
        if closing:
            lines += ["", closing]
        parts.append("\n".join(lines))
    mail.set_content("\n\n-- English --\n\n".join(parts) + "\n\n-- collectif-health\n")
    return mail


Sender = Callable[[Sequence[email.message.EmailMessage]], list[bool]]


def smtp_sender(host: str, port: int) -> Sender:
    """Each mail through the SMTP server; which went. Down, none did (sent next run)."""

    def send(mails: Sequence[email.message.EmailMessage]) -> list[bool]:
        went = [False] * len(mails)
        try:
            with smtplib.SMTP(host, port, timeout=30) as smtp:
                for index, mail in enumerate(mails):
                    try:
                        smtp.send_message(mail)
                        went[index] = True
                    except smtplib.SMTPException as error:
                        log(f"not sent, kept for the next run: {mail['Subject']}: {error}")
        except (OSError, smtplib.SMTPException) as error:
            log(f"the mail server {host}:{port} cannot be reached ({error}): kept for the next run")
        return went

    return send


def tell(
    state: dict[str, Any],
    messages: Sequence[Message],
    config: Mapping[str, Any],
    send: Sender,
    now: datetime.datetime,
) -> int:
    """Send the messages; the state remembers only those that went. How many went."""
    if not messages:
        return 0
    host = config["host"] or socket.getfqdn()
    sender = config["sender"] or f"root@{host}"
    told = state.get("told", {})
    mails = [
        compose(m, host, sender, config["recipients"], told.get(m.key, {}).get("since", ""))
        for m in messages
    ]
    went = send(mails) if config["recipients"] else [False] * len(mails)
    for message, sent in zip(messages, went, strict=True):
        if sent:
            remember(state, message, now)
    return sum(went)


# ------------------------------------------------------------------ state and main


def log(text: str) -> None:
    print(f"collectif-health: {text}", file=sys.stderr, flush=True)


def load_config(path: Path = CONFIG) -> dict[str, Any]:
    config = dict(DEFAULTS)
    if path.exists():
        config.update(json.loads(path.read_text()))
    return config


def load_state(path: Path = STATE) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except ValueError:
        log(f"{path} is not JSON: starting again from nothing told")
        return {}


def save_state(state: Mapping[str, Any], path: Path = STATE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    scratch = path.with_suffix(".tmp")
    scratch.write_text(json.dumps(state, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    scratch.replace(path)


@contextlib.contextmanager
def locked(path: Path = STATE) -> Iterator[None]:
    """One run at a time: the timer's and a failed unit's both write the state."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with path.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def run(config: Mapping[str, Any], system: System, state: dict[str, Any], send: Sender) -> int:
    """The timer's run: check everything, tell what is new, still there (reminder) or
    fixed. The state is the caller's to save."""
    results = run_checks(config, system, state)
    now = system.now()
    messages = plan(state.get("told", {}), results, now, float(config["reminder_days"]))
    for message in messages:
        if message.kind == "problem" and message.key.startswith("unit:") and not message.extra:
            message.extra = journal(system, message.key.removeprefix("unit:"))
    went = tell(state, messages, config, send, now)
    failing = [result.key for result in results if not result.ok]
    log(
        f"{len(results)} checks, {len(failing)} failing {failing}; "
        f"{went} of {len(messages)} mails sent"
    )
    return 0


def unit_failed(
    unit: str, config: Mapping[str, Any], system: System, state: dict[str, Any], send: Sender
) -> int:
    """collectif-alert@UNIT: UNIT failed. Told once, with its journal; the timer's runs
    then see it as already told, and tell when it is fixed."""
    if f"unit:{unit}" in state.get("told", {}):
        return 0
    message = Message(
        "problem",
        f"unit:{unit}",
        f"l'unité {unit} a échoué",
        f"unit {unit} failed",
        journal(system, unit),
    )
    tell(state, [message], config, send, system.now())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="collectif-health", description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--json", action="store_true", help="print every check's result")
    mode.add_argument("--run", action="store_true", help="check, and mail what is new or fixed")
    mode.add_argument("--unit-failed", metavar="UNIT", help="mail that UNIT failed")
    parser.add_argument("--config", type=Path, default=CONFIG)
    parser.add_argument("--state", type=Path, default=STATE)
    args = parser.parse_args(argv)
    config = load_config(args.config)
    system = System()
    if args.json:
        results = run_checks(config, system, load_state(args.state))
        print(json.dumps([asdict(r) for r in results], indent=2, ensure_ascii=False))
        return 1 if any(not result.ok for result in results) else 0
    send = smtp_sender(config["smtp_host"], int(config["smtp_port"]))
    with locked(args.state):
        state = load_state(args.state)
        if args.run:
            code = run(config, system, state, send)
        else:
            code = unit_failed(args.unit_failed, config, system, state, send)
        save_state(state, args.state)
    return code


if __name__ == "__main__":
    sys.exit(main())
