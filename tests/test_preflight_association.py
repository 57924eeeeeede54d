"""The association's values, on every host: domain, address, environment, plans, artifact
mirror, and the secret key wherever a service derives its passwords from it."""

import pytest
from test_preflight import MATRIX, check


def test_required_values_named_with_where_to_set_them():
    lines = check(drop=("collectif_domain", "collectif_admin_email"))
    assert lines == [
        "collectif_admin_email: is required (for example: bureau@mon-asso.fr). "
        "Set it in inventories/asso/group_vars/all/association.yml.",
        "collectif_domain: is required (for example: mon-asso.fr). "
        "Set it in inventories/asso/group_vars/all/association.yml.",
    ]


def test_several_problems_reported_together():
    lines = check(
        {
            "collectif_domain": "Example.org",
            "collectif_admin_email": "bureau",
            "collectif_plans": [
                {"name": "essentiel", "fee": 15, "services": ["cloud"], "nextcloud_quota": "5 Go"}
            ],
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
        {"name": "essentiel", "fee": 15, "services": ["cloud"], "nextcloud_quota": "5 GB"},
        {"name": "essentiel", "fee": 45, "services": ["cloud"], "nextcloud_quota": "50 GB"},
    ]
    assert check({"collectif_plans": plans}) == [
        "collectif_plans[1].name: 'essentiel' is used by two plans. "
        "Set it in inventories/asso/group_vars/all/association.yml."
    ]


def test_unknown_environment():
    assert check({"collectif_environment": "prod"})[0].startswith(
        "collectif_environment: 'prod' is not one of production, test, demo"
    )


@pytest.mark.parametrize(
    "mirror", ["https://mirror.asso-exemple.fr/collectif", "file:///srv/mirror"]
)
def test_artifact_mirror_accepted(mirror):
    assert check({"collectif_artifact_mirror": mirror}) == []


def test_artifact_mirror_needs_a_scheme():
    assert check({"collectif_artifact_mirror": "mirror.asso-exemple.fr"})[0].startswith(
        "collectif_artifact_mirror: 'mirror.asso-exemple.fr' is not a mirror address"
    )


def test_services_need_the_secret_key():
    (line,) = check(groups=MATRIX, drop=("collectif_secret_key",))
    assert line.startswith("collectif_secret_key: must be set, 32 characters at least")
    (line,) = check({"collectif_secret_key": "short"}, groups=MATRIX)
    assert line.startswith("collectif_secret_key:")
    assert check(groups=MATRIX) == []


@pytest.mark.parametrize("key", ["0" * 64, "abab" * 16, " " * 64])
def test_a_secret_key_too_easy_to_guess_is_refused(key):
    (line,) = check({"collectif_secret_key": key}, groups=MATRIX)
    assert line.startswith("collectif_secret_key: ")
    assert "too easy to guess" in line or "must be set" in line


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("10.1.2.3", False),
        ("51.91.12.34", True),
        ("asso.asso-exemple.fr", True),
        ("2001:41d0:8:1234::1", True),
        ("192.168.1.20", False),
        ("asso1.test", False),
        ("localhost", False),
    ],
)
def test_test_or_demo_environment_refused_on_a_real_address(address, refused):
    lines = check(
        {"collectif_environment": "test", "ansible_host": address, "base_admin_users": []}
    )
    if refused:
        (line,) = lines
        assert line.startswith(
            f"collectif_environment: 'test' turns the production rules off, and asso1 is "
            f"reached at {address}, a real server's address"
        )
    else:
        assert lines == []


def test_a_container_is_not_a_real_address():
    changes = {"collectif_environment": "demo", "ansible_host": "51.91.12.34"}
    assert check({**changes, "ansible_connection": "docker"}) == []


def test_the_example_address_left_in_place_is_refused():
    (line,) = check({"ansible_host": "203.0.113.10"})
    assert line == (
        "ansible_host: 203.0.113.10 is an example address (kept from the example inventory): "
        "write asso1's own address, as your provider gives it. Set it in inventories/asso/hosts.yml."
    )


@pytest.mark.parametrize(
    ("variable", "address", "own", "where"),
    [
        ("collectif_ipv6", "2001:db8:1234:5600::10", "own IPv6 address", "hosts.yml"),
        ("coturn_external_ip", "198.51.100.7", "own address", "group_vars or host_vars"),
    ],
)
def test_an_example_address_is_refused_wherever_the_inventory_gives_one(
    variable, address, own, where
):
    """Any address the inventory gives the server (its AAAA record, TURN's public
    address), not only the one Ansible reaches it at."""
    (line,) = check({variable: address})
    assert line.startswith(
        f"{variable}: {address} is an example address (kept from the example inventory): "
        f"write asso1's {own}, as your provider gives it. Set it in inventories/asso/{where}"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("51.91.12.34", "'51.91.12.34' is not an IPv6 address (like 2001:41d0:302:2100::1c8)"),
        ("fe80::1", "'fe80::1' is a private or reserved address, not one the internet reaches"),
        ("2001:41d0:302:2100::1c8", None),
        ("", None),
    ],
)
def test_the_servers_ipv6_address(value, message):
    lines = check({"collectif_ipv6": value})
    if message is None:
        assert lines == []
    else:
        assert lines == [f"collectif_ipv6: {message}. Set it in inventories/asso/hosts.yml."]
    # A container's private address is fine where the production rules are off.
    assert check({"collectif_ipv6": "fd00::2", "collectif_environment": "test"}) == []


def test_a_broken_link_to_the_project_settings_is_named():
    (line,) = check(drop=("collectif_project_settings",))
    assert line.startswith(
        "group_vars/all/00-project.yml: is missing or its link is broken, so the project's "
        "settings (the plans, the TURN name...) are not read"
    )
    assert check({"collectif_environment": "test"}, drop=("collectif_project_settings",)) == []


@pytest.mark.parametrize(
    "domain", ["example.org", "asso.example.com", "www.example.net", "asso.example"]
)
def test_the_example_domain_left_in_place_is_refused_in_production(domain):
    (line,) = check({"collectif_domain": domain, "collectif_admin_email": "bureau@asso.fr"})
    assert line == (
        f"collectif_domain: '{domain}' is an example domain (kept from the example "
        "inventory): write the association's own domain, the one its members will type. "
        "Set it in inventories/asso/group_vars/all/association.yml."
    )
    changes = {"collectif_domain": domain, "collectif_environment": "test"}
    assert check({**changes, "collectif_admin_email": "bureau@asso.fr"}) == []


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("collectif_stamps", "sometimes", "'sometimes' is not true or false"),
        ("collectif_stamps_max_age_hours", 0, "'0' is not a number of hours"),
        ("collectif_stamps_max_age_hours", "a day", "'a day' is not a number of hours"),
    ],
)
def test_the_stamps_settings_are_checked(name, value, message):
    (line,) = check({name: value})
    assert line.startswith(f"{name}: {message}")
    # As they come from the command line (-e collectif_stamps=false): text.
    assert check({"collectif_stamps": "false", "collectif_stamps_max_age_hours": "12"}) == []
