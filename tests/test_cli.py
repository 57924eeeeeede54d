"""The collectif command, run as a volunteer would."""

import sys

import pytest
from conftest import ASSOCIATION, make_inventory

from collectif import cli, progress, runs
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


def test_a_yaml_error_is_named_with_its_file_and_line(run_against, tmp_path):
    run = run_against(
        ASSOCIATION,
        command=[sys.executable, "-m", "collectif.cli", "preflight"],
        extra_files={"host_vars/asso1.yml": "base_hostname: asso1\nbase_locale fr_FR.UTF-8\n"},
    )
    assert run.returncode == 2
    assert "The inventory cannot be read (1 problem(s)); nothing was changed:" in run.output
    assert "host_vars/asso1.yml:3:1: is not valid YAML" in run.output, run.output
    assert run.reached == ""


def test_a_vault_its_password_does_not_open_is_named(tmp_path):
    from collectif import inventory_files, secrets

    inventory = tmp_path / "inventories" / "asso"
    (inventory / "group_vars" / "all").mkdir(parents=True)
    config = tmp_path / "config"
    secrets.ensure_vault(inventory, config)
    files = secrets.vault_files(inventory, config)
    files.password.chmod(0o600)
    files.password.write_text("not the password\n")
    (line,) = inventory_files.problems(inventory, config)
    assert line.endswith(
        f"does not open with the password in {files.password}: that file holds another "
        "vault's password; put this vault's password in it"
    )
    files.password.unlink()
    (line,) = inventory_files.problems(inventory, config)
    assert "is encrypted, and its password file" in line


def test_full_turns_the_stamps_off_for_that_run_only(tmp_path, monkeypatch):
    inventory = make_inventory(tmp_path / "inventory", ASSOCIATION)
    calls: list[list[str]] = []

    def run(_command, _playbook, _inventory, extra, **_settings):
        calls.append(list(extra))
        return runs.Outcome(0, progress.Progress(write=lambda _text: None), tmp_path / "log")

    monkeypatch.setattr(runs, "run", run)
    assert cli.main(["deploy", "--full", "-i", str(inventory)]) == 0
    assert cli.main(["check", "-i", str(inventory)]) == 0
    full, check = calls
    assert full[-2:] == ["-e", '{"collectif_stamps": false}']
    assert "collectif_stamps" not in " ".join(check)
    assert check[-2:] == ["--check", "--diff"]
