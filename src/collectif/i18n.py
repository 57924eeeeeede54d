"""The messages a volunteer reads, in French or English, chosen by the locale.

Each subject has its catalogue, `locale/<subject>.toml`, where every message is one table
with both languages side by side, so a translator reads them together:

    [deploy.failed]
    en = "collectif {command}: failed (exit code {code}); see {log}."
    fr = "collectif {command} : échec (code {code}) ; voir {log}."

    say("cli", "deploy.failed", command="deploy", code=2, log=path)

French when the locale asks for it (LANGUAGE, LC_ALL, LC_MESSAGES, then LANG, as gettext
reads them), English otherwise. Variable names, commands and logs stay English.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("en", "fr")
CATALOGUES = Path(__file__).parent / "locale"


def language(environ: dict[str, str] | None = None) -> str:
    """'fr' when the user's locale is French, else 'en'."""
    env = os.environ if environ is None else environ
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(variable, "")
        if value:
            # LANGUAGE may list several ("fr:en"); the first one wins, as in gettext.
            first = value.split(":")[0]
            return "fr" if first.lower().startswith("fr") else "en"
    return "en"


@cache
def catalogue(subject: str) -> dict[str, dict[str, str]]:
    """Every message of one subject, by key, each with its languages."""
    with (CATALOGUES / f"{subject}.toml").open("rb") as source:
        return dict(_flatten(tomllib.load(source)))


def _flatten(table: dict[str, Any], prefix: str = "") -> Any:
    if set(table) & set(LANGUAGES) and all(isinstance(v, str) for v in table.values()):
        yield prefix, table
        return
    for key, value in table.items():
        yield from _flatten(value, f"{prefix}.{key}" if prefix else key)


def say(subject: str, key: str, lang: str | None = None, **values: Any) -> str:
    """The message `key` of `subject`, in the user's language, filled with `values`."""
    texts = catalogue(subject)[key]
    return texts[lang or language()].format(**values)


def subjects() -> list[str]:
    return sorted(path.stem for path in CATALOGUES.glob("*.toml"))
