"""The real Jitsi Meet: the version set installed and held, jicofo and the videobridge
healthy, and jicofo opening a conference for a member who signed in, not for a guest.
Needs the internet (Jitsi's repository)."""

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("pebble_root")

SECRETS = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "secrets"
DOMAIN = "meet.collectif.test"
PACKAGES = ["jicofo", "jitsi-meet", "jitsi-meet-prosody", "jitsi-meet-web", "jitsi-videobridge2"]


def test_the_version_set_is_installed_and_held(host):
    held = host.check_output("apt-mark showhold").split()
    assert set(PACKAGES) <= set(held)
    assert host.package("jitsi-meet").is_installed


@pytest.mark.parametrize("port", [8888, 8080])
def test_jicofo_and_the_videobridge_are_healthy(host, port):
    assert host.run(f"curl -sS -f http://127.0.0.1:{port}/about/health").rc == 0


def test_a_member_gets_a_conference(xmpp):
    """Over the WebSocket, as the page asks when a member enters a room (conftest.py)."""
    password = (SECRETS / "camille").read_text().split()[0]
    answer = xmpp("conference", DOMAIN, "camille", password)
    assert answer["type"] == "result" and answer["ready"] == "true", answer


def test_a_guest_cannot_open_a_room(xmpp):
    answer = xmpp("conference", f"guest.{DOMAIN}")
    assert answer["type"] == "error" and "not-authorized" in answer["refused"], answer


def test_the_packages_own_nginx_site_is_off(host):
    assert not host.file(f"/etc/nginx/sites-enabled/{DOMAIN}.conf").exists
