"""After the rebuild: the new server holds what the old one held when it was backed up.
converge.yml wrote down the old server's data (before.json) before destroying it; here
everything is read back from the new one, through the services' own APIs where they have
one (WordPress's REST API, Synapse's client API), and compared."""

import json
import os
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest

testinfra_hosts = ["ansible://asso"]
pytestmark = pytest.mark.usefixtures("pebble_root")

EPHEMERAL = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
BEFORE = json.loads((EPHEMERAL / "before.json").read_text())
# What `collectif backup copy` said, and the snapshot the copy at home holds.
COPIED = json.loads((EPHEMERAL / "copied.json").read_text())
PUSHED = "/var/lib/collectif/restore-repository"
PEBBLE_ROOT = "/root/pebble-root.pem"
SITE = "https://collectif.test"
SYNAPSE = "http://127.0.0.1:8008"
RESTIC = "set -a; . /etc/collectif/restic.env; set +a; restic"
UPLOAD = "/var/lib/wordpress/wp-content/uploads/2026/11/compte-rendu.pdf"
UPLOADS_SUM = "cd /var/lib/wordpress/wp-content/uploads && find . -type f | sort | xargs sha256sum | sha256sum"


def sh(host, command: str) -> str:
    return host.check_output(f"bash -c '{command}'")


def matrix(host, method: str, path: str, token: str, body: dict | None = None) -> dict:
    data = f"-d '{json.dumps(body)}' -H 'Content-Type: application/json'" if body else ""
    out = host.check_output(
        f"curl -sS -X {method} -H 'Authorization: Bearer {token}' {data} '{SYNAPSE}{path}'"
    )
    return json.loads(out)


@pytest.fixture(scope="module")
def token(host) -> str:
    """Camille logs in with her old password: her account came back with its hash."""
    password = (EPHEMERAL / "secrets" / "camille").read_text().split()[0]
    body = {
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": "camille"},
        "password": password,
    }
    answer = matrix(host, "POST", "/_matrix/client/v3/login", "none", body)
    assert "access_token" in answer, answer
    return answer["access_token"]


def test_row_counts_are_those_of_the_old_server(host):
    counts = {
        "wordpress_posts": host.check_output(
            "mariadb -N wordpress -e 'SELECT count(*) FROM wp_posts'"
        ),
        "wordpress_users": host.check_output(
            "mariadb -N wordpress -e 'SELECT count(*) FROM wp_users'"
        ),
        "synapse_events": sh(
            host, 'runuser -u postgres -- psql -tA synapse -c "SELECT count(*) FROM events"'
        ),
        "synapse_users": sh(
            host, 'runuser -u postgres -- psql -tA synapse -c "SELECT count(*) FROM users"'
        ),
        **{
            f"invoiceninja_{table}": host.check_output(
                f"mariadb -N invoiceninja -e 'SELECT count(*) FROM {table}'"
            )
            for table in ("clients", "recurring_invoices", "users")
        },
    }
    assert counts == BEFORE["counts"]


def test_the_post_is_back_through_wordpress_rest_api(host):
    out = host.check_output(
        f"curl -sS --cacert {PEBBLE_ROOT} '{SITE}/wp-json/wp/v2/posts/{BEFORE['post_id']}'"
    )
    post = json.loads(out)
    assert post["title"]["rendered"] == "Compte rendu de l&rsquo;assemblée", out[:300]
    assert "Nous étions trente" in post["content"]["rendered"]
    page = host.check_output(f"curl -sS --cacert {PEBBLE_ROOT} {SITE}/")
    assert "Compte rendu de l" in page


def test_the_members_uploads_are_back_unchanged_and_owned_by_wordpress(host):
    assert host.check_output(UPLOADS_SUM).split()[0] == BEFORE["uploads_sha256"]
    upload = host.file(UPLOAD)
    assert upload.sha256sum == BEFORE["upload_sha256"]
    assert upload.user == "wordpress"
    served = host.check_output(
        f"curl -sS --cacert {PEBBLE_ROOT} {SITE}/wp-content/uploads/2026/11/compte-rendu.pdf | sha256sum"
    )
    assert served.split()[0] == BEFORE["upload_sha256"]


def test_the_rooms_messages_are_read_back_through_synapse(host, token):
    room = quote(BEFORE["room_id"], safe="")
    answer = matrix(host, "GET", f"/_matrix/client/v3/rooms/{room}/messages?dir=f&limit=100", token)
    bodies = [
        event["content"]["body"] for event in answer["chunk"] if event["type"] == "m.room.message"
    ]
    assert bodies == BEFORE["messages"]


def test_the_shared_photo_is_back_in_synapses_media_store(host, token):
    server, media_id = BEFORE["media"].removeprefix("mxc://").split("/")
    digest = host.check_output(
        f"curl -sS -H 'Authorization: Bearer {token}' "
        f"'{SYNAPSE}/_matrix/client/v1/media/download/{server}/{media_id}' | sha256sum"
    )
    assert digest.split()[0] == BEFORE["photo_sha256"]


def test_the_member_s_client_is_back_through_invoice_ninja_s_api(host, secret_of):
    """The first account signs in with its password (its row came back), and the API
    finds the member's client and the dues' invoice made before the server died."""
    api = "https://factures.collectif.test/api/v1"
    headers = "-H 'Accept: application/json' -H 'X-Requested-With: XMLHttpRequest'"
    body = json.dumps(
        {"email": "admin@collectif.test", "password": secret_of("invoiceninja.admin", 24)}
    )
    signed_in = json.loads(
        host.check_output(
            f"curl -sS -f --cacert {PEBBLE_ROOT} {headers} -H 'Content-Type: application/json' "
            f"--data-binary @- {api}/login <<'EOF'\n{body}\nEOF"
        )
    )
    token = signed_in["data"][0]["token"]["token"]
    clients = json.loads(
        host.check_output(
            f"curl -sS -f --cacert {PEBBLE_ROOT} {headers} -H 'X-API-TOKEN: {token}' "
            f"'{api}/clients?email=camille%40collectif.test'"
        )
    )["data"]
    assert [client["name"] for client in clients] == ["Camille Martin"]
    assert (
        host.check_output(
            "mariadb -N invoiceninja -e 'SELECT amount, notes FROM recurring_invoices'"
        )
        == "12.00\tCotisation annuelle (essentiel)"
    )


def test_invoice_ninja_s_logo_is_back_unchanged_and_served(host):
    logo = "/var/lib/invoiceninja/storage/app/public/logo.png"
    assert host.check_output(f"sha256sum {logo} | cut -d' ' -f1") == BEFORE["logo_sha256"]
    assert host.file(logo).user == "invoiceninja"
    host.check_output(
        f"curl -sS -f --cacert {PEBBLE_ROOT} -o /root/served-logo.png "
        "https://factures.collectif.test/storage/logo.png"
    )
    served = host.check_output("sha256sum /root/served-logo.png && rm /root/served-logo.png")
    assert served.split()[0] == BEFORE["logo_sha256"]


def test_the_server_came_back_from_the_copy_at_home_alone(host):
    """The backup target died with the server: the rebuild restored the snapshot the home
    copy holds, from the copy pushed to the new server (root's only)."""
    report = json.loads(host.check_output("/usr/local/sbin/collectif-backup report"))
    assert report["restore"]["snapshot"] == COPIED["snapshot"]
    assert report["restore"]["repository"] == PUSHED
    pushed = host.file(PUSHED)
    assert (pushed.user, pushed.group, pushed.mode) == ("root", "root", 0o700)
    # The second copy had nothing to fetch.
    assert " 0 file(s) copied (0 B)" in COPIED["said"][1], COPIED["said"]
    copy = EPHEMERAL / "home-copy"
    assert "restic -r" in (copy / "README.txt").read_text()
    assert not list((copy / "asso" / "locks").iterdir())
    held = {p.relative_to(copy / "asso").as_posix() for p in (copy / "asso").rglob("*")}
    assert {"config", "keys", "data", "index", "snapshots"} <= held


def test_the_new_server_backs_up_to_the_new_target(host):
    report = json.loads(host.check_output("/usr/local/sbin/collectif-backup report"))
    assert report["backup"]["finished"] > report["restore"]["finished"]
    snapshots = json.loads(sh(host, f"{RESTIC} snapshots --json"))
    # The new target's repository is new: the new server's own snapshot, taken at the end
    # of restore.yml, is its latest (the old ones are in the home copy; an hourly backup
    # may have come before the restore, which restored from the copy all the same).
    assert snapshots[-1]["id"] == report["backup"]["snapshot"]
    assert COPIED["snapshot"] not in [s["id"] for s in snapshots]
    assert "rest:https://" in sh(host, "grep ^RESTIC_REPOSITORY= /etc/collectif/restic.env")
    # What a volunteer types to choose a snapshot: restic.env is read by itself.
    listing = host.check_output("/usr/local/sbin/collectif-backup snapshots")
    assert all(s["short_id"] in listing for s in snapshots)


def test_the_new_server_also_restores_through_the_rest_server(host):
    """The usual night, with the target alive, is the same collectif-backup restore with
    restic.env's repository (the rest-server, over HTTPS with its pinned certificate): run
    here, it brings back the new server's own snapshot from the new target, whole."""
    report = json.loads(host.check_output("/usr/local/sbin/collectif-backup report"))
    restored = host.run("/usr/local/sbin/collectif-backup restore")
    assert restored.rc == 0, restored.stdout + restored.stderr
    again = json.loads(restored.stdout.splitlines()[-1])
    assert again["snapshot"] == report["backup"]["snapshot"]
    assert "repository" not in again
    assert host.check_output(UPLOADS_SUM).split()[0] == BEFORE["uploads_sha256"]
    posts = host.check_output("mariadb -N wordpress -e 'SELECT count(*) FROM wp_posts'")
    assert posts == BEFORE["counts"]["wordpress_posts"]


def test_the_server_cannot_delete_its_snapshots_on_the_append_only_target(host):
    before = json.loads(sh(host, f"{RESTIC} snapshots --json"))
    # restic 0.18 reports the refusal but still exits 0: what counts is that nothing went.
    refused = host.run(f"bash -c '{RESTIC} forget {before[0]['id']}'")
    assert "403 Forbidden" in refused.stdout + refused.stderr
    after = json.loads(sh(host, f"{RESTIC} snapshots --json"))
    assert [s["id"] for s in after] == [s["id"] for s in before]


def target(command: str) -> str:
    """A command on the backup target (testinfra's host here is the server)."""
    return subprocess.run(
        ["docker", "exec", "backup", "bash", "-c", command],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def target_run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker", "exec", "backup", *argv], capture_output=True, text=True, check=False
    )


def test_the_target_keeps_the_repository_out_of_the_servers_reach():
    """On the backup target: the repository's files are the rest-server's, and its
    accounts file holds bcrypt hashes, not passwords."""
    assert target("stat -c %U /srv/restic/asso/config").strip() == "restic-rest-server"
    accounts = target("grep -v '^#' /etc/restic-rest-server/users.htpasswd").split()
    assert len(accounts) == 1 and accounts[0].startswith("asso:$2y$")


def test_the_rest_server_cannot_read_the_repository_password():
    """The password opens every backup: root's alone on the target. The network-facing
    rest-server's user cannot read it, and the retention does not run as that user."""
    password = "/etc/restic-rest-server/asso.restic-password"
    assert target(f"stat -c '%U %G %a' {password}").split() == ["root", "root", "400"]
    read = target_run("runuser", "-u", "restic-rest-server", "--", "cat", password)
    assert read.returncode != 0 and "Permission denied" in read.stderr
    user = target("systemctl show -p User --value collectif-retention@asso.service").strip()
    assert user in ("", "root"), user


def snapshot_paths(host, snapshot: str) -> set[str]:
    nodes = sh(host, f"{RESTIC} ls --json {snapshot}").splitlines()
    return {json.loads(line)["path"] for line in nodes if '"path"' in line}


def test_the_snapshots_keep_the_signing_key_and_no_derived_secret(host, secret_of):
    """What Ansible derives again from the inventory and the association's key (Synapse's
    settings, secrets and appservice registrations, the database passwords) is not in the
    backups: the target holds no live credential, and a restore cannot bring back an old
    registration. The signing key (made once, the server's identity) and the data are."""
    snapshots = json.loads(sh(host, f"{RESTIC} snapshots --json"))
    for snapshot in snapshots:
        paths = snapshot_paths(host, snapshot["id"])
        assert {p for p in paths if p.startswith("/etc/synapse/")} == {
            "/etc/synapse/signing.key"
        }, snapshot["short_id"]
        assert "/var/lib/wordpress/wp-content/uploads/2026/11/compte-rendu.pdf" in paths
        assert not [
            p
            for p in paths
            if p.startswith(("/etc/wordpress", "/etc/mautrix-", "/etc/invoiceninja"))
        ]
    key = host.check_output(f"bash -c '{RESTIC} dump latest /etc/synapse/signing.key | sha256sum'")
    assert key.split()[0] == host.file("/etc/synapse/signing.key").sha256sum
    # Every file of the latest snapshot, dumps included, searched for the derived secrets.
    secrets = [
        secret_of(purpose)
        for purpose in (
            "synapse.registration", "synapse.macaroon", "synapse.form", "synapse.database",
            "synapse.service-account", "wordpress.database", "restic.password",
            "invoiceninja.database",
        )
    ] + [secret_of("invoiceninja.app_key", 32)]  # fmt: skip
    subprocess.run(
        ["docker", "exec", "-i", "asso", "sh", "-c", "umask 077; cat > /root/derived-secrets"],
        input="\n".join(secrets) + "\n", text=True, check=True,
    )  # fmt: skip
    try:
        sh(host, f"rm -rf /var/tmp/scan; {RESTIC} restore --quiet latest --target /var/tmp/scan")
        assert host.file("/var/tmp/scan/etc/synapse/signing.key").exists
        found = host.run("grep -rlF -f /root/derived-secrets /var/tmp/scan")
        assert found.rc == 1 and found.stdout == "", found.stdout
    finally:
        host.run("rm -rf /var/tmp/scan /root/derived-secrets")


def test_a_snapshot_dated_in_the_future_stops_the_targets_retention(host):
    """As someone who took the server over could: a snapshot dated 2099 would make restic's
    windows count from 2099 and forget every real snapshot. The target refuses, forgets
    nothing, and its unit fails (doctor.yml reports a failed retention)."""
    sh(host, f'{RESTIC} backup --quiet --time "2099-01-01 00:00:00" /etc/hostname')
    before = json.loads(sh(host, f"{RESTIC} snapshots --json"))
    (forged,) = [s for s in before if s["time"].startswith("2099")]
    started = subprocess.run(
        ["docker", "exec", "backup", "systemctl", "start", "collectif-retention@asso.service"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert started.returncode != 0
    journal = target("journalctl -u collectif-retention@asso.service -n 20 --no-pager")
    assert "1 snapshot(s) dated in the future" in journal
    after = json.loads(sh(host, f"{RESTIC} snapshots --json"))
    assert [s["id"] for s in after] == [s["id"] for s in before]
    # A person looks, and removes the forged snapshot on the target, as the message says
    # (as root: the password is root's alone).
    target(
        "restic --repo /srv/restic/asso --no-cache "
        f"--password-file /etc/restic-rest-server/asso.restic-password forget {forged['id']}"
    )
    target("systemctl reset-failed collectif-retention@asso.service")


OLD = "/var/tmp/old-months"


def test_retention_runs_on_the_target_and_keeps_every_recent_snapshot(host):
    """Last, since it forgets snapshots. One more backup makes a second snapshot within
    minutes: the window of the last 30 days (rest_server_keep_within) keeps both, so
    that many snapshots added at once cannot push real ones out. Beside them, 26 snapshots
    of a scratch folder dated one a month from January 2020: beyond the windows (24 hourly,
    12 monthly), the two oldest are forgotten and pruned, so the retention writes into the
    repository. What it wrote is the rest-server's and readable by it: the server checks
    every byte, backs up and restores through the rest-server after the prune."""
    earlier = json.loads(sh(host, f"{RESTIC} snapshots --json"))
    assert host.run("systemctl start collectif-backup@backup.service").rc == 0
    before = json.loads(sh(host, f"{RESTIC} snapshots --json"))  # oldest first
    assert len(before) == len(earlier) + 1 >= 2
    sh(
        host,
        f"mkdir -p {OLD}; for m in $(seq 0 25); do head -c 20000 /dev/urandom > {OLD}/f; "
        f'{RESTIC} backup --quiet --time "$((2020 + m / 12))-$(printf %02d $((m % 12 + 1)))-01 '
        f'00:00:00" {OLD} || exit 1; done',
    )
    target("systemctl start collectif-retention@asso.service")
    after = json.loads(sh(host, f"{RESTIC} snapshots --json"))
    assert [s["id"] for s in after if s["paths"] != [OLD]] == [s["id"] for s in before]
    assert len([s for s in after if s["paths"] == [OLD]]) == 24
    assert "--keep-within 30d" in target("systemctl cat collectif-retention@asso.service")
    journal = target("journalctl -u collectif-retention@asso.service -n 60 --no-pager")
    assert "given to restic-rest-server" in journal, journal
    # The prune's files belong to the rest-server, which reads every one of them.
    repository = "/srv/restic/asso"
    strangers = (
        f"find {repository} \\( ! -user restic-rest-server -o ! -group restic-rest-server \\)"
    )
    assert target(strangers) == ""
    assert target(f"runuser -u restic-rest-server -- find {repository} -type f ! -readable") == ""
    checked = host.run(f"bash -c '{RESTIC} check --read-data'")
    assert checked.rc == 0, checked.stdout + checked.stderr
    assert host.run("systemctl start collectif-backup@backup.service").rc == 0
    restored = host.run(
        f"bash -c '{RESTIC} restore --quiet latest --target /var/tmp/after-prune "
        "--include /etc/synapse/signing.key'"
    )
    try:
        assert restored.rc == 0, restored.stderr
        # (restic prints its summary even with --quiet: the file itself is compared.)
        digest = host.file("/var/tmp/after-prune/etc/synapse/signing.key").sha256sum
        assert digest == host.file("/etc/synapse/signing.key").sha256sum
    finally:
        host.run("rm -rf /var/tmp/after-prune")
