"""A shared role given a bad request (a service's declaration gone wrong, or a role used
alone) refuses it before it changes anything on the host. The requests are what the
declarations fill in (`<kind>_auto`) and the entry points the members play uses."""

import pytest
from conftest import ASSOCIATION

PLAYBOOK = """
- name: A role is asked for something it must refuse
  hosts: servers
  gather_facts: false
  tasks:
    - name: Run the role
      ansible.builtin.include_role:
        name: {role}
        tasks_from: {entry}
      vars: {vars}
"""

MATRIX_HOST = {
    "all": {
        "children": {
            "servers": {"hosts": {"asso1": {"ansible_connection": "tripwire"}}},
            "matrix": {"hosts": {"asso1": {}}},
        }
    }
}
DATABASE = {"name": "app1", "owner": "app1", "password": "x" * 24}

CASES = {
    "postgresql: forbidden characters": (
        "postgresql",
        "main",
        {
            "postgresql_memory_mb": 256,
            "postgresql_databases_auto": [{**DATABASE, "name": "app-1; DROP"}],
        },
        "PostgreSQL database 'app-1; DROP' of owner 'app1': both names must be lowercase "
        "letters, digits and _",
    ),
    "postgresql: missing password": (
        "postgresql",
        "main",
        {
            "postgresql_memory_mb": 256,
            "postgresql_databases_auto": [{"name": "app1", "owner": "app1"}],
        },
        "missing required arguments: password found in postgresql_databases_auto",
    ),
    "mariadb: uppercase user": (
        "mariadb",
        "main",
        {
            "mariadb_memory_mb": 256,
            "mariadb_databases_auto": [
                {"name": "wordpress", "user": "WordPress", "password": "x" * 24}
            ],
        },
        "MariaDB database 'wordpress' (64 at most) and user 'WordPress' (32 at most): lowercase "
        "letters, digits and _",
    ),
    "nginx: a server name that is not a domain": (
        "nginx",
        "main",
        {
            "nginx_sites_auto": [
                {"name": "cloud", "server_names": ["cloud.asso-exemple.fr", "cloud"]}
            ]
        },
        "nginx site 'cloud': server name 'cloud' is not a domain name",
    ),
    "nginx: two targets for one site": (
        "nginx",
        "main",
        {
            "nginx_sites_auto": [
                {
                    "name": "cloud",
                    "server_names": ["cloud.asso-exemple.fr"],
                    "root": "/var/www/cloud",
                    "upstream": "http://127.0.0.1:8080",
                }
            ]
        },
        "gives upstream and root; a site serves one of upstream, root, return",
    ),
    "nginx: a location without its path": (
        "nginx",
        "main",
        {"nginx_locations_auto": [{"site": "wordpress", "name": "matrix"}]},
        "missing required arguments: path found in nginx_locations_auto",
    ),
    "php_fpm: an unknown extension": (
        "php_fpm",
        "main",
        {"php_fpm_pools_auto": [{"name": "nextcloud", "extensions": ["intl", "imagik"]}]},
        "'imagik' (did you mean 'imagick'",
    ),
    "synapse: a registration with a short token": (
        "synapse",
        "main",
        {
            "synapse_appservices_auto": [
                {"id": "whatsapp", "as_token": "a" * 8, "hs_token": "b" * 64}
            ]
        },
        "The registration of appservice 'whatsapp' needs an id of lowercase letters, digits, "
        "- and _, and an as_token and hs_token of 32 characters at least",
    ),
    "mautrix_bridge: an unknown network": (
        "mautrix_bridge",
        "main",
        {"mautrix_bridge_networks": ["messenger"]},
        "'messenger' is not a bridge collectif knows; the bridges are whatsapp (WhatsApp), "
        "signal (Signal), telegram (Telegram), meta (Messenger). Did you mean meta?",
    ),
    "mautrix_bridge: telegram without its app values": (
        "mautrix_bridge",
        "main",
        {"mautrix_bridge_networks": ["telegram"], "mautrix_bridge_server_name": "asso-exemple.fr"},
        "and for Telegram, mautrix_bridge_telegram_api_id and mautrix_bridge_telegram_api_hash",
    ),
    "restic: a relative path in a backup drop-in": (
        "restic",
        "main",
        {"restic_backups_auto": [{"name": "cloud", "paths": ["var/lib/cloud"]}]},
        "every path must be absolute",
    ),
    "artifact: a pin that is not a checksum": (
        "artifact",
        "main",
        {
            "artifact_releases_auto": [
                {
                    "name": "element-web",
                    "version": "1.0",
                    "url": "https://asso-exemple.fr/element-v1.0.tar.gz",
                    "sha256": "not-a-checksum",
                    "dest": "/opt/element-web",
                }
            ]
        },
        "element-web 1.0: its sha256 must be 64 lowercase hexadecimal characters",
    ),
    "nextcloud: a member with an unknown plan": (
        "nextcloud",
        "user",
        {
            "nextcloud_user_name": "dominique",
            "nextcloud_user_password": "x" * 20,
            "nextcloud_user_plan": "premium",
            "collectif_plans": [
                {"name": "essentiel", "fee": 15, "services": ["cloud"], "nextcloud_quota": "5 GB"}
            ],
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
            "wordpress_site_owner_email": "camille@asso-exemple.fr",
        },
        "WordPress site 'Cam': 'Cam': the site's address takes 4 or more lowercase letters and digits",
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
    hosts = MATRIX_HOST if role in ("synapse", "mautrix_bridge") else None
    run = run_against(ASSOCIATION, hosts, command=["ansible-playbook", str(playbook)])
    assert run.returncode != 0
    assert message in " ".join(run.output.split()), run.output
    assert run.reached == ""
