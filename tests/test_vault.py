"""The vault's rough edges: one way to make the key everywhere, `collectif secrets --edit`,
a missing vault password file said before anything runs, inventories outside the project."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import ASSOCIATION, ROOT, collectif, make_inventory
from test_preflight import MATRIX, check

from collectif import cli, inventory_files, secrets


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


# An editor as ansible-vault runs it ($EDITOR FILE): it does what the test says to the
# decrypted file, and writes down the command line it was started by (ansible-vault's).
EDITOR = """#!/bin/sh
tr '\\0' ' ' </proc/$PPID/cmdline >"$(dirname "$0")/command-line"
{action}
"""


def run_edit(tmp_path, inventory, action: str):
    editor = tmp_path / "editor"
    editor.write_text(EDITOR.format(action=action))
    editor.chmod(0o700)
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "PYTHONPATH": str(ROOT / "src"),
        "EDITOR": str(editor),
        "LANG": "C.UTF-8",
    }
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        env.pop(variable, None)
    return collectif(env, "secrets", "-i", str(inventory), "--edit", timeout=120)


@pytest.fixture
def vault_made(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    inventory = make_inventory(tmp_path / "asso", ASSOCIATION)
    secrets.ensure_vault(inventory)
    return inventory, secrets.vault_files(inventory)


def test_edit_adds_a_value_to_the_vault_which_stays_encrypted(tmp_path, vault_made):
    inventory, files = vault_made
    key = secrets.read_key(inventory)
    run = run_edit(tmp_path, inventory, 'echo "vault_mail_password: Tr3s-secret" >>"$1"')
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{files.vault} saved, encrypted" in run.stdout
    sealed = files.vault.read_bytes()
    assert sealed.startswith(b"$ANSIBLE_VAULT;1.1;AES256")
    assert b"Tr3s-secret" not in sealed
    assert files.vault.stat().st_mode & 0o777 == 0o600
    values = secrets.vault_values(secrets.read_vault(files))
    assert values == {secrets.KEY_VARIABLE: key, "vault_mail_password": "Tr3s-secret"}
    assert secrets.read_key(inventory) == key
    # ansible-vault was given the password's file, never the password itself.
    command_line = (tmp_path / "command-line").read_text()
    assert f"--vault-password-file {files.password}" in command_line
    assert files.password.read_text().strip() not in command_line
    assert "Tr3s-secret" not in run.stdout + run.stderr
    # Ansible reads the new value as the vault's password file opens it.
    assert inventory_files.problems(inventory) == []


@pytest.mark.parametrize(
    ("action", "said"),
    [
        (
            f"sed -i 's/^{secrets.KEY_VARIABLE}: .*/{secrets.KEY_VARIABLE}: {'1' * 64}/' \"$1\"",
            "vault_collectif_secret_key was changed or removed",
        ),
        ('echo "vault_mail_password: [open" >>"$1"', "it was not valid YAML (line 3"),
    ],
)
def test_an_edit_that_would_lose_the_key_or_cannot_be_read_is_undone(
    tmp_path, vault_made, action, said
):
    inventory, files = vault_made
    before = files.vault.read_bytes()
    run = run_edit(tmp_path, inventory, action)
    assert run.returncode == 1, run.stdout + run.stderr
    assert said in run.stdout, run.stdout
    assert files.vault.read_bytes() == before


def test_edit_refuses_without_a_vault_or_its_password(tmp_path, vault_made):
    inventory, files = vault_made
    before = files.vault.read_bytes()
    run = run_edit(tmp_path, inventory, "true")  # the editor closed, nothing written
    assert run.returncode == 0
    assert f"{files.vault}: nothing changed." in run.stdout
    assert files.vault.read_bytes() == before
    (tmp_path / "command-line").unlink()
    files.password.rename(tmp_path / "kept")
    run = run_edit(tmp_path, inventory, 'echo "x: 1" >>"$1"')
    assert run.returncode == 1
    assert f"its password file {files.password} is not there" in run.stdout
    assert not (tmp_path / "command-line").exists()  # the editor never ran
    files.vault.unlink()
    run = run_edit(tmp_path, inventory, 'echo "x: 1" >>"$1"')
    assert run.returncode == 1
    assert f"make the vault first with collectif secrets -i {inventory}" in run.stdout


def test_an_inventory_copied_out_of_the_project_works(tmp_path):
    """cp -r inventories/example /elsewhere/myasso: the relative link to the project's
    settings then points nowhere; collectif links it again, and the vault's password file
    is found by the inventory's name."""
    inventory = tmp_path / "elsewhere" / "myasso"
    shutil.copytree(ROOT / "inventories" / "example", inventory, symlinks=True)
    link = inventory / "group_vars" / "all" / "00-project.yml"
    assert link.is_symlink() and not link.exists()
    (line,) = inventory_files.problems(inventory)
    assert line == (
        f"{link}: is a broken link; link it again: ln -sfn {ROOT / 'group_vars' / 'all.yml'} {link}"
    )
    hosts = (inventory / "hosts.yml").read_text()
    hosts = hosts.replace("203.0.113.10", "asso1.mon-asso.fr")
    (inventory / "hosts.yml").write_text(hosts.replace("203.0.113.20", "backup.mon-asso.fr"))
    association = inventory / "group_vars" / "all" / "association.yml"
    values = association.read_text().replace("example.org", "mon-asso.fr")
    admins = yaml.safe_dump({"base_admin_users": ASSOCIATION["base_admin_users"]})
    association.write_text(values.replace("base_admin_users: []\n", admins))
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "ANSIBLE_NOCOLOR": "1"}
    env["PYTHONPATH"] = str(ROOT / "src")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        # From outside the project's folder too.
        return collectif(env, *args, "-i", str(inventory), cwd=tmp_path)

    made = run("secrets")
    assert made.returncode == 0, made.stdout + made.stderr
    assert f"{link} pointed nowhere: linked again to the project's settings" in made.stdout
    assert Path(os.readlink(link)) == ROOT / "group_vars" / "all.yml"
    assert (tmp_path / "config" / "collectif" / "myasso.vault-pass").exists()
    checked = run("preflight")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # The project's settings are read (the preflight says so when they are not) and the
    # key in the vault too: without them it would refuse the inventory.
    assert "00-project.yml" not in checked.stdout
    assert "collectif_secret_key" not in checked.stdout
    # Moved again, or the vault's password file gone: said before anything runs.
    (tmp_path / "config" / "collectif" / "myasso.vault-pass").unlink()
    stopped = run("preflight")
    assert stopped.returncode == 2
    assert "myasso.vault-pass is not there" in stopped.stdout


def test_the_link_stays_relative_inside_the_project():
    example = ROOT / "inventories" / "example"
    assert inventory_files.project_link_target(example) == "../../../../group_vars/all.yml"
    assert inventory_files.relink(example) == []  # a working link is left alone
