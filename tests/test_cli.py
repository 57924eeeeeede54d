"""The collectif command, run as a volunteer would."""

import sys

import pytest
from conftest import ASSOCIATION

from collectif.cli import parser


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit):
        parser().parse_args(["--help"])
    out = capsys.readouterr().out
    for command in (
        "preflight",
        "deploy",
        "check",
        "doctor",
        "backup",
        "restore",
        "rebuild",
        "demo",
    ):
        assert command in out


def test_preflight_command_reports_problems_and_fails(run_against):
    run = run_against(
        {**ASSOCIATION, "collectif_domain": "not a domain"},
        command=[sys.executable, "-m", "collectif.cli", "preflight"],
    )
    assert run.returncode != 0
    assert "collectif_domain: 'not a domain' is not a domain name" in run.output
    assert "collectif preflight: failed" in run.output
    assert run.reached == ""


def test_preflight_command_passes_a_good_inventory_without_reaching_the_host(run_against):
    run = run_against(ASSOCIATION, command=[sys.executable, "-m", "collectif.cli", "preflight"])
    assert run.returncode == 0, run.output
    assert run.reached == ""
