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
        "nextcloud.conf",
        "synapse.conf",
        "wordpress.conf",
    ]


def test_one_php_pool_per_php_service_and_none_else(host):
    assert sorted(host.check_output("ls /etc/php/8.4/fpm/pool.d").split()) == [
        "nextcloud.conf",
        "wordpress.conf",
    ]


def test_php_settings_are_written_once_for_every_service(host):
    """Nextcloud's cron needs APCu on the command line; WordPress's pool shares the file."""
    for sapi in ("fpm", "cli"):
        ini = host.file(f"/etc/php/8.4/{sapi}/conf.d/90-collectif.ini").content_string
        assert "apc.enable_cli = 1" in ini


def test_the_firewall_has_one_drop_in_per_service_that_opens_ports(host):
    assert sorted(host.check_output("ls /etc/nftables.d").split()) == ["coturn.nft", "nginx.nft"]


def test_every_service_has_its_backup_drop_in(host):
    assert sorted(host.check_output("ls /etc/collectif/backup.d").split()) == [
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


@pytest.mark.parametrize("playbook", ["matrix.yml", "nextcloud.yml", "wordpress.yml", "backup.yml"])
def test_each_service_playbook_alone_changes_nothing(run_playbook, playbook):
    played = run_playbook(playbook)
    assert played.returncode == 0, played.tail()
    assert played.changed == {"asso1": 0, "backup1": 0}, played.tail(120)
