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
            "base_hostname": "asso1.asso-exemple.fr",
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


@pytest.mark.parametrize(
    "name", ["root", "www-data", "postgres", "synapse", "mautrix-signal", "_apt"]
)
def test_an_admin_is_not_an_account_the_system_runs_as(name):
    (line,) = check({"base_admin_users": [{"name": name, "ssh_keys": [KEY]}]})
    assert line.startswith(
        f"base_admin_users[0].name: '{name}' is an account the system or a service runs as"
    )


def test_an_admin_or_a_key_listed_twice():
    users = [
        {"name": "camille", "ssh_keys": [KEY]},
        {"name": "camille", "ssh_keys": []},
        {"name": "dominique", "ssh_keys": [KEY.replace("camille@laptop", "dominique@pc")]},
    ]
    assert check({"base_admin_users": users}) == [
        "base_admin_users[1].name: 'camille' is already base_admin_users[0].name; list each "
        "admin once. Set it in inventories/asso/group_vars/all/association.yml.",
        "base_admin_users[2].ssh_keys[0]: is the same key as base_admin_users[0].ssh_keys[0]: "
        "a key belongs to one person; remove one of them. "
        "Set it in inventories/asso/group_vars/all/association.yml.",
    ]


def test_a_key_cut_short_or_mislabelled_is_refused_and_one_with_options_accepted():
    kind, body, comment = KEY.split()
    cut = check({"base_admin_users": [{"name": "camille", "ssh_keys": [f"{kind} {body[:-12]}"]}]})
    assert cut[0].startswith("base_admin_users[0].ssh_keys[0]: 'ssh-ed25519 AAAAC3")
    assert "is cut short or damaged" in cut[0]
    relabelled = f"ssh-rsa {body} {comment}"
    (line,) = check({"base_admin_users": [{"name": "camille", "ssh_keys": [relabelled]}]})
    assert "says ssh-rsa but holds an ssh-ed25519 key" in line
    with_options = f'from="192.0.2.0/24,2001:db8::/32",no-agent-forwarding {KEY}'
    assert check({"base_admin_users": [{"name": "camille", "ssh_keys": [with_options]}]}) == []


def test_time_zone_locale_and_swap_checked_before_the_server():
    lines = check({"base_timezone": "Europe/Pari", "base_swap_size_mb": 64000})
    assert [line.split(":")[0] for line in lines] == ["base_swap_size_mb", "base_timezone"]
    assert "(did you mean 'Europe/Paris'?)" in lines[1]
    assert "between 64 and 16384 MiB" in lines[0]


def test_a_locale_set_alone_must_be_in_the_default_list():
    (line,) = check({"base_locale": "de_DE.UTF-8"})
    assert line.startswith(
        "base_locale: 'de_DE.UTF-8' is not generated: add it to base_locales "
        "(now en_US.UTF-8, fr_FR.UTF-8)"
    )
    (line,) = check({"base_locales": ["fr_FR.UTF-8", "french"], "base_locale": "fr_FR.UTF-8"})
    assert line.startswith("base_locales[1]: 'french' is not a locale name")


@pytest.mark.parametrize(
    ("changes", "refused"),
    [
        ({"ansible_user": "debian"}, None),
        ({"ansible_user": "camille"}, None),
        ({"ansible_user": "root", "base_sshd_permit_root_login": "prohibit-password"}, None),
        (
            {"ansible_user": "root"},
            "'root' would be refused by the server once this run hardens SSH",
        ),
        ({"ansible_user": "dominique"}, "'dominique' would be refused"),
        ({"ansible_user": None}, "is not set (Ansible would log in with your own login"),
        ({"ansible_user": "camille", "ansible_connection": "docker"}, None),
    ],
)
def test_ansible_logs_in_as_an_account_the_hardened_ssh_lets_in(changes, refused):
    unset = ("ansible_user",) if changes["ansible_user"] is None else ()
    lines = check({k: v for k, v in changes.items() if v is not None}, drop=unset)
    if refused is None:
        assert lines == []
    else:
        (line,) = lines
        assert line.startswith(f"ansible_user: {refused}")
        assert "connect as debian the first time, then as one of the admins" in line
        assert line.endswith("Set it in inventories/asso/hosts.yml.")
