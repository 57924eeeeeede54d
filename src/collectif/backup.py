#!/usr/bin/python3
"""collectif-backup: one consistent restic snapshot of the whole server, and its restore.

Installed by Ansible (roles/restic) as /usr/local/sbin/collectif-backup; run by
collectif-backup.service (timer) and by playbooks/restore.yml. It reads the drop-ins every
service wrote in /etc/collectif/backup.d/ (roles/restic, entry point dropin):

    collectif-backup backup            maintenance on, dumps, one snapshot, maintenance off
    collectif-backup restore [ID]      stop, put files and databases back, restore steps, start
        [--repository PATH]            ... from a copy of the repository on this server's disk
    collectif-backup forget            retention (keep-* from the settings), prune
    collectif-backup check             restic check, reading one rotating part of the data
    collectif-backup drill             restore the latest snapshot into a scratch directory
                                       and compare a sample of files with the snapshot's
    collectif-backup report            the last results, as JSON (the health check reads it)
    collectif-backup snapshots         the repository's snapshots, for a person to choose
    collectif-backup init [--dry-run]  create the repository if there is none (the role's)

restic's repository and password come from the environment (EnvironmentFile=
/etc/collectif/restic.env, root 0600), or from that file when a person runs it by hand
(sudo collectif-backup snapshots). Only the Python standard library and PyYAML.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import fcntl
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DROPINS = Path(os.environ.get("COLLECTIF_BACKUP_DROPINS", "/etc/collectif/backup.d"))
SETTINGS = Path(os.environ.get("COLLECTIF_BACKUP_SETTINGS", "/etc/collectif/backup.yml"))
STATE = Path(os.environ.get("COLLECTIF_BACKUP_STATE", "/var/lib/collectif/backup"))
# Database dumps are files of the snapshot, under this directory (never /tmp: a RAM disk).
DUMPS = Path(os.environ.get("COLLECTIF_BACKUP_DUMPS", "/var/backups/collectif"))
TAG = "collectif"
# How long the repository may take to answer before the run gives up (restic itself keeps
# retrying an unreachable server for many minutes).
REPOSITORY_TIMEOUT = int(os.environ.get("COLLECTIF_BACKUP_REPOSITORY_TIMEOUT", "120"))
LOCK = Path(os.environ.get("COLLECTIF_BACKUP_LOCK", "/run/lock/collectif-backup.lock"))
ENVIRONMENT = Path(os.environ.get("COLLECTIF_BACKUP_ENVIRONMENT", "/etc/collectif/restic.env"))


class BackupError(Exception):
    """A step failed; the message says which and what to look at."""


@dataclass(frozen=True)
class Dropin:
    """What one service asks the backups to keep (see roles/restic/README.md)."""

    name: str
    paths: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    postgresql: list[dict[str, Any]] = field(default_factory=list)
    mariadb: list[dict[str, Any]] = field(default_factory=list)
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    restore_after: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Dropin:
        data = yaml.safe_load(path.read_text()) or {}
        restore = data.get("restore") or {}
        return cls(
            name=str(data.get("name") or path.stem),
            paths=list(data.get("paths") or []),
            exclude=list(data.get("exclude") or []),
            postgresql=list(data.get("postgresql") or []),
            mariadb=list(data.get("mariadb") or []),
            before=list(data.get("before") or []),
            after=list(data.get("after") or []),
            services=list(restore.get("services") or []),
            restore_after=list(restore.get("after") or []),
        )


def read_dropins(directory: Path | None = None) -> list[Dropin]:
    """Every drop-in, in name order (the order of maintenance modes and restores), from
    directory (default: DROPINS, looked up when called)."""
    directory = DROPINS if directory is None else directory
    return [Dropin.load(path) for path in sorted(directory.glob("*.yml"))]


def settings() -> dict[str, Any]:
    """Retention and checks, written by Ansible; safe defaults without the file."""
    defaults: dict[str, Any] = {
        "keep": {"hourly": 24, "daily": 7, "weekly": 5, "monthly": 12},
        "check_subsets": 12,
        "drill_sample": 20,
    }
    if SETTINGS.exists():
        defaults.update(yaml.safe_load(SETTINGS.read_text()) or {})
    return defaults


def log(message: str) -> None:
    print(f"collectif-backup: {message}", flush=True)


def shell(command: str) -> None:
    """A drop-in's own command (maintenance mode...), as its role wrote it."""
    log(f"running: {command}")
    done = subprocess.run(command, shell=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"'{command}' failed (exit code {done.returncode})")


def restic(*args: str, capture: bool = False, timeout: float | None = None) -> str:
    """restic with the repository of the environment; its own exit codes explained."""
    done = subprocess.run(
        ["restic", *args],
        check=False,
        text=True,
        stdout=subprocess.PIPE if capture else None,
        timeout=timeout,
    )
    reasons = {
        3: "some files could not be read (the snapshot lacks them)",
        10: "the repository does not exist (is RESTIC_REPOSITORY right?)",
        11: "the repository is locked by another restic (a backup still running?)",
        12: "wrong repository password (RESTIC_PASSWORD_FILE)",
    }
    if done.returncode != 0:
        reason = reasons.get(done.returncode, "see restic's message above")
        raise BackupError(f"restic {args[0]} failed (exit code {done.returncode}): {reason}")
    return done.stdout or ""


def reach_repository() -> None:
    """Open the repository before anything else: a wrong password, a missing repository or
    an unreachable server stops the run before any maintenance mode is turned on."""
    try:
        restic("cat", "config", capture=True, timeout=REPOSITORY_TIMEOUT)
    except subprocess.TimeoutExpired as late:
        raise BackupError(
            f"the repository did not answer within {REPOSITORY_TIMEOUT} s: is the backup "
            "server up, and RESTIC_REPOSITORY right?"
        ) from late


# ---------------------------------------------------------------- databases


def _dump(argv: list[str], target: Path, what: str) -> Path:
    """Run a dump command whose standard output is the dump, into target (root's only)."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with target.open("wb") as out:
        done = subprocess.run(argv, stdout=out, check=False)
    if done.returncode != 0:
        raise BackupError(f"{what} failed (exit code {done.returncode})")
    return target


def dump_postgresql(database: dict[str, Any], directory: Path) -> Path:
    """pg_dump's custom format, as PostgreSQL's user, read by root into the dump file."""
    argv = ["runuser", "-u", "postgres", "--", "pg_dump", "--format=custom"]
    argv += [f"--exclude-table-data={table}" for table in database.get("exclude_table_data", [])]
    target = directory / "postgresql" / f"{database['name']}.dump"
    return _dump([*argv, database["name"]], target, f"pg_dump of {database['name']}")


def dump_mariadb(database: dict[str, Any], directory: Path) -> Path:
    """A consistent dump (one transaction) through root's socket."""
    argv = ["mariadb-dump", "--single-transaction", "--routines", "--triggers", "--events"]
    target = directory / "mariadb" / f"{database['name']}.sql"
    return _dump([*argv, database["name"]], target, f"mariadb-dump of {database['name']}")


def load_postgresql(database: dict[str, Any], directory: Path) -> None:
    """Empty the database of its application's objects, then load the dump as that owner.
    The database itself stays as site.yml made it (owner, collation: Synapse needs C)."""
    name = database["name"]
    owner = database.get("owner", name)
    as_postgres = ["runuser", "-u", "postgres", "--"]
    log(f"emptying PostgreSQL database {name} (objects of {owner})")
    empty = [
        *as_postgres,
        "psql",
        "-v",
        "ON_ERROR_STOP=1",
        "-d",
        name,
        "-c",
        f'DROP OWNED BY "{owner}"',
    ]
    if subprocess.run(empty, check=False).returncode != 0:
        raise BackupError(f"could not empty PostgreSQL database {name}")
    # The dump is root's: pg_restore reads it on its standard input.
    load = [
        *as_postgres,
        "pg_restore",
        "--no-owner",
        f"--role={owner}",
        "--exit-on-error",
        "-d",
        name,
    ]
    with (directory / "postgresql" / f"{name}.dump").open("rb") as dump:
        if subprocess.run(load, stdin=dump, check=False).returncode != 0:
            raise BackupError(f"loading PostgreSQL database {name} failed (pg_restore)")


def load_mariadb(database: dict[str, Any], directory: Path) -> None:
    """The database emptied (its grants stay), then the dump loaded."""
    name = database["name"]
    recreate = (
        f"DROP DATABASE IF EXISTS `{name}`; "
        f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
    )
    if subprocess.run(["mariadb", "-e", recreate], check=False).returncode != 0:
        raise BackupError(f"could not make MariaDB database {name} anew")
    with (directory / "mariadb" / f"{name}.sql").open("rb") as dump:
        if subprocess.run(["mariadb", name], stdin=dump, check=False).returncode != 0:
            raise BackupError(f"loading MariaDB database {name} failed")


# ---------------------------------------------------------------- backup


def refuse_to_hide_older_data(adopt: bool) -> None:
    """A server that has neither backed up nor restored yet, on a repository that already
    holds snapshots, is most likely a new server being rebuilt: its empty services must
    not become the "latest" snapshot that the restore would then bring back."""
    if adopt or _load("backup") or _load("restore"):
        return
    found = json.loads(restic("snapshots", "--json", "--latest", "1", capture=True) or "[]")
    if found:
        newest = max(found, key=lambda snapshot: snapshot["time"])
        raise BackupError(
            f"this server has never backed up nor restored, and the repository already has "
            f"snapshots (the newest {newest['short_id']} of {newest['time'][:16]}, from "
            f"{newest['hostname']}): restore first (collectif restore), or, to keep this "
            "server's data as it is, run: collectif-backup backup --adopt"
        )


def backup(dropins: Sequence[Dropin], adopt: bool = False) -> dict[str, Any]:
    """Maintenance modes on, dumps, one snapshot, maintenance modes off (always)."""
    refuse_to_hide_older_data(adopt)
    started = time.monotonic()
    entered: list[Dropin] = []
    failures: list[str] = []
    summary: dict[str, Any] | None = None
    try:
        for dropin in dropins:
            entered.append(dropin)  # its "after" runs even if a "before" failed halfway
            for command in dropin.before:
                shell(command)
        if DUMPS.exists():
            shutil.rmtree(DUMPS)  # last time's dumps: a database that left must not stay
        DUMPS.mkdir(parents=True, mode=0o700)
        for dropin in dropins:
            for database in dropin.postgresql:
                dump_postgresql(database, DUMPS)
            for database in dropin.mariadb:
                dump_mariadb(database, DUMPS)
        paths = sorted({path for dropin in dropins for path in dropin.paths})
        missing = [path for path in paths if not Path(path).exists()]
        if missing:
            raise BackupError(f"paths of the drop-ins do not exist: {', '.join(missing)}")
        excludes = [f"--exclude={pattern}" for d in dropins for pattern in d.exclude]
        out = restic("backup", "--json", "--tag", TAG, *excludes, *paths, str(DUMPS), capture=True)
        summary = next(
            (m for m in map(_json_line, out.splitlines()) if m.get("message_type") == "summary"),
            None,
        )
        if summary is None:
            raise BackupError("restic backup ended without its summary")
    finally:
        for dropin in reversed(entered):
            for command in dropin.after:
                try:
                    shell(command)
                except BackupError as failure:
                    failures.append(str(failure))
    # The snapshot is in the repository even when an "after" step failed: it is recorded,
    # or the next run would take it for another server's and refuse to back up.
    assert summary is not None
    report = {
        "snapshot": summary["snapshot_id"],
        "finished": _now(),
        "duration_seconds": round(time.monotonic() - started, 1),
        "data_added_bytes": summary.get("data_added", 0),
        "total_bytes": summary.get("total_bytes_processed", 0),
        "files": summary.get("total_files_processed", 0),
        "dropins": [dropin.name for dropin in dropins],
    }
    if failures:
        report["after_failed"] = failures
    _save("backup", report)
    if failures:
        raise BackupError("; ".join(failures))
    return report


def _json_line(line: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


# ---------------------------------------------------------------- restore


def restore(
    dropins: Sequence[Dropin], snapshot: str = "latest", copy: str | None = None
) -> dict[str, Any]:
    """Put a snapshot back onto this server, whose services site.yml has just set up
    (from `copy`, a copy of the repository on this server's disk, when given)."""
    started = time.monotonic()
    # "latest" named once, before anything changes: the report says which snapshot came
    # back, and a backup taken after the restore does not change what was restored.
    found = json.loads(restic("snapshots", "--json", snapshot, capture=True) or "[]")
    if not found and snapshot == "latest":
        # Most often a new server under another name than the old one in the inventory:
        # the repository's name comes from the host's (restic_rest_user).
        raise BackupError(
            "the repository holds no snapshot, so there is nothing to restore. If this "
            "server replaces one that had another name in the inventory, the backups are "
            "kept under that name: give the new server the old name in hosts.yml (only "
            "ansible_host changes), or set restic_rest_user to the old name in its host_vars, "
            "then run the rebuild again"
        )
    if not found:
        raise BackupError(f"no snapshot '{snapshot}' in the repository (see: restic snapshots)")
    snapshot = found[-1]["id"]
    log(f"restoring snapshot {snapshot[:8]} of {found[-1]['time']}")
    services = list(dict.fromkeys(s for dropin in dropins for s in dropin.services))
    if services:
        subprocess.run(["systemctl", "stop", *services], check=False)
    try:
        paths = sorted({path for dropin in dropins for path in dropin.paths})
        includes = [f"--include={path}" for path in [*paths, str(DUMPS)]]
        restic("restore", snapshot, "--target", "/", *includes)
        for dropin in dropins:
            for database in dropin.postgresql:
                load_postgresql(database, DUMPS)
            for database in dropin.mariadb:
                load_mariadb(database, DUMPS)
        for dropin in dropins:
            for command in dropin.restore_after:
                shell(command)
    finally:
        if services:
            subprocess.run(["systemctl", "start", *services], check=False)
    report = {
        "snapshot": snapshot,
        "finished": _now(),
        "duration_seconds": round(time.monotonic() - started, 1),
        "dropins": [dropin.name for dropin in dropins],
    }
    if copy:
        report["repository"] = copy
    _save("restore", report)
    return report


# ---------------------------------------------------------------- upkeep


def forget(keep: dict[str, int]) -> dict[str, Any]:
    """Retention: what is older than the kept hours, days, weeks and months goes."""
    flags = [f"--keep-{period}={count}" for period, count in keep.items() if count]
    restic("forget", "--tag", TAG, "--group-by", "host,tags", *flags, "--prune")
    report = {"finished": _now(), "keep": keep}
    _save("forget", report)
    return report


def check(subsets: int) -> dict[str, Any]:
    """The repository's structure, and one part of its data in turn (all of it in `subsets`
    runs): a bad pack is found without downloading everything each time."""
    state = _load("check")
    # Within range even when check_subsets was lowered since the last run.
    part = (int(state.get("next_part", 1)) - 1) % subsets + 1
    restic("check", f"--read-data-subset={part}/{subsets}")
    report = {"finished": _now(), "part": f"{part}/{subsets}", "next_part": part % subsets + 1}
    _save("check", report)
    return report


def drill(sample: int) -> dict[str, Any]:
    """Restore a sample of the latest snapshot into a scratch directory (restic re-reads
    what it wrote, --verify), then compare each file that has not changed on the server
    since the snapshot with the server's own copy: proof that the backups give back what
    the server holds."""
    started = time.monotonic()
    listing = restic("ls", "--json", "latest", capture=True)
    nodes = [
        node
        for node in map(_json_line, listing.splitlines())
        if node.get("struct_type") == "node" and node.get("type") == "file"
    ]
    if not nodes:
        raise BackupError("the latest snapshot holds no file")
    chosen = random.sample(nodes, min(sample, len(nodes)))
    scratch = STATE / "drill"
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True, mode=0o700)
    compared = 0
    try:
        includes = [f"--include={node['path']}" for node in chosen]
        restic("restore", "latest", "--verify", "--target", str(scratch), *includes)
        for node in chosen:
            restored = scratch / node["path"].lstrip("/")
            if not restored.is_file() or restored.stat().st_size != node.get("size", 0):
                raise BackupError(f"{node['path']} did not come back whole")
            live = Path(node["path"])
            if _unchanged_since(live, node):
                if _digest(live) != _digest(restored):
                    raise BackupError(f"{node['path']} came back different from the server's")
                compared += 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report = {
        "finished": _now(),
        "duration_seconds": round(time.monotonic() - started, 1),
        "files_restored": len(chosen),
        "files_compared": compared,
    }
    _save("drill", report)
    return report


def _unchanged_since(live: Path, node: dict[str, Any]) -> bool:
    """The server's file has the size and modification time the snapshot recorded."""
    try:
        stat = live.stat()
    except OSError:
        return False
    recorded = datetime.datetime.fromisoformat(node["mtime"]).timestamp()
    return stat.st_size == node.get("size", 0) and abs(stat.st_mtime - recorded) < 1e-3


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------- state


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def _load(kind: str) -> dict[str, Any]:
    path = STATE / f"{kind}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _save(kind: str, report: dict[str, Any]) -> None:
    STATE.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = STATE / f"{kind}.json"
    path.with_suffix(".tmp").write_text(json.dumps(report, indent=2) + "\n")
    path.with_suffix(".tmp").replace(path)


def reports() -> Iterator[tuple[str, dict[str, Any]]]:
    for kind in ("backup", "forget", "check", "drill", "restore"):
        yield kind, _load(kind)


def run(command: str, args: argparse.Namespace, wanted: dict[str, Any]) -> dict[str, Any]:
    if command == "backup":
        return backup(read_dropins(), args.adopt)
    if command == "restore":
        return restore(read_dropins(), args.snapshot, args.repository)
    if command == "forget":
        return forget(wanted["keep"])
    if command == "check":
        return check(int(wanted["check_subsets"]))
    return drill(int(wanted["drill_sample"]))


@contextlib.contextmanager
def one_at_a_time(command: str) -> Iterator[None]:
    """One collectif-backup at a time on this server: a restore waits for the hourly
    backup to end (and the other way round), so neither sees the other's half-work."""
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with LOCK.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"{command}: waiting for the collectif-backup already running to end")
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def read_environment() -> None:
    """restic's settings from restic.env, unless the unit already gave them."""
    if "RESTIC_REPOSITORY" in os.environ or not ENVIRONMENT.exists():
        return
    for line in ENVIRONMENT.read_text().splitlines():
        name, equals, value = line.partition("=")
        if equals and not name.startswith("#"):
            os.environ.setdefault(name.strip(), value.strip())


def init(dry_run: bool) -> dict[str, Any]:
    """Create the repository when there is none at the address (restic exits 10), once.
    The role calls this rather than restic: the repository's URL holds the backup
    target's password, which must never be on a command line or in a task's environment."""
    try:
        found = subprocess.run(
            ["restic", "cat", "config"],
            check=False,
            stdout=subprocess.DEVNULL,
            timeout=REPOSITORY_TIMEOUT,
        )
    except subprocess.TimeoutExpired as late:
        raise BackupError(
            f"the repository did not answer within {REPOSITORY_TIMEOUT} s: is the backup "
            "server up, and RESTIC_REPOSITORY right?"
        ) from late
    if found.returncode == 0:
        return {"created": False}
    if found.returncode != 10:
        raise BackupError(
            f"restic cat config failed (exit code {found.returncode}): is the backup "
            "server up, and are RESTIC_REPOSITORY and the password right?"
        )
    if not dry_run:
        restic("init", capture=True, timeout=REPOSITORY_TIMEOUT)
    return {"created": True}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="collectif-backup", description=__doc__.split("\n")[0])
    parser.add_argument(
        "command",
        choices=["backup", "restore", "forget", "check", "drill", "report", "snapshots", "init"],
    )
    parser.add_argument(
        "snapshot", nargs="?", default="latest", help="for restore (default: latest)"
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="init: only say whether the repository would be created",
    )
    parser.add_argument(
        "--adopt",
        action="store_true",
        help="backup: take the first snapshot of a server even though the repository "
        "already has some (this server's data is the one to keep)",
    )
    parser.add_argument(
        "--repository",
        metavar="PATH",
        help="another repository than restic.env's, with the same password: a copy of it "
        "on this server's disk (restore.yml pushes one there from a copy at home)",
    )
    args = parser.parse_args(argv)
    read_environment()
    if args.repository:
        os.environ["RESTIC_REPOSITORY"] = args.repository
    if args.command == "snapshots":
        return subprocess.run(["restic", "snapshots", "--compact"], check=False).returncode
    wanted = settings()
    try:
        if args.command == "init":
            result = init(args.dry_run)
        elif args.command == "report":
            result = dict(reports())
            # Written by the role when it set the backups up: a new server's grace period.
            enabled_at = STATE / "enabled-at"
            if enabled_at.exists():
                result["enabled_at"] = enabled_at.read_text().strip()
        else:
            reach_repository()
            with one_at_a_time(args.command):
                result = run(args.command, args, wanted)
    except BackupError as failure:
        log(f"FAILED: {failure}")
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
