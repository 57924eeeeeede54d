"""What Ansible would refuse in an inventory's files before any check of ours can run,
said the preflight's way (the file, what is wrong, how to fix it) instead of Ansible's
bare error: a YAML file that does not parse (with its line and column), a vault that
its password file does not open, a vault without its password file."""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from ansible.constants import DEFAULT_VAULT_ID_MATCH
from ansible.parsing.vault import AnsibleVaultError, VaultLib, VaultSecret

from . import i18n, secrets

VAULT_HEADER = "$ANSIBLE_VAULT"
ROOT = Path(__file__).resolve().parents[2]
# The project's settings, which each inventory reads through a link (README, "Where values
# live"): group_vars/all/00-project.yml -> the project's group_vars/all.yml.
PROJECT_SETTINGS = ROOT / "group_vars" / "all.yml"
PROJECT_LINK = Path("group_vars") / "all" / "00-project.yml"


class AnsibleLoader(yaml.SafeLoader):
    """YAML as Ansible reads it: its own tags (!vault, !unsafe) are values, not errors."""


AnsibleLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def project_link_target(inventory: Path) -> str:
    """What an inventory's 00-project.yml links to: a relative path inside the project (the
    link then survives a move of the whole project: inventories/<name>'s is
    ../../../../group_vars/all.yml), the project's absolute path for an inventory kept
    anywhere else (copied out of the project, a relative link breaks)."""
    link = inventory.absolute() / PROJECT_LINK
    if link.resolve().parent.is_relative_to(ROOT) or inventory.resolve().is_relative_to(ROOT):
        return os.path.relpath(PROJECT_SETTINGS, link.parent.resolve())
    return str(PROJECT_SETTINGS)


def relink_command(inventory: Path) -> str:
    """The command that links an inventory to the project's settings again."""
    return f"ln -sfn {project_link_target(inventory)} {inventory / PROJECT_LINK}"


def relink(inventory: Path) -> list[str]:
    """Point a broken 00-project.yml link at this project's settings: an inventory copied
    out of the project (cp -r keeps the relative link, which then points nowhere), or a
    project moved. A file, a working link or no link at all are left as they are."""
    link = inventory / PROJECT_LINK
    if not link.is_symlink() or link.exists():
        return []
    target = project_link_target(inventory)
    link.unlink()
    link.symlink_to(target)
    return [i18n.say("vault", "inventory.relinked", link=link, target=target)]


def problems(inventory: Path, config_home: Path | None = None) -> list[str]:
    """Each problem, one line, empty when Ansible can read the inventory."""
    if not inventory.is_dir():
        return [f"{inventory}: is not an inventory directory (such as inventories/myasso)"]
    found: list[str] = []
    for path in sorted([*inventory.rglob("*.yml"), *inventory.rglob("*.yaml")]):
        if not path.is_file():
            if path == inventory / PROJECT_LINK:
                found.append(
                    f"{path}: is a broken link; link it again: {relink_command(inventory)}"
                )
            else:
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
