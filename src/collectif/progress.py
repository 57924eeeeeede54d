"""What a run of a playbook looks like from ansible-runner's events: one line per play and
per role as they start and end, with the time since the run began; the failures, the
health checks and what the playbooks report to the collectif command.

    Progress(write).handle(event)   for each event, then .finish()

A task that reports to the command puts a mapping under `collectif_report` in its result
(a `debug` task with `var: collectif_report`): the addresses the server serves, the
snapshot just taken. Nothing here runs Ansible; collectif.runs does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from . import i18n

# The column where a role's state starts (its name is followed by dots up to there).
WIDTH = 34
# A task of a role's tasks/health.yml is a health check (playbooks/doctor.yml runs them).
HEALTH = "/tasks/health.yml:"
REPORT = "collectif_report"
ENDS = ("runner_on_ok", "runner_on_failed", "runner_on_skipped", "runner_on_unreachable")


def say(key: str, **values: Any) -> str:
    return i18n.say("run", key, **values)


@dataclass
class Unit:
    """A role's tasks in one play (role "": the play's own tasks)."""

    play: str
    role: str
    started: float
    ok: int = 0
    changed: int = 0
    failed: int = 0


@dataclass(frozen=True)
class Failure:
    host: str
    role: str
    task: str
    message: str


@dataclass(frozen=True)
class Check:
    """One health check on one host: state is ok, failed or skipped."""

    host: str
    role: str
    task: str
    state: str
    message: str = ""


def message(event_data: Mapping[str, Any]) -> str:
    """A failed task's reason, as a person reads it: its msg, else its error output, else
    the first failed item's."""
    res = event_data.get("res") or {}
    if not isinstance(res, Mapping):
        return str(res)
    for item in res.get("results") or []:
        if isinstance(item, Mapping) and (item.get("failed") or item.get("unreachable")):
            return message({"res": item})
    for key in ("msg", "stderr", "reason", "stdout"):
        text = res.get(key)
        if text:
            return str(text).strip()
    return ""


@dataclass
class Progress:
    """Reads the events of one run. `write` prints a piece of text (no newline added);
    `live`: a terminal, where a role's line is shown while it runs and finished in place."""

    write: Callable[[str], None]
    clock: Callable[[], float] = time.monotonic
    live: bool = False
    began: float = field(default=-1.0)
    unit: Unit | None = None
    play: str = ""
    changed: dict[str, int] = field(default_factory=dict)
    roles: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    reports: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    partial: bool = False  # live: a role's line is on the terminal, not yet ended

    def elapsed(self) -> float:
        now = self.clock()
        if self.began < 0:
            self.began = now
        return now - self.began

    def stamp(self) -> str:
        return f"{self.elapsed():7.1f}s  "

    def handle(self, event: Mapping[str, Any]) -> None:
        kind = event.get("event", "")
        data = event.get("event_data") or {}
        self.elapsed()  # the clock starts at the first event
        if kind == "playbook_on_play_start":
            self.close()
            self.play = str(data.get("play") or data.get("name") or "")
            self.write(f"{self.stamp()}{self.play}\n")
        elif kind == "playbook_on_task_start":
            self.enter(str(data.get("role") or ""))
        elif kind in ENDS:
            self.result(kind, data)

    def enter(self, role: str) -> None:
        if self.unit is not None and self.unit.role == role and self.unit.play == self.play:
            return
        self.close()
        self.unit = Unit(self.play, role, self.elapsed())
        if role and role not in self.roles:
            self.roles.append(role)
        if self.live and role:
            self.write(f"{self.stamp()}  {role} ...")
            self.partial = True

    def say(self, text: str) -> None:
        """A line of its own, below a role's line still running."""
        if self.partial:
            self.write("\n")
            self.partial = False
        self.write(f"{text}\n")

    def result(self, kind: str, data: Mapping[str, Any]) -> None:
        role = str(data.get("role") or "")
        self.enter(role)
        assert self.unit is not None
        host = str(data.get("host") or "")
        task = str(data.get("task") or "")
        res = data.get("res") if isinstance(data.get("res"), Mapping) else {}
        health = bool(role) and HEALTH in str(data.get("task_path") or "")
        if kind == "runner_on_ok":
            self.unit.ok += 1
            if res.get("changed"):
                self.unit.changed += 1
                if role:
                    self.changed[role] = self.changed.get(role, 0) + 1
            if isinstance(res.get(REPORT), Mapping):
                self.reports.append((host, dict(res[REPORT])))
            if res.get("fresh") is True and not role:
                self.close()
                self.say(f"{self.stamp()}  {say('progress.fresh', host=host)}")
            elif str(data.get("resolved_action", "")).endswith("debug") and "msg" in res:
                self.note(host, res["msg"])
            if health:
                self.checks.append(Check(host, role, task, "ok"))
        elif kind == "runner_on_skipped":
            if health:
                self.checks.append(Check(host, role, task, "skipped"))
        elif data.get("ignore_errors"):
            self.unit.ok += 1  # a failure the role expects and handles
        else:
            self.unit.failed += 1
            why = message(data)
            if kind == "runner_on_unreachable":
                why = say("progress.unreachable", reason=why)
            self.failures.append(Failure(host, role, task, why))
            if health:
                self.checks.append(Check(host, role, task, "failed", why))

    def note(self, host: str, said: Any) -> None:
        """What a task shows the person running it (a `debug` message): a warning, the
        inventory's problems, the accounts made."""
        text = said if isinstance(said, str) else yaml.safe_dump(said, allow_unicode=True)
        lines = [line for line in text.strip().splitlines() if line.strip()]
        for number, line in enumerate(lines):
            self.say(f"{'':11}{(host + ': ') if number == 0 else '  '}{line}")

    def close(self) -> None:
        """The current role ended: its line, with what it did."""
        unit, self.unit = self.unit, None
        if unit is None:
            return
        if not unit.role and not (unit.changed or unit.failed):
            return  # the play's own bookkeeping (stamps, includes) says nothing new
        label = unit.role or say("progress.play_tasks")
        if unit.failed:
            state = say("progress.failed", count=unit.failed)
        elif unit.changed:
            state = say("progress.changed", count=unit.changed)
        else:
            state = say("progress.ok")
        took = self.elapsed() - unit.started
        line = f"{self.stamp()}  {(label + ' ').ljust(WIDTH, '.')} {state} ({took:.1f}s)"
        self.write(f"\r{line}\n" if self.partial else f"{line}\n")
        self.partial = False

    def finish(self) -> None:
        self.close()

    def failed_tasks(self) -> list[Failure]:
        """The failures the run stopped on: for each host, the last one (a rescue's own
        `fail` after the task that failed, or the health checks' verdict after them)."""
        last: dict[str, Failure] = {}
        for failure in self.failures:
            last[failure.host] = failure
        return list(last.values())


def table(checks: list[Check]) -> list[str]:
    """The doctor's table: host, service, check, result; a failed check's reason after it."""
    rows = [(say("doctor.host"), say("doctor.service"), say("doctor.check"), say("doctor.result"))]
    for check in checks:
        state = say(f"doctor.{check.state}")
        if check.message:
            state = f"{state}: {check.message.splitlines()[0][:160]}"
        rows.append((check.host, check.role, check.task, state))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        + "  "
        + row[3]
        for row in rows
    ]
