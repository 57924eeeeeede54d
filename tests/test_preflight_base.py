"""The base role's rules, on servers and backup targets: admins, host values."""

import pytest
from conftest import KEY
from test_preflight import check


def test_production_needs_an_admin_key():
    lines = check({"base_admin_users": []})
    assert len(lines) == 1
    assert lines[0].startswith("base_admin_users: no admin with an SSH key")


def test_an_absent_admin_does_not_count():
    lines = check({"base_admin_users": [{"name": "camille", "ssh_keys": [KEY], "state": "absent"}]})
    assert lines[0].startswith("base_admin_users: no admin with an SSH key")


@pytest.mark.parametrize("environment", ["test", "demo"])
def test_containers_need_no_admin_key(environment):
    assert check({"base_admin_users": [], "collectif_environment": environment}) == []


def test_bad_keys_and_names_are_pointed_at():
    users = [{"name": "Camille", "ssh_keys": ["ssh-ed25519", KEY]}]
    lines = check({"base_admin_users": users})
    assert [line.split(":")[0] for line in lines] == [
        "base_admin_users[0].name",
        "base_admin_users[0].ssh_keys[0]",
    ]


def test_base_rules_beyond_types():
    lines = check(
        {
            "base_hostname": "asso1.example.org",
            "base_locale": "fr_FR.UTF-8",
            "base_locales": ["en_US.UTF-8"],
            "base_firewall_ssh_sources": ["office"],
            "base_firewall_udp_ports": [70000],
            "base_sshd_port": 0,
        }
    )
    assert [line.split(":")[0] for line in lines] == [
        "base_firewall_ssh_sources[0]",
        "base_firewall_udp_ports[0]",
        "base_hostname",
        "base_locale",
        "base_sshd_port",
    ]
    assert all(line.endswith("inventories/asso/host_vars/asso1.yml.") for line in lines)
