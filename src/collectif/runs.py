"""Running a playbook as a volunteer sees it: progress lines on the terminal, the whole of
Ansible's output kept in the inventory's logs/, then what the command has to say (the
deploy's summary, the doctor's table, the snapshot taken).

    run("deploy", "site.yml", inventory, extra)   -> Outcome (exit code, what happened, log)

`verbose` streams Ansible's own output instead of the progress lines, as before; the log
is kept either way.
"""

from __future__ import annotations

import datetime
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import ansible_runner

from . import i18n, progress, secrets, services

ROOT = Path(__file__).resolve().parents[2]
LOGS = "logs"
# The lines of the log shown when Ansible failed before any task could.
TAIL = 15
COLOURS = re.compile(r"\x1b\[[0-9;]*m")


def say(key: str, **values: Any) -> str:
    return i18n.say("run", key, **values)


@dataclass
class Outcome:
    rc: int
    progress: progress.Progress
    log: Path


def new_log(inventory: Path, command: str, now: datetime.datetime | None = None) -> Path:
    """<inventory>/logs/<command>-<UTC time>.log, new, only this user's (0600 in 0700): a
    run's output names the servers, their paths and their errors."""
    logs = inventory / LOGS
    logs.mkdir(mode=0o700, exist_ok=True)
    logs.chmod(0o700)
    ignore = inventory / ".gitignore"
    if ignore.exists() and f"{LOGS}/" not in ignore.read_text().split():
        with ignore.open("a") as patterns:
            patterns.write(f"# The collectif command's run logs\n{LOGS}/\n")
    when = (now or datetime.datetime.now(datetime.UTC)).strftime("%Y%m%dT%H%M%SZ")
    for attempt in range(1, 100):
        path = logs / f"{command}-{when}{'' if attempt == 1 else f'-{attempt}'}.log"
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"{logs}: too many runs of {command} at {when}")


def ansible(
    private: str,
    playbook: str,
    inventory: str,
    options: Sequence[str],
    handle: Callable[[dict[str, Any]], bool],
    colour: bool = False,
    settings: Mapping[str, str] | None = None,
) -> int:
    """ansible-playbook on playbooks/<playbook> through ansible-runner, its private files in
    `private`, each event given to `handle`; its exit code."""
    runner = ansible_runner.run(
        private_data_dir=private,
        project_dir=str(ROOT),
        playbook=str(ROOT / "playbooks" / playbook),
        inventory=str(Path(inventory).resolve()),
        cmdline=shlex.join(options) if options else None,
        envvars={
            "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
            "ANSIBLE_FORCE_COLOR": "1" if colour else "0",
            "ANSIBLE_NOCOLOR": "0" if colour else "1",
            **(settings or {}),
        },
        quiet=True,
        event_handler=handle,
    )
    return int(runner.rc)


def run(
    command: str,
    playbook: str,
    inventory: str,
    extra: Sequence[str],
    *,
    verbose: int = 0,
    settings: Mapping[str, str] | None = None,
    out: TextIO | None = None,
) -> Outcome:
    """Run playbooks/<playbook> against the inventory; progress (or, verbose, Ansible's
    output) on `out`, the whole output in a new log. On failure, the failing tasks'
    messages and the log's path are said."""
    out = out or sys.stdout
    log = new_log(Path(inventory), command)
    live = out.isatty() and not verbose

    def write(text: str) -> None:
        out.write(text)
        out.flush()

    watch = progress.Progress(write=(lambda _text: None) if verbose else write, live=live)
    options = [*extra, *(["-" + "v" * verbose] if verbose else [])]
    started = datetime.datetime.now(datetime.UTC)
    with (
        tempfile.TemporaryDirectory(prefix="collectif-") as private,
        log.open("a", encoding="utf-8") as kept,
    ):
        kept.write(f"# collectif {command}: playbooks/{playbook} {shlex.join(options)}\n")
        kept.write(f"# started {started.isoformat(timespec='seconds')}\n")

        def handle(event: dict[str, Any]) -> bool:
            text = event.get("stdout")
            if text:
                text = text.replace("\r\n", "\n").replace("\r", "")
                kept.write(COLOURS.sub("", text) + "\n")
                kept.flush()
                if verbose:
                    write(text + "\n")
            watch.handle(event)
            return False  # runner keeps nothing more in its artifacts

        if not verbose:
            write(say("progress.starting", command=command, playbook=playbook, log=log) + "\n")
        colour = bool(verbose) and out.isatty()
        rc = ansible(private, playbook, inventory, options, handle, colour, settings)
        kept.write(f"# exit code {rc}\n")
    watch.finish()
    took = datetime.datetime.now(datetime.UTC) - started
    if rc != 0 and not verbose and not watch.failed_tasks():
        # Ansible stopped before any task (a setting, the locale, a playbook it cannot
        # read): its own last words.
        said = [line for line in log.read_text().splitlines() if not line.startswith("# ")]
        for line in said[-TAIL:]:
            write(f"    {line}\n")
    if rc != 0:
        for failure in watch.failed_tasks():
            where = failure.role or watch.play
            write(say("progress.failed_task", host=failure.host, where=where, task=failure.task))
            write("\n")
            for line in failure.message.splitlines():
                write(f"    {line}\n")
        write(say("progress.failed_end", command=command, code=rc, log=log) + "\n")
    elif not verbose:
        write(say("progress.done", command=command, took=duration(took.total_seconds())) + "\n")
    return Outcome(rc, watch, log)


def duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


# --------------------------------------------------------------------------- the commands

# The commands whose end is the deploy's summary (addresses, changes, passwords, next).
SUMMARY = ("deploy", "upgrade", "rebuild")


def command(
    name: str,
    playbook: str,
    inventory: str,
    vault: Sequence[str],
    options: Sequence[str],
    *,
    verbose: int = 0,
    settings: Mapping[str, str] | None = None,
) -> int:
    """One of the collectif command's playbook commands, with what it says at the end;
    `upgrade` takes a snapshot first and deploys only once it is taken."""
    if name == "upgrade":
        taken = run(
            "snapshot", "snapshot.yml", inventory, [*vault, *limits(options)],
            verbose=verbose, settings=settings,
        )  # fmt: skip
        if taken.rc != 0:
            print(say("upgrade.stopped"))
            return taken.rc
        print("\n".join(snapshots_taken(taken)))
        print(say("upgrade.deploying"))
    outcome = run(name, playbook, inventory, [*vault, *options], verbose=verbose, settings=settings)
    print("".join(ending(name, outcome, inventory)), end="")
    return outcome.rc


def limits(options: Sequence[str]) -> list[str]:
    """The --limit of a deploy's options, for its snapshot: the same servers; not its
    tags (--tags nextcloud would skip the snapshot's tasks) nor its other values."""
    kept: list[str] = []
    for at, option in enumerate(options):
        if option in ("--limit", "-l") and at + 1 < len(options):
            kept += [option, options[at + 1]]
        elif option.startswith("--limit="):
            kept.append(option)
    return kept


def ending(name: str, outcome: Outcome, inventory: str) -> list[str]:
    """What a command says after its run (each line ends with a newline)."""
    if name == "doctor":
        lines = doctor_table(outcome)
    elif name == "snapshot" and outcome.rc == 0:
        lines = snapshots_taken(outcome)
    elif name == "check" and outcome.rc == 0:
        lines = dry_run(outcome)
    elif name in SUMMARY and outcome.rc == 0:
        lines = summary(outcome, inventory)
    elif any(check.state == "failed" for check in outcome.progress.checks):
        lines = doctor_table(outcome)
    else:
        lines = []
    return [f"{line}\n" for line in lines]


def restore_confirmed(inventory: str, given: str | None) -> bool:
    """Before a restore: the inventory's servers, named by the person running it."""
    names = server_names(inventory)
    if not names:
        print(say("restore.no_servers", inventory=inventory))
        return False
    return confirmed(names, given, sys.stdin.isatty())


# --------------------------------------------------------------------------- after a run


def reported(outcome: Outcome, key: str) -> list[tuple[str, Any]]:
    """What the playbooks reported under `key` (a task's collectif_report), by host."""
    return [(host, report[key]) for host, report in outcome.progress.reports if key in report]


def summary(outcome: Outcome, inventory: str) -> list[str]:
    """What a volunteer reads after a deploy: what changed, the health checks, the
    addresses the server serves, the passwords they may ask for, what to do next."""
    watch = outcome.progress
    lines = ["", say("summary.title"), "-" * len(say("summary.title"))]
    if watch.changed:
        counts = ", ".join(f"{role} {count}" for role, count in watch.changed.items())
        lines.append(say("summary.changed", roles=counts))
    else:
        lines.append(say("summary.unchanged"))
    if watch.checks:
        states = [check.state for check in watch.checks]
        lines.append(say("summary.health", ok=states.count("ok"), failed=states.count("failed")))
    addresses = [(host, site) for host, sites in reported(outcome, "urls") for site in sites or []]
    if addresses:
        lines.append(say("summary.urls"))
        several = len({host for host, _ in addresses}) > 1
        for host, site in addresses:
            name = f"{site.get('name', '')}{f' ({host})' if several else ''}"
            lines.append(f"  {name:<28} {site.get('url', '')}")
    # The services the servers run (doctor's report), and those this run ran: a play
    # skipped by its stamp ran none of its roles.
    ran = set(watch.roles) | {
        str(name) for _, names in reported(outcome, "services") for name in names or []
    }
    offered = {
        name: secret
        for name, (service, secret) in services.showable().items()
        if service.name in ran
    }
    if offered:
        lines.append(say("summary.secrets"))
        for name, secret in sorted(offered.items()):
            lines.append(f"  collectif secrets -i {inventory} --show {name}   ({secret.who})")
    vault = secrets.vault_files(Path(inventory)).password
    if vault.exists():
        lines.append(say("summary.next", inventory=inventory, vault=vault))
    else:
        lines.append(say("summary.no_vault", inventory=inventory))
    lines.append(say("progress.log", log=outcome.log))
    return lines


def dry_run(outcome: Outcome) -> list[str]:
    """After `check`: what deploy would change, by role (each with its diff above, in -v,
    and in the log)."""
    changed = outcome.progress.changed
    if not changed:
        return ["", say("summary.would_not")]
    counts = ", ".join(f"{role} {count}" for role, count in changed.items())
    return ["", say("summary.would_change", roles=counts), say("progress.log", log=outcome.log)]


def doctor_table(outcome: Outcome) -> list[str]:
    checks = outcome.progress.checks
    if not checks:
        return ["", say("doctor.none")]
    states = [check.state for check in checks]
    return [
        "",
        *progress.table(checks),
        "",
        say(
            "doctor.counts",
            ok=states.count("ok"),
            failed=states.count("failed"),
            skipped=states.count("skipped"),
        ),
    ]


def snapshots_taken(outcome: Outcome) -> list[str]:
    lines = []
    for host, taken in reported(outcome, "snapshot"):
        lines.append(
            say(
                "snapshot.taken",
                snapshot=str(taken.get("snapshot", "?"))[:8],
                host=host,
                finished=taken.get("finished", "?"),
                seconds=taken.get("duration_seconds", "?"),
                added=size(taken.get("data_added_bytes", 0)),
            )
        )
    return lines or [say("snapshot.none")]


def size(count: Any) -> str:
    value = float(count or 0)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


# --------------------------------------------------------------------------- restore


def server_names(inventory: str) -> list[str]:
    """The inventory's hosts of the group servers, as the inventory names them (asked of
    ansible-inventory with the project's settings, which leave logs/ out)."""
    tool = Path(sys.executable).with_name("ansible-inventory")
    graph = subprocess.run(
        [str(tool) if tool.exists() else "ansible-inventory", "-i", str(Path(inventory).resolve()),
         "--graph", "servers"],
        env={**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    names = [line.split("|--", 1)[1] for line in graph.stdout.splitlines() if "|--" in line]
    return sorted({name.strip() for name in names if not name.startswith("@")})


def confirmed(
    names: Sequence[str],
    given: str | None,
    interactive: bool,
    ask: Callable[[str], str] | None = None,
    write: Callable[[str], None] = print,
) -> bool:
    """The servers' names typed (or given with --confirm) before a restore: all of them,
    separated by spaces or commas. No terminal and nothing given: refused."""
    shown = ", ".join(names)
    write(say("restore.warning", names=shown))
    if given is None:
        if not interactive:
            write(say("restore.no_terminal", names=shown))
            return False
        try:
            given = (ask or input)(say("restore.prompt", names=shown))
        except EOFError:
            given = ""
    typed = sorted(set(re.split(r"[\s,]+", given.strip())) - {""})
    if typed != sorted(names):
        write(say("restore.refused", typed=given.strip(), names=shown))
        return False
    return True
