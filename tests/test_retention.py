"""collectif-retention (src/collectif/retention.py, installed on the backup target by
roles/rest_server): it forgets by the policy, and refuses, forgetting nothing, when the
snapshots look forged (dated in the future, or arrived in a burst).

No restic here: a fake one, first on PATH, answers `snapshots --json` with what each test
says and records every call."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from collectif.retention import snapshot_time

SCRIPT = Path(__file__).resolve().parents[1] / "src" / "collectif" / "retention.py"
FAKE = """#!/usr/bin/env python3
import json, os, sys
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
if "snapshots" in sys.argv:
    print(os.environ["FAKE_SNAPSHOTS"])
"""
POLICY = ["--keep-within", "30d", "--keep-hourly", "24"]


def snapshot(hours_from_now: float) -> dict:
    moment = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=hours_from_now)
    # As restic prints it: nanoseconds and the server's offset.
    text = moment.astimezone().isoformat(timespec="microseconds")
    return {"short_id": "ab12cd34", "time": text[:26] + "789" + text[26:]}


@pytest.fixture
def run(tmp_path: Path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "restic").write_text(FAKE)
    (bin_dir / "restic").chmod(0o755)
    repo = tmp_path / "repo"
    (repo / "snapshots").mkdir(parents=True)
    log = tmp_path / "calls"

    def go(snapshots: list[dict], arrived: int = 0, max_new: int = 200, give_to: str = ""):
        for index in range(arrived):
            (repo / "snapshots" / f"{index:064x}").write_text("{}")
        env = {
            **os.environ,
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "FAKE_LOG": str(log),
            "FAKE_SNAPSHOTS": json.dumps(snapshots),
        }
        result = subprocess.run(
            [sys.executable, str(SCRIPT), "--repo", str(repo), "--password-file", "/dev/null",
             "--max-new", str(max_new), *(["--give-to", give_to] if give_to else []),
             "--", *POLICY],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
        calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        return result, calls

    return go


def forgot(calls: list[list[str]]) -> bool:
    return any("forget" in call for call in calls)


def test_it_forgets_by_the_policy_with_a_window_kept_whatever_the_count(run):
    result, calls = run([snapshot(-30), snapshot(-1)], arrived=2)
    assert result.returncode == 0, result.stderr
    (forget,) = [call for call in calls if "forget" in call]
    assert forget[forget.index("forget") :] == ["forget", "--prune", *POLICY]
    assert "--retry-lock" in forget


def test_a_snapshot_dated_in_the_future_stops_it_and_nothing_is_forgotten(run):
    result, calls = run([snapshot(-1), snapshot(24 * 365)])
    assert result.returncode == 3
    assert "1 snapshot(s) dated in the future: ab12cd34" in result.stderr
    assert not forgot(calls)


def test_a_clock_a_few_minutes_ahead_is_not_a_forgery(run):
    result, calls = run([snapshot(0.25)])
    assert result.returncode == 0, result.stderr
    assert forgot(calls)


def test_a_burst_of_snapshots_stops_it_and_nothing_is_forgotten(run):
    result, calls = run([snapshot(-1)], arrived=13, max_new=12)
    assert result.returncode == 3
    assert "13 snapshots arrived in the last day (more than 12)" in result.stderr
    assert not forgot(calls)


def test_nanoseconds_and_offsets_as_restic_prints_them():
    parsed = snapshot_time("2026-11-30T04:00:01.123456789+01:00")
    assert parsed == datetime.datetime(2026, 11, 30, 3, 0, 1, 123456, tzinfo=datetime.UTC)
    assert snapshot_time("2026-11-30T03:00:01Z").tzinfo is not None


def test_it_makes_restic_write_files_the_rest_servers_group_can_read(tmp_path: Path):
    """restic takes its files' modes from config's: a group-readable config, and the
    unit's group (the rest-server's), keep what the prune writes readable by the server."""
    from collectif.retention import share_with

    config = tmp_path / "config"
    config.write_text("x")
    config.chmod(0o600)
    share_with(tmp_path, os.getgid())
    assert config.stat().st_mode & 0o777 == 0o640
    share_with(tmp_path, os.getgid())  # a second run changes nothing
    assert config.stat().st_mode & 0o777 == 0o640


@pytest.mark.skipif(os.geteuid() != 0, reason="giving files to another user needs root")
def test_it_gives_the_rest_server_back_every_file_the_prune_wrote(tmp_path: Path):
    from collectif.retention import give_back

    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "new").write_text("x")
    (tmp_path / "config").write_text("x")
    os.chown(tmp_path / "config", 65534, 65534)
    assert give_back(tmp_path, 65534, 65534) == 2  # index/ and index/new, not config
    owners = {(p.stat().st_uid, p.stat().st_gid) for p in tmp_path.rglob("*")}
    assert owners == {(65534, 65534)}
    assert give_back(tmp_path, 65534, 65534) == 0


def test_with_the_rest_servers_user_it_still_forgets_by_the_policy(run, tmp_path: Path):
    import pwd

    me = pwd.getpwuid(os.getuid()).pw_name
    (tmp_path / "repo" / "config").write_text("x")
    (tmp_path / "repo" / "config").chmod(0o600)
    result, calls = run([snapshot(-1)], give_to=me)
    assert result.returncode == 0, result.stderr
    assert forgot(calls)
    assert (tmp_path / "repo" / "config").stat().st_mode & 0o040
