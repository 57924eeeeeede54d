"""collectif-health (src/collectif/alerts.py): every check with the server's readings given
by the test, and what the admins are told: once per problem, once when it is fixed, and
nothing lost when the mail server is down."""

from __future__ import annotations

import datetime
import email.message
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from collectif import alerts

NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)
APT_SECURITY = (
    "Inst libssl3t64 [3.5.1-1] (3.5.4-1~deb13u1 Debian-Security:13/stable-security [amd64])\n"
    "Inst tzdata [2025a-1] (2025b-0+deb13u1 Debian:13.2/stable [all])\n"
    "Conf libssl3t64 (3.5.4-1~deb13u1 Debian-Security:13/stable-security [amd64])\n"
)


def stats(blocks: int, free: int, files: int = 1000, ffree: int = 900) -> os.statvfs_result:
    # f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree, f_favail, flag, namemax
    return os.statvfs_result((4096, 4096, blocks, free, free, files, ffree, ffree, 0, 255))


class Server(alerts.System):
    """A server as the test describes it: every reading the checks take."""

    def __init__(self) -> None:
        self.clock = NOW
        self.fs: dict[str, tuple[str, os.statvfs_result]] = {
            "/": ("ext4", stats(1000, 500)),
            "/srv": ("xfs", stats(1000, 500)),
            "/proc": ("proc", stats(0, 0, 0, 0)),
            "/run": ("tmpfs", stats(100, 1)),
            # A file a container mounts: not a filesystem of the server's.
            "/etc/resolv.conf": ("ext4", stats(100, 1)),
        }
        self.memory = {"MemTotal": 1000, "MemAvailable": 500}
        self.files: dict[str, tuple[str, datetime.datetime]] = {}
        self.commands: dict[str, tuple[int, str]] = {
            "apt-get": (0, ""),
            "systemctl list-units": (0, ""),
            "systemctl show": (0, "LoadState=loaded\nActiveState=active\n"),
            "journalctl": (0, "Dec 01 11:59 host app[1]: boom"),
        }
        self.units: dict[str, str] = {}
        self.answers: dict[str, int] = {}
        self.ran: list[list[str]] = []

    def now(self) -> datetime.datetime:
        return self.clock

    def mounts(self) -> list[tuple[str, str]]:
        return [(point, kind) for point, (kind, _) in self.fs.items()]

    def virtual_filesystems(self) -> set[str]:
        return {"proc", "tmpfs", "overlay"}

    def statvfs(self, path: str) -> os.statvfs_result:
        return self.fs[path][1]

    def device(self, path: str) -> int | None:
        return None if path == "/etc/resolv.conf" else list(self.fs).index(path)

    def meminfo(self) -> dict[str, int]:
        return self.memory

    def mtime(self, path: str) -> datetime.datetime | None:
        return self.files[path][1] if path in self.files else None

    def read(self, path: str) -> str:
        return self.files[path][0] if path in self.files else ""

    def glob(self, pattern: str) -> list[str]:
        return sorted(path for path in self.files if path.endswith("cert.pem"))

    def run(self, argv: Sequence[str], timeout: float = 120) -> tuple[int, str]:
        self.ran.append(list(argv))
        line = " ".join(argv)
        if argv[0] == "systemctl" and argv[1] == "show":
            state = self.units.get(argv[-1])
            if state is None:
                return 0, "LoadState=not-found\nActiveState=inactive\n"
            return 0, f"LoadState=loaded\nActiveState={state}\n"
        for start, answer in self.commands.items():
            if line.startswith(start):
                return answer
        raise AssertionError(f"unexpected command {line}")

    def http_status(self, url: str) -> int:
        if url not in self.answers:
            raise OSError("connection refused")
        return self.answers[url]


def config(**overrides: Any) -> dict[str, Any]:
    return {
        **alerts.DEFAULTS,
        "host": "srv1.collectif.test",
        "recipients": ["bureau@collectif.test"],
        "sender": "collectif@collectif.test",
        **overrides,
    }


def failing(results: list[alerts.Result]) -> dict[str, alerts.Result]:
    return {result.key: result for result in results if not result.ok}


class Outbox:
    """An SMTP server the test turns off and on."""

    def __init__(self) -> None:
        self.up = True
        self.mails: list[email.message.EmailMessage] = []

    def __call__(self, mails: Sequence[email.message.EmailMessage]) -> list[bool]:
        if not self.up:
            return [False] * len(mails)
        self.mails += mails
        return [True] * len(mails)

    def take(self) -> list[email.message.EmailMessage]:
        taken, self.mails = self.mails, []
        return taken


# ---------------------------------------------------------------- the checks


def test_a_healthy_server_passes_every_check():
    results = alerts.run_checks(config(), Server(), {})
    assert failing(results) == {}
    keys = {result.key for result in results}
    assert {"disk:/", "inodes:/", "disk:/srv", "memory", "reboot", "units"} <= keys
    assert "disk:/proc" not in keys and "disk:/run" not in keys, "virtual filesystems"
    assert "disk:/etc/resolv.conf" not in keys


def test_every_failing_check_is_reported_not_only_the_first():
    server = Server()
    server.fs["/"] = ("ext4", stats(1000, 50))  # 95 % full
    server.fs["/srv"] = ("xfs", stats(1000, 900, files=1000, ffree=20))  # inodes
    server.memory["MemAvailable"] = 50
    server.files["/run/reboot-required"] = ("", NOW - datetime.timedelta(hours=30))
    server.files["/run/reboot-required.pkgs"] = ("linux-image-amd64\n", NOW)
    server.commands["systemctl list-units"] = (0, "synapse.service loaded failed failed Synapse\n")
    found = failing(alerts.run_checks(config(), server, {}))
    assert set(found) == {"disk:/", "inodes:/srv", "memory", "reboot", "unit:synapse.service"}
    assert "95 %" in found["disk:/"].fr and "95%" in found["disk:/"].en
    assert "linux-image-amd64" in found["reboot"].en


def test_the_root_is_checked_even_on_an_overlay():
    server = Server()
    server.fs = {"/": ("overlay", stats(1000, 10))}
    assert "disk:/" in failing(alerts.run_checks(config(), server, {}))


def test_thresholds_come_from_the_settings():
    server = Server()
    server.fs["/"] = ("ext4", stats(1000, 150))  # 85 %
    assert "disk:/" not in failing(alerts.run_checks(config(), server, {}))
    assert "disk:/" in failing(alerts.run_checks(config(disk_max_used_percent=80), server, {}))


def test_a_recent_reboot_request_leaves_time_for_the_automatic_reboot():
    server = Server()
    server.files["/run/reboot-required"] = ("", NOW - datetime.timedelta(hours=2))
    assert "reboot" not in failing(alerts.run_checks(config(), server, {}))


def test_security_updates_fail_once_pending_for_too_long():
    server = Server()
    server.commands["apt-get"] = (0, APT_SECURITY)
    state: dict[str, Any] = {}
    assert "security-updates" not in failing(alerts.run_checks(config(), server, state))
    assert state["security"] == {"libssl3t64=3.5.4-1~deb13u1": NOW.isoformat()}, "not tzdata"
    server.clock = NOW + datetime.timedelta(hours=40)
    found = failing(alerts.run_checks(config(), server, state))
    assert "libssl3t64" in found["security-updates"].fr
    # Installed: forgotten.
    server.commands["apt-get"] = (0, "")
    assert "security-updates" not in failing(alerts.run_checks(config(), server, state))
    assert state["security"] == {}


def test_certificates_close_to_their_end_fail():
    server = Server()
    server.files["/etc/letsencrypt/live/collectif.test/cert.pem"] = ("", NOW)
    server.commands["openssl"] = (1, "notAfter=Dec  8 12:00:00 2026 GMT\nCertificate will expire\n")
    found = failing(alerts.run_checks(config(), server, {}))
    key = "certificate:/etc/letsencrypt/live/collectif.test/cert.pem"
    assert "Dec  8 12:00:00 2026 GMT" in found[key].en
    checkend = next(argv for argv in server.ran if argv[0] == "openssl")
    assert checkend[checkend.index("-checkend") + 1] == str(14 * 86400)


def backups(report: dict[str, Any]) -> tuple[Server, dict[str, Any]]:
    server = Server()
    server.commands[alerts.BACKUP] = (0, json.dumps(report))
    wanted = config(checks=[{"backups": {"max_age_hours": 3, "drill_max_age_hours": 50}}])
    return server, wanted


def test_old_backups_and_drills_fail():
    hour = datetime.timedelta(hours=1)
    server, wanted = backups(
        {
            "backup": {"finished": (NOW - 4 * hour).isoformat()},
            "drill": {"finished": (NOW - 10 * hour).isoformat()},
        }
    )
    found = failing(alerts.run_checks(wanted, server, {}))
    assert set(found) == {"backup-age"}


def test_a_new_server_has_time_for_its_first_backup_then_never_fails():
    recent = (NOW - datetime.timedelta(hours=1)).isoformat()
    server, wanted = backups({"backup": {}, "drill": {}, "enabled_at": recent})
    assert failing(alerts.run_checks(wanted, server, {})) == {}
    server.clock = NOW + datetime.timedelta(hours=3)
    assert set(failing(alerts.run_checks(wanted, server, {}))) == {"backup-age"}


def test_a_check_that_breaks_is_reported_and_the_others_still_run():
    server, wanted = backups({})
    server.commands[alerts.BACKUP] = (1, "FAILED: no settings")
    server.memory["MemAvailable"] = 1
    found = failing(alerts.run_checks(wanted, server, {}))
    assert set(found) == {"check:backups", "memory"}
    assert "no settings" in found["check:backups"].en


def test_declared_units_must_be_active_and_their_addresses_answer():
    server = Server()
    server.units = {"nginx.service": "active", "synapse.service": "activating"}
    server.answers = {"http://127.0.0.1/health": 502}
    wanted = config(
        checks=[
            {"active": "nginx.service", "url": "http://127.0.0.1/health"},
            {"active": "synapse.service", "url": "http://127.0.0.1:8008/health"},
            # Not installed yet (a first deploy): skipped, not a problem.
            {"active": "coturn.service"},
            {"mail_on_failure": "collectif-backup@.service"},
        ]
    )
    results = alerts.run_checks(wanted, server, {})
    found = failing(results)
    assert set(found) == {"url:http://127.0.0.1/health", "unit:synapse.service"}
    assert "502" in found["url:http://127.0.0.1/health"].en
    assert "activating" in found["unit:synapse.service"].fr
    assert next(r for r in results if r.key == "unit:coturn.service").skipped


def test_a_failed_unit_that_is_also_declared_is_one_problem():
    server = Server()
    server.units = {"nginx.service": "failed"}
    server.commands["systemctl list-units"] = (0, "nginx.service loaded failed failed nginx\n")
    results = alerts.run_checks(config(checks=[{"active": "nginx.service"}]), server, {})
    assert [r.key for r in results if not r.ok] == ["unit:nginx.service"]


# ---------------------------------------------------------------- what the admins hear


def test_mail_once_per_problem_then_once_when_fixed():
    server, outbox, state = Server(), Outbox(), {}
    server.memory["MemAvailable"] = 10
    alerts.run(config(), server, state, outbox)
    [mail] = outbox.take()
    assert mail["Subject"] == "[srv1.collectif.test] PROBLÈME / PROBLEM : memory"
    assert mail["To"] == "bureau@collectif.test"
    body = mail.get_content()
    assert "Sur le serveur srv1.collectif.test" in body and "On the server srv1" in body
    assert "mémoire disponible : 1 %" in body and "available memory: 1%" in body
    assert body.index("Sur le serveur") < body.index("On the server"), "French first"

    # Still failing: nothing more.
    server.clock += datetime.timedelta(hours=1)
    alerts.run(config(), server, state, outbox)
    assert outbox.take() == []

    # Fixed: one mail, then nothing.
    server.memory["MemAvailable"] = 500
    alerts.run(config(), server, state, outbox)
    [mail] = outbox.take()
    assert mail["Subject"] == "[srv1.collectif.test] RÉGLÉ / FIXED : memory"
    assert "ce problème est réglé" in mail.get_content()
    alerts.run(config(), server, state, outbox)
    assert outbox.take() == []
    assert state["told"] == {}


def test_each_new_problem_has_its_mail():
    server, outbox = Server(), Outbox()
    server.memory["MemAvailable"] = 10
    server.fs["/"] = ("ext4", stats(1000, 10))
    alerts.run(config(), server, {}, outbox)
    assert sorted(mail["Subject"].split(" : ")[1] for mail in outbox.take()) == ["disk:/", "memory"]


def test_mail_server_down_keeps_the_alert_for_the_next_run():
    server, outbox, state = Server(), Outbox(), {}
    server.memory["MemAvailable"] = 10
    outbox.up = False
    alerts.run(config(), server, state, outbox)
    assert state.get("told", {}) == {}, "not told: the state stays as it was"
    alerts.run(config(), server, state, outbox)
    assert "memory" not in state.get("told", {})
    outbox.up = True
    alerts.run(config(), server, state, outbox)
    assert [mail["Subject"].split(" : ")[1] for mail in outbox.take()] == ["memory"]
    assert "memory" in state["told"]
    # The same for the end of the problem.
    server.memory["MemAvailable"] = 500
    outbox.up = False
    alerts.run(config(), server, state, outbox)
    assert "memory" in state["told"]
    outbox.up = True
    alerts.run(config(), server, state, outbox)
    [mail] = outbox.take()
    assert mail["Subject"] == "[srv1.collectif.test] RÉGLÉ / FIXED : memory"


def test_a_reminder_after_the_days_set():
    server, outbox, state = Server(), Outbox(), {}
    server.memory["MemAvailable"] = 10
    alerts.run(config(reminder_days=2), server, state, outbox)
    outbox.take()
    server.clock += datetime.timedelta(days=1)
    alerts.run(config(reminder_days=2), server, state, outbox)
    assert outbox.take() == []
    server.clock += datetime.timedelta(days=1, minutes=1)
    alerts.run(config(reminder_days=2), server, state, outbox)
    [mail] = outbox.take()
    assert "RAPPEL" in mail["Subject"] and "REMINDER" in mail["Subject"]
    assert NOW.isoformat() in mail.get_content(), "since when"


def test_a_failed_unit_is_mailed_with_its_journal_then_fixed_by_the_timer():
    server, outbox, state = Server(), Outbox(), {}
    unit = "collectif-backup@backup.service"
    alerts.unit_failed(unit, config(), server, state, outbox)
    [mail] = outbox.take()
    assert mail["Subject"].endswith(f": unit:{unit}")
    assert "app[1]: boom" in mail.get_content()
    assert ["journalctl", "--unit", unit] == server.ran[-1][:3]
    # The timer's run finds it failed: already told.
    server.commands["systemctl list-units"] = (0, f"{unit} loaded failed failed backups\n")
    alerts.run(config(), server, state, outbox)
    assert outbox.take() == []
    # The next backup works.
    server.commands["systemctl list-units"] = (0, "")
    alerts.run(config(), server, state, outbox)
    [mail] = outbox.take()
    assert "RÉGLÉ" in mail["Subject"] and unit in mail["Subject"]


def test_a_failed_unit_found_by_the_timer_carries_its_journal():
    server, outbox = Server(), Outbox()
    server.commands["systemctl list-units"] = (0, "nginx.service loaded failed failed nginx\n")
    alerts.run(config(), server, {}, outbox)
    [mail] = outbox.take()
    assert "app[1]: boom" in mail.get_content()


def test_no_recipient_sends_nothing_and_forgets_nothing():
    server, state = Server(), {}
    server.memory["MemAvailable"] = 10
    alerts.run(config(recipients=[]), server, state, Outbox())
    assert state.get("told", {}) == {}


def test_the_state_survives_a_run_of_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """--run through main(): the state file and its lock are written, and an unreachable
    mail server (nothing on the port) leaves nothing told."""
    settings = tmp_path / "alerts.json"
    settings.write_text(json.dumps(config(smtp_port=9, memory_min_available_percent=101)))
    server = Server()
    monkeypatch.setattr(alerts, "System", lambda: server)
    state = tmp_path / "state" / "state.json"
    assert alerts.main(["--run", "--config", str(settings), "--state", str(state)]) == 0
    saved = json.loads(state.read_text())
    assert saved.get("told", {}) == {}
    assert alerts.main(["--json", "--config", str(settings), "--state", str(state)]) == 1
