"""Filters of the php_fpm role; the extension list itself lives in the collectif package."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ansible.errors import AnsibleFilterError

try:
    from collectif import php
except ImportError:  # a checkout used without `pip install -e .`: use its src/ directly
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "src"))
    from collectif import php


def packages(extensions: list[str], version: str = "8.4") -> list[str]:
    """Debian packages for the extensions; an unknown name stops the templating."""
    try:
        return php.packages(extensions, str(version))
    except ValueError as error:
        raise AnsibleFilterError(str(error)) from error


def extensions_problem(extensions: Any) -> str:
    """The problem with a list of extensions, or "" (assert-friendly) when there is none."""
    return php.unknown_extensions_problem(extensions) or ""


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "collectif_php_packages": packages,
            "collectif_php_extensions_problem": extensions_problem,
        }
