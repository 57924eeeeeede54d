"""Jitsi Meet as members and guests meet it: the page and its settings behind nginx, XMPP
over the WebSocket nginx passes to Prosody (a member signs in, a guest joins
anonymously, a wrong password is refused), TURN credentials from Prosody that coturn
accepts, and jicofo and the videobridge signed in with their settings' accounts.

Jitsi's packages cannot be downloaded here: jicofo and the videobridge are STAND-INS
(scripts/standins/jitsi), which read the settings the role writes, sign in to Prosody with
them and join the brewery room; the page is a stand-in index. Prosody, nginx, coturn and
the firewall are real."""

import json
import os
import re
import shlex
import socket
from pathlib import Path

import pytest
from test_matrix import TURN_CLIENT

testinfra_hosts = ["ansible://asso1"]
pytestmark = pytest.mark.usefixtures("pebble_root")

SECRETS = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "secrets"
PEBBLE_ROOT = "/root/pebble-root.pem"
CLIENT = "/opt/collectif-test-client/bin/python"
DOMAIN = "meet.collectif.test"
GUESTS = "guest.meet.collectif.test"


def member_password() -> str:
    return (SECRETS / "camille").read_text().split()[0]


@pytest.fixture(scope="module")
def member(xmpp) -> dict:
    return xmpp("services", DOMAIN, "camille", member_password())


def test_a_member_signs_in_through_nginx(member):
    assert member["jid"] == f"camille@{DOMAIN}/test", member


def test_a_member_added_through_the_entry_point_signs_in(xmpp):
    password = (SECRETS / "dominique").read_text().split()[0]
    assert xmpp("services", DOMAIN, "dominique", password)["jid"] == f"dominique@{DOMAIN}/test"


def test_a_wrong_password_is_refused(xmpp):
    for login, password in (("camille", member_password() + "x"), ("nobody", member_password())):
        refused = xmpp("services", DOMAIN, login, password)
        assert "jid" not in refused
        assert refused["error"][:2] == ["StreamError.SASL", "not-authorized"], refused


def test_a_guest_joins_anonymously_on_the_guest_domain_only(xmpp):
    guest = xmpp("services", GUESTS)
    assert guest["jid"].split("/")[0].endswith(f"@{GUESTS}"), guest
    # On the members' domain, no anonymous sign-in: only a member opens a room.
    refused = xmpp("services", DOMAIN)
    assert refused.get("error", [])[:2] == ["StreamError.SASL", "invalid-mechanism"], refused
    # And no member's password on the guests' domain.
    assert "jid" not in xmpp("services", GUESTS, "camille", member_password())


def test_turn_credentials_from_prosody_are_accepted_by_coturn(host, member):
    turn = [s for s in member["services"] if s["type"] == "turn" and s.get("username")]
    assert {(s["host"], s["port"]) for s in member["services"]} == {
        ("turn.collectif.test", "3478"),
        ("turn.collectif.test", "5349"),
    }
    assert turn, member["services"]
    credential = shlex.quote(f"{turn[0]['username']} {turn[0]['password']}")
    out = host.check_output(f"printf '%s\\n' {credential} | {CLIENT} -c '{TURN_CLIENT}'")
    result = json.loads(out)
    assert result["allocation"] == "allocated"
    assert result["wrong_password"] == "error 401"


def test_jicofo_and_the_videobridge_signed_in_with_their_settings(host):
    """The stand-ins read the account from the file the role wrote: signing in proves the
    account Prosody holds and the file agree, and jicofo's health, that it found the
    videobridge in the brewery room."""
    for unit, account in (("jicofo", "focus"), ("jitsi-videobridge2", "jvb")):
        journal = host.check_output(f"journalctl -u {unit} --no-pager -o cat")
        assert re.search(
            rf"signed in as {account}@auth\.{re.escape(DOMAIN)} and joined "
            rf"jvbbrewery@internal\.auth\.{re.escape(DOMAIN)}",
            journal,
        ), journal[-2000:]
    for port in (8888, 8080):
        health = json.loads(host.check_output(f"curl -sS -f http://127.0.0.1:{port}/about/health"))
        assert health["healthy"] is True


def test_the_java_heaps_follow_the_servers_memory(host):
    memtotal_mb = int(host.check_output("awk '/^MemTotal/ {print $2}' /proc/meminfo")) // 1024
    expected = {
        "jicofo": ("JICOFO_MAX_MEMORY", min(max(memtotal_mb // 16, 256), 1024)),
        "jitsi-videobridge2": ("VIDEOBRIDGE_MAX_MEMORY", min(max(memtotal_mb // 8, 384), 2048)),
    }
    for unit, (variable, mb) in expected.items():
        environment = host.check_output(f"systemctl show -p Environment --value {unit}")
        assert f"{variable}={mb}m" in environment.split()


def test_the_settings_name_only_this_servers_hosts(host):
    page = host.check_output(f"curl -sS --cacert {PEBBLE_ROOT} https://{DOMAIN}/config.js")
    settings = json.loads(page.split("var config = ", 1)[1].rstrip().rstrip(";"))
    assert settings["hosts"]["domain"] == DOMAIN
    assert settings["hosts"]["anonymousdomain"] == GUESTS
    assert settings["websocket"] == f"wss://{DOMAIN}/xmpp-websocket"
    assert settings["p2p"]["stunServers"] == [{"urls": "stun:turn.collectif.test:3478"}]
    assert settings["defaultLanguage"] == "fr"
    assert settings["gravatar"]["disabled"] is True
    assert settings["disableThirdPartyRequests"] is True
    names = set(re.findall(r"[a-z0-9.-]+\.[a-z]{2,}(?=[:/'\"]|$)", json.dumps(settings)))
    assert names and all(n.endswith("collectif.test") for n in names), names


def test_a_rooms_address_opens_the_page(host):
    page = host.check_output(f"curl -sS -f --cacert {PEBBLE_ROOT} https://{DOMAIN}/ReunionDuBureau")
    assert "<title>Jitsi Meet" in page


def test_the_videobridge_uses_no_third_party_stun_server(host):
    jvb = host.file("/etc/jitsi/videobridge/jvb.conf").content_string
    assert re.search(r"stun \{\s*addresses = \[ \]", jvb)
    assert "jitsi.net" not in jvb


def test_element_uses_this_jitsi(host):
    config = json.loads(host.file("/etc/element-web/config.json").content_string)
    assert config["jitsi"] == {"preferred_domain": DOMAIN}


def test_media_port_answers_from_the_test_machine(host):
    address = host.interface("eth0").addresses[0]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        sock.sendto(b"ping", (address, 10000))
        assert sock.recv(256) == b"jitsi-standin videobridge: ping"


@pytest.mark.parametrize("port", [5222, 5280, 8080, 8888, 9090])
def test_nothing_else_of_jitsi_is_reachable_from_the_test_machine(host, port):
    address = host.interface("eth0").addresses[0]
    with pytest.raises(OSError):
        socket.create_connection((address, port), timeout=3).close()


def test_prosody_listens_on_loopback_only(host):
    for port in (5222, 5280):
        assert host.socket(f"tcp://127.0.0.1:{port}").is_listening
        assert not host.socket(f"tcp://0.0.0.0:{port}").is_listening
    # No server-to-server (federation) port at all.
    assert not host.socket("tcp://0.0.0.0:5269").is_listening


def test_secrets_are_readable_by_their_services_only(host):
    for path in ("/etc/jitsi/jicofo/jicofo.conf", "/etc/jitsi/videobridge/jvb.conf"):
        f = host.file(path)
        assert (f.user, f.group, f.mode) == ("root", "jitsi", 0o640)
    prosody = host.file("/etc/prosody/prosody.cfg.lua")
    assert (prosody.user, prosody.group, prosody.mode) == ("root", "prosody", 0o640)
    account = host.file("/var/lib/prosody/meet%2ecollectif%2etest/accounts/camille.dat")
    assert (account.user, account.group, account.mode) == ("prosody", "prosody", 0o640)
    # Prosody keeps SCRAM keys, never the password.
    assert member_password() not in host.check_output(f"cat {account.path}")
