"""The association's one secret, kept encrypted in its inventory.

Every service's passwords and tokens are derived from `collectif_secret_key` (see the roles'
defaults), so an association keeps exactly two things off the server to rebuild it: this
key, encrypted in `group_vars/all/vault.yml`, and the vault password that opens it.

`ensure_vault()` makes both when they are missing and never replaces an existing key:
a new key would change every derived password and lock the services out of their data.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import yaml
from ansible.constants import DEFAULT_VAULT_ID_MATCH
from ansible.parsing.vault import VaultLib, VaultSecret

from . import i18n, services

KEY_VARIABLE = "vault_collectif_secret_key"
VAULT_HEADER = "$ANSIBLE_VAULT"
# The key's shortest length: `collectif secrets` makes 64 hexadecimal characters.
MIN_KEY = 32
# A random key of 32 hexadecimal characters has about 14 different ones; 64 zeros, one.
MIN_KEY_CHARACTERS = 8


@dataclass(frozen=True)
class VaultFiles:
    vault: Path  # the encrypted variables, in the inventory
    password: Path  # the vault password, on the volunteer's machine (never in the inventory)


def vault_files(inventory: Path, config_home: Path | None = None) -> VaultFiles:
    """Where an inventory's vault and its password live."""
    inventory = inventory.resolve()
    home = config_home or Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config"))
    return VaultFiles(
        vault=inventory / "group_vars" / "all" / "vault.yml",
        password=home / "collectif" / f"{inventory.name}.vault-pass",
    )


def encrypted(files: VaultFiles) -> bool:
    """Whether the inventory has a vault that only its password file opens."""
    if not files.vault.is_file():
        return False
    with files.vault.open("rb") as vault:
        return vault.read(len(VAULT_HEADER)) == VAULT_HEADER.encode()


def password_missing(inventory: Path, config_home: Path | None = None) -> str | None:
    """What to do when the inventory's vault is encrypted and its password file is not on
    this machine (Ansible would only say that it cannot decrypt); None when all is there."""
    files = vault_files(inventory, config_home)
    if encrypted(files) and not files.password.exists():
        return i18n.say("vault", "password.missing", vault=files.vault, password=files.password)
    return None


def _write_private(path: Path, content: bytes) -> None:
    """Create a file readable by its owner only; an existing file is never overwritten."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(content)


def ensure_vault(inventory: Path, config_home: Path | None = None) -> list[str]:
    """Make the vault password and the encrypted secret key when missing.

    Returns what was done, one sentence per line, without any secret in it.
    """
    files = vault_files(inventory, config_home)
    done: list[str] = []
    if not files.password.exists():
        if files.vault.exists():
            raise FileNotFoundError(
                password_missing(inventory, config_home)
                or i18n.say(
                    "vault", "secrets.no_password_for", vault=files.vault, password=files.password
                )
            )
        _write_private(files.password, (secrets.token_urlsafe(32) + "\n").encode())
        done.append(i18n.say("vault", "secrets.password_made", password=files.password))
    if files.vault.exists():
        done.append(i18n.say("vault", "secrets.kept", vault=files.vault))
        return done
    password = files.password.read_bytes().strip()
    vault = VaultLib([(DEFAULT_VAULT_ID_MATCH, VaultSecret(password))])
    plain = f"{KEY_VARIABLE}: {secrets.token_hex(32)}\n"
    _write_private(files.vault, vault.encrypt(plain))
    done.append(i18n.say("vault", "secrets.key_made", vault=files.vault))
    return done


def read_vault(files: VaultFiles) -> str:
    """The vault's decrypted text (never printed)."""
    password = files.password.read_bytes().strip()
    vault = VaultLib([(DEFAULT_VAULT_ID_MATCH, VaultSecret(password))])
    return vault.decrypt(files.vault.read_bytes()).decode()


def vault_values(text: str) -> dict[str, object]:
    """The variables of a decrypted vault (the key and the others `--edit` adds), read as
    Ansible reads them: its own tags (!unsafe...) are values, not errors."""
    from .inventory_files import AnsibleLoader  # it reads vaults with this module

    values = yaml.load(text, Loader=AnsibleLoader)  # a SafeLoader: builds no objects
    return values if isinstance(values, dict) else {}


def read_key(inventory: Path, config_home: Path | None = None) -> str:
    """The decrypted secret key (for tests and the rebuild drill; never printed)."""
    files = vault_files(inventory, config_home)
    value = vault_values(read_vault(files)).get(KEY_VARIABLE)
    if value is None:
        raise ValueError(f"{files.vault} does not hold {KEY_VARIABLE}")
    return str(value).strip()


def key_problem(key: object) -> str | None:
    """Why a value cannot be the association's secret key; None when it can."""
    if not isinstance(key, str) or len(key.strip()) < MIN_KEY:
        return i18n.say("secret_key", "short", length=MIN_KEY)
    if len(set(key.strip())) < MIN_KEY_CHARACTERS:
        return i18n.say("secret_key", "guessable", count=len(set(key.strip())))
    return None


def derive(key: str, purpose: str, length: int = 64) -> str:
    """Every secret of every role: sha256 of "<key>:<purpose>", in hexadecimal, maybe
    shortened. The roles call it through the filter collectif.core.secret."""
    problem = key_problem(key)
    if problem:
        raise ValueError(f"collectif_secret_key {problem}")
    if not purpose or not 8 <= length <= 64:
        raise ValueError(f"a secret needs a purpose and a length of 8 to 64 (got {length})")
    return hashlib.sha256(f"{key}:{purpose}".encode()).hexdigest()[:length]


def showable() -> dict[str, services.Secret]:
    """The passwords people type (and the backups' one), as the roles declare them."""
    return {name: secret for name, (_, secret) in services.showable().items()}


def show(inventory: Path, name: str, config_home: Path | None = None) -> str:
    """One of showable()'s passwords for this inventory's key."""
    wanted = showable()[name]
    return derive(read_key(inventory, config_home), wanted.purpose, wanted.length)
