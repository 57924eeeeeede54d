"""The collectif command's runs as a volunteer sees them: progress lines, the kept log, the
summary, the doctor's table, snapshot and upgrade, the server's name typed before a restore.

Real runs go to localhost (connection local, in a temporary directory) or to the tripwire
connection of tests/plugins, which records any attempt to reach a host; never a server.
"""

from __future__ import annotations

import io
import stat
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ASSOCIATION, ROOT, make_inventory

from collectif import cli, progress, runs


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def event(kind: str, after: float = 0.0, **data: object) -> dict:
    """An event of ansible-runner's, `after` seconds after the one before it."""
    return {"event": kind, "event_data": data, "after": after}


def ran(events: list[dict], clock: Clock) -> tuple[progress.Progress, list[str]]:
    written: list[str] = []
    watch = progress.Progress(write=written.append, clock=clock)
    for one in events:
        clock.now += one["after"]
        watch.handle(one)
    watch.finish()
    return watch, "".join(written).splitlines()


# --------------------------------------------------------------------------- from events


def test_a_line_per_play_and_per_role_with_the_time_and_the_changes():
    clock = Clock()
    path = "/x/roles/nginx/tasks/main.yml:3"
    events = [
        event("playbook_on_start"),
        event("playbook_on_play_start", 0.5, play="Run the shared services"),
        event("playbook_on_task_start", 0.1, role="nginx", task="Install nginx"),
        event("runner_on_ok", 2.0, role="nginx", host="asso1", task="Install nginx",
              task_path=path, res={"changed": True}),
        event("playbook_on_task_start", 0.1, role="nginx", task="Write the sites"),
        event("runner_on_ok", 1.0, role="nginx", host="asso1", task="Write the sites",
              task_path=path, res={"changed": True}),
        event("playbook_on_task_start", 0.1, role="postgresql", task="Install it"),
        event("runner_on_ok", 3.0, role="postgresql", host="asso1", task="Install it",
              res={"changed": False}),
        event("playbook_on_play_start", 0.2, play="Run Matrix"),
        event("playbook_on_task_start", 0.1, task="Learn whether this play already ran"),
        event("runner_on_ok", 0.3, host="asso1", task="Learn", res={"fresh": True}),
    ]  # fmt: skip
    watch, lines = ran(events, clock)
    assert lines == [
        "    0.5s  Run the shared services",
        "    3.8s    nginx ............................ ok, 2 changed (3.2s)",
        "    7.0s    postgresql ....................... ok (3.2s)",
        "    7.0s  Run Matrix",
        "    7.4s    asso1: nothing new since this play's last run, skipped",
    ]
    assert watch.changed == {"nginx": 2}
    assert watch.roles == ["nginx", "postgresql"]


def test_a_failure_is_named_with_its_message_and_an_ignored_one_is_not():
    clock = Clock()
    events = [
        event("playbook_on_play_start", play="Run Matrix"),
        event("runner_on_failed", 1, role="synapse", host="asso1", task="Probe",
              ignore_errors=True, res={"msg": "expected"}),
        event("runner_on_failed", 1, role="synapse", host="asso1", task="Start Synapse",
              ignore_errors=None, res={"results": [{"failed": False}, {"failed": True,
              "msg": "port 8008 in use"}], "msg": "One or more items failed"}),
    ]  # fmt: skip
    watch, lines = ran(events, clock)
    assert lines[-1].endswith("synapse .......................... FAILED (1) (1.0s)")
    (failure,) = watch.failed_tasks()
    assert (failure.host, failure.role, failure.task) == ("asso1", "synapse", "Start Synapse")
    assert failure.message == "port 8008 in use"


def test_the_messages_of_debug_tasks_are_shown_under_the_progress():
    clock = Clock()
    events = [
        event("playbook_on_play_start", play="Check the inventory"),
        event("runner_on_ok", 1, role="preflight", host="asso1", task="List",
              resolved_action="ansible.builtin.debug",
              res={"msg": "The inventory has 1 problem(s):\n- collectif_domain: bad"}),
    ]  # fmt: skip
    _, lines = ran(events, clock)
    assert "           asso1: The inventory has 1 problem(s):" in lines
    assert "             - collectif_domain: bad" in lines


def test_the_doctor_table_has_every_check_with_its_result():
    clock = Clock()
    health = "/p/roles/{}/tasks/health.yml:4"
    events = [
        event("playbook_on_play_start", play="Check the health of every service"),
        event("runner_on_ok", 1, role="nginx", host="asso1",
              task="Check that nginx is running", task_path=health.format("nginx"), res={}),
        event("runner_on_failed", 1, role="restic", host="asso1",
              task="Check that the last backup is recent", task_path=health.format("restic"),
              res={"msg": "Last backup: never"}),
        event("runner_on_skipped", 1, role="restic", host="asso1",
              task="Check the drill", task_path=health.format("restic")),
        # Not a check: the play's own bookkeeping (playbooks/tasks/doctor_service.yml).
        event("runner_on_ok", 1, host="asso1", task="Note the failed health check",
              task_path="/p/playbooks/tasks/health.yml:3", res={}),
    ]  # fmt: skip
    watch, _ = ran(events, clock)
    outcome = runs.Outcome(2, watch, Path("x.log"))
    assert runs.doctor_table(outcome) == [
        "",
        "HOST   SERVICE  CHECK                                 RESULT",
        "asso1  nginx    Check that nginx is running           OK",
        "asso1  restic   Check that the last backup is recent  FAILED: Last backup: never",
        "asso1  restic   Check the drill                       skipped",
        "",
        "1 ok, 1 failed, 1 skipped.",
    ]


def test_the_progress_speaks_french_when_the_locale_does(monkeypatch):
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    clock = Clock()
    events = [
        event("playbook_on_task_start", role="nginx"),
        event("runner_on_ok", 1, role="nginx", host="a", res={"changed": True}),
    ]
    _, lines = ran(events, clock)
    assert lines == ["    1.0s    nginx ............................ ok, 1 changé(s) (1.0s)"]


# --------------------------------------------------------------------------- real runs

ROLE_TASKS = """\
- name: Make the page
  ansible.builtin.copy:
    dest: "{{ web_dir }}/index.html"
    content: "hello\\n"
    mode: "0644"
- name: Check the page
  ansible.builtin.stat:
    path: "{{ web_dir }}/index.html"
"""

PLAYBOOK = """\
- name: Serve a page
  hosts: servers
  gather_facts: false
  roles:
    - role: web
- name: Tell the command where
  hosts: servers
  gather_facts: false
  tasks:
    - name: Tell the collectif command the addresses this server serves
      ansible.builtin.debug:
        var: collectif_report
      vars:
        collectif_report:
          urls: [{name: The page, url: "https://asso.example/"}]
    - name: Fail when asked
      ansible.builtin.fail:
        msg: "the page is {{ broken }}"
      when: broken is defined
"""


@pytest.fixture
def local(tmp_path: Path) -> tuple[Path, Path]:
    """A playbook with one role, and an inventory whose one server is this machine."""
    project = tmp_path / "project"
    (project / "roles" / "web" / "tasks").mkdir(parents=True)
    (project / "roles" / "web" / "tasks" / "main.yml").write_text(ROLE_TASKS)
    (project / "site.yml").write_text(PLAYBOOK)
    inventory = tmp_path / "inventory"
    inventory.mkdir()
    host = {
        "ansible_connection": "local",
        "ansible_python_interpreter": sys.executable,
        "web_dir": str(tmp_path),
    }
    hosts = {"all": {"children": {"servers": {"hosts": {"asso1": host}}}}}
    (inventory / "hosts.yml").write_text(yaml.safe_dump(hosts))
    (inventory / ".gitignore").write_text("artifacts/\n")
    return project / "site.yml", inventory


def test_a_real_run_prints_progress_keeps_its_log_and_sums_up(local):
    playbook, inventory = local
    out = io.StringIO()
    outcome = runs.run("deploy", str(playbook), str(inventory), [], out=out)
    assert outcome.rc == 0
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("collectif deploy: running playbooks/")
    assert lines[1].endswith("s  Serve a page")
    assert "web .............................. ok, 1 changed" in lines[2]
    assert lines[3].endswith("s  Tell the command where")
    assert lines[-1].startswith("collectif deploy: done in ")
    assert "TASK [" not in out.getvalue()  # Ansible's own output went to the log only
    log = outcome.log
    assert log.parent == inventory / "logs" and log.name.startswith("deploy-")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    kept = log.read_text()
    assert "TASK [web : Make the page]" in kept and "PLAY RECAP" in kept
    assert "\r" not in kept and "# exit code 0" in kept
    assert "logs/" in (inventory / ".gitignore").read_text().split()

    summary = runs.summary(outcome, str(inventory))
    assert "What changed (tasks, by role): web 1" in summary
    assert "The addresses the server serves:" in summary
    assert "  The page                     https://asso.example/" in summary
    assert summary[-1] == f"Full output: {log}"

    again = runs.run("deploy", str(playbook), str(inventory), [], out=io.StringIO())
    assert again.log != log  # one file per run
    assert "Nothing changed: the server already was as the inventory says." in runs.summary(
        again, str(inventory)
    )
    assert (inventory / ".gitignore").read_text().count("logs/") == 1


def test_a_failed_real_run_says_the_task_its_message_and_the_log(local):
    playbook, inventory = local
    out = io.StringIO()
    outcome = runs.run("deploy", str(playbook), str(inventory), ["-e", "broken=gone"], out=out)
    assert outcome.rc == 2
    said = out.getvalue()
    assert (
        "FAILED on asso1, Tell the command where: Fail when asked\n    the page is gone\n" in said
    )
    assert f"collectif deploy: failed (exit code 2). The full output is in {outcome.log}" in said
    assert "the page is gone" in outcome.log.read_text()


def test_verbose_streams_ansibles_output_and_still_keeps_the_log(local):
    playbook, inventory = local
    out = io.StringIO()
    outcome = runs.run("deploy", str(playbook), str(inventory), [], verbose=1, out=out)
    assert outcome.rc == 0
    assert "TASK [web : Make the page]" in out.getvalue()
    assert "TASK [web : Make the page]" in outcome.log.read_text()


DOCTOR = """\
- name: Check the health of every service
  hosts: servers
  gather_facts: false
  tasks:
    - name: Run each service's health check
      ansible.builtin.include_tasks:
        file: {tasks}
      loop: [broken, fine]
      loop_control:
        loop_var: __doctor_role
    - name: Say what was noted
      ansible.builtin.fail:
        msg: "{{{{ __doctor_failed }}}}"
      when: __doctor_failed | default([]) | length > 0
"""


def test_doctor_checks_every_service_after_one_fails_and_tables_them(local, tmp_path):
    """playbooks/tasks/doctor_service.yml: a failing service is noted, the next one is
    still checked; the table comes from the real run's events."""
    playbook, inventory = local
    roles = playbook.parent / "roles"
    for role, check in (("broken", "false"), ("fine", "true")):
        (roles / role / "tasks").mkdir(parents=True)
        (roles / role / "tasks" / "health.yml").write_text(
            f"- name: Check that {role} answers\n  ansible.builtin.assert:\n"
            f"    that: {check}\n    fail_msg: {role} does not answer\n"
        )
    doctor = playbook.parent / "doctor.yml"
    doctor.write_text(DOCTOR.format(tasks=ROOT / "playbooks" / "tasks" / "doctor_service.yml"))
    outcome = runs.run("doctor", str(doctor), str(inventory), [], out=io.StringIO())
    assert outcome.rc == 2
    table = runs.doctor_table(outcome)
    assert table[2].split() == ["asso1", "broken", "Check", "that", "broken", "answers",
                                "FAILED:", "broken", "does", "not", "answer"]  # fmt: skip
    assert table[3].split() == ["asso1", "fine", "Check", "that", "fine", "answers", "OK"]
    (verdict,) = outcome.progress.failed_tasks()
    assert "broken: Check that broken answers: broken does not answer" in verdict.message


# --------------------------------------------------------------------------- the commands


@pytest.fixture
def tripwire(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """An inventory whose server asso1 is reached only through the tripwire, and its record."""
    inventory = make_inventory(tmp_path / "inventory", ASSOCIATION)
    record = tmp_path / "reached"
    monkeypatch.setenv("ANSIBLE_CONNECTION_PLUGINS", str(ROOT / "tests" / "plugins" / "connection"))
    monkeypatch.setenv("ANSIBLE_CACHE_PLUGIN", "memory")
    monkeypatch.setenv("COLLECTIF_TRIPWIRE", str(record))
    monkeypatch.setenv("COLLECTIF_MITOGEN", "0")
    return inventory, record


def reached(record: Path) -> str:
    return record.read_text() if record.exists() else ""


def answer(monkeypatch: pytest.MonkeyPatch, typed: str | None, tty: bool = True) -> list[str]:
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        if typed is None:
            raise EOFError
        return typed

    monkeypatch.setattr("builtins.input", ask)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: tty, raising=False)
    return asked


@pytest.mark.parametrize("typed", ["asso2", "", None, "asso1 asso2"])
def test_restore_refuses_a_wrong_or_empty_name_and_runs_nothing(
    tripwire, monkeypatch, capsys, typed
):
    inventory, record = tripwire
    asked = answer(monkeypatch, typed)
    assert cli.main(["restore", "-i", str(inventory)]) == 2
    assert asked == ["Type the server's name to confirm (asso1): "]
    assert "not confirmed" in capsys.readouterr().out
    assert reached(record) == ""
    assert not (inventory / "logs").exists()


def test_restore_runs_once_the_servers_name_is_typed(tripwire, monkeypatch, capsys):
    inventory, record = tripwire
    answer(monkeypatch, " asso1\n")
    assert cli.main(["restore", "-i", str(inventory)]) != 0  # the tripwire stops it there
    out = capsys.readouterr().out
    assert "what changed there since that snapshot" in out
    assert reached(record).split() == ["asso1"]
    assert [log.name[:8] for log in (inventory / "logs").iterdir()] == ["restore-"]


def test_restore_without_a_terminal_needs_confirm(tripwire, monkeypatch, capsys):
    inventory, record = tripwire
    asked = answer(monkeypatch, "asso1", tty=False)
    assert cli.main(["restore", "-i", str(inventory)]) == 2
    assert "pass --confirm asso1 to restore. Nothing was changed." in capsys.readouterr().out
    assert asked == [] and reached(record) == ""
    assert cli.main(["restore", "-i", str(inventory), "--confirm", "asso3"]) == 2
    assert reached(record) == ""
    assert cli.main(["restore", "-i", str(inventory), "--confirm", "asso1"]) != 0
    assert asked == [] and reached(record).split() == ["asso1"]


def test_upgrade_stops_before_deploying_when_the_snapshot_fails(tripwire, capsys):
    inventory, record = tripwire
    assert cli.main(["upgrade", "-i", str(inventory)]) != 0
    out = capsys.readouterr().out
    assert (
        "collectif upgrade: the snapshot failed (why is said above), so nothing was deployed."
        in out
    )
    assert "tripwire" in out  # why: the host could not be reached
    assert [log.name[:9] for log in (inventory / "logs").iterdir()] == ["snapshot-"]
    assert reached(record).split() == ["asso1"]  # the snapshot's play only


def test_upgrade_deploys_after_a_snapshot(tmp_path, monkeypatch, capsys):
    inventory = make_inventory(tmp_path / "inventory", ASSOCIATION)
    calls: list[tuple[str, str]] = []

    def run(command, playbook, _inventory, _extra, **_settings):
        calls.append((command, playbook))
        watch = progress.Progress(write=lambda _text: None)
        if command == "snapshot":
            taken = {"snapshot": "1a2b3c4d5e", "finished": "2026-12-01T14:00:00+00:00",
                     "duration_seconds": 2.5, "data_added_bytes": 3 * 1024 * 1024}  # fmt: skip
            watch.reports.append(("asso1", {"snapshot": taken}))
        return runs.Outcome(0, watch, tmp_path / f"{command}.log")

    monkeypatch.setattr(runs, "run", run)
    assert cli.main(["upgrade", "-i", str(inventory)]) == 0
    assert calls == [("snapshot", "snapshot.yml"), ("upgrade", "site.yml")]
    out = capsys.readouterr().out
    assert "Snapshot 1a2b3c4d of asso1, finished 2026-12-01T14:00:00+00:00 (2.5 s, 3.0 MiB" in out
    assert "collectif upgrade: snapshot taken; now the deploy." in out


def test_backup_says_it_sets_the_backups_up_and_snapshot_takes_one(capsys):
    with pytest.raises(SystemExit):
        cli.parser().parse_args(["--help"])
    out = capsys.readouterr().out
    assert "set up the backups" in out and "`snapshot` takes one now" in out
    assert "take a backup now" in out


def test_the_summary_names_the_passwords_of_the_services_that_ran(tmp_path):
    inventory = make_inventory(tmp_path / "inventory", ASSOCIATION)
    watch = progress.Progress(write=lambda _text: None)
    watch.roles = ["nginx", "nextcloud"]
    watch.reports = [("asso1", {"services": ["base", "restic"]})]
    summary = runs.summary(runs.Outcome(0, watch, tmp_path / "x.log"), str(inventory))
    shown = [line.split("--show ")[1].split()[0] for line in summary if "--show " in line]
    assert shown == ["nextcloud-admin", "restic"]
    assert any(
        "collectif secrets -i" in line and "makes the secret key" in line for line in summary
    )


def test_on_a_terminal_a_roles_line_shows_while_it_runs_and_ends_in_place():
    clock = Clock()
    written: list[str] = []
    watch = progress.Progress(write=written.append, clock=clock, live=True)
    watch.handle(event("playbook_on_task_start", role="nginx"))
    assert written == ["    0.0s    nginx ..."]
    clock.now += 2
    watch.handle(event("runner_on_ok", role="nginx", host="a", res={"changed": True}))
    watch.finish()
    assert written[-1] == "\r    2.0s    nginx ............................ ok, 1 changed (2.0s)\n"


def test_check_says_what_deploy_would_change(local):
    playbook, inventory = local
    outcome = runs.run("check", str(playbook), str(inventory), ["--check"], out=io.StringIO())
    assert outcome.rc == 0
    assert runs.dry_run(outcome)[1] == "What deploy would change (tasks, by role): web 1"
    assert not (playbook.parent.parent / "index.html").exists()


def test_upgrades_snapshot_keeps_the_limit_and_not_the_tags(tmp_path, monkeypatch, capsys):
    inventory = make_inventory(tmp_path / "inventory", ASSOCIATION)
    calls: list[tuple[str, list[str]]] = []

    def run(command, _playbook, _inventory, extra, **_settings):
        calls.append((command, list(extra)))
        return runs.Outcome(0, progress.Progress(write=lambda _text: None), tmp_path / "x.log")

    monkeypatch.setattr(runs, "run", run)
    argv = ["upgrade", "-i", str(inventory), "--full", "--tags", "nextcloud", "--limit", "asso1"]
    assert cli.main(argv) == 0
    (_, snapshot), (_, deploy) = calls
    assert snapshot == ["--limit", "asso1"]
    assert deploy == [
        "-e",
        '{"collectif_stamps": false}',
        "--tags",
        "nextcloud",
        "--limit",
        "asso1",
    ]


def test_doctor_prints_its_table_after_the_run(tmp_path, monkeypatch, capsys):
    inventory = make_inventory(tmp_path / "inventory", ASSOCIATION)
    watch = progress.Progress(write=lambda _text: None)
    watch.checks = [
        progress.Check("asso1", "nginx", "Check that nginx is running", "ok"),
        progress.Check("asso1", "restic", "Check the backups", "failed", "Last backup: never"),
    ]
    monkeypatch.setattr(runs, "run", lambda *_args, **_kw: runs.Outcome(2, watch, tmp_path / "l"))
    assert cli.main(["doctor", "-i", str(inventory)]) == 2
    assert capsys.readouterr().out == (
        "\n"
        "HOST   SERVICE  CHECK                        RESULT\n"
        "asso1  nginx    Check that nginx is running  OK\n"
        "asso1  restic   Check the backups            FAILED: Last backup: never\n"
        "\n"
        "1 ok, 1 failed, 0 skipped.\n"
    )


def test_when_ansible_stops_before_any_task_its_own_words_are_shown(local):
    playbook, inventory = local
    playbook.write_text("- name: Broken\n  hosts: servers\n  tasks: {not: a list}\n")
    out = io.StringIO()
    outcome = runs.run("deploy", str(playbook), str(inventory), [], out=out)
    assert outcome.rc != 0
    said = out.getvalue()
    assert "    [ERROR]: A malformed block was encountered while loading tasks" in said
    assert f"The full output is in {outcome.log}" in said
