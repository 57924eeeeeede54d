"""The real Jitsi Meet: the version set installed and held, jicofo and the videobridge
healthy, and jicofo opening a conference for a member who signed in, not for a guest.
Needs the internet (Jitsi's repository)."""

import os
import warnings
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


def test_resident_memory_at_rest_stays_within_the_heaps(host):
    """jicofo and the videobridge, idle after the deploy: their resident memory, shown in
    the run's warnings summary (the README quotes it), and within twice their heap."""
    report = []
    for unit, variable in (
        ("jicofo", "JICOFO_MAX_MEMORY"),
        ("jitsi-videobridge2", "VIDEOBRIDGE_MAX_MEMORY"),
    ):
        pid = host.check_output(f"systemctl show -p MainPID --value {unit}")
        rss_kb = int(host.check_output(f"ps -o rss= --ppid {pid} -p {pid} | sort -n | tail -1"))
        environment = host.check_output(f"systemctl show -p Environment --value {unit}").split()
        heap_mb = int(next(e for e in environment if e.startswith(variable)).split("=")[1][:-1])
        report.append(f"{unit}: {rss_kb // 1024} MB resident, heap {heap_mb} MB")
        assert rss_kb // 1024 < 2 * heap_mb + 256, report[-1]
    warnings.warn("; ".join(report), stacklevel=1)
