"""Matrix: Synapse's server name and delegation, the bridges."""

from test_preflight import MATRIX, check


def test_matrix_needs_the_bare_domain_served():
    (line,) = check(groups=MATRIX, drop=("nginx_sites",))
    assert line.startswith(
        "nginx_sites: Matrix needs the bare domain asso-exemple.fr served over HTTPS"
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
    assert check({"mautrix_bridge_admins": ["@camille:asso-exemple.fr"]}, groups=MATRIX) == []


def test_a_bridge_written_as_a_mapping_is_refused_not_a_crash():
    (line,) = check({"mautrix_bridge_networks": [{"whatsapp": True}]}, groups=MATRIX)
    assert line.startswith("mautrix_bridge_networks: '{'whatsapp': True}' is not a bridge")


def test_matrix_accounts_follow_synapse_rules_once_each_and_leave_the_bridges_theirs():
    users = [
        {"name": "camille", "password": "assez-long-1"},
        {"name": "Dominique", "password": "assez-long-1"},
        {"name": "rené", "password": "assez-long-1"},
        {"name": "jean pierre", "password": "assez-long-1"},
        {"name": "camille", "password": "assez-long-1"},
        {"name": "signalbot", "password": "assez-long-1"},
        {"name": "whatsapp_alice", "password": "assez-long-1"},
        {"name": "_admin", "password": "assez-long-1"},
        {"name": "1234", "password": "assez-long-1"},
    ]
    lines = check({"synapse_users": users}, groups=MATRIX)
    assert [line.split(": ")[0] for line in lines] == [
        "synapse_users[1].name",
        "synapse_users[2].name",
        "synapse_users[3].name",
        "synapse_users[4].name",
        "synapse_users[5].name",
        "synapse_users[6].name",
        "synapse_users[7].name",
        "synapse_users[8].name",
    ]
    assert "'Dominique' is not a Matrix login" in lines[0]
    assert "listed twice" in lines[3]
    assert "belongs to the Signal bridge" in lines[4]
    assert "belongs to the WhatsApp bridge" in lines[5]
    assert "keeps logins that start with _ or are only digits" in lines[6]


def test_a_first_password_as_short_as_synapse_refuses_is_named():
    users = [{"name": "camille", "password": "court"}, {"name": "dominique", "password": "x" * 10}]
    (line,) = check({"synapse_users": users}, groups=MATRIX)
    assert line.startswith(
        "synapse_users[0].password: has 5 characters, fewer than the 10 Synapse asks of members"
    )
    assert "court" not in line
    assert (
        check({"synapse_users": users[:1], "synapse_password_minimum_length": 5}, groups=MATRIX)
        == []
    )
