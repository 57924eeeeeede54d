#!/usr/bin/python3
"""collectif-retention: the backup target's retention of one server's repository, refused
when its snapshots look forged.

Installed by Ansible (roles/rest_server) as /usr/local/sbin/collectif-retention and run
daily by collectif-retention@<server>.service, as root in a sandbox (the repository's
password is root's alone: the network-facing rest-server cannot read it):

    collectif-retention --repo /srv/restic/asso --password-file FILE [--cache-dir DIR]
        [--give-to restic-rest-server] [--max-new 200] [--max-ahead-minutes 60]
        -- --keep-within 30d --keep-hourly 24 ...

The arguments after -- are restic's policy (restic forget --prune).

A server that was taken over can add snapshots (the rest-server is append-only), not delete
any; it could still make this retention delete the real ones: restic counts its windows
from the newest snapshot, so one dated in the future empties them, and each window keeps
only the newest snapshot of its period, so many snapshots at once push the real ones out.
Before anything is forgotten, then:
- a snapshot dated more than --max-ahead-minutes after this machine's clock stops it;
- more snapshots arrived in the last day than --max-new (their files' times, written by the
  rest-server here: a server cannot choose them) stops it.
It then exits 3 with the reason, the unit fails (doctor.yml and the admins see it), and
nothing is forgotten until a person has looked.

The repository's files belong to the rest-server (--give-to), which must keep reading
what the prune writes. restic writes group-readable files in a repository whose `config`
is group-readable, so that file is made so first (the unit runs with the rest-server's
group); every file and directory the run made is given back to the rest-server at the end.
Only the Python standard library.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pwd
import re
import stat
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REFUSED = 3
DAY = 24 * 3600
# restic prints nanoseconds; Python reads six digits at most.
_FRACTION = re.compile(r"(\.\d{6})\d+")


def snapshot_time(text: str) -> datetime.datetime:
    """A snapshot's time as restic prints it (2026-11-30T04:00:01.123456789+01:00)."""
    return datetime.datetime.fromisoformat(_FRACTION.sub(r"\1", text.replace("Z", "+00:00")))


def ahead(snapshots: list[dict], now: datetime.datetime, minutes: int) -> list[dict]:
    """The snapshots dated after now (beyond the clocks' usual drift)."""
    limit = now + datetime.timedelta(minutes=minutes)
    return [s for s in snapshots if snapshot_time(s["time"]) > limit]


def arrived(repository: Path, since: float) -> int:
    """How many snapshots reached the repository since then (the files' times here)."""
    folder = repository / "snapshots"
    return sum(1 for f in folder.iterdir() if f.is_file() and f.stat().st_mtime >= since)


def refusal(repository: Path, snapshots: list[dict], args: argparse.Namespace) -> str | None:
    """Why the retention must not run now, or None."""
    now = datetime.datetime.now(datetime.UTC)
    future = ahead(snapshots, now, args.max_ahead_minutes)
    if future:
        named = ", ".join(f"{s['short_id']} ({s['time'][:19]})" for s in future[:5])
        return (
            f"{len(future)} snapshot(s) dated in the future: {named}. A server's clock is "
            "wrong, or someone who holds the server forged them to empty the retention's "
            "windows. Nothing was forgotten; look at them (restic snapshots), then remove "
            "the forged ones here by hand (as root: restic forget ID) before the retention "
            "runs again."
        )
    new = arrived(repository, time.time() - DAY)
    if new > args.max_new:
        return (
            f"{new} snapshots arrived in the last day (more than {args.max_new}): a burst "
            "like this can push the real snapshots out of the retention's windows. Nothing "
            "was forgotten; look at them (restic snapshots), and raise "
            "rest_server_retention_max_new if they are genuine."
        )
    return None


def share_with(repository: Path, gid: int) -> None:
    """Make restic write group-readable files here: it takes its modes from `config`'s."""
    config = repository / "config"
    mode = stat.S_IMODE(config.stat().st_mode)
    if not mode & stat.S_IRGRP:
        config.chmod(mode | stat.S_IRGRP)
    if config.stat().st_gid != gid:
        os.chown(config, -1, gid)


def give_back(repository: Path, uid: int, gid: int) -> int:
    """Give the rest-server whatever in the repository is not its own; how many."""
    given = 0
    for folder, dirs, files in os.walk(repository):
        for name in [*dirs, *files]:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            if (info.st_uid, info.st_gid) != (uid, gid):
                os.lchown(path, uid, gid)
                given += 1
    return given


def restic(args: argparse.Namespace, *command: str) -> list[str]:
    options = ["--repo", args.repo, "--password-file", args.password_file, "--retry-lock", "30m"]
    if args.cache_dir:
        options += ["--cache-dir", args.cache_dir]
    return ["restic", *options, *command]


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="collectif-retention", description=__doc__.split("\n")[0])
    parser.add_argument("--repo", required=True)
    parser.add_argument("--password-file", required=True)
    parser.add_argument("--cache-dir")
    parser.add_argument(
        "--give-to", metavar="USER", help="the rest-server's user: the repository's owner"
    )
    parser.add_argument("--max-new", type=int, default=200)
    parser.add_argument("--max-ahead-minutes", type=int, default=60)
    parser.add_argument("policy", nargs="*", help="restic forget's --keep-* options")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    listed = subprocess.run(
        restic(args, "snapshots", "--json", "--no-lock"), capture_output=True, text=True
    )
    if listed.returncode != 0:
        print(
            f"collectif-retention: restic snapshots failed: {listed.stderr.strip()}",
            file=sys.stderr,
        )
        return listed.returncode
    repository = Path(args.repo)
    reason = refusal(repository, json.loads(listed.stdout or "[]"), args)
    if reason:
        print(f"collectif-retention: refused: {reason}", file=sys.stderr)
        return REFUSED
    if not args.give_to:
        return subprocess.run(restic(args, "forget", "--prune", *args.policy)).returncode
    owner = pwd.getpwnam(args.give_to)
    share_with(repository, owner.pw_gid)
    try:
        return subprocess.run(restic(args, "forget", "--prune", *args.policy)).returncode
    finally:
        given = give_back(repository, owner.pw_uid, owner.pw_gid)
        if given:
            print(f"collectif-retention: {given} new file(s) given to {args.give_to}")


if __name__ == "__main__":
    sys.exit(main())
