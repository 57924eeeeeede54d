"""Element Web as a member's browser meets it: its own HTTPS site, the settings that point
at this server, upstream's headers. The release is a stand-in archive (see converge.yml):
Element's own JavaScript is not exercised here."""

import json

import pytest

testinfra_hosts = ["ansible://asso1"]
pytestmark = pytest.mark.usefixtures("pebble_root")

PEBBLE_ROOT = "/root/pebble-root.pem"
ELEMENT = "https://element.collectif.test"


def get(host, path: str) -> tuple[str, str]:
    out = host.check_output(f"curl -sS --cacert {PEBBLE_ROOT} -D - '{ELEMENT}{path}'")
    headers, _, body = out.partition("\r\n\r\n")
    return headers.lower(), body


def test_element_answers_with_its_page(host):
    headers, body = get(host, "/")
    assert headers.startswith("http/1.1 200") or headers.startswith("http/2 200")
    assert "<title>Element</title>" in body
    assert "cache-control: no-cache" in headers


def test_element_points_at_this_homeserver(host):
    headers, body = get(host, "/config.json")
    config = json.loads(body)
    assert config["default_server_config"]["m.homeserver"] == {
        "base_url": "https://matrix.collectif.test",
        "server_name": "collectif.test",
    }
    assert config["disable_guests"] is True
    assert config["disable_custom_urls"] is True
    assert config["setting_defaults"]["UIFeature.registration"] is False
    assert "cache-control: no-cache" in headers


def test_the_homeserver_element_names_answers(host):
    _, body = get(host, "/config.json")
    base_url = json.loads(body)["default_server_config"]["m.homeserver"]["base_url"]
    versions = json.loads(
        host.check_output(f"curl -sSf --cacert {PEBBLE_ROOT} {base_url}/_matrix/client/versions")
    )
    assert versions["versions"]


def test_element_sends_upstreams_headers(host):
    headers, _ = get(host, "/")
    assert "x-frame-options: sameorigin" in headers
    assert "x-content-type-options: nosniff" in headers
    assert "x-xss-protection: 1; mode=block" in headers
    assert "content-security-policy: frame-ancestors 'self'" in headers
    assert "strict-transport-security:" in headers


def test_release_is_linked_and_settings_kept_apart(host):
    link = host.file("/opt/element-web")
    assert link.is_symlink and link.linked_to.startswith("/opt/element-web-")
    assert host.file("/opt/element-web/version").exists
    config = host.file("/etc/element-web/config.json")
    assert (config.user, config.mode) == ("root", 0o644)
