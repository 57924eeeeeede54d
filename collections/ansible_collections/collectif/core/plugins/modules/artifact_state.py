#!/usr/bin/python
"""Module collectif.core.artifact_state: which pinned releases are already in place."""

from __future__ import annotations

import hashlib
import os

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: artifact_state
author: collectif
short_description: Which pinned releases are already installed, in one look
description:
  - For each release the artifact role installs, tells whether that exact file is in
    place (an archive's versioned directory carries a marker named after its checksum; a
    single file must have the pinned checksum) and whether the link points at it. The
    artifact role then works only on the releases that need it, instead of several
    tasks per release on every run.
options:
  releases:
    description: The releases (name, version, sha256, dest, unpack, link), as the role has them.
    type: list
    elements: dict
    required: true
"""

RETURN = r"""
releases:
  description: >-
    One entry per release, in order, with C(name), C(installed), C(linked) and C(ready)
    (installed and linked: nothing to do).
  type: list
  elements: dict
  returned: always
"""


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def state(release: dict) -> dict:
    """Whether one release is installed and linked."""
    dest, version, sha256 = release["dest"], str(release["version"]), release["sha256"]
    if release.get("unpack", True):
        versioned = f"{dest}-{version}"
        installed = os.path.exists(os.path.join(versioned, f".collectif-artifact-{sha256[:16]}"))
        linked = os.path.islink(dest) and os.readlink(dest) == versioned
        if not release.get("link", True):
            linked = True  # the service's own role switches the link
    else:
        installed = os.path.isfile(dest) and _sha256(dest) == sha256
        linked = True
    return {
        "name": release["name"],
        "installed": installed,
        "linked": linked,
        "ready": installed and linked,
    }


def main() -> None:
    module = AnsibleModule(
        argument_spec={"releases": {"type": "list", "elements": "dict", "required": True}},
        supports_check_mode=True,
    )
    module.exit_json(changed=False, releases=[state(r) for r in module.params["releases"]])


if __name__ == "__main__":
    main()
