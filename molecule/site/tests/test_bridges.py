"""The bridges' wiring, with the stand-in binary in place of each real bridge: Synapse
loads every registration, and its appservice ping reaches each bridge at the address of
its registration with the tokens of its config. The real bridges' bots answering `help`
is scenario matrix-online's job (README, test matrix)."""

import json
import re
import subprocess
import uuid

import pytest
import yaml

testinfra_hosts = ["ansible://asso1"]
pytestmark = pytest.mark.usefixtures("pebble_root")

NETWORKS = {"whatsapp": 29318, "signal": 29328, "telegram": 29317, "meta": 29319}


def config(host, network: str) -> dict:
    return yaml.safe_load(host.file(f"/etc/mautrix-{network}/config.yaml").content_string)


def registration(host, name: str) -> dict:
    return yaml.safe_load(host.file(f"/etc/synapse/appservices/{name}.yaml").content_string)


def synapse(host, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    data = f"-d '{json.dumps(body)}'" if body is not None else ""
    out = host.check_output(
        f"curl -s -w '\\n%{{http_code}}' -X {method} -H 'Authorization: Bearer {token}' "
        f"-H 'Content-Type: application/json' {data} 'http://127.0.0.1:8008{path}'"
    )
    payload, _, status = out.rpartition("\n")
    return int(status), json.loads(payload or "{}")


@pytest.mark.parametrize("network", NETWORKS)
def test_synapse_pings_each_bridge_with_its_tokens(host, network):
    token = config(host, network)["appservice"]["as_token"]
    txn = f"test-{uuid.uuid4()}"
    status, body = synapse(
        host,
        "POST",
        f"/_matrix/client/v1/appservice/{network}/ping",
        token,
        {"transaction_id": txn},
    )
    assert status == 200, body
    assert "duration_ms" in body
    # The bridge saw Synapse's call, with the hs_token of its own config.
    log = host.check_output(f"journalctl -u mautrix-{network} --no-pager -o cat")
    calls = [json.loads(line) for line in log.splitlines() if txn in line]
    assert calls and calls[-1]["path"] == "/_matrix/app/v1/ping" and calls[-1]["token_ok"]


@pytest.mark.parametrize("network", NETWORKS)
def test_registration_and_config_agree(host, network):
    conf, reg = config(host, network), registration(host, network)
    service = conf["appservice"]
    assert reg["id"] == service["id"] == network
    assert (reg["as_token"], reg["hs_token"]) == (service["as_token"], service["hs_token"])
    assert reg["url"] == f"http://127.0.0.1:{NETWORKS[network]}" == service["address"]
    assert service["port"] == NETWORKS[network] and service["hostname"] == "127.0.0.1"
    assert reg["rate_limited"] is False
    bot = f"@{service['bot']['username']}:collectif.test"
    assert any(ns["exclusive"] and re.match(ns["regex"], bot) for ns in reg["namespaces"]["users"])


def test_each_bridge_has_its_own_tokens(host):
    tokens = {config(host, n)["appservice"]["as_token"] for n in NETWORKS}
    tokens |= {config(host, n)["appservice"]["hs_token"] for n in NETWORKS}
    assert len(tokens) == 2 * len(NETWORKS)


def test_a_wrong_token_is_refused_by_synapse(host):
    status, body = synapse(
        host,
        "POST",
        "/_matrix/client/v1/appservice/whatsapp/ping",
        "0" * 64,
        {"transaction_id": "intrus"},
    )
    assert status == 401 and body["errcode"] == "M_UNKNOWN_TOKEN"


@pytest.mark.parametrize("network", NETWORKS)
def test_bridge_bot_is_registered(host, network):
    # The stand-in registers its bot at start, as a real bridge does.
    token = config(host, network)["appservice"]["as_token"]
    bot = config(host, network)["appservice"]["bot"]["username"]
    status, body = synapse(
        host, "GET", f"/_matrix/client/v3/account/whoami?user_id=@{bot}:collectif.test", token
    )
    assert status == 200, body
    assert body["user_id"] == f"@{bot}:collectif.test"


def double_puppet_token(host) -> str:
    # What a bridge does with double_puppet.secrets: act as the member with the shared
    # double-puppet appservice's token.
    secret = config(host, "whatsapp")["double_puppet"]["secrets"]["collectif.test"]
    assert secret.startswith("as_token:")
    token = secret.removeprefix("as_token:")
    assert token == registration(host, "doublepuppet")["as_token"]
    return token


def whoami(user: str) -> str:
    return f"/_matrix/client/v3/account/whoami?user_id=@{user}:collectif.test"


def test_double_puppeting_acts_as_a_member(host):
    status, body = synapse(host, "GET", whoami("dominique"), double_puppet_token(host))
    assert status == 200, body
    assert body["user_id"] == "@dominique:collectif.test"


@pytest.mark.parametrize("user", ["camille", "collectif", "whatsappbot"])
def test_the_shared_token_never_acts_as_an_admin_or_a_bridge_account(host, user):
    """camille is an admin, collectif Ansible's own admin account, whatsappbot a bridge's bot
    (every one exists: a missing account is refused for that reason alone)."""
    status, body = synapse(host, "GET", whoami(user), double_puppet_token(host))
    assert status == 403, body
    assert body["errcode"] == "M_FORBIDDEN"


def test_an_appservice_token_is_refused_from_outside_the_server(host, tmp_path):
    """Through nginx from the test machine, the token a member could act with counts for
    nothing; the same request on the server works (the test above)."""
    address = host.interface("eth0").addresses[0]
    root = tmp_path / "root.pem"
    root.write_text(host.file("/root/pebble-root.pem").content_string)
    result = subprocess.run(
        [
            "curl", "-sS", "--max-time", "10", "--cacert", str(root),
            "--resolve", f"matrix.collectif.test:443:{address}",
            "-H", f"Authorization: Bearer {double_puppet_token(host)}",
            "-w", "\n%{http_code}", f"https://matrix.collectif.test{whoami('dominique')}",
        ],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    payload, _, status = result.stdout.rpartition("\n")
    assert status == "401", payload
    assert json.loads(payload)["errcode"] == "M_UNKNOWN_TOKEN"


@pytest.mark.parametrize("name", ["doublepuppet", *NETWORKS])
def test_every_registration_is_usable_from_loopback_only(host, name):
    assert registration(host, name)["ip_range_whitelist"] == ["127.0.0.0/8", "::1/128"]


@pytest.mark.parametrize("network", NETWORKS)
def test_each_bridge_has_its_own_database(host, network):
    uri = config(host, network)["database"]["uri"]
    user = host.check_output(f"psql '{uri}' -Atc 'select current_user, current_database()'")
    assert user == f"mautrix_{network}|mautrix_{network}"
    # ...and cannot open Synapse's.
    other = host.run(f"psql '{uri.rsplit('/', 1)[0]}/synapse?sslmode=disable' -Atc 'select 1'")
    assert other.rc != 0


@pytest.mark.parametrize("network", NETWORKS)
def test_bridge_secrets_not_world_readable(host, network):
    conf = host.file(f"/etc/mautrix-{network}/config.yaml")
    assert (conf.user, conf.group, conf.mode) == ("root", f"mautrix-{network}", 0o640)
    reg = host.file(f"/etc/synapse/appservices/{network}.yaml")
    assert (reg.user, reg.group, reg.mode) == ("root", "synapse", 0o640)


@pytest.mark.parametrize("network", NETWORKS)
def test_bridge_runs_as_its_own_user_on_loopback(host, network):
    assert host.service(f"mautrix-{network}").is_running
    assert host.socket(f"tcp://127.0.0.1:{NETWORKS[network]}").is_listening
    assert not host.socket(f"tcp://0.0.0.0:{NETWORKS[network]}").is_listening
    user = host.check_output(f"systemctl show -p User --value mautrix-{network}")
    assert user == f"mautrix-{network}"


def test_telegram_gets_its_app_credentials(host):
    network = config(host, "telegram")["network"]
    assert network == {"api_id": 12345, "api_hash": "0123456789abcdef0123456789abcdef"}


def test_relay_and_permissions_follow_the_inventory(host):
    bridge = config(host, "signal")["bridge"]
    assert bridge["relay"]["enabled"] is True
    assert bridge["permissions"] == {
        "*": "relay",
        "collectif.test": "user",
        "@camille:collectif.test": "admin",
    }


def test_backup_drop_ins_name_what_exists(host):
    # What the backups will keep: every path and database a drop-in names exists.
    drop_ins = {
        name: yaml.safe_load(host.file(f"/etc/collectif/backup.d/{name}.yml").content_string)
        for name in ["synapse", *(f"mautrix-{n}" for n in NETWORKS)]
    }
    databases = host.check_output("sudo -u postgres psql -Atc 'select datname from pg_database'")
    for name, drop_in in drop_ins.items():
        assert drop_in["paths"], name
        for path in drop_in["paths"]:
            assert host.file(path).exists, f"{name}: {path}"
        for database in drop_in["postgresql"]:
            assert database["name"] in databases.splitlines(), name
    synapse = drop_ins["synapse"]
    # The signing key, not the settings Ansible derives (secrets, registrations' tokens).
    assert "/etc/synapse/signing.key" in synapse["paths"]
    assert "/etc/synapse" not in synapse["paths"]
    for network in NETWORKS:
        assert drop_ins[f"mautrix-{network}"]["paths"] == [f"/var/lib/mautrix-{network}"]
    assert "/var/lib/synapse/media_store/remote_content" in synapse["exclude"]
    assert synapse["postgresql"] == [
        {"name": "synapse", "exclude_table_data": ["e2e_one_time_keys_json"]}
    ]
    assert synapse["restore"]["services"] == ["synapse"]
    assert host.file("/etc/collectif/backup.d/synapse.yml").mode == 0o640
