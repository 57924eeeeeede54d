"""The preflight's entry points and its dispatch to the services' checks, on plain
dictionaries (fast; no Ansible). The rules themselves are tested by test_preflight_*.py,
which share GOOD, the group layouts and check() from here."""

import copy

from conftest import KEY

from collectif import services
from collectif.preflight import SERVICE_CHECKS, problems, spec_problems

GOOD = {
    "collectif_domain": "asso-exemple.fr",
    "collectif_admin_email": "bureau@asso-exemple.fr",
    "collectif_environment": "production",
    "collectif_project_settings": True,
    "collectif_plans": [
        {"name": "essentiel", "fee": 15, "services": ["cloud"], "nextcloud_quota": "5 GB"}
    ],
    "base_admin_users": [{"name": "camille", "ssh_keys": [KEY]}],
    "collectif_secret_key": "3f9c1a7e52d08b64" * 4,
    "nginx_sites": [{"name": "accueil", "server_names": ["asso-exemple.fr"], "return": "204"}],
    "restic_repository": "rest:https://backup.asso-exemple.fr:8000/asso1/",
    # The provider's first account, as the example inventory has it.
    "ansible_user": "debian",
}
GROUPS = {"all": ["asso1"], "servers": ["asso1"], "ungrouped": []}


def check(changes=None, groups=None, host="asso1", drop=()):
    hostvars = copy.deepcopy(GOOD)
    hostvars.update(changes or {})
    for name in drop:
        hostvars.pop(name)
    return problems(hostvars, groups or GROUPS, host, "inventories/asso")


def test_a_good_inventory_has_no_problem():
    assert check() == []


MATRIX = dict(GROUPS, matrix=["asso1"])
WORDPRESS = dict(GROUPS, wordpress=["asso1"])
WITH_TARGET = {"all": ["asso1", "backup1"], "servers": ["asso1"], "backup_targets": ["backup1"]}


def test_spec_errors_become_lines():
    results = [
        {
            "item": "base",
            "argument_errors": [
                "value of base_sshd_permit_root_login must be one of: prohibit-password, no, got: yes"
            ],
        },
        {"item": "other", "argument_errors": []},
    ]
    assert spec_problems(results, "inventories/asso") == [
        "role base: value of base_sshd_permit_root_login must be one of: prohibit-password, no, got: yes. "
        "Set it in inventories/asso/group_vars or host_vars."
    ]


def test_a_value_that_cannot_be_computed_is_a_problem_too():
    results = [
        {
            "item": "restic",
            "failed": True,
            "msg": "Task failed: object of type 'HostVarsVars' has no attribute 'ansible_host'",
        },
        {"item": "base", "failed": False},
    ]
    assert spec_problems(results, "inventories/asso") == [
        "role restic: its variables could not be read (object of type 'HostVarsVars' has no "
        "attribute 'ansible_host'). Set them in inventories/asso/group_vars or host_vars."
    ]


def test_backup_target_gets_the_admin_and_base_checks():
    assert check(groups=WITH_TARGET, host="backup1") == []
    (line,) = check({"base_admin_users": []}, groups=WITH_TARGET, host="backup1")
    assert line.startswith("base_admin_users: no admin with an SSH key")
    (line,) = check({"base_hostname": "Backup.1"}, groups=WITH_TARGET, host="backup1")
    assert line.startswith("base_hostname: 'Backup.1' is not a short host name")
    assert line.endswith("inventories/asso/host_vars/backup1.yml.")


def test_backup_target_gets_no_web_or_backup_checks():
    bad_web = {"nginx_sites": "accueil", "restic_repository": "nowhere"}
    assert check(bad_web, groups=WITH_TARGET, host="backup1") == []
    assert len(check(bad_web, groups=WITH_TARGET, host="asso1")) == 2


def test_each_check_names_declared_roles():
    declared = services.by_name()
    for roles, _ in SERVICE_CHECKS:
        assert roles
        assert set(roles) <= set(declared), f"{roles}: no such role in roles/*/meta"


WORDPRESS_ONLY = {"wordpress_sites": [{"slug": "cam"}], "wordpress_domain": "asso-exemple.fr"}
MATRIX_ONLY = {
    "synapse_server_name": "Example.org",
    "mautrix_bridge_networks": ["irc"],
    "mautrix_bridge_admins": ["camille"],
}


def test_wordpress_rules_run_only_on_a_wordpress_host():
    assert check(WORDPRESS_ONLY) == []
    assert check(WORDPRESS_ONLY, groups=MATRIX) == []
    lines = check(WORDPRESS_ONLY, groups=WORDPRESS)
    assert {line.split(":")[0] for line in lines} == {
        "nginx_sites[0].server_names[0]",  # the inventory's site on WordPress's address
        "wordpress_sites[0].slug",
        "wordpress_sites[0].title",
        "wordpress_sites[0].owner",
        "wordpress_sites[0].owner_email",
    }


def test_matrix_rules_run_only_on_a_matrix_host():
    assert check(MATRIX_ONLY) == []
    assert check(MATRIX_ONLY, groups=WORDPRESS, drop=("nginx_sites",)) == []
    lines = check(MATRIX_ONLY, groups=MATRIX)
    # The wrong server name is said once: not again as a bare domain no site serves.
    assert {line.split(":")[0] for line in lines} == {
        "synapse_server_name",
        "mautrix_bridge_networks",
        "mautrix_bridge_admins",
    }


def test_a_host_in_no_group_gets_only_the_association_checks():
    groups = {"all": ["asso1", "other"], "servers": ["other"]}
    assert (
        check({"base_admin_users": [], "nginx_sites": "x", "restic_repository": "x"}, groups) == []
    )
    (line,) = check({"collectif_domain": "x"}, groups)
    assert line.startswith("collectif_domain:")


def test_every_server_needs_the_secret_key():
    # restic's repository password is derived from it (roles/restic/meta/collectif.yml).
    (line,) = check(drop=("collectif_secret_key",))
    assert line.startswith("collectif_secret_key: must be set")


def test_a_backup_target_needs_no_secret_key():
    assert check(groups=WITH_TARGET, host="backup1", drop=("collectif_secret_key",)) == []


def test_a_misspelt_variable_is_named_with_the_closest_known_one():
    lines = check(
        {
            "nextcloud_default_qouta": "5 GB",
            "collectif_domian": "asso-exemple.fr",
            "base_admin_user": [],
            "site_anything": 1,  # not a collectif prefix: the inventory's own
        }
    )
    where = "Set it in inventories/asso/group_vars or host_vars (wherever it is set)."
    assert lines == [
        "base_admin_user: is not a variable collectif knows (did you mean 'base_admin_users'?); "
        f"as it is written, nothing reads it. {where}",
        "collectif_domian: is not a variable collectif knows (did you mean 'collectif_domain'?); "
        f"as it is written, nothing reads it. {where}",
        "nextcloud_default_qouta: is not a variable collectif knows (did you mean "
        f"'nextcloud_default_quota'?); as it is written, nothing reads it. {where}",
    ]


def test_a_text_for_a_list_and_a_quoted_boolean_are_refused():
    lines = check({"base_firewall_tcp_ports": "8080", "base_swap_enabled": "false"})
    assert [line.split(":")[0] for line in lines] == [
        "base_firewall_tcp_ports",
        "base_swap_enabled",
    ]
    assert "is '8080', not a list: write [8080]" in lines[0]
    assert "write true or false without quotes" in lines[1]


def test_a_service_address_set_in_the_inventory_is_a_domain_name():
    lines = check({"nextcloud_domain": "Cloud.asso-exemple.fr", "collectif_turn_domain": "turn"})
    assert [line.split(":")[0] for line in lines] == ["collectif_turn_domain", "nextcloud_domain"]
    assert "has uppercase letters" in lines[1]


def test_an_address_made_from_a_wrong_domain_is_not_said_again():
    lines = check({"collectif_domain": "Example.org", "collectif_turn_domain": "turn.Example.org"})
    assert [line.split(":")[0] for line in lines] == ["collectif_domain"]
