"""Filter of collectif's copy of the backups (playbooks/backup-copy.yml, restore.yml)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible_collections.collectif.core.plugins.module_utils.collectif import backup_copy


def repository_missing(
    source_found: Any, source_root: str, copy_found: Any, copy_root: str
) -> list[dict[str, Any]]:
    """found.files | collectif.core.repository_missing(root, copy.files, copy_root): the
    repository's files (path relative to the root, size) that the copy lacks or holds
    with another size, locks left out, snapshots last."""
    return backup_copy.repository_missing(source_found, source_root, copy_found, copy_root)


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"repository_missing": repository_missing}
