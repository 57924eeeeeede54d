"""The project's version on each server: recorded at the end of a successful site.yml in
/etc/collectif/version, and compared at the start of the next run, so that an older copy
of collectif never puts older code back on a server a newer one built (a downgrade).

The file says which version last deployed the server, and since when:

    version: 0.2.0
    since: 2027-03-14 18:02 UTC

`since` is the date of the run that recorded that version: it changes only with the
version, so a re-run changes nothing (idempotence, and check mode's zero changes).

The project's version is `collectif.__version__` (pyproject.toml reads it from there).
"""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

from . import __version__, i18n

RECORD = "/etc/collectif/version"


def read(text: str) -> dict[str, str]:
    """The record's values (version, since), from the file's text; empty when none."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        name, colon, value = line.partition(":")
        if colon and name.strip() in ("version", "since"):
            values[name.strip()] = value.strip()
    return values


def record(text: str, now: str, project: str = __version__) -> str:
    """The file's text after this run: the project's version, since `now` unless the file
    already records that version (then since when it did)."""
    since = read(text).get("since") if read(text).get("version") == project else None
    return f"version: {project}\nsince: {since or now}\n"


def refusal(text: str, host: str, project: str = __version__) -> str:
    """Why this copy of collectif must not run on the server whose record is `text`
    ("" when the server has none: a new server, or one built before versions were kept);
    "" when it may."""
    recorded = read(text)
    if not text.strip():
        return ""
    try:
        newer = Version(recorded.get("version", "")) > Version(project)
    except InvalidVersion:
        return i18n.say(
            "vault", "version.unreadable", host=host, record=RECORD, text=text.strip()[:200]
        )
    if not newer:
        return ""
    return i18n.say(
        "vault",
        "version.newer",
        host=host,
        record=RECORD,
        recorded=recorded["version"],
        since=recorded.get("since", "?"),
        project=project,
    )
