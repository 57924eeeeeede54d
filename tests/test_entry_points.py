"""The entry points applications call (a database, a site, a location, a PHP pool) refuse
bad input before reaching the host."""

import pytest
from conftest import ASSOCIATION

PLAYBOOK = """
- name: An application asks a shared service for its part
  hosts: servers
  gather_facts: false
  tasks:
    - name: Ask the shared service
      ansible.builtin.include_role:
        name: {role}
        tasks_from: {entry}
      vars: {vars}
"""

CASES = {
    "postgresql: forbidden characters": (
        "postgresql",
        "database",
        {
            "postgresql_database_name": "app-1; DROP",
            "postgresql_database_owner": "app1",
            "postgresql_database_password": "x" * 24,
        },
        "postgresql_database_name 'app-1; DROP' and postgresql_database_owner 'app1' must be "
        "lowercase letters, digits and _",
    ),
    "postgresql: missing password": (
        "postgresql",
        "database",
        {"postgresql_database_name": "app1", "postgresql_database_owner": "app1"},
        "missing required arguments: postgresql_database_password",
    ),
    "mariadb: uppercase user": (
        "mariadb",
        "database",
        {
            "mariadb_database_name": "wordpress",
            "mariadb_database_user": "WordPress",
            "mariadb_database_password": "x" * 24,
        },
        "mariadb_database_user 'WordPress' (32 at most) must be lowercase letters, digits and _",
    ),
    "nginx: a server name that is not a domain": (
        "nginx",
        "site",
        {"nginx_site_name": "cloud", "nginx_site_server_names": ["cloud.example.org", "cloud"]},
        "every server name must be a domain name in lowercase such as cloud.example.org "
        "(not: cloud)",
    ),
    "nginx: two targets for one site": (
        "nginx",
        "site",
        {
            "nginx_site_name": "cloud",
            "nginx_site_server_names": ["cloud.example.org"],
            "nginx_site_root": "/var/www/cloud",
            "nginx_site_upstream": "http://127.0.0.1:8080",
        },
        "give at most one of upstream, root and return",
    ),
    "nginx: a location without its path": (
        "nginx",
        "location",
        {"nginx_location_site": "wordpress", "nginx_location_name": "matrix"},
        "missing required arguments: nginx_location_path",
    ),
    "php_fpm: an unknown extension": (
        "php_fpm",
        "pool",
        {"php_fpm_pool_name": "nextcloud", "php_fpm_pool_extensions": ["intl", "imagik"]},
        "'imagik' (did you mean 'imagick'",
    ),
    "synapse: a registration with another id": (
        "synapse",
        "appservice",
        {
            "synapse_appservice_id": "whatsapp",
            "synapse_appservice_registration": {
                "id": "signal",
                "as_token": "a" * 64,
                "hs_token": "b" * 64,
            },
        },
        "The registration of appservice 'whatsapp' must carry the same id",
    ),
    "mautrix_bridge: an unknown network": (
        "mautrix_bridge",
        "main",
        {"mautrix_bridge_network": "messenger"},
        "value of mautrix_bridge_network must be one of: whatsapp, signal, telegram, meta",
    ),
    "mautrix_bridge: telegram without its app values": (
        "mautrix_bridge",
        "main",
        {"mautrix_bridge_network": "telegram", "collectif_secret_key": "k" * 48},
        "and for Telegram, mautrix_bridge_telegram_api_id and mautrix_bridge_telegram_api_hash",
    ),
    "restic: a relative path in a backup drop-in": (
        "restic",
        "dropin",
        {"restic_dropin_name": "cloud", "restic_dropin_paths": ["var/lib/cloud"]},
        "every path must be absolute",
    ),
    "nextcloud: a member with an unknown plan": (
        "nextcloud",
        "user",
        {
            "nextcloud_user_name": "dominique",
            "nextcloud_user_password": "x" * 20,
            "nextcloud_user_plan": "premium",
            "collectif_plans": [{"name": "essentiel", "nextcloud_quota": "5 GB"}],
        },
        "the plan 'premium' must be one of collectif_plans (essentiel)",
    ),
    "wordpress: a member's site WordPress would refuse": (
        "wordpress",
        "site",
        {
            "wordpress_site_slug": "Cam",
            "wordpress_site_title": "Le carnet",
            "wordpress_site_owner": "camille",
            "wordpress_site_owner_email": "camille@example.org",
        },
        "WordPress site 'Cam': the slug takes 4 or more lowercase letters and digits",
    ),
    "wordpress: a member's site without its owner": (
        "wordpress",
        "site",
        {"wordpress_site_slug": "camille", "wordpress_site_title": "Le carnet"},
        "missing required arguments: wordpress_site_owner, wordpress_site_owner_email",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_request_stops_before_the_host(run_against, tmp_path, case):
    role, entry, variables, message = CASES[case]
    playbook = tmp_path / "app.yml"
    playbook.write_text(PLAYBOOK.format(role=role, entry=entry, vars=variables))
    run = run_against(ASSOCIATION, command=["ansible-playbook", str(playbook)])
    assert run.returncode != 0
    assert message in " ".join(run.output.split()), run.output
    assert run.reached == ""
