"""The real Jitsi Meet: the version set installed and held, jicofo and the videobridge
healthy, and jicofo opening a conference for a member who signed in, not for a guest.
Needs the internet (Jitsi's repository)."""

import json
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("pebble_root")

SECRETS = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "secrets"
DOMAIN = "meet.collectif.test"
PACKAGES = ["jicofo", "jitsi-meet", "jitsi-meet-prosody", "jitsi-meet-web", "jitsi-videobridge2"]

# Ask jicofo (the focus, through its client proxy) for a conference in a room, over the
# WebSocket nginx passes to Prosody, as the page does when a participant enters a room:
# with nbxmpp (Debian's python3-nbxmpp), a member with a password, a guest anonymously.
CONFERENCE = r"""
import json, sys
from gi.repository import Gio, GLib
from nbxmpp.client import Client
from nbxmpp.const import ConnectionProtocol, ConnectionType
from nbxmpp.protocol import Iq

domain, login, password = (sys.stdin.read().split() + ["", ""])[:3]
result, loop = {}, GLib.MainLoop()
client = Client(log_context="test")
client.set_domain(domain)
if login:
    client.set_username(login)
    client.set_password(password)
else:
    client.set_mechs({"ANONYMOUS"})
client.set_resource("test")
client.set_custom_host("wss://meet.collectif.test/xmpp-websocket",
                       ConnectionProtocol.WEBSOCKET, ConnectionType.DIRECT_TLS)
client.set_accepted_certificates(
    [Gio.TlsCertificate.new_from_file("/etc/letsencrypt/live/jitsi/cert.pem")])

def connected(c, _signal):
    result["jid"] = str(c.get_bound_jid())
    iq = Iq("set", to="focus.meet.collectif.test")
    conference = iq.addChild("conference", namespace="http://jitsi.org/protocol/focus")
    conference.setAttr("room", "reunion@conference.meet.collectif.test")
    conference.setAttr("machine-uid", "collectif-online-test")
    def answered(_c, stanza):
        result["type"] = stanza.getType()
        found = stanza.getTag("conference")
        result["ready"] = found.getAttr("ready") if found else None
        error = stanza.getTag("error")
        result["error"] = [child.getName() for child in error.getChildren()] if error else []
        c.disconnect()
    c.SendAndCallForResponse(iq, answered)

def ended(c, _signal):
    loop.quit()

client.subscribe("connected", connected)
client.subscribe("disconnected", ended)
client.subscribe("connection-failed", ended)
client.connect()
GLib.timeout_add_seconds(60, loop.quit)
loop.run()
print(json.dumps(result))
"""


def conference(host, to: str, login: str = "", password: str = "") -> dict:
    out = host.run(f"python3 -c '{CONFERENCE}'", stdin=f"{to} {login} {password}")
    assert out.rc == 0, out.stderr
    return json.loads(out.stdout)


def test_the_version_set_is_installed_and_held(host):
    held = host.check_output("apt-mark showhold").split()
    assert set(PACKAGES) <= set(held)
    assert host.package("jitsi-meet").is_installed


@pytest.mark.parametrize("port", [8888, 8080])
def test_jicofo_and_the_videobridge_are_healthy(host, port):
    assert host.run(f"curl -sS -f http://127.0.0.1:{port}/about/health").rc == 0


def test_a_member_gets_a_conference(host):
    password = (SECRETS / "camille").read_text().split()[0]
    answer = conference(host, DOMAIN, "camille", password)
    assert answer["type"] == "result" and answer["ready"] == "true", answer


def test_a_guest_cannot_open_a_room(host):
    answer = conference(host, f"guest.{DOMAIN}")
    assert answer["type"] == "error" and "not-authorized" in answer["error"], answer


def test_the_packages_own_nginx_site_is_off(host):
    assert not host.file(f"/etc/nginx/sites-enabled/{DOMAIN}.conf").exists
