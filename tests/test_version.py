"""The project's version: one source, its CHANGELOG entry, and the comparison that keeps
an older copy of collectif from downgrading a server a newer one built."""

import re
import tomllib

import pytest
from conftest import ROOT

import collectif
from collectif import version

NOW = "2026-12-01 14:00 UTC"


def test_the_version_has_one_source_and_a_changelog_entry():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    dynamic = project["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "collectif.__version__"}
    changelog = (ROOT / "CHANGELOG.md").read_text()
    released = re.findall(r"^## \[(\d[^\]]*)\]", changelog, re.MULTILINE)
    assert released[0] == collectif.__version__, "CHANGELOG.md's newest entry is this version"
    assert "## [Unreleased]" in changelog


@pytest.mark.parametrize(
    ("recorded", "project", "refused"),
    [
        ("", "0.1.0", False),  # a new server, or one built before versions were kept
        ("version: 0.1.0\nsince: x\n", "0.1.0", False),
        ("version: 0.1.0\nsince: x\n", "0.2.0", False),  # an upgrade
        ("version: 0.2.0\nsince: x\n", "0.1.0", True),
        ("version: 0.10.0\nsince: x\n", "0.9.0", True),  # numbers, not text: 10 > 9
        ("version: 0.9.0\nsince: x\n", "0.10.0", False),
        ("version: 1.0.0\nsince: x\n", "1.0.0rc1", True),  # a release is newer than its rc
        ("version: 1.0.0rc1\nsince: x\n", "1.0.0", False),
        ("version: 1.0\nsince: x\n", "1.0.0", False),
    ],
)
def test_only_a_newer_recorded_version_is_refused(recorded, project, refused):
    said = version.refusal(recorded, "asso1", project)
    assert bool(said) == refused, said
    if refused:
        assert recorded.split()[1] in said and project in said
        assert "git pull" in said and "Nothing was changed" in said


def test_the_refusal_names_both_versions_in_french(monkeypatch):
    monkeypatch.setenv("LANGUAGE", "fr")
    said = version.refusal("version: 0.3.0\nsince: 2027-01-02 10:00 UTC\n", "asso1", "0.2.1")
    assert said.startswith("asso1 a été déployé en dernier par collectif 0.3.0")
    assert "depuis le 2027-01-02 10:00 UTC" in said
    assert "version 0.2.1, plus ancienne" in said
    assert "Rien n'a été changé" in said and "git pull" in said


def test_a_record_that_names_no_version_is_refused_with_what_it_holds():
    said = version.refusal("edited by hand\n", "asso1", "0.1.0")
    assert "/etc/collectif/version does not say which version" in said
    assert '"edited by hand"' in said


def test_the_record_changes_only_with_the_version():
    first = version.record("", NOW, "0.1.0")
    assert first == f"version: 0.1.0\nsince: {NOW}\n"
    # A re-run, later: the same text, so the file is not changed.
    assert version.record(first, "2026-12-02 09:00 UTC", "0.1.0") == first
    upgraded = version.record(first, "2027-01-05 10:00 UTC", "0.2.0")
    assert upgraded == "version: 0.2.0\nsince: 2027-01-05 10:00 UTC\n"
    assert version.read(upgraded) == {"version": "0.2.0", "since": "2027-01-05 10:00 UTC"}
