"""Invoice Ninja: its addresses, its mail server, its pinned release."""

from test_preflight import check

INVOICENINJA = {"all": ["asso1"], "servers": ["asso1"], "invoiceninja": ["asso1"]}
SHA = "8e44a9f585f7b2bf6a3b6c90dae7579953806d41f1ffe2daf21125ceca8f18f1"


def test_a_good_inventory_passes():
    good = {
        "invoiceninja_admin_email": "tresorerie@example.org",
        "invoiceninja_mail_host": "ssl0.ovh.net",
        "invoiceninja_mail_port": 465,
        "invoiceninja_mail_username": "factures@example.org",
        "invoiceninja_mail_password": "a password",
        "invoiceninja_version": "5.11.81",
        "invoiceninja_sha256": SHA,
    }
    assert check(good, groups=INVOICENINJA) == []


def test_its_name_must_be_a_domain():
    (line,) = check({"invoiceninja_domain": "Factures.example.org"}, groups=INVOICENINJA)
    assert line.startswith("invoiceninja_domain: 'Factures.example.org' has uppercase")


def test_its_addresses_must_be_e_mail_addresses():
    lines = check(
        {"invoiceninja_admin_email": "tresorerie", "invoiceninja_mail_from_address": ""},
        groups=INVOICENINJA,
    )
    assert [line.split(":")[0] for line in lines] == [
        "invoiceninja_admin_email",
        "invoiceninja_mail_from_address",
    ]
    assert "'tresorerie' is not an e-mail address" in lines[0]


def test_the_mail_server_needs_a_name_a_port_and_the_account_s_password():
    (line,) = check(
        {"invoiceninja_mail_host": "smtp.example.org", "invoiceninja_mail_username": "me"},
        groups=INVOICENINJA,
    )
    assert line.startswith("invoiceninja_mail_password: is missing while")
    assert "Set it in inventories/asso/group_vars/all/association.yml." in line
    lines = check(
        {"invoiceninja_mail_host": "smtp example", "invoiceninja_mail_port": "587-600"},
        groups=INVOICENINJA,
    )
    assert [line.split(":")[0] for line in lines] == [
        "invoiceninja_mail_host",
        "invoiceninja_mail_port",
    ]
    assert "is one port, such as 587" in lines[1]


def test_a_new_version_needs_its_own_checksum():
    (line,) = check({"invoiceninja_version": "5.12.0"}, groups=INVOICENINJA)
    assert line.startswith("invoiceninja_sha256: is missing: invoiceninja_version is set to 5.12.0")
    lines = check(
        {"invoiceninja_version": "v5.12", "invoiceninja_sha256": SHA.upper()},
        groups=INVOICENINJA,
    )
    assert [line.split(":")[0] for line in lines] == ["invoiceninja_sha256", "invoiceninja_version"]


def test_nothing_is_asked_of_a_server_without_invoice_ninja():
    assert check({"invoiceninja_version": "5.12.0"}) == []
