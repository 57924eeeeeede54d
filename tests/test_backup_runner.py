"""collectif-backup (src/collectif/backup.py, installed on the server by roles/restic): the
order of a backup and of a restore, the lock, the refusal to hide older data, the drop-ins and
the report the health check reads.

No restic, database or systemd here: fake programs, first on PATH, record each call (argv,
restic's environment, what they read on their standard input) into one log, in the order they
ran, and answer what the runner expects (restic's JSON lines, exit codes) as each test says.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from collectif import backup

FAKES = ["restic", "runuser", "mariadb-dump", "mariadb", "systemctl", "mark"]
# One script for every fake program; it knows which one it is by the name it was run as.
FAKE = """#!{python}
import json, os, shutil, sys, time
from pathlib import Path

argv = [Path(sys.argv[0]).name, *sys.argv[1:]]
command = " ".join(argv)
told = json.loads(Path(os.environ["FAKE_ANSWERS"]).read_text())
entry = {{
    "argv": argv,
    "env": {{k: os.environ.get(k) for k in ("RESTIC_REPOSITORY", "RESTIC_PASSWORD_FILE")}},
}}
if "pg_restore" in argv or (argv[0] == "mariadb" and "-e" not in argv):
    entry["stdin"] = sys.stdin.read()
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(entry) + "\\n")


def matching(table):
    keys = [key for key in table if command.startswith(key)]
    return table[max(keys, key=len)] if keys else None


time.sleep(matching(told.get("sleep", {{}})) or 0)
snapshots = told.get("snapshots", [])
if argv[:2] == ["restic", "snapshots"] and "--json" in argv:
    if "--latest" in argv or argv[-1] == "latest":
        print(json.dumps(snapshots[-1:]))
    else:
        print(json.dumps([s for s in snapshots if s["id"].startswith(argv[-1])]))
elif argv[:2] == ["restic", "backup"]:
    print(json.dumps({{"message_type": "status", "percent_done": 0.5}}))
    print("a warning restic wrote among its JSON lines")
    if told.get("summary", True):
        print(json.dumps({{
            "message_type": "summary", "snapshot_id": "5ca1ab1e" * 8, "data_added": 123,
            "total_bytes_processed": 4567, "total_files_processed": 8,
        }}))
elif argv[:2] == ["restic", "ls"]:
    print(json.dumps({{"struct_type": "snapshot", "id": "5ca1ab1e" * 8}}))
    for node in told.get("ls", []):
        print(json.dumps(node))
elif argv[:2] == ["restic", "restore"]:
    target = argv[argv.index("--target") + 1]
    if target != "/":  # the drill: the snapshot holds what the server holds
        for include in [a.split("=", 1)[1] for a in argv if a.startswith("--include=")]:
            copy = Path(target + include)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(include, copy)
elif "pg_dump" in argv or argv[0] == "mariadb-dump":
    print(f"{{argv[0] if argv[0] != 'runuser' else 'pg_dump'}} of {{argv[-1]}}")
sys.exit(matching(told.get("exits", {{}})) or 0)
"""
# Takes the lock as another collectif-backup would, and keeps it until its stdin closes.
HOLDER = """
import fcntl, sys
lock = open(sys.argv[1], "w")
fcntl.flock(lock, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""
# Exits 0 if it could take the lock at once, 1 (BlockingIOError) if someone holds it.
TRY_LOCK = "import fcntl, sys; fcntl.flock(open(sys.argv[1], 'w'), fcntl.LOCK_EX | fcntl.LOCK_NB)"
OLD_SNAPSHOT = {
    "id": "0ld5eed0" * 8,
    "short_id": "0ld5eed0",
    "time": "2025-03-01T02:00:07.123456789+01:00",
    "hostname": "old-server",
    "tags": ["collectif"],
}


def label(argv: list[str]) -> str:
    """A recorded command, short enough to compare orders: restic's subcommand, the rest as
    it ran (without runuser's prefix), MariaDB's recreation by its first statement."""
    if argv[0] == "restic":
        return f"restic {argv[1]}"
    if argv[:4] == ["runuser", "-u", "postgres", "--"]:
        argv = argv[4:]
    if argv[:2] == ["mariadb", "-e"]:
        return f"mariadb -e {argv[2].split(';')[0]}"
    return " ".join(argv)


@dataclass
class Outcome:
    code: int
    output: str

    @property
    def result(self) -> dict[str, Any]:
        """The JSON main() prints last when it succeeds."""
        return json.loads(self.output.splitlines()[-1])


@dataclass
class Server:
    """A server's directories under tmp_path, the fakes' log, and what they are to answer."""

    root: Path
    log: Path
    answers: Path
    capsys: pytest.CaptureFixture[str]

    def answer(self, **told: Any) -> None:
        """exits={prefix: code}, sleep={prefix: seconds}, snapshots=[...], ls=[...],
        summary=False (a prefix matches the start of the command line, longest wins)."""
        self.answers.write_text(json.dumps(told))

    def calls(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def labels(self) -> list[str]:
        return [label(call["argv"]) for call in self.calls()]

    def argv(self, start: str) -> list[str]:
        """The one recorded command whose label starts so."""
        found = [call["argv"] for call in self.calls() if label(call["argv"]).startswith(start)]
        assert len(found) == 1, self.labels()
        return found[0]

    def directory(self, name: str) -> str:
        """A service's data directory, which exists (the runner refuses missing paths)."""
        path = self.root / "srv" / name
        path.mkdir(parents=True, exist_ok=True)
        (path / "data.txt").write_text(f"{name}'s data\n")
        return str(path)

    def dropin(self, filename: str, **data: Any) -> None:
        backup.DROPINS.mkdir(parents=True, exist_ok=True)
        (backup.DROPINS / filename).write_text(yaml.safe_dump(data))

    def run(self, *argv: str) -> Outcome:
        """collectif-backup with these arguments, as the unit or a person runs it."""
        code = backup.main(list(argv))
        return Outcome(code, self.capsys.readouterr().out)


@pytest.fixture
def server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Server:
    """Every path of the runner under tmp_path, the fakes first on PATH, an empty repository."""
    root = tmp_path / "server"
    for name, path in {
        "DROPINS": "etc/collectif/backup.d",
        "SETTINGS": "etc/collectif/backup.yml",
        "STATE": "var/lib/collectif/backup",
        "DUMPS": "var/backups/collectif",
        "LOCK": "run/lock/collectif-backup.lock",
        "ENVIRONMENT": "etc/collectif/restic.env",
    }.items():
        monkeypatch.setattr(backup, name, root / path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in FAKES:
        fake = bin_dir / name
        fake.write_text(FAKE.format(python=sys.executable))
        fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    # As collectif-backup@.service gives them (EnvironmentFile=): restic.env is not read.
    monkeypatch.setenv("RESTIC_REPOSITORY", "rest:https://backup.asso-exemple.fr:8000/asso1/")
    monkeypatch.setenv("RESTIC_PASSWORD_FILE", "/etc/collectif/restic.password")
    log, answers = tmp_path / "calls.jsonl", tmp_path / "answers.json"
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.setenv("FAKE_ANSWERS", str(answers))
    made = Server(root, log, answers, capsys)
    made.answer()
    return made


@pytest.fixture
def two_services(server: Server) -> Server:
    """A Nextcloud (PostgreSQL) and a WordPress (MariaDB), each with maintenance commands.
    The files are named so that their names and their `name:` sort differently."""
    server.dropin(
        "20-site.yml",
        name="a-site",
        paths=[server.directory("wordpress")],
        exclude=["*.log"],
        mariadb=[{"name": "wordpress"}],
        before=["mark before site"],
        after=["mark after site"],
        restore={"services": ["nginx", "php8.4-fpm"], "after": ["mark restore-after site"]},
    )
    server.dropin(
        "10-cloud.yml",
        name="z-cloud",
        paths=[server.directory("nextcloud")],
        exclude=["cache/"],
        postgresql=[{"name": "nextcloud", "exclude_table_data": ["oc_filecache"]}],
        before=["mark before cloud"],
        after=["mark after cloud"],
        restore={"services": ["php8.4-fpm", "nginx"], "after": ["mark restore-after cloud"]},
    )
    return server


@contextlib.contextmanager
def holding_the_lock(lock: Path) -> Iterator[None]:
    """Another collectif-backup, holding the lock until the block ends."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        yield
    finally:
        holder.kill()
        holder.wait(timeout=10)


def lock_is_free(lock: Path) -> bool:
    return subprocess.run([sys.executable, "-c", TRY_LOCK, str(lock)], check=False).returncode == 0


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# ---------------------------------------------------------------- drop-ins


@pytest.mark.parametrize("listing", [sorted, lambda paths: sorted(paths, reverse=True)])
def test_dropins_are_read_in_file_name_order(server, monkeypatch, listing):
    """Maintenance modes, dumps and restores follow the drop-ins' file names (10-, 20-...),
    whatever order the directory lists them in and whatever their `name:` says."""
    for filename, name in [("30-b.yml", "b"), ("10-c.yml", "c"), ("20-a.yml", "a")]:
        server.dropin(filename, name=name)
    glob = Path.glob
    monkeypatch.setattr(Path, "glob", lambda self, pattern: iter(listing(glob(self, pattern))))
    (backup.DROPINS / "README").write_text("not a drop-in")
    assert [dropin.name for dropin in backup.read_dropins()] == ["c", "a", "b"]


@pytest.mark.parametrize(
    "text", ["", "paths: [/srv/x]\n", "restore:\n", "restore: {}\nbefore:\n"], ids=repr
)
def test_dropin_with_missing_keys_loads_with_empty_lists(server, text):
    """A drop-in may leave out any key (or leave it empty): it loads, named after its file,
    with empty lists, and backs up only what it names."""
    backup.DROPINS.mkdir(parents=True)
    (backup.DROPINS / "50-minimal.yml").write_text(text)
    (dropin,) = backup.read_dropins()
    assert dropin.name == "50-minimal"
    for key in ["exclude", "postgresql", "mariadb", "before", "after", "services"]:
        assert getattr(dropin, key) == [], key
    assert dropin.restore_after == []
    assert dropin.paths == (["/srv/x"] if "paths" in text else [])


# ---------------------------------------------------------------- backup


def test_backup_runs_before_then_dumps_then_one_snapshot_then_after(two_services):
    """backup: the repository is reached first; every drop-in's `before` (in order), then
    the databases' dumps, then ONE restic backup of every path and of the dumps, then every
    `after` (in the reverse order); the report names the snapshot."""
    server = two_services
    outcome = server.run("backup")
    assert outcome.code == 0, outcome.output
    assert server.labels() == [
        "restic cat",
        "restic snapshots",
        "mark before cloud",
        "mark before site",
        "pg_dump --format=custom --exclude-table-data=oc_filecache nextcloud",
        "mariadb-dump --single-transaction --routines --triggers --events wordpress",
        "restic backup",
        "mark after site",
        "mark after cloud",
    ]
    paths = sorted([str(server.root / "srv" / "nextcloud"), str(server.root / "srv" / "wordpress")])
    assert server.argv("restic backup") == [
        "restic",
        "backup",
        "--json",
        "--tag",
        "collectif",
        "--exclude=cache/",
        "--exclude=*.log",
        *paths,
        str(backup.DUMPS),
    ]
    assert (backup.DUMPS / "postgresql" / "nextcloud.dump").read_text() == "pg_dump of nextcloud\n"
    assert (backup.DUMPS / "mariadb" / "wordpress.sql").read_text() == "mariadb-dump of wordpress\n"
    assert outcome.result["snapshot"] == "5ca1ab1e" * 8
    assert outcome.result["dropins"] == ["z-cloud", "a-site"]
    assert json.loads((backup.STATE / "backup.json").read_text()) == outcome.result


def test_dumps_of_a_database_that_left_do_not_stay(two_services):
    """The dumps directory is emptied before each backup: a database whose service was
    removed must not be snapshotted (and restored) again from an old dump."""
    old = backup.DUMPS / "postgresql" / "removed.dump"
    old.parent.mkdir(parents=True)
    old.write_text("an old dump")
    assert two_services.run("backup").code == 0
    assert not old.exists()
    assert (backup.DUMPS / "postgresql" / "nextcloud.dump").exists()


@pytest.mark.parametrize(
    ("failing", "tail"),
    [
        ("mark before cloud", ["mark before cloud", "mark after cloud"]),
        ("mark before site", ["mark before site", "mark after site", "mark after cloud"]),
        ("runuser -u postgres -- pg_dump", ["pg_dump", "mark after site", "mark after cloud"]),
        ("restic backup", ["restic backup", "mark after site", "mark after cloud"]),
    ],
    ids=["first before", "second before", "a dump", "restic backup"],
)
def test_after_commands_run_when_the_backup_fails(two_services, failing, tail):
    """Maintenance mode is never left on: whatever step fails, the `after` of every drop-in
    whose `before` started runs (and only those), nothing more runs, and the run fails
    without recording a backup."""
    server = two_services
    server.answer(exits={failing: 1})
    outcome = server.run("backup")
    assert outcome.code == 1
    assert "FAILED" in outcome.output
    labels = server.labels()
    assert [step.split(" --")[0] for step in labels[-len(tail) :]] == tail, labels
    assert not (backup.STATE / "backup.json").exists()


def test_a_failing_after_command_fails_the_run_but_not_the_others(two_services):
    """An `after` that fails does not keep the other drop-ins in maintenance: they still
    leave it, and the run fails naming the command. The snapshot, taken before, is recorded
    with the failure: otherwise a new server's next run would take its own first snapshot
    for another server's and refuse to back up."""
    server = two_services
    server.answer(exits={"mark after site": 3})
    outcome = server.run("backup")
    assert outcome.code == 1
    assert server.labels()[-2:] == ["mark after site", "mark after cloud"]
    assert "'mark after site' failed (exit code 3)" in outcome.output
    recorded = json.loads((backup.STATE / "backup.json").read_text())
    assert recorded["snapshot"] and "'mark after site' failed" in recorded["after_failed"][0]
    server.answer()
    assert server.run("backup").code == 0, "the next run is not refused as a new server's"


def test_a_backup_without_restic_summary_fails(two_services):
    """A restic backup that exits 0 without its summary line is not counted as a backup."""
    two_services.answer(summary=False)
    outcome = two_services.run("backup")
    assert outcome.code == 1
    assert "ended without its summary" in outcome.output
    assert two_services.labels()[-1] == "mark after cloud"


@pytest.mark.parametrize(
    ("told", "message"),
    [
        ({"exits": {"restic cat": 10}}, "the repository does not exist"),
        ({"exits": {"restic cat": 12}}, "wrong repository password"),
        ({"sleep": {"restic cat": 5}}, "the repository did not answer within"),
    ],
    ids=["no repository", "wrong password", "unreachable"],
)
def test_an_unusable_repository_stops_before_any_maintenance(
    two_services, monkeypatch, told, message
):
    """A missing repository (restic exits 10), a wrong password (12) or a server that does
    not answer stops the run before any maintenance mode is turned on, saying why."""
    monkeypatch.setattr(backup, "REPOSITORY_TIMEOUT", 0.5)
    two_services.answer(**told)
    outcome = two_services.run("backup")
    assert outcome.code == 1
    assert message in outcome.output
    assert two_services.labels() == ["restic cat"]


# ---------------------------------------------------------------- adoption


def test_new_server_refuses_a_repository_that_has_snapshots(two_services):
    """A server that has neither backed up nor restored must not put its empty services on
    top of a repository's snapshots (they would become "latest"): it refuses before any
    maintenance mode, naming the newest snapshot, and says what to do."""
    server = two_services
    server.answer(snapshots=[OLD_SNAPSHOT])
    outcome = server.run("backup")
    assert outcome.code == 1
    assert "never backed up nor restored" in outcome.output
    assert "0ld5eed0 of 2025-03-01T02:00" in outcome.output
    assert "old-server" in outcome.output
    assert "collectif-backup backup --adopt" in outcome.output
    assert server.labels() == ["restic cat", "restic snapshots"]
    assert server.argv("restic snapshots")[2:] == ["--json", "--latest", "1"]


def test_adopt_overrides_the_refusal_and_sticks(two_services):
    """--adopt takes this server's data as the one to keep; after that first backup, the
    following backups need no --adopt."""
    server = two_services
    server.answer(snapshots=[OLD_SNAPSHOT])
    assert server.run("backup", "--adopt").code == 0
    assert "restic snapshots" not in server.labels()
    assert "restic backup" in server.labels()
    assert server.run("backup").code == 0
    assert server.labels().count("restic backup") == 2


@pytest.mark.parametrize("done", ["backup", "restore"])
def test_a_server_that_backed_up_or_restored_may_back_up(two_services, done):
    """A server that has already backed up (or restored) owns its repository: its backups
    go on even though the repository has snapshots."""
    server = two_services
    server.answer(snapshots=[OLD_SNAPSHOT])
    backup.STATE.mkdir(parents=True)
    (backup.STATE / f"{done}.json").write_text(json.dumps({"snapshot": "0ld5eed0" * 8}))
    outcome = server.run("backup")
    assert outcome.code == 0, outcome.output
    assert "restic backup" in server.labels()


# ---------------------------------------------------------------- restore


def test_restore_stops_restores_loads_runs_its_steps_then_starts(two_services):
    """restore: the snapshot is named once, services stopped (each once), files and dumps
    restored, databases emptied and loaded from the restored dumps, every drop-in's
    restore steps run, services started again; the report names the snapshot restored."""
    server = two_services
    newer = {**OLD_SNAPSHOT, "id": "4e3e7000" * 8, "time": "2025-03-02T02:00:00+01:00"}
    server.answer(snapshots=[OLD_SNAPSHOT, newer])
    for kind, file, content in [
        ("postgresql", "nextcloud.dump", "nextcloud's dump"),
        ("mariadb", "wordpress.sql", "wordpress's dump"),
    ]:  # as restic restore will have put them back
        (backup.DUMPS / kind).mkdir(parents=True, exist_ok=True)
        (backup.DUMPS / kind / file).write_text(content)
    outcome = server.run("restore")
    assert outcome.code == 0, outcome.output
    assert server.labels() == [
        "restic cat",
        "restic snapshots",
        "systemctl stop php8.4-fpm nginx",
        "restic restore",
        'psql -v ON_ERROR_STOP=1 -d nextcloud -c DROP OWNED BY "nextcloud"',
        "pg_restore --no-owner --role=nextcloud --exit-on-error -d nextcloud",
        "mariadb -e DROP DATABASE IF EXISTS `wordpress`",
        "mariadb wordpress",
        "mark restore-after cloud",
        "mark restore-after site",
        "systemctl start php8.4-fpm nginx",
    ]
    paths = sorted([str(server.root / "srv" / "nextcloud"), str(server.root / "srv" / "wordpress")])
    assert server.argv("restic restore") == [
        "restic",
        "restore",
        "4e3e7000" * 8,
        "--target",
        "/",
        *[f"--include={path}" for path in [*paths, str(backup.DUMPS)]],
    ]
    loaded = {label(c["argv"]): c.get("stdin") for c in server.calls()}
    assert loaded["pg_restore --no-owner --role=nextcloud --exit-on-error -d nextcloud"] == (
        "nextcloud's dump"
    )
    assert loaded["mariadb wordpress"] == "wordpress's dump"
    assert outcome.result["snapshot"] == "4e3e7000" * 8
    assert json.loads((backup.STATE / "restore.json").read_text()) == outcome.result


@pytest.mark.parametrize("failing", ["restic restore", "runuser -u postgres -- pg_restore"])
def test_services_are_started_again_when_the_restore_fails(two_services, failing):
    """A restore that fails halfway still starts the services it stopped, and records no
    restore."""
    server = two_services
    server.answer(snapshots=[OLD_SNAPSHOT], exits={failing: 1})
    (backup.DUMPS / "postgresql").mkdir(parents=True)
    (backup.DUMPS / "postgresql" / "nextcloud.dump").write_text("a dump")
    outcome = server.run("restore")
    assert outcome.code == 1
    assert server.labels()[-1] == "systemctl start php8.4-fpm nginx"
    assert "mark restore-after cloud" not in server.labels()
    assert not (backup.STATE / "restore.json").exists()


def test_restore_of_an_unknown_snapshot_changes_nothing(two_services):
    """A snapshot the repository does not have stops the restore before any service stops."""
    two_services.answer(snapshots=[OLD_SNAPSHOT])
    outcome = two_services.run("restore", "deadbeef")
    assert outcome.code == 1
    assert "no snapshot 'deadbeef'" in outcome.output
    assert two_services.labels() == ["restic cat", "restic snapshots"]


# ---------------------------------------------------------------- lock


def test_a_second_run_waits_for_the_first_to_end(two_services):
    """Two collectif-backup at once: the second says it waits, and does nothing (no
    maintenance mode, no restic backup) until the first releases the lock; then it runs."""
    server = two_services
    codes: list[int] = []
    second = threading.Thread(target=lambda: codes.append(backup.main(["backup"])))
    output: list[str] = []

    def said_it_waits() -> bool:
        output.append(server.capsys.readouterr().out)
        return "waiting for the collectif-backup already running to end" in "".join(output)

    with holding_the_lock(backup.LOCK):
        second.start()
        wait_for(said_it_waits)
        time.sleep(0.3)
        assert second.is_alive()
        assert server.labels() == ["restic cat"]
    # the first run has ended
    second.join(timeout=20)
    assert codes == [0]
    assert "restic backup" in server.labels()


def test_the_lock_is_held_during_a_run_and_released_after_it_even_on_failure(server):
    """While a run is inside one_at_a_time no other can take the lock; once it has ended
    (here by failing), the next one takes it at once."""
    with pytest.raises(backup.BackupError), backup.one_at_a_time("backup"):
        assert not lock_is_free(backup.LOCK)
        raise backup.BackupError("a step failed")
    assert lock_is_free(backup.LOCK)


# ---------------------------------------------------------------- report, environment


def test_report_holds_what_the_health_check_reads(server):
    """`report` prints, without reaching the repository, each task's last result with the
    `finished` times the health check parses (%Y-%m-%dT%H:%M:%S%z), and `enabled_at`."""
    live = Path(server.directory("cloud")) / "data.txt"
    mtime = datetime.datetime.fromtimestamp(live.stat().st_mtime, datetime.UTC)
    node = {"struct_type": "node", "type": "file", "path": str(live), "size": live.stat().st_size}
    server.answer(ls=[{**node, "mtime": mtime.isoformat()}])
    server.dropin("10-cloud.yml", paths=[str(live.parent)])
    assert server.run("backup").code == 0
    drill = server.run("drill")
    assert drill.code == 0, drill.output
    assert drill.result["files_compared"] == 1
    backup.STATE.joinpath("enabled-at").write_text("2025-01-01T00:00:00+00:00\n")
    calls = len(server.calls())
    outcome = server.run("report")
    assert outcome.code == 0
    assert len(server.calls()) == calls
    report = outcome.result
    assert set(report) == {"backup", "forget", "check", "drill", "restore", "enabled_at"}
    assert report["enabled_at"] == "2025-01-01T00:00:00+00:00"
    for kind in ("backup", "drill"):
        finished = datetime.datetime.strptime(report[kind]["finished"], "%Y-%m-%dT%H:%M:%S%z")
        assert abs(datetime.datetime.now(datetime.UTC) - finished) < datetime.timedelta(minutes=5)
    assert report["restore"] == report["check"] == report["forget"] == {}


def test_report_of_a_server_that_never_ran(server):
    """Before the first backup the report still parses, with empty results and no
    enabled_at (the health check then counts "never")."""
    outcome = server.run("report")
    assert outcome.code == 0
    assert outcome.result == {
        kind: {} for kind in ("backup", "forget", "check", "drill", "restore")
    }


def test_restic_settings_come_from_restic_env_unless_the_unit_gave_them(server, monkeypatch):
    """Run by hand (sudo collectif-backup snapshots), restic gets the repository and password
    of restic.env; run by the unit, the environment it gave wins over the file."""
    backup.ENVIRONMENT.parent.mkdir(parents=True)
    backup.ENVIRONMENT.write_text(
        "# Ansible managed\n"
        "RESTIC_REPOSITORY=s3:https://s3.asso-exemple.fr/asso1\n"
        "RESTIC_PASSWORD_FILE=/etc/collectif/restic.password\n"
    )
    assert server.run("snapshots").code == 0  # the fixture's environment: the unit's
    assert server.calls()[-1]["env"]["RESTIC_REPOSITORY"] == (
        "rest:https://backup.asso-exemple.fr:8000/asso1/"
    )
    monkeypatch.delenv("RESTIC_REPOSITORY")
    monkeypatch.delenv("RESTIC_PASSWORD_FILE")
    assert server.run("snapshots").code == 0
    assert server.calls()[-1] == {
        "argv": ["restic", "snapshots", "--compact"],
        "env": {
            "RESTIC_REPOSITORY": "s3:https://s3.asso-exemple.fr/asso1",
            "RESTIC_PASSWORD_FILE": "/etc/collectif/restic.password",
        },
    }


@pytest.mark.parametrize(
    ("stored", "subsets", "part"), [(1, 12, 1), (12, 12, 12), (10, 5, 5), (13, 12, 1)]
)
def test_check_reads_a_part_within_range(server, stored, subsets, part):
    """The part of the data restic check reads stays within the number of subsets, even
    when that number was lowered since the last run (restic refuses 10/5 otherwise)."""
    backup.STATE.mkdir(parents=True, exist_ok=True)
    backup.STATE.joinpath("check.json").write_text(json.dumps({"next_part": stored}))
    report = backup.check(subsets)
    assert report["part"] == f"{part}/{subsets}"
    assert any(f"--read-data-subset={part}/{subsets}" in call["argv"] for call in server.calls())


def test_restore_from_an_empty_repository_says_where_the_backups_may_be(two_services):
    """A new server under another name than the old one reaches another, empty
    repository: the restore stops before any service stops, and says why."""
    two_services.answer(snapshots=[])
    outcome = two_services.run("restore")
    assert outcome.code == 1
    assert "the repository holds no snapshot" in outcome.output
    assert "give the new server the old name in hosts.yml" in outcome.output
    assert two_services.labels() == ["restic cat", "restic snapshots"]


@pytest.mark.parametrize(
    ("exits", "argv", "code", "created", "labels"),
    [
        ({"restic cat": 10}, ["init"], 0, True, ["restic cat", "restic init"]),
        ({}, ["init"], 0, False, ["restic cat"]),
        ({"restic cat": 10}, ["init", "--dry-run"], 0, True, ["restic cat"]),
        ({"restic cat": 12}, ["init"], 1, None, ["restic cat"]),
    ],
)
def test_init_creates_the_repository_only_when_there_is_none(
    server, exits, argv, code, created, labels
):
    """The role's call: restic's address and password from the environment collectif-backup
    reads (never the task's), the repository made only when restic says there is none
    (exit 10); a wrong password or an unreachable target is an error, not a new repository."""
    server.answer(exits=exits)
    outcome = server.run(*argv)
    assert outcome.code == code, outcome.output
    assert server.labels() == labels
    if created is None:
        assert "restic cat config failed (exit code 12)" in outcome.output
    else:
        assert outcome.result == {"created": created}


def test_restore_from_a_copy_on_the_servers_disk_reads_it_and_names_it(two_services):
    """restore --repository PATH (restore.yml, from a copy at home): restic reads that
    repository, with restic.env's password; the report names it."""
    server = two_services
    server.answer(snapshots=[OLD_SNAPSHOT])
    for kind, file in [("postgresql", "nextcloud.dump"), ("mariadb", "wordpress.sql")]:
        (backup.DUMPS / kind).mkdir(parents=True, exist_ok=True)
        (backup.DUMPS / kind / file).write_text("a dump")  # as restic restore puts them
    copy = "/var/lib/collectif/restore-repository"
    outcome = server.run("restore", "--repository", copy)
    assert outcome.code == 0, outcome.output
    calls = [call for call in server.calls() if call["argv"][0] == "restic"]
    assert [call["env"]["RESTIC_REPOSITORY"] for call in calls] == [copy] * len(calls)
    assert {call["env"]["RESTIC_PASSWORD_FILE"] for call in calls} == {
        "/etc/collectif/restic.password"
    }
    assert outcome.result["repository"] == copy
    assert outcome.result["snapshot"] == OLD_SNAPSHOT["id"]
