"""Filters of the project's version on each server (src/collectif/version.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible_collections.collectif.core.plugins.module_utils.collectif import version


def version_refusal(recorded: Any, host: str) -> str:
    """The server's /etc/collectif/version text | collectif.core.version_refusal(host): why
    this copy of collectif must not run there (its version is older), or ""."""
    return version.refusal(str(recorded or ""), host)


def version_record(recorded: Any, now: str) -> str:
    """The server's /etc/collectif/version text | collectif.core.version_record(now): the
    file's text after this run (the project's version, since `now` when it is new)."""
    return version.record(str(recorded or ""), now)


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"version_refusal": version_refusal, "version_record": version_record}
