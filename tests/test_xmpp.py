"""Prosody's account files as collectif writes them, against what Prosody wrote itself."""

import pytest

from collectif import xmpp


def test_an_account_is_stored_as_prosody_stores_it():
    # Made by Debian 13's Prosody 13.0.1: `prosodyctl adduser bob@localhost`, password
    # "Secret-pass-1"; its accounts/bob.dat holds these values.
    stored = xmpp.account("Secret-pass-1", "86d6f7f4-6a6d-4452-b9ab-ebf723ab8846")
    assert stored == {
        "iteration_count": 10000,
        "salt": "86d6f7f4-6a6d-4452-b9ab-ebf723ab8846",
        "stored_key": "8c8e4b507eb8a73981b77c5199496afb01680eb2",
        "server_key": "427a9a4efc848fdd04e64bf6964504ebb2b91035",
    }


def test_another_password_gives_other_keys():
    salt = xmpp.salt("base", "bob@meet.example.org")
    assert xmpp.account("one password", salt) != xmpp.account("another one", salt)


def test_the_salt_is_stable_and_differs_by_account():
    assert xmpp.salt("base", "a@meet.example.org") == xmpp.salt("base", "a@meet.example.org")
    assert xmpp.salt("base", "a@meet.example.org") != xmpp.salt("base", "b@meet.example.org")
    assert xmpp.salt("base", "a@meet.example.org") != xmpp.salt("other", "a@meet.example.org")


def test_names_are_encoded_as_prosody_names_its_files():
    assert xmpp.encode("meet.collectif.test") == "meet%2ecollectif%2etest"
    assert xmpp.encode("jean-pierre") == "jean%2dpierre"
    assert xmpp.encode("camille") == "camille"


@pytest.mark.parametrize(("password", "salt"), [("", "salt"), ("password", "")])
def test_an_empty_password_or_salt_is_refused(password, salt):
    with pytest.raises(ValueError, match="needs a"):
        xmpp.account(password, salt)
