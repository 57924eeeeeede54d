#!/usr/bin/python
"""Module collectif.core.stamp: the server's side of the plays' stamps."""

from __future__ import annotations

import json
import os
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: stamp
author: collectif
short_description: Tell whether a play already ran with the same inputs; remember that it did
description:
  - Use the action of the same name (it works out the stamp on the controller); this module
    keeps the server's side, one root-only file in /run.
  - O(done=false) tells whether O(play) ran to the end with this O(key) less than
    O(max_age_hours) ago (C(fresh)). A different key forgets every play at once, before
    anything runs, so that a run that stops half-way never leaves an old stamp behind.
  - O(done=true) adds O(play) to the plays that ran with O(key).
  - In check mode nothing is written. Never reports a change: the stamp is the plays'
    bookkeeping, not the server's configuration.
options:
  key: {description: The stamp of this run on this host., type: str, required: true}
  play: {description: The play's name., type: str, required: true}
  done: {description: The play ran to the end., type: bool, default: false}
  max_age_hours: {description: Older stamps do not count., type: int, default: 24}
  path: {description: Where the stamps are kept., type: path, default: /run/collectif/stamps.json}
"""

RETURN = r"""
fresh:
  description: The play already ran to the end with this key (always false with done).
  type: bool
  returned: always
"""


def _load(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as stream:
            data = json.load(stream)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save(path: str, data: dict) -> None:
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(data, stream)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def valid(data: dict, key: str, max_age_hours: int, now: float) -> bool:
    """The stamps were made with this key, not too long ago (and not in the future)."""
    since = data.get("since")
    if data.get("key") != key or not isinstance(since, (int, float)):
        return False
    if not isinstance(data.get("plays"), list):
        return False
    return 0 <= now - since < max_age_hours * 3600


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "key": {"type": "str", "required": True},
            "play": {"type": "str", "required": True},
            "done": {"type": "bool", "default": False},
            "max_age_hours": {"type": "int", "default": 24},
            "path": {"type": "path", "default": "/run/collectif/stamps.json"},
        },
        supports_check_mode=True,
    )
    params = module.params
    path, key, play = params["path"], params["key"], params["play"]
    data, now = _load(path), time.time()
    current = valid(data, key, params["max_age_hours"], now)
    if params["done"]:
        if current and not module.check_mode and play not in data["plays"]:
            data["plays"] = [*data["plays"], play]
            _save(path, data)
        module.exit_json(changed=False, fresh=False)
    if not current and not module.check_mode:
        _save(path, {"key": key, "since": now, "plays": []})
    module.exit_json(changed=False, fresh=current and play in data.get("plays", []))


if __name__ == "__main__":
    main()
