"""`collectif backup copy`: the server's backup repository, as it is, on a disk at home.

restic's repository is a directory of files that never change once written: the data
packs, the indexes, the snapshots and the keys are named by their content (their SHA-256)
and `config` is written once. A copy is therefore brought up to date by fetching only the
files it does not hold with the same size (a file cut short by an interrupted copy is
fetched again); `locks` are the running restic's, never copied. The files stay encrypted
with the repository's password, derived from the association's key.

playbooks/backup-copy.yml lists the repository's files on the backup target (or on the
server, for a local repository), chooses with `missing` (the filter
collectif.core.repository_missing) and fetches them; restore.yml pushes a copy back to a
new server the same way. This module also runs that playbook for the command line.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from . import i18n, inventory_files

# A repository's top-level entries, in the order a copy receives them: a snapshot arrives
# after the data, indexes and keys it needs, so a copy cut short is never a snapshot
# without its data (the next copy completes it).
ORDER = ("config", "keys", "data", "index", "snapshots")
# restic's locks belong to the restic that runs on the repository; a copy has none.
SKIPPED = ("locks",)
# What restic expects in a repository's directory, beside the files (the locks' included:
# restic writes its own there when it reads a copy).
DIRECTORIES = ("data", "index", "keys", "locks", "snapshots")


def relative_files(found: Iterable[Mapping[str, Any]], root: str) -> dict[str, int]:
    """The repository's files under root, by their path relative to it, with their sizes;
    `found` as ansible.builtin.find gives them (path, size). Locks and anything outside
    root (or climbing out of it) are left out."""
    base = PurePosixPath(root)
    files: dict[str, int] = {}
    for entry in found:
        path = PurePosixPath(str(entry["path"]))
        try:
            inside = path.relative_to(base)
        except ValueError:
            continue
        parts = inside.parts
        if not parts or ".." in parts or parts[0] in SKIPPED:
            continue
        files[inside.as_posix()] = int(entry["size"])
    return files


def missing(source: Mapping[str, int], copy: Mapping[str, int]) -> list[dict[str, Any]]:
    """The files of `source` that `copy` lacks or holds with another size, in the order
    they are to be copied (ORDER, then by name)."""

    def rank(name: str) -> tuple[int, str]:
        top = name.split("/", 1)[0]
        return (ORDER.index(top) if top in ORDER else len(ORDER), name)

    wanted = [name for name, size in source.items() if copy.get(name) != size]
    return [{"path": name, "size": source[name]} for name in sorted(wanted, key=rank)]


def repository_missing(
    source_found: Iterable[Mapping[str, Any]],
    source_root: str,
    copy_found: Iterable[Mapping[str, Any]],
    copy_root: str,
) -> list[dict[str, Any]]:
    """The filter: what to copy from source_root to copy_root, from two `find` results."""
    return missing(relative_files(source_found, source_root), relative_files(copy_found, copy_root))


def scan(directory: Path) -> dict[str, int]:
    """The files of a copy on this machine (every repository under it), with their sizes."""
    if not directory.is_dir():
        return {}
    found = (
        {"path": str(path), "size": path.stat().st_size}
        for path in directory.rglob("*")
        if path.is_file() and not path.is_symlink()
    )
    return {
        name: size
        for name, size in relative_files(found, str(directory)).items()
        # A repository's files, not README.txt beside them nor a reading restic's locks.
        if "/" in name and name.split("/")[1] not in SKIPPED
    }


def human(size: int) -> str:
    """Bytes as a person reads them (1000-based, as disks are sold)."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"  # unreachable: GB is the last unit above


def writable(directory: Path) -> str | None:
    """Create the directory if needed; None when a file can be written in it, else why not."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".collectif-"):
            pass
    except OSError as error:
        return error.strerror or str(error)
    return None


def parser() -> argparse.ArgumentParser:
    copy = argparse.ArgumentParser(
        prog="collectif backup copy",
        description="Copy the server's backup repository, still encrypted, to a directory "
        "of this machine (a disk at home); only what the copy lacks is fetched. / Copier "
        "les sauvegardes du serveur, chiffrées, dans un dossier de cette machine.",
    )
    copy.add_argument(
        "-i", "--inventory", help="the association's inventory directory (default: the demo)"
    )
    copy.add_argument(
        "--to",
        required=True,
        metavar="DIR",
        help="the directory of the copy, made if needed (for example /media/usb/collectif)",
    )
    return copy


Runner = Callable[[str, str, Sequence[str]], int]


def command(
    argv: Sequence[str], default: str, run: Runner, vault: Callable[[str], list[str]]
) -> int:
    """`collectif backup copy -i INV --to DIR`: run backup-copy.yml, then say what it
    copied. `argv`: the words after `copy` (-i, --to, and what goes to ansible-playbook);
    `default`: the inventory without -i; `vault`: the options that open its vault."""
    args, extra = parser().parse_known_args(argv)
    inventory = args.inventory or default
    unreadable = inventory_files.problems(Path(inventory))
    if unreadable:
        print(i18n.say("cli", "inventory.unreadable", count=len(unreadable)))
        for line in unreadable:
            print(f"- {line}")
        return 2
    target = Path(args.to).expanduser().resolve()
    why = writable(target)
    if why is not None:
        print(i18n.say("copy", "copy.not_writable", directory=target, reason=why))
        return 2
    before = scan(target)
    values = json.dumps({"backup_copy_to": str(target)})
    rc = run("backup-copy.yml", inventory, [*vault(inventory), "-e", values, *extra])
    after = scan(target)
    copied = {name: size for name, size in after.items() if before.get(name) != size}
    if rc != 0:
        print(i18n.say("copy", "copy.failed", code=rc, count=len(copied), directory=target))
        return rc
    print(
        i18n.say(
            "copy",
            "copy.done",
            count=len(copied),
            size=human(sum(copied.values())),
            total_count=len(after),
            total_size=human(sum(after.values())),
            directory=target,
        )
    )
    return 0


def restore_options(directory: str) -> list[str] | str:
    """`--from DIR` of restore and rebuild: the extra value restore.yml reads, or why the
    directory cannot be a copy."""
    source = Path(directory).expanduser().resolve()
    if not source.is_dir() or not os.access(source, os.R_OK | os.X_OK):
        return i18n.say("copy", "from.missing", directory=source)
    return ["-e", json.dumps({"restore_from": str(source)})]
