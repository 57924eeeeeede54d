"""The vault's rough edges: one way to make the key everywhere, `collectif secrets --edit`,
a missing vault password file said before anything runs, inventories outside the project."""

import subprocess
from pathlib import Path

import pytest
from conftest import ASSOCIATION, ROOT, make_inventory
from test_preflight import MATRIX, check

from collectif import cli, secrets


def test_every_place_teaches_the_same_way_to_make_the_key():
    taught = [
        ROOT / "inventories" / "example" / "group_vars" / "all" / "association.yml",
        ROOT / "README.md",
        *(ROOT / "src" / "collectif").rglob("*.py"),
        *(ROOT / "roles" / "preflight").rglob("*"),
    ]
    for path in (p for p in taught if p.is_file()):
        text = path.read_text()
        assert "openssl rand" not in text, path
        assert "ansible-vault create" not in text, path
    example = taught[0].read_text()
    assert "collectif secrets -i inventories/myasso" in example


def test_the_preflight_says_how_to_make_a_missing_key():
    (line,) = check(groups=MATRIX, drop=("collectif_secret_key",))
    assert "Make it once with `collectif secrets -i inventories/asso`" in line
    assert 'collectif_secret_key: "{{ vault_collectif_secret_key }}"' in line


def test_git_keeps_the_example_inventory_link_relative():
    link = ROOT / "inventories" / "example" / "group_vars" / "all" / "00-project.yml"
    out = subprocess.run(["readlink", str(link)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "../../../../group_vars/all.yml"
    assert Path(link).resolve() == ROOT / "group_vars" / "all.yml"


def vault_without_password(tmp_path, monkeypatch):
    """An inventory whose encrypted vault's password file is not on this machine."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    inventory = make_inventory(tmp_path / "asso", ASSOCIATION)
    secrets.ensure_vault(inventory)
    files = secrets.vault_files(inventory)
    files.password.unlink()
    return inventory, files


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en_GB.UTF-8", "is encrypted, and its password file {password} is not there"),
        ("fr_FR.UTF-8", "est chiffré, et son fichier de mot de passe {password} est absent"),
    ],
)
def test_a_missing_vault_password_stops_every_command_before_anything_runs(
    tmp_path, monkeypatch, capsys, lang, said
):
    inventory, files = vault_without_password(tmp_path, monkeypatch)
    monkeypatch.setenv("LANG", lang)
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    ran: list[str] = []
    monkeypatch.setattr(cli, "run_playbook", lambda playbook, *_a, **_k: ran.append(playbook) or 0)
    assert cli.main(["deploy", "-i", str(inventory)]) == 2
    out = capsys.readouterr().out
    assert said.format(password=files.password) in out
    assert str(files.vault) in out
    # The member commands that reach the server stop before the members file changes.
    before = (inventory / "group_vars" / "all").iterdir()
    before = {path.name: path.read_bytes() for path in before}
    with pytest.raises(SystemExit) as stopped:
        cli.main(["member", "-i", str(inventory), "password", "camille"])
    assert said.format(password=files.password) in str(stopped.value)
    assert "rien n'a été lancé" in str(stopped.value) or "nothing was run" in str(stopped.value)
    after = {path.name: path.read_bytes() for path in (inventory / "group_vars" / "all").iterdir()}
    assert after == before
    assert ran == []


def test_the_missing_password_is_said_as_collectif_secrets_says_it(tmp_path, monkeypatch):
    inventory, files = vault_without_password(tmp_path, monkeypatch)
    with pytest.raises(FileNotFoundError) as refused:
        secrets.ensure_vault(inventory)
    assert str(refused.value) == secrets.password_missing(inventory)
    assert not files.password.exists()  # never a new password for an existing vault
