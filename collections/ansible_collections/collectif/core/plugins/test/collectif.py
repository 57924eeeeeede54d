"""Tests of collectif (`value is collectif.core.domain`): its rules, from src/collectif."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible_collections.collectif.core.plugins.module_utils.collectif.validators import (
    PROBLEMS,
)


def _passes(rule: Callable[[Any], str | None]) -> Callable[[Any], bool]:
    return lambda value: rule(value) is None


class TestModule:
    def tests(self) -> dict[str, Callable[[Any], bool]]:
        return {name: _passes(rule) for name, rule in PROBLEMS.items()}
