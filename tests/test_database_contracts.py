"""The database entry points refuse bad names before reaching the host."""

import pytest
from conftest import ASSOCIATION

PLAYBOOK = """
- name: An application asks for its database
  hosts: servers
  gather_facts: false
  tasks:
    - name: Ask for the database
      ansible.builtin.include_role:
        name: {role}
        tasks_from: database
      vars: {vars}
"""

CASES = {
    "postgresql: forbidden characters": (
        "postgresql",
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
        {"postgresql_database_name": "app1", "postgresql_database_owner": "app1"},
        "missing required arguments: postgresql_database_password",
    ),
    "mariadb: uppercase user": (
        "mariadb",
        {
            "mariadb_database_name": "wordpress",
            "mariadb_database_user": "WordPress",
            "mariadb_database_password": "x" * 24,
        },
        "mariadb_database_user 'WordPress' (32 at most) must be lowercase letters, digits and _",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_database_request_stops_before_the_host(run_against, tmp_path, case):
    role, variables, message = CASES[case]
    playbook = tmp_path / "app.yml"
    playbook.write_text(PLAYBOOK.format(role=role, vars=variables))
    run = run_against(ASSOCIATION, command=["ansible-playbook", str(playbook)])
    assert run.returncode != 0
    assert message in " ".join(run.output.split()), run.output
    assert run.reached == ""
