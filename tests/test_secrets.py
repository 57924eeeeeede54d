"""The association's one secret: made once, encrypted, never printed, read by the preflight."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import ASSOCIATION, ROOT, collectif, make_inventory, tripwire_hosts

from collectif import secrets, services

MATRIX_HOSTS = tripwire_hosts(servers={"hosts": {"asso1": {}}}, matrix={"hosts": {"asso1": {}}})
WITH_VAULT = {
    **ASSOCIATION,
    "collectif_secret_key": "{{ vault_collectif_secret_key | default('') }}",
    "nginx_sites": [{"name": "accueil", "server_names": ["asso-exemple.fr"], "return": "204"}],
}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "PYTHONPATH": str(ROOT / "src"),
        "ANSIBLE_CONNECTION_PLUGINS": str(ROOT / "tests" / "plugins" / "connection"),
        "COLLECTIF_TRIPWIRE": str(tmp_path / "reached"),
        "ANSIBLE_CACHE_PLUGIN": "memory",
        "ANSIBLE_NOCOLOR": "1",
    }


def test_secrets_made_once_encrypted_and_never_shown(tmp_path, env):
    inventory = make_inventory(tmp_path / "asso", WITH_VAULT, MATRIX_HOSTS)
    first = collectif(env, "secrets", "-i", str(inventory))
    assert first.returncode == 0, first.stdout + first.stderr
    files = secrets.vault_files(inventory, tmp_path / "config")
    assert files.vault.read_text().startswith("$ANSIBLE_VAULT;1.1;AES256")
    assert files.vault.stat().st_mode & 0o777 == 0o600
    assert files.password.stat().st_mode & 0o777 == 0o600
    assert not files.password.is_relative_to(inventory)
    key = secrets.read_key(inventory, tmp_path / "config")
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert key not in first.stdout + first.stderr

    again = collectif(env, "secrets", "-i", str(inventory))
    assert again.returncode == 0
    assert "kept the existing" in again.stdout
    assert secrets.read_key(inventory, tmp_path / "config") == key


def test_a_vault_without_its_password_is_not_replaced(tmp_path, env):
    inventory = make_inventory(tmp_path / "asso", WITH_VAULT, MATRIX_HOSTS)
    assert collectif(env, "secrets", "-i", str(inventory)).returncode == 0
    files = secrets.vault_files(inventory, tmp_path / "config")
    before = files.vault.read_bytes()
    files.password.unlink()
    run = collectif(env, "secrets", "-i", str(inventory))
    assert run.returncode == 1
    assert "is encrypted, and its password file" in run.stdout
    assert files.vault.read_bytes() == before


def test_preflight_opens_the_vault_with_its_password(tmp_path, env):
    inventory = make_inventory(tmp_path / "asso", WITH_VAULT, MATRIX_HOSTS)
    before = collectif(env, "preflight", "-i", str(inventory))
    assert before.returncode != 0
    assert "collectif_secret_key: must be set" in before.stdout

    assert collectif(env, "secrets", "-i", str(inventory)).returncode == 0
    after = collectif(env, "preflight", "-i", str(inventory))
    assert after.returncode == 0, after.stdout + after.stderr
    assert not (tmp_path / "reached").exists()


@pytest.mark.parametrize("name", sorted(secrets.showable()))
def test_show_prints_the_password_the_role_derives(tmp_path, env, name):
    service, wanted = services.showable()[name]
    role = service.name
    inventory = make_inventory(tmp_path / "asso", WITH_VAULT, MATRIX_HOSTS)
    assert collectif(env, "secrets", "-i", str(inventory)).returncode == 0
    key = secrets.read_key(inventory, tmp_path / "config")

    # Ask Ansible itself to render the role's default with this key: the two derivations
    # cannot drift apart unnoticed.
    defaults = yaml.safe_load((ROOT / "roles" / role / "defaults" / "main.yml").read_text())
    rendered = subprocess.run(
        [
            "ansible",
            "localhost",
            "-c",
            "local",
            "-m",
            "debug",
            "-a",
            "var=wanted",
            "-e",
            json.dumps({"collectif_secret_key": key, "wanted": defaults[wanted.variable]}),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    from_ansible = re.search(r'wanted"?: "?([0-9a-f]+)', rendered)
    assert from_ansible, rendered

    shown = collectif(env, "secrets", "-i", str(inventory), "--show", name)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert shown.stdout.strip().endswith(from_ansible.group(1))
    assert len(from_ansible.group(1)) == wanted.length
    assert key not in shown.stdout + shown.stderr


def test_show_without_a_vault_says_what_to_do(tmp_path, env):
    inventory = make_inventory(tmp_path / "asso", WITH_VAULT, MATRIX_HOSTS)
    run = collectif(env, "secrets", "-i", str(inventory), "--show", "nextcloud-admin")
    assert run.returncode == 1
    assert "run `collectif secrets -i ...` once" in run.stdout
