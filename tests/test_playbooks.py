"""What the playbooks run, read without reaching a host (--list-tasks)."""

import pytest
from conftest import ASSOCIATION

HOSTS = {
    "all": {
        "children": {
            group: {"hosts": {"asso1": {"ansible_connection": "tripwire"}}}
            for group in ("servers", "matrix", "coturn", "nextcloud", "wordpress")
        }
    }
}


def listed_roles(run) -> set[str]:
    """The roles whose tasks a --list-tasks run shows ("role : task" lines), leaving out
    the argument-spec check Ansible adds to every role (tagged always)."""
    return {
        line.split(":")[0].strip()
        for line in run.output.splitlines()
        if line.startswith("      ") and " : " in line and "Validating arguments" not in line
    }


@pytest.mark.parametrize(
    ("service", "stands_on", "others"),
    [
        ("wordpress", {"nginx", "mariadb", "php_fpm", "restic"}, {"synapse", "nextcloud"}),
        (
            "nextcloud",
            {"nginx", "postgresql", "php_fpm", "valkey", "artifact", "restic"},
            {"wordpress"},
        ),
        (
            "synapse",
            {"nginx", "postgresql", "restic"},
            {"wordpress", "nextcloud", "mautrix_bridge"},
        ),
        # The bridges' registrations are Synapse's to write: --tags mautrix_bridge runs it.
        (
            "mautrix_bridge",
            {"synapse", "postgresql", "artifact", "restic"},
            {"wordpress", "nextcloud"},
        ),
    ],
)
def test_tags_of_a_service_run_what_it_stands_on(run_against, service, stands_on, others):
    """--tags <service> runs the service and the shared roles that make its needs, and
    still checks the inventory first; not the other applications."""
    run = run_against(
        ASSOCIATION,
        HOSTS,
        command=["ansible-playbook", "playbooks/site.yml", "--list-tasks", "--tags", service],
    )
    assert run.returncode == 0, run.output
    roles = listed_roles(run)
    assert {"preflight", service} | stands_on <= roles, roles
    assert not roles & others, roles
    assert run.reached == ""
