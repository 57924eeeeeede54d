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


def test_a_new_server_does_not_hide_the_snapshots_it_should_restore(host, backed_up):
    """A server that has neither backed up nor restored (a rebuilt one, before its
    restore) refuses to add its empty data as the latest snapshot; --adopt overrides."""
    state = "/var/lib/collectif/backup"
    host.check_output(f"mkdir -p /root/state && mv {state}/*.json /root/state/")
    try:
        before = sh(host, f"{RESTIC} snapshots --json")
        run = host.run(f"bash -c '{BACKUP} backup'")
        assert run.rc == 1
        assert "has never backed up nor restored" in run.stdout
        assert "collectif restore" in run.stdout
        assert sh(host, f"{RESTIC} snapshots --json") == before
        adopted = host.run(f"bash -c '{BACKUP} backup --adopt'")
        assert adopted.rc == 0, adopted.stdout + adopted.stderr
        assert (
            len(json.loads(sh(host, f"{RESTIC} snapshots --json"))) == len(json.loads(before)) + 1
        )
    finally:
        host.run(f"mv /root/state/*.json {state}/")


WRITER = """
for i in $(seq 1 100000); do
  runuser -u postgres -- psql -q -d app -c "SET ROLE app" -c "INSERT INTO ledger VALUES ($i)" || exit 1
  mariadb app -e "INSERT INTO ledger VALUES ($i)" || exit 1
  echo $i > /var/tmp/last-committed
done
"""


def last_committed(host) -> int:
    text = host.file("/var/tmp/last-committed").content_string.strip()  # "" mid-write
    return int(text) if text.isdigit() else 0


def contiguous_ids(listing: str) -> int:
    """The highest id when the ids are exactly 1..n (no row lost inside), else fail."""
    ids = sorted(int(line) for line in listing.split())
    assert ids == list(range(1, len(ids) + 1)), ids[:20]
    return len(ids)


def test_a_backup_while_the_application_writes_keeps_every_committed_row(host, wait_until):
    """Rows are committed one after the other during the whole backup: each database's
    dump holds every row committed before it began, with none missing in between."""
    host.check_output(f"{PG} 'DROP TABLE IF EXISTS ledger; CREATE TABLE ledger (id int)'")
    host.check_output(f"{MARIADB} 'DROP TABLE IF EXISTS ledger; CREATE TABLE ledger (id int)'")
    host.check_output("rm -f /var/tmp/last-committed")
    host.check_output(f"cat > /var/tmp/writer.sh <<'EOF'\n{WRITER}\nEOF")
    host.check_output("systemd-run --unit=ledger-writer bash /var/tmp/writer.sh")
    try:
        assert wait_until(lambda: host.file("/var/tmp/last-committed").exists, 30)
        assert wait_until(lambda: last_committed(host) >= 20, 60)
        # At least what was seen (a read in the middle of the writer's echo finds "").
        committed_before = max(last_committed(host), 20)
        run = host.run("systemctl start collectif-backup@backup.service")
        assert run.rc == 0
        assert host.service("ledger-writer").is_running  # it wrote all along
    finally:
        host.run("systemctl stop ledger-writer")
    pg_rows = sh(
        host,
        f"{RESTIC} dump latest /var/backups/collectif/postgresql/app.dump "
        '| pg_restore --data-only --table=ledger -f - | grep -E "^[0-9]+$"',
    )
    mariadb_rows = sh(
        host,
        f"{RESTIC} dump latest /var/backups/collectif/mariadb/app.sql "
        # MariaDB 11 writes one row per line after "INSERT INTO `ledger` VALUES".
        '| sed -n "/^INSERT INTO .ledger. VALUES/,/;$/p" | grep -oE "[0-9]+"',
    )
    assert contiguous_ids(pg_rows) >= committed_before
    assert contiguous_ids(mariadb_rows) >= committed_before


def test_a_full_disk_is_a_clear_error_and_keeps_the_earlier_snapshots(host):
    """A repository on an 8 MB disk: a first snapshot fits, the next one (20 MB more of
    random data) does not. restic says why, maintenance mode is left, the first snapshot
    is still there and the repository checks clean."""
    small = "set -a; . /etc/collectif/restic.env; set +a; export RESTIC_REPOSITORY=/mnt/small/repo;"
    host.check_output("mkdir -p /mnt/small && mount -t tmpfs -o size=8m tmpfs /mnt/small")
    try:
        sh(host, f"{RESTIC} init --repo /mnt/small/repo")
        sh(host, f"{small} /usr/local/sbin/collectif-backup backup")
        before = json.loads(sh(host, f"{small} restic snapshots --json"))
        assert len(before) == 1
        host.check_output("head -c 20000000 /dev/urandom > /srv/app/data/large")
        run = host.run(f"bash -c '{small} /usr/local/sbin/collectif-backup backup'")
        assert run.rc == 1
        assert "no space left on device" in (run.stdout + run.stderr).lower()
        assert "FAILED" in run.stdout
        assert not host.file("/srv/app/MAINTENANCE").exists
        after = json.loads(sh(host, f"{small} restic snapshots --json"))
        assert [s["id"] for s in after] == [s["id"] for s in before]
        host.check_output("rm /srv/app/data/large")
        sh(host, f"{small} restic unlock")
        assert host.run(f"bash -c '{small} restic check'").rc == 0
    finally:
        host.run("rm -f /srv/app/data/large; umount /mnt/small")
