"""The whole server, as one: every service answers on its own name through nginx with its
certificate, the health checks pass, a backup reaches the backup target, and each
service's playbook run alone finds nothing to change."""

import pytest

testinfra_hosts = ["ansible://asso1"]
pytestmark = pytest.mark.usefixtures("pebble_root")

PEBBLE_ROOT = "/root/pebble-root.pem"

# Each name of the site, a path on it, the status and a piece of the answer it must give.
NAMES = {
    "collectif.test": ("/", 200, "<title>Association Collectif"),
    "matrix.collectif.test": ("/_matrix/client/versions", 200, '"versions"'),
    "element.collectif.test": ("/", 200, "<title>Element</title>"),
    "cloud.collectif.test": ("/status.php", 200, '"installed":true'),
    "turn.collectif.test": ("/", 404, ""),
    "agenda.collectif.test": ("/", 302, ""),
    "meet.collectif.test": ("/", 200, "<title>Jitsi Meet"),
    "factures.collectif.test": ("/health", 200, '"status":"ok"'),
}


@pytest.mark.parametrize("name", NAMES)
def test_every_service_answers_on_its_name_with_its_certificate(host, name):
    """curl checks the certificate's chain (Pebble's root) and that it names the host."""
    path, status, body = NAMES[name]
    answer = host.run(
        f"curl -sS --cacert {PEBBLE_ROOT} -o /tmp/answer -w '%{{http_code}}' https://{name}{path}"
    )
    assert answer.rc == 0, answer.stderr  # a certificate for another name fails here
    assert int(answer.stdout) == status
    assert body in host.file("/tmp/answer").content_string


def test_only_the_declared_sites_are_served(host):
    enabled = host.check_output("ls /etc/nginx/sites-enabled").split()
    assert sorted(enabled) == [
        "00-collectif-default.conf",
        "agenda.conf",
        "coturn.conf",
        "element.conf",
        "invoiceninja.conf",
        "jitsi.conf",
        "nextcloud.conf",
        "synapse.conf",
        "wordpress.conf",
    ]


def test_one_php_pool_per_php_service_and_none_else(host):
    assert sorted(host.check_output("ls /etc/php/8.4/fpm/pool.d").split()) == [
        "invoiceninja.conf",
        "nextcloud.conf",
        "wordpress.conf",
    ]


def test_php_settings_are_written_once_for_every_service(host):
    """Nextcloud's cron needs APCu on the command line; WordPress's pool shares the file."""
    for sapi in ("fpm", "cli"):
        ini = host.file(f"/etc/php/8.4/{sapi}/conf.d/90-collectif.ini").content_string
        assert "apc.enable_cli = 1" in ini


def test_the_firewall_has_one_drop_in_per_service_that_opens_ports(host):
    assert sorted(host.check_output("ls /etc/nftables.d").split()) == [
        "coturn.nft",
        "jitsi.nft",
        "nginx.nft",
    ]


def test_every_service_has_its_backup_drop_in(host):
    assert sorted(host.check_output("ls /etc/collectif/backup.d").split()) == [
        "invoiceninja.yml",
        "mautrix-meta.yml",
        "mautrix-signal.yml",
        "mautrix-telegram.yml",
        "mautrix-whatsapp.yml",
        "nextcloud.yml",
        "synapse.yml",
        "wordpress.yml",
    ]


def test_the_health_checks_pass(run_playbook):
    played = run_playbook("doctor.yml")
    assert played.returncode == 0, played.tail()


def test_a_backup_reaches_the_backup_target(host):
    backup = host.run("systemctl start collectif-backup@backup.service")
    assert backup.rc == 0, host.run("journalctl -u collectif-backup@backup -n 30").stdout
    listed = host.check_output("collectif-backup snapshots")
    assert "asso1" in listed
    target = host.get_host("ansible://backup1", ansible_inventory=host.backend.ansible_inventory)
    snapshots = target.check_output("ls /srv/restic/asso1/snapshots").split()
    assert snapshots, "the backup target holds the server's snapshot"


def test_backups_travel_over_https_to_the_pinned_certificate_only(host):
    """The target serves HTTPS only, with its own certificate, which the server pins: the
    backups and the account's password never cross the network in clear, and no other
    certificate (not even one the system trusts) would be accepted for the repository."""
    settings = dict(
        line.split("=", 1)
        for line in host.file("/etc/collectif/restic.env").content_string.splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert settings["RESTIC_REPOSITORY"].startswith("rest:https://asso1:")
    assert settings["RESTIC_CACERT"] == "/etc/collectif/rest-server.pem"
    target = host.get_host("ansible://backup1", ansible_inventory=host.backend.ansible_inventory)
    pinned = host.file("/etc/collectif/rest-server.pem").content_string
    assert pinned == target.file("/etc/restic-rest-server/tls/cert.pem").content_string
    key = target.file("/etc/restic-rest-server/tls/key.pem")
    assert (key.user, key.group, key.mode) == ("root", "restic-rest-server", 0o640)
    address = settings["RESTIC_REPOSITORY"].split("@", 1)[1].split(":")[0]
    url = f"https://{address}:8000/"
    # With the pinned certificate: TLS holds and the rest-server asks for an account.
    code = host.check_output(
        f"curl -sS -o /dev/null -w '%{{http_code}}' --cacert /etc/collectif/rest-server.pem {url}"
    )
    assert code == "401"
    # With the system's authorities only, the certificate is refused (curl: exit 60).
    assert host.run(f"curl -sS -o /dev/null {url}").rc == 60
    # Plain HTTP gets no answer a client could take for the repository's.
    plain = host.run(f"curl -sS -o /dev/null -w '%{{http_code}}' http://{address}:8000/")
    assert plain.stdout in ("400", "000"), plain.stdout


@pytest.mark.parametrize("playbook", ["matrix.yml", "nextcloud.yml", "wordpress.yml", "backup.yml"])
def test_each_service_playbook_alone_changes_nothing(run_playbook, playbook):
    played = run_playbook(playbook)
    assert played.returncode == 0, played.tail()
    assert played.changed == {"asso1": 0, "backup1": 0}, played.tail(120)
