"""Prosody's accounts, written by Ansible as Prosody itself stores them.

Prosody's `internal_hashed` store keeps, per account, a file
`/var/lib/prosody/<host>/accounts/<user>.dat` holding SCRAM-SHA-1's stored and server keys
(RFC 5802), never the password. Writing that file from the inventory (rather than running
`prosodyctl register`, which takes the password on its command line) keeps passwords out
of the process list and the journal, and makes a re-run compare files: nothing changes
when nothing did. The salt is derived, not random, for the same reason.
"""

from __future__ import annotations

import hashlib
import hmac
import re

# Prosody's own count for new accounts (util/sasl/scram.lua's default in Prosody 13).
ITERATIONS = 10000


def encode(part: str) -> str:
    """A host or user name as Prosody's datamanager names its files and directories: every
    character but ASCII letters and digits as %xx (lowercase hexadecimal)."""
    return re.sub(r"[^A-Za-z0-9]", lambda m: "".join(f"%{b:02x}" for b in m[0].encode()), part)


def decode(name: str) -> str:
    """The user or host name a file of Prosody's datamanager stands for (encode's reverse)."""
    return re.sub(
        r"(?:%[0-9a-f]{2})+", lambda m: bytes.fromhex(m[0].replace("%", "")).decode(), name
    )


def account(password: str, salt: str, iterations: int = ITERATIONS) -> dict[str, object]:
    """What Prosody stores for an account with this password and salt (SCRAM-SHA-1)."""
    if not password:
        raise ValueError("an XMPP account needs a password")
    if not salt:
        raise ValueError("an XMPP account needs a salt")
    salted = hashlib.pbkdf2_hmac("sha1", password.encode(), salt.encode(), iterations)
    client_key = hmac.new(salted, b"Client Key", "sha1").digest()
    return {
        "iteration_count": iterations,
        "salt": salt,
        "stored_key": hashlib.sha1(client_key).hexdigest(),
        "server_key": hmac.new(salted, b"Server Key", "sha1").hexdigest(),
    }


def salt(base: str, jid: str) -> str:
    """An account's salt: its own (from the address), secret (from the association's key)."""
    return hmac.new(base.encode(), jid.encode(), "sha256").hexdigest()[:32]
