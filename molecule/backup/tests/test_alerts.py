"""The server's own checks, for real: a declared service stopped is mailed once, not
again while it stays down, and once when it is back; a mail server that is down loses
nothing; a unit whose failure mails does so at once, with its journal. The mails land in
the scenario's SMTP sink (collectif-test-smtp-sink.service, a Maildir)."""

import json
import shlex

import pytest

APP = "collectif-test-app.service"
FAILS = "collectif-test-fails.service"
STATE = "/var/lib/collectif/alerts/state.json"
# Each mail of the sink's Maildir, decoded: {file, subject, to, body}.
READ_MAILS = """
import email, email.policy, json, pathlib
found = []
for path in sorted(pathlib.Path("/var/lib/collectif-test-smtp-sink/Maildir/new").glob("*")):
    mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    found.append({"file": path.name, "subject": str(mail["Subject"]), "to": str(mail["To"]),
                  "body": mail.get_body().get_content()})
print(json.dumps(found))
"""


@pytest.fixture
def mails(host):
    """mails(): the mails the sink holds now."""

    def read() -> list[dict]:
        return json.loads(host.check_output(f"python3 -c {shlex.quote(READ_MAILS)}"))

    return read


@pytest.fixture
def new_mails(mails):
    """new_mails(key): the mails naming the check `key` since the last call."""
    seen = {mail["file"] for mail in mails()}

    def read(key: str) -> list[dict]:
        fresh = [mail for mail in mails() if mail["file"] not in seen]
        seen.update(mail["file"] for mail in fresh)
        return [mail for mail in fresh if mail["subject"].endswith(f" : {key}")]

    return read


def check_now(host) -> None:
    """A run of the timer's service (it waits for the checks and the mails)."""
    run = host.run("systemctl start collectif-health.service")
    assert run.rc == 0, host.check_output("journalctl -u collectif-health -n 30 --no-pager")


def test_every_check_runs_and_reports(host):
    results = {
        result["key"]: result
        for result in json.loads(host.run("/usr/local/sbin/collectif-health --json").stdout)
    }
    for key in ("disk:/", "inodes:/", "memory", "reboot", "security-updates", f"unit:{APP}"):
        assert key in results, key
    assert results[f"unit:{APP}"]["ok"]
    # Declared by restic's role, read from its reports (a new server has time).
    assert {"backup-age", "drill-age"} <= set(results)
    # Declared by nginx's role, which this scenario does not deploy: skipped, not failing.
    assert results["unit:nginx.service"]["skipped"] and results["unit:nginx.service"]["ok"]


def test_the_checks_run_every_ten_minutes_in_a_sandbox(host, exposure):
    timer = host.service("collectif-health.timer")
    assert timer.is_enabled and timer.is_running
    assert host.check_output(
        "systemctl show --property=TimersCalendar --value collectif-health.timer"
    ).startswith("{ OnCalendar=*-*-* *:00/10:00")
    check_now(host)
    assert exposure("collectif-health.service") < 4
    assert host.file(STATE).exists
    assert host.file("/var/lib/collectif/alerts").mode == 0o700


def test_a_stopped_service_is_mailed_once_then_once_fixed(host, new_mails):
    check_now(host)
    new_mails(f"unit:{APP}")
    host.check_output(f"systemctl stop {APP}")
    try:
        check_now(host)
        [mail] = new_mails(f"unit:{APP}")
        assert mail["subject"].startswith("[instance-backup] PROBLÈME / PROBLEM")
        assert mail["to"] == "admin@collectif.test"
        assert f"l'unité {APP} est inactive" in mail["body"]
        assert f"unit {APP} is inactive (expected: active)" in mail["body"]
        # Still down: not mailed again.
        check_now(host)
        assert new_mails(f"unit:{APP}") == []
    finally:
        host.check_output(f"systemctl start {APP}")
    check_now(host)
    [mail] = new_mails(f"unit:{APP}")
    assert "RÉGLÉ / FIXED" in mail["subject"]
    check_now(host)
    assert new_mails(f"unit:{APP}") == []


def test_a_mail_server_down_loses_no_alert(host, new_mails):
    host.check_output("systemctl stop collectif-test-smtp-sink.service")
    host.check_output(f"systemctl stop {APP}")
    try:
        check_now(host)
        told = json.loads(host.check_output(f"cat {STATE}")).get("told", {})
        assert f"unit:{APP}" not in told, "not sent, so not told"
    finally:
        host.check_output("systemctl start collectif-test-smtp-sink.service")
    host.check_output(
        "for i in $(seq 50); do ss -ltn | grep -q 127.0.0.1:25 && break; sleep 0.2; done"
    )
    check_now(host)
    assert len(new_mails(f"unit:{APP}")) == 1
    host.check_output(f"systemctl start {APP}")
    check_now(host)
    assert len(new_mails(f"unit:{APP}")) == 1, "fixed"


def test_a_failing_unit_mails_at_once_with_its_journal(host, new_mails, wait_until):
    assert host.run(f"systemctl start {FAILS}").rc != 0
    found: list[dict] = []
    assert wait_until(lambda: bool(found.extend(new_mails(f"unit:{FAILS}")) or found), 30)
    [mail] = found
    assert "PROBLÈME / PROBLEM" in mail["subject"]
    assert "collectif-test-fails: the disk is on fire" in mail["body"]
    # The timer's run finds it failed: already told. Once reset, it is fixed.
    check_now(host)
    assert new_mails(f"unit:{FAILS}") == []
    host.check_output(f"systemctl reset-failed {FAILS}")
    check_now(host)
    [mail] = new_mails(f"unit:{FAILS}")
    assert "RÉGLÉ / FIXED" in mail["subject"]


def test_the_project_units_mail_when_they_fail(host):
    """The drop-ins restic's declaration asks for: every backup unit's instance."""
    on_failure = host.check_output(
        "systemctl show --property=OnFailure --value collectif-backup@backup.service"
    )
    assert on_failure == "collectif-alert@collectif-backup@backup.service.service"
    assert host.file("/etc/systemd/system/collectif-backup@.service.d/collectif-alert.conf").exists
