"""Every message a volunteer reads exists in French and English, with the same values."""

import string

import pytest

from collectif import i18n


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("subject", i18n.subjects())
def test_every_message_has_both_languages_with_the_same_values(subject):
    messages = i18n.catalogue(subject)
    assert messages, f"locale/{subject}.toml has no message"
    for key, texts in messages.items():
        assert set(texts) == set(i18n.LANGUAGES), f"{subject}: {key} has {sorted(texts)}"
        assert all(texts.values()), f"{subject}: {key} has an empty text"
        assert fields(texts["en"]) == fields(texts["fr"]), f"{subject}: {key}"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "fr_BE.UTF-8"}, "fr"),
        ({"LANG": "fr_FR.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, "en"),
        ({"LANGUAGE": "fr:en", "LANG": "en_US.UTF-8"}, "fr"),
    ],
)
def test_the_language_follows_the_locale_as_gettext_reads_it(environ, expected):
    assert i18n.language(environ) == expected


def test_a_message_is_said_in_the_asked_language_with_its_values():
    assert i18n.say("cli", "command.failed", lang="fr", command="deploy", code=2) == (
        "collectif deploy : échec (code de sortie 2) ; voir les messages ci-dessus."
    )
    assert "exit code 2" in i18n.say("cli", "command.failed", lang="en", command="x", code=2)
