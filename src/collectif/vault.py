"""`collectif secrets --edit`: the inventory's vault opened in the volunteer's editor, for
the values that are not derived from the secret key (the mail provider's password, OVH's
API keys, Telegram's app values...), each then named in association.yml as
"{{ vault_<name> }}".

Ansible's own `ansible-vault edit` decrypts the vault into a private temporary file, runs
$EDITOR on it and encrypts it back; the vault's password reaches it as the path of its
file, never as a value on a command line. Afterwards the vault must still be encrypted,
valid YAML and hold the same secret key: otherwise the edit is undone (a changed key would
change every derived password and lock the services out of their data).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from . import i18n, secrets


class Refused(Exception):
    """What stopped the edit, said to the volunteer; the vault is as it was."""


def ansible_vault() -> str:
    """The ansible-vault of the pinned tools (beside this Python), else the PATH's."""
    beside = Path(sys.executable).parent / "ansible-vault"
    return str(beside) if beside.exists() else shutil.which("ansible-vault") or "ansible-vault"


def edit(inventory: Path, config_home: Path | None = None) -> str:
    """Open the vault in $EDITOR; return what was done, or raise Refused (nothing changed)."""
    files = secrets.vault_files(inventory, config_home)
    if not secrets.encrypted(files):
        raise Refused(i18n.say("vault", "edit.no_vault", vault=files.vault, inventory=inventory))
    missing = secrets.password_missing(inventory, config_home)
    if missing:
        raise Refused(missing)
    before = files.vault.read_bytes()
    key = secrets.read_key(inventory, config_home)
    command = [ansible_vault(), "edit", "--vault-password-file", str(files.password)]
    ran = subprocess.run([*command, str(files.vault)], check=False)
    if ran.returncode != 0:
        files.vault.write_bytes(before)
        raise Refused(i18n.say("vault", "edit.failed", code=ran.returncode, vault=files.vault))
    problem = _problem(files, key)
    if problem:
        files.vault.write_bytes(before)
        raise Refused(i18n.say("vault", "edit.undone", vault=files.vault, problem=problem))
    files.vault.chmod(0o600)
    if files.vault.read_bytes() == before:
        return i18n.say("vault", "edit.unchanged", vault=files.vault)
    return i18n.say("vault", "edit.done", vault=files.vault)


def _problem(files: secrets.VaultFiles, key: str) -> str | None:
    """Why the edited vault cannot be kept; None when it can."""
    if not secrets.encrypted(files):
        return i18n.say("vault", "edit.decrypted")
    try:
        values = secrets.vault_values(secrets.read_vault(files))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else "?"
        return i18n.say("vault", "edit.not_yaml", line=line)
    if str(values.get(secrets.KEY_VARIABLE, "")).strip() != key:
        return i18n.say("vault", "edit.key_changed", variable=secrets.KEY_VARIABLE)
    return None
