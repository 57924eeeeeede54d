"""Test-only Ansible connection plugin: records every attempt to reach a host, then fails.

The preflight tests point their inventories at it. A play that stops in preflight leaves
the record empty; a play that goes on writes the host's name into it. Never used outside
tests/.
"""

from __future__ import annotations

import os
from typing import Any

from ansible.errors import AnsibleConnectionFailure
from ansible.plugins.connection import ConnectionBase

DOCUMENTATION = """
name: tripwire
short_description: Record any attempt to reach a host (tests only)
description:
  - Appends the host name to the file named by the COLLECTIF_TRIPWIRE environment
    variable, then fails as an unreachable host would.
author: collectif
"""


class Connection(ConnectionBase):
    transport = "tripwire"
    has_pipelining = False

    def _connect(self) -> Connection:
        record = os.environ["COLLECTIF_TRIPWIRE"]
        with open(record, "a", encoding="utf-8") as handle:
            handle.write(f"{self._play_context.remote_addr}\n")
        raise AnsibleConnectionFailure("tripwire: the playbook tried to reach the host")

    def exec_command(self, cmd: str, in_data: bytes | None = None, sudoable: bool = True) -> Any:
        self._connect()

    def put_file(self, in_path: str, out_path: str) -> None:
        self._connect()

    def fetch_file(self, in_path: str, out_path: str) -> None:
        self._connect()

    def close(self) -> None:
        self._connected = False
