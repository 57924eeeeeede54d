"""Shared helpers: build a throw-away inventory and run a playbook against it.

Hosts use the test-only `tripwire` connection (tests/plugins/connection), which records any
attempt to reach them: a play that stops in preflight leaves the record empty.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBhq2Zl2cQ6r0b0Q3xqkzV4mHcQz5qfE6Zt1d5bQ9y2a camille@laptop"
ASSOCIATION = {
    "collectif_domain": "asso-exemple.fr",
    "collectif_admin_email": "bureau@asso-exemple.fr",
    "base_admin_users": [{"name": "camille", "ssh_keys": [KEY]}],
    # Production demands a backup repository (or a backup_targets host).
    "restic_repository": "rest:https://backup.asso-exemple.fr:8000/asso1/",
    # Every server's passwords and tokens are derived from it (restic's, Valkey's...).
    "collectif_secret_key": "0123456789abcdef" * 4,
}
HOSTS = {
    "all": {
        "vars": {"ansible_user": "debian"},
        "children": {"servers": {"hosts": {"asso1": {"ansible_connection": "tripwire"}}}},
    }
}


def tripwire_hosts(**groups: dict) -> dict:
    """A hosts.yml whose hosts are reached only through the tripwire: each group as given
    (normally {"hosts": {...}}; a misspelt key is the test's business)."""
    return {
        "all": {
            "vars": {"ansible_connection": "tripwire", "ansible_user": "debian"},
            "children": groups,
        }
    }


@dataclass
class Run:
    returncode: int
    output: str
    reached: str  # host names the playbook tried to connect to, one per line


def make_inventory(directory: Path, association: dict, hosts: dict | None = None) -> Path:
    """An inventory laid out like inventories/example: project values, then the association's."""
    group_vars = directory / "group_vars" / "all"
    group_vars.mkdir(parents=True)
    shutil.copy(ROOT / "group_vars" / "all.yml", group_vars / "00-project.yml")
    (group_vars / "association.yml").write_text(yaml.safe_dump(association))
    (directory / "hosts.yml").write_text(yaml.safe_dump(hosts or HOSTS))
    return directory


@pytest.fixture
def run_against(tmp_path: Path) -> Callable[..., Run]:
    """Run a command (default: ansible-playbook site.yml) against a fresh inventory."""

    def run(
        association: dict,
        hosts: dict | None = None,
        command: Sequence[str] | None = None,
        extra_files: dict[str, str] | None = None,
    ) -> Run:
        inventory = make_inventory(tmp_path / "inventory", association, hosts)
        for name, text in (extra_files or {}).items():
            (inventory / name).parent.mkdir(parents=True, exist_ok=True)
            (inventory / name).write_text(text)
        record = tmp_path / "reached"
        env = {
            **os.environ,
            "ANSIBLE_CONNECTION_PLUGINS": str(ROOT / "tests" / "plugins" / "connection"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_CACHE_PLUGIN": "memory",
            "COLLECTIF_TRIPWIRE": str(record),
            "PYTHONPATH": str(ROOT / "src"),
        }
        args = [*(command or ["ansible-playbook", "playbooks/site.yml"]), "-i", str(inventory)]
        result = subprocess.run(
            args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        reached = record.read_text() if record.exists() else ""
        return Run(result.returncode, result.stdout + result.stderr, reached)

    return run


def collectif(
    env: dict[str, str], *args: str, cwd: Path = ROOT, timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    """The `collectif` command run as a volunteer runs it, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "collectif.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(autouse=True)
def english_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests read the English messages whatever the developer's locale; a test of the
    French ones sets its own."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
