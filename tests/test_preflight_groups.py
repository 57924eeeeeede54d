"""The inventory's groups: each one a service runs on, by the roles' declarations."""

import pytest
from test_preflight import GROUPS, check

from collectif import services


def test_service_group_with_two_hosts():
    groups = {"all": ["a", "b"], "servers": ["a", "b"], "nextcloud": ["a", "b"]}
    lines = check(groups=groups, host="a")
    assert lines == [
        "group nextcloud: has 2 hosts (a, b); nextcloud runs on one host only. "
        "Set it in inventories/asso/hosts.yml."
    ]


def test_service_host_outside_servers():
    groups = {"all": ["asso1"], "servers": [], "matrix": ["asso1"]}
    assert "is in matrix but not in 'servers'" in check(groups=groups)[0]


def test_backups_on_the_same_host_refused_in_production():
    groups = {
        "all": ["asso1"],
        "servers": ["asso1"],
        "nextcloud": ["asso1"],
        "backup_targets": ["asso1"],
    }
    assert "a backup on the same machine is lost with it" in check(groups=groups)[0]
    assert check({"collectif_environment": "test"}, groups=groups) == []


# Every group some role declares (roles/*/meta/collectif.yml).
KNOWN = ", ".join(services.known_groups())


def test_group_name_typo_gets_a_suggestion():
    groups = {"all": ["asso1"], "servers": ["asso1"], "nextclowd": ["asso1"]}
    assert check(groups=groups) == [
        "group nextclowd: is not a collectif group: no collectif service runs on it (did you "
        "mean 'nextcloud'?), so nothing would be deployed for it; the groups collectif knows "
        f"are {KNOWN}. Set it in inventories/asso/hosts.yml."
    ]


@pytest.mark.parametrize("group", ["dolibarr", "monitoring"])
def test_a_group_no_service_runs_on_is_refused(group):
    groups = {"all": ["asso1"], "servers": ["asso1"], group: ["asso1"]}
    assert check(groups=groups) == [
        f"group {group}: is not a collectif group: no collectif service runs on it, so "
        f"nothing would be deployed for it; the groups collectif knows are {KNOWN}. "
        "Set it in inventories/asso/hosts.yml."
    ]


def test_the_groups_of_services_collectif_does_not_run_are_unknown():
    assert "servers" in KNOWN
    assert "coturn" in KNOWN
    assert "jitsi" in KNOWN
    assert "dolibarr" not in set(services.known_groups())


def test_each_unknown_group_is_reported_and_only_the_hosts_own():
    groups = {
        "all": ["asso1", "other"],
        "ungrouped": ["asso1"],
        "servers": ["asso1"],
        "dolibarr": ["asso1"],
        "asso": ["asso1"],
        "monitoring": ["other"],
    }
    assert [line.split(":")[0] for line in check(groups=groups)] == [
        "group asso",
        "group dolibarr",
    ]


def test_a_declared_service_group_runs_on_one_host():
    groups = {"all": ["a", "b"], "servers": ["a", "b"], "coturn": ["a", "b"]}
    assert check(groups=groups, host="a") == [
        "group coturn: has 2 hosts (a, b); coturn runs on one host only. "
        "Set it in inventories/asso/hosts.yml."
    ]


def test_a_declared_service_group_needs_servers_too():
    groups = {"all": ["asso1"], "servers": [], "coturn": ["asso1"]}
    (line,) = check(groups=groups)
    assert "host asso1 is in coturn but not in 'servers'" in line


@pytest.mark.parametrize("group", ["servers", "backup_targets", "pebble"])
def test_shared_groups_may_hold_several_hosts(group):
    groups = {"all": ["a", "b"], "servers": ["a", "b"], group: ["a", "b"]}
    assert check({"collectif_environment": "test"}, groups=groups, host="a") == []


def test_pebble_refused_on_a_real_server():
    groups = dict(GROUPS, pebble=["asso1"])
    (line,) = check(groups=groups)
    assert line.startswith("group pebble: host asso1 is a real server")
    assert check({"collectif_environment": "demo"}, groups=groups) == []
