"""The server's outgoing mail: a relay needs its login, TLS unless the relay is on the
server itself, a submission port, and the provider's DNS records well formed."""

import pytest
from test_preflight import check

from collectif import i18n

SERVERS = {"all": ["asso1"], "servers": ["asso1"]}
RELAY = {
    "postfix_relay_host": "ssl0.ovh.net",
    "postfix_relay_port": 465,
    "postfix_relay_user": "bureau@example.org",
    "postfix_relay_password": "a password",
}


def test_no_relay_and_a_full_relay_pass():
    assert check(groups=SERVERS) == []
    assert check(RELAY, groups=SERVERS) == []
    records = [
        {"name": "@", "type": "TXT", "value": "v=spf1 include:mx.ovh.com ~all"},
        {"name": "_dmarc", "type": "TXT", "value": "v=DMARC1; p=quarantine"},
    ]
    assert check({**RELAY, "postfix_dns_records": records}, groups=SERVERS) == []


def test_the_vault_s_value_gives_the_password():
    changes = {**RELAY, "vault_postfix_relay_password": "from the vault"}
    del changes["postfix_relay_password"]
    assert check(changes, groups=SERVERS) == []


@pytest.mark.parametrize("missing", ["postfix_relay_user", "postfix_relay_password"])
def test_a_relay_without_its_login_is_refused(missing):
    changes = {**RELAY, missing: ""}
    (line,) = check(changes, groups=SERVERS)
    assert line.startswith(f"{missing}: is missing while postfix_relay_host is set (ssl0.ovh.net)")
    assert "Set it in inventories/asso/group_vars/all/association.yml." in line


def test_clear_text_is_only_for_a_relay_on_the_server_itself():
    (line,) = check({**RELAY, "postfix_relay_tls_security_level": "none"}, groups=SERVERS)
    assert line.startswith("postfix_relay_tls_security_level: is 'none' (no TLS)")
    local = {**RELAY, "postfix_relay_host": "127.0.0.1", "postfix_relay_port": 2525}
    assert check({**local, "postfix_relay_tls_security_level": "none"}, groups=SERVERS) == []


def test_the_relay_its_port_and_tls_level_must_be_known_values():
    lines = check(
        {
            **RELAY,
            "postfix_relay_host": "smtp ovh",
            "postfix_relay_port": 110,
            "postfix_relay_tls_security_level": "may",
        },
        groups=SERVERS,
    )
    assert [line.split(":")[0] for line in lines] == [
        "postfix_relay_host",
        "postfix_relay_port",
        "postfix_relay_tls_security_level",
    ]


def test_dns_records_need_a_name_a_type_and_a_value():
    records = [{"name": "@", "type": "A", "value": "51.91.12.34"}, {"name": "x"}]
    lines = check({"postfix_dns_records": records}, groups=SERVERS)
    assert [line.split(":")[0] for line in lines] == [
        "postfix_dns_records[0]",
        "postfix_dns_records[1]",
    ]


def test_the_messages_are_french_too():
    said = i18n.say("preflight_mail", "relay.clear_text", lang="fr", host="ssl0.ovh.net")
    assert "en clair" in said
