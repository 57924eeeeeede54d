"""Running the project's playbooks against this scenario's containers, as a volunteer runs
them against a server: the same inventory Molecule made, the project's ansible.cfg."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

INVENTORY = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "inventory"


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
