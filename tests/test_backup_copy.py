"""`collectif backup copy`: which of the repository's files are fetched, and the command as
a volunteer runs it (here against a local repository, on this machine itself)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ASSOCIATION, ROOT, collectif, make_inventory

from collectif import backup_copy, cli, progress, runs

REPOSITORY = "/srv/restic/asso"


def found(*files: tuple[str, int], root: str = REPOSITORY) -> list[dict]:
    """As ansible.builtin.find lists them."""
    return [{"path": f"{root}/{name}", "size": size, "mode": "0600"} for name, size in files]


def paths(selected: list[dict]) -> list[str]:
    return [entry["path"] for entry in selected]


def test_a_new_copy_fetches_every_file_but_the_locks_snapshots_last():
    source = found(
        ("snapshots/5e", 300),
        ("data/ab/ab12", 4_000_000),
        ("locks/9f", 150),
        ("index/c3", 800),
        ("config", 155),
        ("keys/77", 460),
    )
    selected = backup_copy.repository_missing(source, REPOSITORY, [], "/media/usb/asso")
    assert paths(selected) == ["config", "keys/77", "data/ab/ab12", "index/c3", "snapshots/5e"]
    assert [entry["size"] for entry in selected] == [155, 460, 4_000_000, 800, 300]


def test_only_files_missing_or_of_another_size_are_fetched():
    source = found(("config", 155), ("data/ab/ab12", 4000), ("data/cd/cd34", 5000), ("index/c3", 8))
    copy = found(("config", 155), ("data/ab/ab12", 1200), ("index/c3", 8), root="/media/usb/asso")
    selected = backup_copy.repository_missing(source, REPOSITORY, copy, "/media/usb/asso")
    # ab12 was cut short by an interrupted copy: fetched again; cd34 is new.
    assert paths(selected) == ["data/ab/ab12", "data/cd/cd34"]


def test_a_copy_up_to_date_fetches_nothing_and_files_outside_the_root_are_ignored():
    source = [
        *found(("config", 155), ("data/ab/ab12", 4000)),
        {"path": "/srv/restic/other/config", "size": 1},
        {"path": f"{REPOSITORY}/../other/config", "size": 1},
    ]
    copy = found(("config", 155), ("data/ab/ab12", 4000), ("locks/1", 3), root="/copy")
    assert backup_copy.repository_missing(source, REPOSITORY, copy, "/copy") == []


def test_scan_counts_the_repositories_files_not_the_readme_nor_locks(tmp_path):
    (tmp_path / "asso" / "data" / "ab").mkdir(parents=True)
    (tmp_path / "asso" / "locks").mkdir()
    (tmp_path / "asso" / "config").write_bytes(b"c" * 10)
    (tmp_path / "asso" / "data" / "ab" / "ab12").write_bytes(b"d" * 100)
    (tmp_path / "asso" / "locks" / "1").write_bytes(b"l")
    (tmp_path / "README.txt").write_text("...")
    assert backup_copy.scan(tmp_path) == {"asso/config": 10, "asso/data/ab/ab12": 100}


def test_sizes_are_said_as_disks_are_sold():
    assert backup_copy.human(999) == "999 B"
    assert backup_copy.human(41_300_000) == "41.3 MB"
    assert backup_copy.human(2_500_000_000_000) == "2500.0 GB"


def test_copy_needs_to(capsys):
    with pytest.raises(SystemExit):
        cli.main(["backup", "copy", "-i", "inventories/demo"])
    assert "--to" in capsys.readouterr().err


def test_copy_says_when_the_directory_is_a_file(tmp_path, capsys):
    inventory = make_inventory(tmp_path / "inventory", ASSOCIATION)
    (tmp_path / "disk").write_text("not a directory")
    rc = cli.main(["backup", "-i", str(inventory), "copy", "--to", str(tmp_path / "disk" / "x")])
    assert rc == 2
    assert "cannot write in" in capsys.readouterr().out


def test_from_must_be_a_directory_of_this_machine(tmp_path, capsys):
    inventory = make_inventory(tmp_path / "inventory", ASSOCIATION)
    rc = cli.main(["rebuild", "-i", str(inventory), "--from", str(tmp_path / "nowhere")])
    assert rc == 2
    assert "no such directory here" in capsys.readouterr().out
    assert backup_copy.restore_options(str(tmp_path)) == [
        "-e",
        f'{{"restore_from": "{tmp_path}"}}',
    ]


def test_backup_without_an_action_still_sets_the_backups_up(monkeypatch, tmp_path):
    inventory = make_inventory(tmp_path / "inventory", ASSOCIATION)
    ran: list[tuple[str, list[str]]] = []

    def run(_command, playbook, _inventory, extra, **_settings):
        ran.append((playbook, list(extra)))
        return runs.Outcome(0, progress.Progress(write=lambda _text: None), tmp_path / "log")

    monkeypatch.setattr(runs, "run", run)
    assert cli.main(["backup", "-i", str(inventory), "--limit", "asso1"]) == 0
    assert ran == [("backup.yml", ["--limit", "asso1"])]


def make_repository(root: Path) -> None:
    """A repository's layout (restic's files are opaque here: only names and sizes count)."""
    for name, size in {
        "config": 155,
        "keys/77aa": 460,
        "data/ab/ab12": 40_000,
        "data/cd/cd34": 60_000,
        "index/c3": 800,
        "snapshots/5e": 300,
        "locks/9f": 150,
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(os.urandom(size))


LOCAL = {
    "all": {
        "children": {
            "servers": {
                "hosts": {
                    "asso1": {
                        "ansible_connection": "local",
                        "ansible_python_interpreter": sys.executable,
                        "ansible_become": False,
                    }
                }
            }
        }
    }
}
# A local repository is for tests and the demo only (preflight refuses it in production).
LOCAL_ASSOCIATION = {**ASSOCIATION, "collectif_environment": "test"}


def copy_run(inventory: Path, to: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLLECTIF_MITOGEN": "0"}
    return collectif(env, "backup", "copy", "-i", str(inventory), "--to", str(to))


def test_copy_of_a_local_repository_then_again_copies_nothing(tmp_path):
    """The playbook end to end on this machine (a server whose repository is a local path):
    find, the choice, fetch; the second run fetches nothing; locks stay behind."""
    repository = tmp_path / "server-disk" / "restic"
    make_repository(repository)
    inventory = make_inventory(
        tmp_path / "inventory", {**LOCAL_ASSOCIATION, "restic_repository": str(repository)}, LOCAL
    )
    home = tmp_path / "usb" / "collectif"
    first = copy_run(inventory, home)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "6 file(s) copied (101.7 kB)" in first.stdout, first.stdout
    copy = home / "asso1"
    for name in ("config", "keys/77aa", "data/ab/ab12", "data/cd/cd34", "index/c3"):
        assert (copy / name).read_bytes() == (repository / name).read_bytes()
    assert not (copy / "locks" / "9f").exists() and (copy / "locks").is_dir()
    assert "restic -r" in (home / "README.txt").read_text()
    # A new pack and a new snapshot since: only they come.
    (repository / "data" / "ef").mkdir()
    (repository / "data" / "ef" / "ef56").write_bytes(os.urandom(1000))
    (repository / "snapshots" / "6f").write_bytes(os.urandom(300))
    second = copy_run(inventory, home)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "2 file(s) copied (1.3 kB)" in second.stdout
    assert "holds 8 file(s), 103.0 kB" in second.stdout
    third = copy_run(inventory, home)
    assert "0 file(s) copied (0 B)" in third.stdout, third.stdout


def test_a_copy_of_another_repository_is_refused(tmp_path):
    repository = tmp_path / "restic"
    make_repository(repository)
    inventory = make_inventory(
        tmp_path / "inventory", {**LOCAL_ASSOCIATION, "restic_repository": str(repository)}, LOCAL
    )
    (tmp_path / "home" / "asso1").mkdir(parents=True)
    (tmp_path / "home" / "asso1" / "config").write_bytes(os.urandom(155))
    run = copy_run(inventory, tmp_path / "home")
    assert run.returncode != 0
    assert "holds a copy of another repository" in run.stdout, run.stdout
