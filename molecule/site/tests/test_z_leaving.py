"""Taking services off the server, as a volunteer does it: the host leaves the nextcloud
group, the Signal bridge leaves mautrix_bridge_networks, the agenda site leaves nginx_sites,
and site.yml runs once. Each is stopped and unregistered on that run; their data stays.
Last of the scenario (the file's name): it changes the server on purpose."""

import json

import pytest

testinfra_hosts = ["ansible://asso1"]

KEPT_BRIDGES = ["whatsapp", "telegram", "meta"]


@pytest.fixture(scope="module")
def left(run_playbook, inventory_without):
    """site.yml, with what leaves, run once for the whole module."""
    return run_playbook(
        "site.yml",
        "-e",
        json.dumps({"mautrix_bridge_networks": KEPT_BRIDGES, "nginx_sites": []}),
        inventory=inventory_without("nextcloud"),
    )


def test_the_run_that_takes_them_off_succeeds_with_its_health_checks(left):
    assert left.returncode == 0, left.tail(80)


def test_the_bridge_is_stopped_and_unregistered(host, left):
    assert not host.service("mautrix-signal").is_running
    assert not host.file("/etc/systemd/system/mautrix-signal.service").exists
    assert not host.file("/etc/synapse/appservices/signal.yaml").exists
    assert "signal.yaml" not in host.file("/etc/synapse/homeserver.yaml").content_string
    for network in KEPT_BRIDGES:
        assert host.service(f"mautrix-{network}").is_running


def test_synapse_no_longer_knows_the_bridge(host, left):
    """Synapse, restarted without the registration, refuses the bridge's token."""
    token = host.check_output(
        "python3 -c \"import yaml; print(yaml.safe_load(open('/etc/mautrix-signal/config.yaml'))"
        "['appservice']['as_token'])\""
    )
    whoami = host.run(
        f"curl -sS -H 'Authorization: Bearer {token}' "
        "http://127.0.0.1:8008/_matrix/client/v3/account/whoami"
    )
    assert "M_UNKNOWN_TOKEN" in whoami.stdout


def test_the_site_is_no_longer_served(host, left):
    assert not host.file("/etc/nginx/sites-enabled/agenda.conf").exists
    assert not host.file("/etc/letsencrypt/renewal/agenda.conf").exists
    # nginx's default server answers nothing to a name it does not serve.
    answer = host.run("curl -sS -k -o /dev/null -w '%{http_code}' https://agenda.collectif.test/")
    assert answer.rc != 0 or answer.stdout != "302"


def test_the_application_is_stopped_and_unregistered(host, left):
    assert not host.service("nextcloud-cron.timer").is_running
    assert not host.file("/etc/nginx/sites-enabled/nextcloud.conf").exists
    assert not host.file("/etc/php/8.4/fpm/pool.d/nextcloud.conf").exists
    assert not host.file("/etc/collectif/backup.d/nextcloud.yml").exists
    assert not host.file("/etc/collectif/backup.d/mautrix-signal.yml").exists
    answer = host.run(
        "curl -sS -k -o /dev/null -w '%{http_code}' https://cloud.collectif.test/status.php"
    )
    assert answer.rc != 0 or answer.stdout != "200"


def test_their_data_stays(host, left):
    assert host.file("/var/lib/mautrix-signal").is_directory
    assert host.file("/var/lib/nextcloud/data").is_directory
    databases = host.check_output(
        "runuser -u postgres -- psql -tA -c 'SELECT datname FROM pg_database'"
    )
    assert {"mautrix_signal", "nextcloud"} <= set(databases.split())


def test_the_others_go_on(host, left):
    for unit in ("synapse", "nginx", "php8.4-fpm", "wordpress-cron.timer"):
        assert host.service(unit).is_running, unit
    assert host.file("/etc/php/8.4/fpm/pool.d/wordpress.conf").exists
