"""site.yml against broken inventories: each stops in preflight with a clear message and the
host is never reached. The `tripwire` connection (tests/plugins/connection) records any
attempt to reach a host; the valid inventory shows that it does fire."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from conftest import ASSOCIATION, KEY, ROOT, tripwire_hosts


def said_once_and_stopped(run, expected: list[str]) -> None:
    """The run stopped in preflight (exit code 2, no host reached, no traceback), and said
    each expected line exactly once."""
    assert run.returncode == 2, run.output
    for line in expected:
        assert run.output.count(line) == 1, f"{line!r} not said once:\n{run.output}"
    assert "Traceback" not in run.output
    assert run.reached == ""


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
            "collectif_domain: is required (for example: mon-asso.fr). Set it in",
            "collectif_admin_email: is required (for example: bureau@mon-asso.fr). Set it in",
        ],
    ),
    "bad formats, reported together": (
        {
            **ASSOCIATION,
            "collectif_domain": "Example.org",
            "collectif_admin_email": "bureau",
            "collectif_plans": [
                {"name": "essentiel", "fee": 15, "services": ["cloud"], "nextcloud_quota": "5 Go"}
            ],
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
            "nginx_sites": [
                {"name": "accueil", "server_names": ["asso-exemple.fr", "www example"]}
            ],
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
        tripwire_hosts(
            servers={"hosts": {"asso1": {}}},
            nextcloud={"hosts": {"asso1": {}, "asso2": {}}},
            nextclowd={"hosts": {"asso1": {}}},
        ),
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
    hosts = tripwire_hosts(
        servers={"hosts": {"asso1": {}}}, backup_targets={"hosts": {"backup1": {}}}
    )
    run = run_against({**ASSOCIATION, "collectif_domain": "Example.org"}, hosts)
    assert run.returncode == 2
    assert "The inventory has 1 problem(s); nothing was changed on any host:" in run.output
    assert run.output.count("'Example.org' has uppercase letters") == 1, run.output
    assert "Stopped before any change. Fix the problems listed above" in run.output
    assert run.reached == ""


def test_a_misspelt_key_of_hosts_yml_is_named(run_against):
    hosts = tripwire_hosts(servers={"hosts": {"asso1": {}}}, nextcloud={"host": {"asso1": {}}})
    run = run_against(ASSOCIATION, hosts)
    assert run.returncode == 2
    assert (
        "- group nextcloud: has a key 'host' that Ansible ignores (did you mean 'hosts'? a "
        "group holds only hosts, children, vars). Set it in"
    ) in run.output, run.output
    assert run.reached == ""


def test_every_kind_of_problem_in_one_inventory_each_said_once(run_against):
    """One inventory with one problem of each kind the rules find, run through site.yml: each
    line exactly once, nothing reached."""
    _, body, _ = KEY.split()
    broken = {
        **ASSOCIATION,
        "collectif_secret_key": "0" * 64,
        "collectif_environment": "test",
        "base_admin_users": [
            {"name": "root", "ssh_keys": [f"ssh-rsa {body} root@laptop"]},
            {"name": "camille", "ssh_keys": [KEY, KEY]},
        ],
        "base_timezone": "Europe/Pari",
        "base_swap_size_mb": 10,
        "base_locale": "de_DE.UTF-8",
        "base_firewall_tcp_ports": "8080",
        "base_swap_enabled": "no",
        "nextcloud_default_qouta": "5 GB",
        "restic_repository": "rest:https://",
        "synapse_users": [
            {"name": "signalbot", "password": "assez-long-1"},
            {"name": "Dominique", "password": "assez-long-1"},
        ],
        "nginx_sites": [
            {"name": "nextcloud", "server_names": ["asso-exemple.fr"], "return": "204"},
        ],
    }
    # Reached through the tripwire, at the address of a real server.
    hosts = tripwire_hosts(
        servers={"hosts": {"asso1": {"ansible_host": "51.91.12.34"}}},
        matrix={"hosts": {"asso1": {}}},
        nextcloud={"hosts": {"asso1": {}}},
        wordpress={"host": {"asso1": {}}},
    )
    run = run_against(broken, hosts)
    expected = [
        "- base_admin_users[0].name: 'root' is an account the system or a service runs as",
        "- base_admin_users[0].ssh_keys[0]: 'ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIBhq2...' says "
        "ssh-rsa but holds an ssh-ed25519 key",
        "- base_admin_users[1].ssh_keys[1]: is the same key as base_admin_users[1].ssh_keys[0]",
        "- base_firewall_tcp_ports: is '8080', not a list",
        "- base_locale: 'de_DE.UTF-8' is not generated",
        "- base_swap_enabled: is the text 'no', not a yes/no value",
        "- base_swap_size_mb: 10 is out of bounds",
        "- base_timezone: 'Europe/Pari' is not a time zone such as Europe/Paris (did you mean "
        "'Europe/Paris'?)",
        "- collectif_environment: 'test' turns the production rules off, and asso1 is reached "
        "at 51.91.12.34, a real server's address",
        "- collectif_secret_key: is too easy to guess (1 different characters)",
        "- group wordpress: has a key 'host' that Ansible ignores (did you mean 'hosts'?",
        "- nextcloud_default_qouta: is not a variable collectif knows (did you mean "
        "'nextcloud_default_quota'?)",
        "- nginx_sites[0].name: 'nextcloud' is the name of the nextcloud role's own site",
        "- restic_repository: 'rest:https://' is not a restic repository URL",
        "- synapse_users[0].name: 'signalbot' belongs to the Signal bridge",
        "- synapse_users[1].name: 'Dominique' is not a Matrix login",
    ]
    # The lines below, and Matrix's delegation (no inventory site serves the bare domain).
    assert "The inventory has 17 problem(s); nothing was changed on any host:" in run.output
    said_once_and_stopped(run, expected)


def test_the_services_rules_in_one_inventory(run_against):
    """WordPress's rules, the services' sites and addresses, a second backup target and an
    unreadable value, through site.yml."""
    broken = {
        **ASSOCIATION,
        "collectif_admin_email": "bureau@Example.org",
        "nginx_sites": [
            {"name": "chat", "server_names": ["matrix.asso-exemple.fr"], "return": "204"},
        ],
        "nextcloud_domain": "Cloud.asso-exemple.fr",
        "wordpress_sites": [
            {"slug": "camille", "title": "C", "owner": "admin", "owner_email": "c@asso-exemple.fr"}
        ],
        "wordpress_title": "Les {{ amis",
    }
    hosts = tripwire_hosts(
        servers={"hosts": {"asso1": {}}},
        matrix={"hosts": {"asso1": {}}},
        nextcloud={"hosts": {"asso1": {}}},
        wordpress={"hosts": {"asso1": {}}},
        backup_targets={"hosts": {"backup1": {}, "backup2": {}}},
    )
    run = run_against({k: v for k, v in broken.items() if k != "restic_repository"}, hosts)
    expected = [
        "- collectif_admin_email: 'bureau@Example.org': write the part after @ in lowercase "
        "(bureau@example.org)",
        "- group backup_targets: has 2 hosts (backup1, backup2); asso1 sends its backups to the "
        "first one only, backup1",
        "- nextcloud_domain: 'Cloud.asso-exemple.fr' has uppercase letters",
        "- nginx_sites[0].server_names[0]: 'matrix.asso-exemple.fr' is the address of the site "
        "'synapse' (synapse_domain)",
        "- wordpress_sites[0].owner: 'admin' is the network's administrator",
        "- wordpress_title: cannot be read: it holds '{{' or '{%' that is not a complete template",
    ]
    said_once_and_stopped(run, expected)
    assert "Les {{ amis" not in run.output  # a value is never printed: it may be a password


def test_the_examples_placeholders_and_names_too_long(run_against):
    """What is left from the example inventory, a broken link to the project's settings, a
    locale name, and a domain too long once a service prefixes it: one run, two hosts."""
    long_domain = ".".join(["a" * 61] * 4)  # 247 characters: valid alone
    hosts = tripwire_hosts(
        servers={
            "hosts": {
                "asso1": {"ansible_host": "203.0.113.10", "collectif_domain": "example.org"},
                "asso2": {
                    "collectif_domain": long_domain,
                    "base_locales": ["fr_FR.UTF-8", "french"],
                    "base_locale": "fr_FR.UTF-8",
                },
            }
        },
        matrix={"hosts": {"asso2": {}}},
    )
    run = run_against(
        {k: v for k, v in ASSOCIATION.items() if k != "collectif_domain"},
        hosts,
        extra_files={"group_vars/all/00-project.yml": "collectif_environment: production\n"},
    )
    expected = [
        "- ansible_host: 203.0.113.10 is an example address (kept from the example inventory): "
        "write asso1's own address",
        "- base_locales[1]: 'french' is not a locale name",
        "- collectif_domain: 'example.org' is an example domain (kept from the example "
        "inventory): write the association's own domain",
        f"- synapse_domain: makes the site 'synapse' answer at matrix.{long_domain}, 254 "
        "characters long, and DNS allows 253",
        "- group_vars/all/00-project.yml: is missing or its link is broken",
    ]
    said_once_and_stopped(run, expected)


def test_the_login_the_stamps_the_window_and_a_short_password(run_against):
    """Rules of the re-runs, of the hardened SSH, of the backup target and of Synapse's
    password policy, through site.yml: one run, two hosts."""
    hosts = tripwire_hosts(
        servers={"hosts": {"asso1": {"ansible_user": "root"}}},
        matrix={"hosts": {"asso1": {}}},
        backup_targets={"hosts": {"backup1": {"rest_server_keep_within": "30 days"}}},
    )
    broken = {
        **ASSOCIATION,
        "collectif_stamps": "sometimes",
        "synapse_users": [{"name": "camille", "password": "court"}],
        "nginx_sites": [{"name": "accueil", "server_names": ["asso-exemple.fr"], "return": "204"}],
    }
    run = run_against({k: v for k, v in broken.items() if k != "restic_repository"}, hosts)
    expected = [
        "- ansible_user: 'root' would be refused by the server once this run hardens SSH",
        "- collectif_stamps: 'sometimes' is not true or false",
        "- rest_server_keep_within: '30 days' is not a restic duration",
        "- synapse_users[0].password: has 5 characters, fewer than the 10 Synapse asks of members",
    ]
    said_once_and_stopped(run, expected)
    assert "court" not in run.output


EXAMPLE_MEMBERS = (ROOT / "inventories/example/group_vars/all/members.yml").read_text()
MEMBERS_FILE = "group_vars/all/members.yml"


def test_the_example_members_file_passes(run_against):
    """The members file as Ansible reads it: its dates are YAML dates."""
    run = run_against(ASSOCIATION, extra_files={MEMBERS_FILE: EXAMPLE_MEMBERS})
    assert "The inventory has" not in run.output, run.output
    assert run.reached.strip() == "asso1", run.output


def test_an_unknown_plan_and_a_login_taken_twice_stop_the_run(run_against):
    broken = EXAMPLE_MEMBERS.replace("plan: etendu", "plan: grand").replace(
        "login: sam", "login: Dominique"
    )
    said_once_and_stopped(
        run_against(ASSOCIATION, extra_files={MEMBERS_FILE: broken}),
        [
            "- collectif_members[0].plan: 'grand' is not a plan of collectif_plans "
            "(essentiel, etendu). Set it in",
            "- collectif_members[1].login: 'Dominique' is the login of collectif_members[0] too",
        ],
    )


TRIPWIRE = ("-e", "ansible_connection=tripwire")


def test_the_example_inventory_as_a_volunteer_copies_it_is_refused(tmp_path):
    """inventories/example, copied as the README says and run before any edit: its
    example domain and documentation addresses are refused (a real server's run would wait
    on no host, and no certificate would come), each line naming the file to fix."""
    copy = tmp_path / "myasso"
    # Its link to the project's settings, followed: the copy is not beside the project.
    shutil.copytree(ROOT / "inventories" / "example", copy)
    record = tmp_path / "reached"
    env = {
        **os.environ,
        "ANSIBLE_CONNECTION_PLUGINS": str(ROOT / "tests" / "plugins" / "connection"),
        "ANSIBLE_NOCOLOR": "1",
        "COLLECTIF_TRIPWIRE": str(record),
    }
    result = subprocess.run(
        [*("ansible-playbook", "playbooks/preflight.yml", "-i", str(copy)), *TRIPWIRE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    for line in (
        f"- ansible_host: 203.0.113.10 is an example address (kept from the example inventory): "
        f"write asso1's own address, as your provider gives it. Set it in {copy}/hosts.yml.",
        f"- ansible_host: 203.0.113.20 is an example address (kept from the example inventory): "
        f"write backup1's own address, as your provider gives it. Set it in {copy}/hosts.yml.",
        "- collectif_domain: 'example.org' is an example domain (kept from the example "
        "inventory): write the association's own domain, the one its members will type. "
        f"Set it in {copy}/group_vars/all/association.yml.",
    ):
        assert output.count(line) == 1, output
    assert "00-project.yml" not in output
    assert not record.exists()
