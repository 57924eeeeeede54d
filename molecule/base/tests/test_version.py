"""The version of collectif on the server: recorded at the end of a deploy, changed only
with the version, and a copy older than the one that last deployed the server refused
before it changes anything, whatever its stamps, tags or check mode."""

import os
import re
import shlex
import sys
from pathlib import Path

import pytest

PROJECT = Path(os.environ["MOLECULE_PROJECT_DIRECTORY"])

HOST = "instance-base"
RECORD = "/etc/collectif/version"
# A file the base role writes: a refused run must leave it as the test left it.
WITNESS = "/etc/systemd/journald.conf.d/collectif.conf"
RECORD_PLAY = "../molecule/base/record-version.yml"


def project_version() -> str:
    if str(PROJECT / "src") not in sys.path:
        sys.path.insert(0, str(PROJECT / "src"))
    import collectif  # the project's own, from its source

    return collectif.__version__


def said(output: str) -> str:
    """The run's output on one line: Ansible's YAML output folds long messages."""
    return " ".join(output.split())


def write(host, path: str, text: str) -> None:
    host.check_output(f"printf '%s' {shlex.quote(text)} > {path}")


@pytest.fixture
def recorded(host):
    """The server's record and the witness file, put back as they were after the test."""
    kept = {path: host.file(path).content_string for path in (RECORD, WITNESS)}
    yield
    for path, text in kept.items():
        write(host, path, text)


def test_the_deploy_recorded_the_project_version(host):
    record = host.file(RECORD)
    assert (record.user, record.group, record.mode) == ("root", "root", 0o644)
    lines = record.content_string.splitlines()
    assert lines[0] == f"version: {project_version()}"
    assert re.fullmatch(r"since: \d{4}-\d\d-\d\d \d\d:\d\d UTC", lines[1]), lines


@pytest.mark.usefixtures("recorded")
def test_an_older_copy_is_refused_before_any_change(host, run_playbook):
    project = project_version()
    # The stamps on: a run that stamps the play first, so that the next one would skip it.
    host.run("rm -rf /run/collectif")
    stamped = run_playbook("base.yml", "-e", "collectif_stamps=true")
    assert stamped.returncode == 0, stamped.tail()
    newer = "version: 999.0.0\nsince: 2099-01-02 03:04 UTC\n"
    write(host, RECORD, newer)
    host.check_output(f"echo '# changed by the test' >> {WITNESS}")
    witness = host.file(WITNESS).content_string
    for args in (
        ("-e", "collectif_stamps=true"),  # the play's stamp is fresh: still refused
        ("--tags", "base"),
        ("--check", "--diff"),
        (),
    ):
        refused = run_playbook("base.yml", *args)
        assert refused.returncode != 0, refused.tail()
        assert (
            f"{HOST} was last deployed by collectif 999.0.0 (since 2099-01-02 03:04 UTC, as "
            f"{RECORD} says), and this copy of collectif is {project}, older"
        ) in said(refused.output), refused.tail()
        assert "Update your copy of collectif (git pull in its folder)" in said(refused.output)
        assert refused.changed == {HOST: 0}, refused.tail()
        assert refused.statuses("base") == [], refused.tail()
    assert host.file(WITNESS).content_string == witness
    assert host.file(RECORD).content_string == newer

    french = run_playbook("base.yml", env={"LANGUAGE": "fr"})
    assert french.returncode != 0
    assert (
        f"{HOST} a été déployé en dernier par collectif 999.0.0 (depuis le 2099-01-02 03:04 "
        f"UTC, selon {RECORD}), et cette copie de collectif est en version {project}, plus "
        "ancienne"
    ) in said(french.output), french.tail()


@pytest.mark.usefixtures("recorded")
def test_the_record_changes_only_with_the_version(host, run_playbook):
    older = "version: 0.0.1\nsince: 2020-01-01 00:00 UTC\n"
    write(host, RECORD, older)
    checked = run_playbook(RECORD_PLAY, "--check")
    assert checked.returncode == 0, checked.tail()
    assert host.file(RECORD).content_string == older  # check mode writes nothing
    upgraded = run_playbook(RECORD_PLAY)
    assert upgraded.returncode == 0, upgraded.tail()
    assert upgraded.changed == {HOST: 1}, upgraded.tail()
    text = host.file(RECORD).content_string
    assert text.startswith(f"version: {project_version()}\nsince: ")
    assert "2020-01-01" not in text
    again = run_playbook(RECORD_PLAY)
    assert again.changed == {HOST: 0}, again.tail()
    assert host.file(RECORD).content_string == text
