"""Filters for the preflight play; the checks themselves live in the collectif package."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    from collectif import preflight
except ImportError:  # a checkout used without `pip install -e .`: use its src/ directly
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "src"))
    from collectif import preflight


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "collectif_preflight": preflight.problems,
            "collectif_spec_problems": preflight.spec_problems,
        }
