"""The preflight's rules, one by one, on plain dictionaries (fast; no Ansible)."""

import copy

import pytest
from conftest import KEY

from collectif.preflight import problems, spec_problems

GOOD = {
    "collectif_domain": "example.org",
    "collectif_admin_email": "bureau@example.org",
    "collectif_environment": "production",
    "collectif_plans": [{"name": "essentiel", "nextcloud_quota": "5 GB"}],
    "base_admin_users": [{"name": "camille", "ssh_keys": [KEY]}],
    "collectif_secret_key": "k" * 64,
    "nginx_sites": [{"name": "accueil", "server_names": ["example.org"], "return": "204"}],
    "restic_repository": "rest:https://backup.example.org:8000/asso1/",
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


def test_required_values_named_with_where_to_set_them():
    lines = check(drop=("collectif_domain", "collectif_admin_email"))
    assert lines == [
        "collectif_admin_email: is required (for example: bureau@example.org). "
        "Set it in inventories/asso/group_vars/all/association.yml.",
        "collectif_domain: is required (for example: example.org). "
        "Set it in inventories/asso/group_vars/all/association.yml.",
    ]


def test_several_problems_reported_together():
    lines = check(
        {
            "collectif_domain": "Example.org",
            "collectif_admin_email": "bureau",
            "collectif_plans": [{"name": "essentiel", "nextcloud_quota": "5 Go"}],
        }
    )
    assert len(lines) == 3
    assert any(
        line.startswith("collectif_domain: 'Example.org' has uppercase letters") for line in lines
    )
    assert any(
        line.startswith("collectif_admin_email: 'bureau' is not an e-mail address")
        for line in lines
    )
    assert any(
        line.startswith("collectif_plans[0].nextcloud_quota: '5 Go' is not a quota")
        for line in lines
    )


def test_plans_need_unique_names():
    plans = [
        {"name": "essentiel", "nextcloud_quota": "5 GB"},
        {"name": "essentiel", "nextcloud_quota": "50 GB"},
    ]
    assert check({"collectif_plans": plans}) == [
        "collectif_plans[1].name: 'essentiel' is used by two plans. "
        "Set it in inventories/asso/group_vars/all/association.yml."
    ]


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


def test_unknown_environment():
    assert check({"collectif_environment": "prod"})[0].startswith(
        "collectif_environment: 'prod' is not one of production, test, demo"
    )


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


def test_group_name_typo_gets_a_suggestion():
    groups = {
        "all": ["asso1"],
        "servers": ["asso1"],
        "nextclowd": ["asso1"],
        "monitoring": ["asso1"],
    }
    assert check(groups=groups) == [
        "group nextclowd: is not a collectif group; did you mean 'nextcloud'?. "
        "Set it in inventories/asso/hosts.yml."
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


@pytest.mark.parametrize("mirror", ["https://mirror.example.org/collectif", "file:///srv/mirror"])
def test_artifact_mirror_accepted(mirror):
    assert check({"collectif_artifact_mirror": mirror}) == []


def test_artifact_mirror_needs_a_scheme():
    assert check({"collectif_artifact_mirror": "mirror.example.org"})[0].startswith(
        "collectif_artifact_mirror: 'mirror.example.org' is not a mirror address"
    )


SITE = {"name": "accueil", "server_names": ["example.org", "www.example.org"], "return": "204"}


def test_a_good_site_has_no_problem():
    assert check({"nginx_sites": [SITE]}) == []


def test_a_server_name_that_is_not_a_domain_is_refused():
    bad = dict(SITE, server_names=["example.org", "Www.Example.org", "exa mple.org"])
    assert check({"nginx_sites": [bad]}) == [
        "nginx_sites[0].server_names[1]: 'Www.Example.org' has uppercase letters; write it "
        "in lowercase ('www.example.org'). Set it in inventories/asso/group_vars/all/association.yml.",
        "nginx_sites[0].server_names[2]: 'exa mple.org' is not a domain name: use letters, "
        "digits and hyphens between dots, like example.org. "
        "Set it in inventories/asso/group_vars/all/association.yml.",
    ]


def test_sites_need_unique_names_and_one_target():
    other = dict(SITE, root="/var/www/x", server_names=["www.example.org"])
    lines = check({"nginx_sites": [SITE, other]})
    assert any("nginx_sites[1].name: 'accueil' names two sites" in line for line in lines)
    assert any("'www.example.org' is already served by site 'accueil'" in line for line in lines)
    assert any("nginx_sites[1]: gives root and return" in line for line in lines)


def test_php_socket_needs_a_root():
    site = {"name": "x", "server_names": ["x.example.org"], "php_socket": "/run/php/x.sock"}
    assert any("php_socket: needs a root" in line for line in check({"nginx_sites": [site]}))


def test_dns_ovh_needs_the_three_keys():
    lines = check({"nginx_acme_challenge": "dns-ovh", "nginx_acme_ovh_consumer_key": "k"})
    assert [line.split(":")[0] for line in lines] == [
        "nginx_acme_ovh_application_key",
        "nginx_acme_ovh_application_secret",
    ]


def test_unknown_php_extension_gets_a_suggestion():
    (line,) = check({"php_fpm_extensions": ["intl", "mbstrng"]})
    assert line.startswith("php_fpm_extensions: 'mbstrng' (did you mean 'mbstring'?)")


def test_pebble_refused_on_a_real_server():
    groups = dict(GROUPS, pebble=["asso1"])
    (line,) = check(groups=groups)
    assert line.startswith("group pebble: host asso1 is a real server")
    assert check({"collectif_environment": "demo"}, groups=groups) == []


MATRIX = dict(GROUPS, matrix=["asso1"])


def test_services_need_the_secret_key():
    (line,) = check(groups=MATRIX, drop=("collectif_secret_key",))
    assert line.startswith("collectif_secret_key: must be set, 32 characters at least")
    (line,) = check({"collectif_secret_key": "short"}, groups=MATRIX)
    assert line.startswith("collectif_secret_key:")
    assert check(groups=MATRIX) == []


def test_matrix_needs_the_bare_domain_served():
    (line,) = check(groups=MATRIX, drop=("nginx_sites",))
    assert line.startswith(
        "nginx_sites: Matrix needs the bare domain example.org served over HTTPS"
    )
    assert check(groups=dict(MATRIX, wordpress=["asso1"]), drop=("nginx_sites",)) == []


def test_matrix_server_name_must_be_a_lowercase_domain():
    lines = check({"synapse_server_name": "Example.org"}, groups=MATRIX)
    assert any(
        line.startswith("synapse_server_name: 'Example.org' has uppercase") for line in lines
    )


def test_bridges_must_be_known_networks():
    (line,) = check({"mautrix_bridge_networks": ["whatsapp", "messenger"]}, groups=MATRIX)
    assert line.startswith("mautrix_bridge_networks: 'messenger' is not a bridge collectif knows")
    assert line.endswith("Did you mean meta?") or "Did you mean meta?" in line
    (line,) = check({"mautrix_bridge_networks": ["signl"]}, groups=MATRIX)
    assert "Did you mean signal?" in line
    assert check({"mautrix_bridge_networks": ["whatsapp", "signal", "meta"]}, groups=MATRIX) == []


def test_telegram_bridge_needs_its_app_credentials():
    (line,) = check({"mautrix_bridge_networks": ["telegram"]}, groups=MATRIX)
    assert line.startswith("mautrix_bridge_telegram_api_id: and mautrix_bridge_telegram_api_hash")
    assert "https://my.telegram.org" in line
    bad_hash = {"mautrix_bridge_telegram_api_id": 12345, "mautrix_bridge_telegram_api_hash": "x"}
    assert len(check({"mautrix_bridge_networks": ["telegram"], **bad_hash}, groups=MATRIX)) == 1
    good = {"mautrix_bridge_telegram_api_id": 12345, "mautrix_bridge_telegram_api_hash": "ab" * 16}
    assert check({"mautrix_bridge_networks": ["telegram"], **good}, groups=MATRIX) == []
    from_vault = dict(good, mautrix_bridge_telegram_api_id="12345")
    assert check({"mautrix_bridge_networks": ["telegram"], **from_vault}, groups=MATRIX) == []


def test_bridge_admins_are_matrix_ids():
    (line,) = check({"mautrix_bridge_admins": ["camille"]}, groups=MATRIX)
    assert line.startswith("mautrix_bridge_admins: 'camille' is not a Matrix ID")
    assert check({"mautrix_bridge_admins": ["@camille:example.org"]}, groups=MATRIX) == []


WORDPRESS = dict(GROUPS, wordpress=["asso1"])
MEMBER_SITE = {
    "slug": "camille",
    "title": "Le carnet",
    "owner": "camille",
    "owner_email": "c@example.org",
}


def test_wordpress_owns_its_domain():
    (line,) = check(groups=WORDPRESS)
    assert line.startswith("nginx_sites: site 'accueil' serves example.org, which WordPress serves")
    assert check(groups=WORDPRESS, drop=("nginx_sites",)) == []
    assert check({"wordpress_domain": "blog.example.org"}, groups=WORDPRESS) == []


def test_wordpress_member_sites_need_names_wordpress_accepts():
    bad = [
        dict(MEMBER_SITE, slug="cam"),
        dict(MEMBER_SITE, slug="blog"),
        dict(MEMBER_SITE, slug="dominique", owner="Camille D"),
        dict(MEMBER_SITE, slug="claude01", owner_email="nope"),
        MEMBER_SITE,
        MEMBER_SITE,
    ]
    lines = check({"wordpress_sites": bad}, groups=WORDPRESS, drop=("nginx_sites",))
    assert any(
        line.startswith("wordpress_sites[0].slug: 'cam': the site's address") for line in lines
    )
    assert any(line.startswith("wordpress_sites[1].slug: 'blog'") for line in lines)
    assert any(line.startswith("wordpress_sites[2].owner: 'Camille D'") for line in lines)
    assert any(line.startswith("wordpress_sites[3].owner_email:") for line in lines)
    assert any(
        line.startswith("wordpress_sites[5].slug: 'camille' names two sites") for line in lines
    )
    assert len(lines) == 5
    good = {"wordpress_sites": [MEMBER_SITE]}
    assert check(good, groups=WORDPRESS, drop=("nginx_sites",)) == []


WHERE = "Set it in inventories/asso/group_vars/all/association.yml."
WITH_TARGET = {"all": ["asso1", "backup1"], "servers": ["asso1"], "backup_targets": ["backup1"]}


def test_production_server_without_backups_is_refused():
    assert check(drop=("restic_repository",)) == [
        "restic_repository: is empty and the inventory has no host in backup_targets: this "
        "server would have no backups; add a second server to backup_targets (it gets a "
        "restic rest-server), or set restic_repository to a rest:, s3: or sftp: repository. "
        + WHERE
    ]
    assert len(check({"restic_repository": ""})) == 1


@pytest.mark.parametrize(
    ("changes", "groups"),
    [
        ({}, WITH_TARGET),
        ({"collectif_environment": "test"}, GROUPS),
        ({"collectif_environment": "demo"}, GROUPS),
    ],
    ids=["a backup target", "test", "demo"],
)
def test_no_repository_allowed_with_a_target_or_outside_production(changes, groups):
    assert check(changes, groups=groups, drop=("restic_repository",)) == []


@pytest.mark.parametrize(
    "repository",
    [
        "rest:https://backup.example.org:8000/asso1/",
        "rest:http://192.0.2.20:8000/asso1/",
        "s3:https://s3.gra.io.cloud.ovh.net/asso1-backups",
        "sftp:backup@backup.example.org:/srv/restic",
    ],
)
def test_remote_repositories_accepted(repository):
    keys = {"restic_s3_access_key_id": "AK", "restic_s3_secret_access_key": "SK"}
    assert check({"restic_repository": repository, **keys}) == []


@pytest.mark.parametrize(
    "repository",
    ["backup.example.org:/srv/restic", "https://backup.example.org:8000/", "s3:http://s3.local/b"],
)
def test_repository_must_be_a_restic_url(repository):
    assert check({"restic_repository": repository}) == [
        f"restic_repository: '{repository}' is not a restic repository URL: use "
        "rest:https://host:8000/name/, s3:https://s3.<region>.io.cloud.ovh.net/<bucket>, "
        "sftp:user@host:/path, or (tests and demo only) an absolute path. " + WHERE
    ]


def test_local_repository_refused_in_production_only():
    assert check({"restic_repository": "/srv/restic"}) == [
        "restic_repository: '/srv/restic': a repository on the server's own disk is lost "
        "with the server; use a rest:, s3: or sftp: repository. " + WHERE
    ]
    for environment in ("test", "demo"):
        local = {"restic_repository": "/srv/restic", "collectif_environment": environment}
        assert check(local) == []


@pytest.mark.parametrize(
    ("keys", "missing"),
    [
        ({}, ["restic_s3_access_key_id", "restic_s3_secret_access_key"]),
        ({"restic_s3_access_key_id": "AK"}, ["restic_s3_secret_access_key"]),
        (
            {"restic_s3_secret_access_key": "SK", "restic_s3_access_key_id": ""},
            ["restic_s3_access_key_id"],
        ),
    ],
)
def test_s3_repository_needs_its_keys(keys, missing):
    lines = check({"restic_repository": "s3:https://s3.gra.io.cloud.ovh.net/asso1", **keys})
    assert [line.split(":")[0] for line in lines] == missing
    assert all("is required with an s3: restic_repository" in line for line in lines)


@pytest.mark.parametrize("user", ["Asso1", "-asso1", "asso 1", "asso1/x"])
def test_rest_user_must_be_an_account_name(user):
    (line,) = check({"restic_rest_user": user})
    assert line.startswith(f"restic_rest_user: '{user}' is not a rest-server account name")


@pytest.mark.parametrize("user", ["asso1", "asso_1", "1asso-x"])
def test_rest_user_accepted(user):
    assert check({"restic_rest_user": user}) == []


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
