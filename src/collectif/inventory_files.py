"""What Ansible would refuse in an inventory's files before any check of ours can run,
said the preflight's way (the file, what is wrong, how to fix it) instead of Ansible's
bare error: a YAML file that does not parse (with its line and column), a vault that
its password file does not open, a vault without its password file."""

from __future__ import annotations

from pathlib import Path

import yaml
from ansible.constants import DEFAULT_VAULT_ID_MATCH
from ansible.parsing.vault import AnsibleVaultError, VaultLib, VaultSecret

from . import i18n, secrets

VAULT_HEADER = "$ANSIBLE_VAULT"


class AnsibleLoader(yaml.SafeLoader):
    """YAML as Ansible reads it: its own tags (!vault, !unsafe) are values, not errors."""


AnsibleLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def problems(inventory: Path, config_home: Path | None = None) -> list[str]:
    """Each problem, one line, empty when Ansible can read the inventory."""
    if not inventory.is_dir():
        return [f"{inventory}: is not an inventory directory (such as inventories/myasso)"]
    found: list[str] = []
    for path in sorted([*inventory.rglob("*.yml"), *inventory.rglob("*.yaml")]):
        if not path.is_file():
            found.append(f"{path}: is a broken link; link it again or remove it")
            continue
        text = path.read_text(errors="replace")
        if text.startswith(VAULT_HEADER):
            continue  # encrypted: the vault's own check below
        try:
            yaml.load(text, Loader=AnsibleLoader)  # a SafeLoader: builds no objects
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark
            where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
            found.append(
                f"{where}: is not valid YAML ({error.problem}); look at that line and the "
                "one above it (an indentation, a missing ':' or a quote left open)"
            )
        except yaml.YAMLError as error:
            found.append(f"{path}: is not valid YAML ({error})")
    return found + _vault(inventory, config_home)


def _vault(inventory: Path, config_home: Path | None) -> list[str]:
    files = secrets.vault_files(inventory, config_home)
    if not secrets.encrypted(files):
        return []
    missing = secrets.password_missing(inventory, config_home)
    if missing:
        return [missing]
    vault = VaultLib([(DEFAULT_VAULT_ID_MATCH, VaultSecret(files.password.read_bytes().strip()))])
    try:
        vault.decrypt(files.vault.read_bytes())
    except AnsibleVaultError:
        return [i18n.say("vault", "password.wrong", vault=files.vault, password=files.password)]
    return []
