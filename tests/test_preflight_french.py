"""The preflight in French for a volunteer whose machine speaks French: the frame of the
report and each rule's line, chosen by the locale Ansible runs with on the controller."""

from __future__ import annotations

import contextlib
import subprocess

import pytest
from conftest import ASSOCIATION


@pytest.fixture(scope="session")
def french_environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """LANG=fr_FR.UTF-8, as on a French volunteer's computer. Ansible refuses a locale the
    C library does not have: when the machine has not generated it, it is made here
    (localedef, read through LOCPATH); failing that, LANGUAGE asks for French as gettext
    reads it, with a locale the machine has."""
    try:
        have = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False)
    except OSError:
        have = None
    if have is not None and "fr_FR.utf8" in have.stdout.replace("UTF-8", "utf8"):
        return {"LANG": "fr_FR.UTF-8"}
    directory = tmp_path_factory.mktemp("locales")
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        subprocess.run(
            ["localedef", "-i", "fr_FR", "-f", "UTF-8", str(directory / "fr_FR.UTF-8")],
            capture_output=True,
            check=False,
            timeout=120,
        )
    if (directory / "fr_FR.UTF-8").is_dir():
        return {"LANG": "fr_FR.UTF-8", "LOCPATH": str(directory)}
    return {"LANGUAGE": "fr", "LANG": "C.UTF-8"}


@pytest.fixture
def in_french(monkeypatch: pytest.MonkeyPatch, french_environment: dict[str, str]) -> None:
    for variable, value in french_environment.items():
        monkeypatch.setenv(variable, value)


def test_the_frame_and_the_rules_are_said_in_french(run_against, in_french):
    run = run_against({**ASSOCIATION, "collectif_domain": "Example.org"})
    assert run.returncode == 2, run.output
    assert "L'inventaire a 1 problème(s) ; rien n'a été changé sur aucun hôte :" in run.output
    assert (
        "Arrêt avant toute modification. Corrigez les problèmes listés ci-dessus, puis "
        "relancez le playbook."
    ) in run.output
    assert "The inventory has" not in run.output
    assert "Set it in" not in run.output
    assert run.reached == ""
