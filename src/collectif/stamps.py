"""Stamps: what a play ran with, so that a re-run with nothing new skips it.

A play that ran to the end on a server leaves a stamp there: a digest of everything that
decides what the play does (the project's code, the inventory's files, the extra values
given on the command line, Ansible's version, and the facts the roles read from every
server). A later run whose digest is the same skips the play's roles: they would find
nothing to change. Anything different, and the play runs in full.

The stamp lives in /run, so it is gone after a reboot and never travels in a backup to a
rebuilt server; it also expires after a day, so that a run now and then checks everything
(a file edited by hand on the server is put back)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# What the plays are made of, in the project.
CODE = ("ansible.cfg", "group_vars", "playbooks", "roles", "collections", "src/collectif")
# Never part of a digest: caches, logs, editors' leftovers, and the releases an inventory
# keeps (artifacts/: large, and pinned by the checksums its values already give).
IGNORED_DIRS = frozenset({"__pycache__", ".cache", ".git", "logs", ".pytest_cache", "artifacts"})
IGNORED_SUFFIXES = (".pyc", ".log", ".swp", "~")
# The facts the roles read (memory for the databases' sizes, addresses for the firewall
# and the backup target, the kind of machine for swap and time).
FACTS = (
    "memtotal_mb",
    "processor_vcpus",
    "default_ipv4",
    "default_ipv6",
    "all_ipv4_addresses",
    "all_ipv6_addresses",
    "virtualization_type",
    "virtualization_role",
    "distribution_version",
    "machine_id",
)


def _files(top: Path) -> Iterable[Path]:
    if top.is_file():
        yield top
        return
    for path in sorted(top.rglob("*")):
        relative = path.relative_to(top).parts
        if any(part in IGNORED_DIRS for part in relative) or path.name.endswith(IGNORED_SUFFIXES):
            continue
        if path.is_file():
            yield path


def tree_digest(paths: Iterable[Path]) -> str:
    """One digest of the files under each path (their names and contents)."""
    digest = hashlib.sha256()
    for top in paths:
        for path in _files(top):
            name = path.name if path == top else str(path.relative_to(top))
            digest.update(name.encode())
            digest.update(b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@cache
def code_digest(root: Path = ROOT) -> str:
    """The project's code, once per run of Ansible."""
    return tree_digest(root / part for part in CODE if (root / part).exists())


def inventory_paths(sources: Iterable[str]) -> list[Path]:
    """The directories the inventory's files live in: a source that is a file brings its
    directory (its group_vars and host_vars are beside it); a host list is no path."""
    found: list[Path] = []
    for source in sources:
        path = Path(source)
        if not path.exists():
            continue
        directory = path if path.is_dir() else path.parent
        if directory not in found:
            found.append(directory)
    return found


def extra_values(arguments: Iterable[str]) -> list[str]:
    """The extra values given on the command line, with the contents of those given as
    @file."""
    found: list[str] = []
    for argument in arguments:
        found.append(argument)
        if argument.startswith("@") and Path(argument[1:]).is_file():
            found.append(Path(argument[1:]).read_text(errors="replace"))
    return found


def facts(hosts_facts: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The facts the roles read, by host, for the hosts whose facts are known."""
    return {
        host: {name: known[name] for name in FACTS if name in known}
        for host, known in sorted(hosts_facts.items())
        if known
    }


def digest(
    *,
    host: str,
    code: str,
    inventory: str,
    extra: list[str],
    ansible_version: str,
    hosts_facts: Mapping[str, Mapping[str, Any]],
) -> str:
    """The stamp of a run on one host: equal only when every input is."""
    inputs = {
        "host": host,
        "code": code,
        "inventory": inventory,
        "extra": extra,
        "ansible": ansible_version,
        "facts": facts(hosts_facts),
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()
