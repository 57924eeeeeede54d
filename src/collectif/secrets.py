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

from ansible.constants import DEFAULT_VAULT_ID_MATCH
from ansible.parsing.vault import VaultLib, VaultSecret

KEY_VARIABLE = "vault_collectif_secret_key"


@dataclass(frozen=True)
class Derived:
    """A password a person types, derived from the key as the role's defaults derive it."""

    purpose: str  # the label hashed with the key, as in the role's default
    length: int  # how many hexadecimal characters the role keeps
    variable: str  # the role variable an inventory may set instead
    who: str  # whose password it is, for the message


# Only passwords that people type: service-to-service tokens never need showing.
SHOWABLE: dict[str, Derived] = {
    "nextcloud-admin": Derived(
        "nextcloud.admin", 24, "nextcloud_admin_password", "Nextcloud's first administrator"
    ),
    "wordpress-admin": Derived(
        "wordpress.admin", 24, "wordpress_admin_password", "WordPress's network administrator"
    ),
    # To read the backups with restic alone, should collectif itself be out of reach.
    "restic": Derived("restic.password", 64, "restic_password", "the backups' repository"),
}


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
                f"{files.vault} exists but its password is not at {files.password}: copy "
                "the vault password there (from where the association keeps it)"
            )
        _write_private(files.password, (secrets.token_urlsafe(32) + "\n").encode())
        done.append(f"made a vault password in {files.password} (mode 0600)")
    if files.vault.exists():
        done.append(f"kept the existing {files.vault}: a new key would lock services out")
        return done
    password = files.password.read_bytes().strip()
    vault = VaultLib([(DEFAULT_VAULT_ID_MATCH, VaultSecret(password))])
    plain = f"{KEY_VARIABLE}: {secrets.token_hex(32)}\n"
    _write_private(files.vault, vault.encrypt(plain))
    done.append(f"made collectif_secret_key, encrypted in {files.vault}")
    return done


def read_key(inventory: Path, config_home: Path | None = None) -> str:
    """The decrypted secret key (for tests and the rebuild drill; never printed)."""
    files = vault_files(inventory, config_home)
    password = files.password.read_bytes().strip()
    vault = VaultLib([(DEFAULT_VAULT_ID_MATCH, VaultSecret(password))])
    text = vault.decrypt(files.vault.read_bytes()).decode()
    name, _, value = text.partition(":")
    if name.strip() != KEY_VARIABLE:
        raise ValueError(f"{files.vault} does not hold {KEY_VARIABLE}")
    return value.strip()


def derive(key: str, purpose: str, length: int = 64) -> str:
    """The roles' derivation: sha256 of "<key>:<purpose>", in hexadecimal, maybe shortened."""
    return hashlib.sha256(f"{key}:{purpose}".encode()).hexdigest()[:length]


def show(inventory: Path, name: str, config_home: Path | None = None) -> str:
    """One of SHOWABLE's passwords for this inventory's key."""
    wanted = SHOWABLE[name]
    return derive(read_key(inventory, config_home), wanted.purpose, wanted.length)
