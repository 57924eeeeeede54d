"""The shape of the items a shared role takes in a list (a site, a pool): their keys with
defaults, checked, and names given once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def complete(
    item: Any, keys: dict[str, Any], problems_of: Callable[[Any], list[str]], what: str
) -> dict[str, Any]:
    """An item of a role's list (a site, a pool) with every one of its keys, the defaults
    where it gives none; ValueError naming `what` and every problem when it is bad."""
    problems = problems_of(item)
    if problems:
        raise ValueError(f"{what}: {'; '.join(problems)}")
    return {key: item.get(key, default) for key, default in keys.items()}


def repeated(names: list[str]) -> list[str]:
    """The names given more than once, sorted."""
    return sorted({name for name in names if names.count(name) > 1})
