"""Running the project's playbooks against this scenario's containers, as a volunteer runs
them against a server: the same inventory Molecule made, the project's ansible.cfg."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

PROJECT = Path(os.environ["MOLECULE_PROJECT_DIRECTORY"])
INVENTORY = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "inventory"
RECAP = re.compile(r"^(?P<host>\S+)\s+: ok=\d+\s+changed=(?P<changed>\d+)", re.MULTILINE)


@dataclass
class Played:
    returncode: int
    output: str

    @property
    def changed(self) -> dict[str, int]:
        """Changes per host, from the play recap."""
        return {m["host"]: int(m["changed"]) for m in RECAP.finditer(self.output)}

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output.splitlines()[-lines:])


def play(playbook: str, *args: str, inventory: Path = INVENTORY) -> Played:
    """ansible-playbook playbooks/<playbook> on this scenario's hosts."""
    result = subprocess.run(
        ["ansible-playbook", "-i", str(inventory), f"playbooks/{playbook}", *args],
        cwd=PROJECT,
        env={**os.environ, "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1"},
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    return Played(result.returncode, result.stdout + result.stderr)


@pytest.fixture(scope="session")
def run_playbook() -> Callable[..., Played]:
    return play


@pytest.fixture(scope="session")
def inventory_without(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """A copy of the inventory with the host taken out of a group (as a volunteer edits
    hosts.yml to take a service off the server)."""

    def make(group: str) -> Path:
        copy = tmp_path_factory.mktemp("inventory") / "inventory"
        shutil.copytree(INVENTORY, copy)
        hosts = yaml.safe_load((copy / "ansible_inventory.yml").read_text())
        del hosts[group]
        (copy / "ansible_inventory.yml").write_text(yaml.safe_dump(hosts))
        return copy

    return make
