"""Matrix: Synapse's server name and delegation, the bridges."""

from test_preflight import MATRIX, check


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


def test_a_bridge_written_as_a_mapping_is_refused_not_a_crash():
    (line,) = check({"mautrix_bridge_networks": [{"whatsapp": True}]}, groups=MATRIX)
    assert line.startswith("mautrix_bridge_networks: '{'whatsapp': True}' is not a bridge")
