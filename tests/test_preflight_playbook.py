"""site.yml against broken inventories: each stops in preflight with a clear message and the
host is never reached. The `tripwire` connection (tests/plugins/connection) records any
attempt to reach a host; the valid inventory shows that it does fire."""

from __future__ import annotations

import pytest
from conftest import ASSOCIATION


def test_valid_inventory_passes_preflight_and_reaches_the_host(run_against):
    run = run_against(ASSOCIATION)
    assert "The inventory has" not in run.output
    assert run.reached.strip() == "asso1", run.output  # the tripwire does fire
    assert run.returncode != 0  # unreachable, as tripwire hosts are


BROKEN = {
    "missing association values": (
        {"base_admin_users": ASSOCIATION["base_admin_users"]},
        None,
        [
            "collectif_domain: is required (for example: example.org). Set it in",
            "collectif_admin_email: is required (for example: bureau@example.org). Set it in",
        ],
    ),
    "bad formats, reported together": (
        {
            **ASSOCIATION,
            "collectif_domain": "Example.org",
            "collectif_admin_email": "bureau",
            "collectif_plans": [{"name": "essentiel", "nextcloud_quota": "5 Go"}],
        },
        None,
        [
            "The inventory has 3 problem(s); nothing was changed on any host:",
            "collectif_domain: 'Example.org' has uppercase letters",
            "collectif_admin_email: 'bureau' is not an e-mail address",
            "collectif_plans[0].nextcloud_quota: '5 Go' is not a quota",
        ],
    ),
    "no admin key on a real server": (
        {**ASSOCIATION, "base_admin_users": []},
        None,
        ["base_admin_users: no admin with an SSH key"],
    ),
    "wrong types caught by the role's argument specs": (
        {**ASSOCIATION, "base_sshd_port": "twenty-two", "base_sshd_permit_root_login": "yes"},
        None,
        [
            "role base: argument 'base_sshd_port' is of type str and we were unable to convert to int",
            "role base: value of base_sshd_permit_root_login must be one of: prohibit-password, no, got: yes",
        ],
    ),
    "web: a server name that is not a domain, a wrong type, an unknown PHP extension": (
        {
            **ASSOCIATION,
            "nginx_sites": [{"name": "accueil", "server_names": ["example.org", "www example"]}],
            "nginx_hsts_max_age": "two years",
            "php_fpm_extensions": ["intll"],
        },
        None,
        [
            "nginx_sites[0]: server name 'www example' is not a domain name",
            "role nginx: argument 'nginx_hsts_max_age' is of type str",
            "php_fpm_extensions: 'intll' (did you mean 'intl'",
        ],
    ),
    "a missing vault value and a stray '{{', named without their value": (
        {
            **ASSOCIATION,
            "collectif_secret_key": "{{ vault_collectif_secret_kee }}",
            "base_sshd_port": "{{ 22",
        },
        None,
        [
            "The inventory has 2 problem(s); nothing was changed on any host:",
            "- base_sshd_port: cannot be read: it holds '{{' or '{%' that is not a complete "
            "template",
            "- collectif_secret_key: refers to vault_collectif_secret_kee, which is not defined",
        ],
    ),
    "a key file that is not there, with the other problems still found": (
        {
            **ASSOCIATION,
            "base_admin_users": [
                {"name": "camille", "ssh_keys": ["{{ lookup('file', '/nonexistent/id.pub') }}"]}
            ],
            "collectif_admin_email": "bureau",
        },
        None,
        [
            "The inventory has 2 problem(s)",
            "- base_admin_users: cannot be worked out: ",
            "/nonexistent/id.pub",
            "- collectif_admin_email: 'bureau' is not an e-mail address",
        ],
    ),
    "incoherent service groups": (
        ASSOCIATION,
        {
            "all": {
                "vars": {"ansible_connection": "tripwire"},
                "children": {
                    "servers": {"hosts": {"asso1": {}}},
                    "nextcloud": {"hosts": {"asso1": {}, "asso2": {}}},
                    "nextclowd": {"hosts": {"asso1": {}}},
                },
            }
        },
        [
            "group nextcloud: has 2 hosts (asso1, asso2); nextcloud runs on one host only",
            "host asso2 is in nextcloud but not in 'servers'",
            "group nextclowd: is not a collectif group: no collectif service runs on it (did you mean 'nextcloud'?)",
        ],
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_inventory_stops_before_touching_the_host(run_against, case):
    association, hosts, expected = BROKEN[case]
    run = run_against(association, hosts)
    assert run.returncode != 0
    for line in expected:
        assert line in run.output, run.output
    assert "Traceback" not in run.output
    assert run.reached == "", f"the host was reached: {run.reached!r}"


def test_a_problem_of_every_host_is_said_once_and_the_run_ends_with_code_2(run_against):
    hosts = {
        "all": {
            "vars": {"ansible_connection": "tripwire"},
            "children": {
                "servers": {"hosts": {"asso1": {}}},
                "backup_targets": {"hosts": {"backup1": {}}},
            },
        }
    }
    run = run_against({**ASSOCIATION, "collectif_domain": "Example.org"}, hosts)
    assert run.returncode == 2
    assert "The inventory has 1 problem(s); nothing was changed on any host:" in run.output
    assert run.output.count("'Example.org' has uppercase letters") == 1, run.output
    assert "Stopped before any change. Fix the problems listed above" in run.output
    assert run.reached == ""


def test_a_misspelt_key_of_hosts_yml_is_named(run_against):
    hosts = {
        "all": {
            "vars": {"ansible_connection": "tripwire"},
            "children": {
                "servers": {"hosts": {"asso1": {}}},
                "nextcloud": {"host": {"asso1": {}}},
            },
        }
    }
    run = run_against(ASSOCIATION, hosts)
    assert run.returncode == 2
    assert (
        "- group nextcloud: has a key 'host' that Ansible ignores (did you mean 'hosts'? a "
        "group holds only hosts, children, vars). Set it in"
    ) in run.output, run.output
    assert run.reached == ""
