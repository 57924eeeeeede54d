"""Synapse is installed from a lock (roles/synapse/files/requirements-<version>.txt, written
by scripts/lock-synapse) in pip's hash-checking mode: every package pinned with its hashes,
the lock of the pinned version present, and the install task really checking them."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ROLE = ROOT / "roles" / "synapse"
LOCKS = sorted((ROLE / "files").glob("requirements-*.txt"))
# name==version, an optional environment marker, then one or more sha256 hashes.
LOCKED = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)"
    r"(?: ; [^\\-][^\\]*?)?(?P<hashes>(?: --hash=sha256:[0-9a-f]{64})+)$"
)


def requirements(lock: Path) -> Iterator[str]:
    """The lock's requirements, one string each, continuation lines joined."""
    entry = ""
    for line in lock.read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        entry += " " + line.strip().removesuffix("\\").strip()
        if not line.endswith("\\"):
            yield entry.strip()
            entry = ""
    assert entry == "", f"{lock.name} ends inside a requirement: {entry}"


def pins(lock: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in requirements(lock):
        match = LOCKED.match(entry)
        assert match, f"{lock.name}: not pinned with == and a sha256 hash: {entry[:120]}"
        found[match["name"].lower()] = match["version"]
    return found


def defaults() -> dict[str, Any]:
    return yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())


def tasks(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for task in items:
        yield task
        for key in ("block", "rescue", "always"):
            yield from tasks(task.get(key, []))


def test_the_pinned_version_has_its_lock() -> None:
    version = defaults()["synapse_version"]
    lock = ROLE / "files" / f"requirements-{version}.txt"
    assert lock.is_file(), (
        f"no lock for synapse_version {version}: run scripts/lock-synapse {version}"
    )
    assert pins(lock)["matrix-synapse"] == version


@pytest.mark.parametrize("lock", LOCKS, ids=[lock.name for lock in LOCKS])
def test_every_package_of_a_lock_is_pinned_with_hashes(lock: Path) -> None:
    locked = pins(lock)
    assert lock.name == f"requirements-{locked['matrix-synapse']}.txt"
    # The server takes Debian's psycopg2; the url-preview extra's parser must be there.
    assert "psycopg2" not in locked
    assert "beautifulsoup4" in locked
    assert len(locked) > 30, "a lock of Synapse and all its dependencies"


def test_a_lock_line_without_a_hash_is_refused(tmp_path: Path) -> None:
    lock = tmp_path / "requirements-1.0.0.txt"
    lock.write_text("matrix-synapse==1.0.0 \\\n    --hash=sha256:" + "a" * 64 + "\nsix==1.17.0\n")
    with pytest.raises(AssertionError, match=re.escape("six==1.17.0")):
        pins(lock)


def test_the_install_uses_pip_hash_checking_mode() -> None:
    install = yaml.safe_load((ROLE / "tasks" / "install.yml").read_text())
    role_vars = yaml.safe_load((ROLE / "vars" / "main.yml").read_text())
    pip = [t["ansible.builtin.pip"] for t in tasks(install) if "ansible.builtin.pip" in t]
    assert len(pip) == 1, "one pip task installs Synapse"
    assert "name" not in pip[0], "Synapse is installed from the lock only"
    assert "__synapse_lock_installed" in pip[0]["requirements"]
    assert "__synapse_pip_options" in pip[0]["extra_args"]
    options = role_vars["__synapse_pip_options"]
    assert {"--require-hashes", "--no-deps", "--only-binary=:all:"} <= set(options)
    copies = [t["ansible.builtin.copy"] for t in tasks(install) if "ansible.builtin.copy" in t]
    assert any("__synapse_lock" in c["src"] for c in copies), "the lock reaches the server"
    assert role_vars["__synapse_lock"].endswith("/files/requirements-{{ synapse_version }}.txt")


def test_the_lock_script_refuses_a_malformed_version() -> None:
    result = subprocess.run(
        [ROOT / "scripts" / "lock-synapse", "1.2"], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "'1.2' is not a Synapse version" in result.stderr
