"""The backups, for real on one server: a snapshot of files and both databases taken in
maintenance mode, brought back by a restore after the data was damaged; the repository's
refusals (wrong password, unreachable) are clear and leave the snapshots intact."""

import json

import pytest

BACKUP = "set -a; . /etc/collectif/restic.env; set +a; /usr/local/sbin/collectif-backup"
RESTIC = "set -a; . /etc/collectif/restic.env; set +a; restic"
# As the application's own role, which owns what it creates (as a real application does).
PG = "runuser -u postgres -- psql -q -d app -tA -c SET\\ ROLE\\ app\\; -c"
MARIADB = "mariadb -N app -e"
MEMBERS = [("camille", "5 GB"), ("dominique", "50 GB"), ("sacha", "5 GB")]


def sh(host, command: str) -> str:
    return host.check_output(f"bash -c '{command}'")


@pytest.fixture(scope="module")
def backed_up(host):
    """Data in files and both databases, then one backup by the systemd unit."""
    host.check_output("for i in 1 2 3 4 5; do head -c 20000 /dev/urandom > /srv/app/data/f$i; done")
    host.check_output("echo cache > /srv/app/cache/c1")
    host.check_output(
        f"{PG} 'DROP TABLE IF EXISTS members; CREATE TABLE members (name text, plan text)'"
    )
    host.check_output(
        f"{MARIADB} 'DROP TABLE IF EXISTS invoices; CREATE TABLE invoices (n int, amount int)'"
    )
    for name, plan in MEMBERS:
        host.check_output(f"{PG} \"INSERT INTO members VALUES ('{name}', '{plan}')\"")
    host.check_output(f"{MARIADB} 'INSERT INTO invoices VALUES (1, 30), (2, 60)'")
    sums = host.check_output("cd /srv/app/data && sha256sum f*")
    run = host.run("systemctl start collectif-backup@backup.service")
    assert run.rc == 0, host.check_output("journalctl -u collectif-backup@backup -n 30 --no-pager")
    return sums


def test_the_snapshot_holds_files_and_dumps_without_the_cache(host, backed_up):
    report = json.loads(host.check_output("/usr/local/sbin/collectif-backup report"))["backup"]
    assert report["dropins"] == ["app"]
    listing = sh(host, f"{RESTIC} ls latest")
    for name in (
        "/srv/app/data/f1",
        "/var/backups/collectif/postgresql/app.dump",
        "/var/backups/collectif/mariadb/app.sql",
    ):
        assert name in listing
    assert "/srv/app/cache/c1" not in listing


def test_the_snapshot_was_taken_in_maintenance_mode_and_left_it(host, backed_up):
    assert "/srv/app/MAINTENANCE" in sh(host, f"{RESTIC} ls latest")
    assert not host.file("/srv/app/MAINTENANCE").exists


def test_secrets_are_root_only(host):
    for path in ("/etc/collectif/restic.env", "/etc/collectif/restic.password"):
        f = host.file(path)
        assert (f.user, f.mode) == ("root", 0o600), path


def test_a_restore_brings_back_files_and_rows(host, backed_up):
    # The night of the failure, in small: files lost and changed, rows deleted.
    host.check_output("rm /srv/app/data/f1 && echo damaged > /srv/app/data/f2")
    host.check_output(f"{PG} 'DELETE FROM members'")
    host.check_output(f"{MARIADB} 'DROP TABLE invoices'")
    out = sh(host, f"{BACKUP} restore")
    assert json.loads(out.splitlines()[-1])["dropins"] == ["app"]
    assert host.check_output("cd /srv/app/data && sha256sum f*") == backed_up
    rows = host.check_output(f"{PG} 'SELECT name, plan FROM members ORDER BY name'")
    assert rows.splitlines() == [f"{name}|{plan}" for name, plan in MEMBERS]
    assert host.check_output(f"{MARIADB} 'SELECT n, amount FROM invoices ORDER BY n'").split() == [
        "1",
        "30",
        "2",
        "60",
    ]
    # The database still belongs to the application, which still logs in.
    owner = host.check_output(
        f"{PG} \"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'app'\""
    )
    assert owner == "app"
    assert host.file("/srv/app/restored-at").exists  # the drop-in's restore step ran


def test_a_wrong_password_is_a_clear_error_and_harms_nothing(host, backed_up):
    before = sh(host, f"{RESTIC} snapshots --json")
    run = host.run(
        "bash -c 'set -a; . /etc/collectif/restic.env; set +a; echo wrong > /tmp/wrong; "
        "RESTIC_PASSWORD_FILE=/tmp/wrong /usr/local/sbin/collectif-backup backup'"
    )
    assert run.rc == 1
    assert "wrong repository password" in run.stdout
    assert not host.file("/srv/app/MAINTENANCE").exists  # maintenance was left again
    assert sh(host, f"{RESTIC} snapshots --json") == before


def test_an_unreachable_repository_is_a_clear_error(host, backed_up):
    run = host.run(
        "bash -c 'set -a; . /etc/collectif/restic.env; set +a; "
        "RESTIC_REPOSITORY=rest:http://127.0.0.1:9/ COLLECTIF_BACKUP_REPOSITORY_TIMEOUT=15 "
        "/usr/local/sbin/collectif-backup backup'"
    )
    assert run.rc == 1
    assert "the repository did not answer within 15 s" in run.stdout
    assert not host.file("/srv/app/MAINTENANCE").exists  # stopped before maintenance mode


@pytest.mark.parametrize("task", ["check", "forget", "drill"])
def test_upkeep_runs_from_its_unit(host, backed_up, task):
    run = host.run(f"systemctl start collectif-backup@{task}.service")
    assert run.rc == 0, host.check_output(f"journalctl -u collectif-backup@{task} -n 30 --no-pager")
    assert host.service(f"collectif-backup-{task}.timer").is_enabled


def test_the_drill_compared_files_with_the_server(host, backed_up):
    host.run("systemctl start collectif-backup@drill.service")
    drill = json.loads(host.check_output("/usr/local/sbin/collectif-backup report"))["drill"]
    assert drill["files_restored"] > 0
    assert drill["files_compared"] > 0
