"""The plays' stamps: the digest changes with every input that decides what a play does,
and the server's side forgets every play as soon as a run brings something new."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from collectif import stamps

ROOT = Path(__file__).resolve().parents[1]
MODULE = ROOT / "collections/ansible_collections/collectif/core/plugins/modules/stamp.py"
BASE = {
    "host": "asso1",
    "code": "c0de",
    "inventory": "1nv",
    "extra": [],
    "ansible_version": "2.19.14",
    "hosts_facts": {"asso1": {"memtotal_mb": 8000, "uptime_seconds": 5}},
}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("host", "asso2"),
        ("code", "c0de2"),
        ("inventory", "1nv2"),
        ("extra", ["nextcloud_apps=[]"]),
        ("ansible_version", "2.19.15"),
        ("hosts_facts", {"asso1": {"memtotal_mb": 16000, "uptime_seconds": 5}}),
        ("hosts_facts", {"asso1": {"memtotal_mb": 8000}, "backup1": {"memtotal_mb": 2000}}),
    ],
)
def test_every_input_changes_the_digest(name, value):
    assert stamps.digest(**{**BASE, name: value}) != stamps.digest(**BASE)


def test_facts_the_roles_never_read_do_not_count():
    moved = {"asso1": {"memtotal_mb": 8000, "uptime_seconds": 999}}
    assert stamps.digest(**{**BASE, "hosts_facts": moved}) == stamps.digest(**BASE)


def test_tree_digest_sees_contents_and_names_not_caches(tmp_path):
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars/all.yml").write_text("a: 1\n")
    first = stamps.tree_digest([tmp_path])
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache/facts").write_text("{}")
    (tmp_path / "run.log").write_text("played")
    (tmp_path / "artifacts").mkdir()
    (tmp_path / "artifacts/nextcloud-31.0.0.tar.bz2").write_bytes(b"release")
    assert stamps.tree_digest([tmp_path]) == first
    (tmp_path / "group_vars/all.yml").write_text("a: 2\n")
    second = stamps.tree_digest([tmp_path])
    assert second != first
    (tmp_path / "group_vars/all.yml").rename(tmp_path / "group_vars/servers.yml")
    assert stamps.tree_digest([tmp_path]) not in (first, second)


def test_inventory_paths_are_the_directories_of_the_sources(tmp_path):
    hosts = tmp_path / "hosts.yml"
    hosts.write_text("all: {}\n")
    assert stamps.inventory_paths([str(hosts), str(tmp_path), "asso1,"]) == [tmp_path]


def test_extra_values_from_a_file_count_with_its_contents(tmp_path):
    values = tmp_path / "values.yml"
    values.write_text("nextcloud_apps: []\n")
    before = stamps.extra_values([f"@{values}"])
    values.write_text("nextcloud_apps: [calendar]\n")
    assert stamps.extra_values([f"@{values}"]) != before


def test_the_code_digest_changes_with_a_role_not_with_the_readme(tmp_path):
    (tmp_path / "roles/base/tasks").mkdir(parents=True)
    (tmp_path / "roles/base/tasks/main.yml").write_text("---\n")
    (tmp_path / "README.md").write_text("# collectif\n")
    before = stamps.code_digest(tmp_path)
    (tmp_path / "README.md").write_text("# collectif, the volunteer's guide\n")
    stamps.code_digest.cache_clear()
    assert stamps.code_digest(tmp_path) == before
    (tmp_path / "roles/base/tasks/main.yml").write_text("---\n- name: A new task\n")
    stamps.code_digest.cache_clear()
    assert stamps.code_digest(tmp_path) != before


# The server's side: the module, run as Ansible runs it (its arguments in a file).
def module(tmp_path: Path, check: bool = False, **args: object) -> dict:
    arguments = tmp_path / "args.json"
    params = {"path": str(tmp_path / "run/stamps.json"), **args, "_ansible_check_mode": check}
    arguments.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": params}))
    result = subprocess.run(
        [sys.executable, str(MODULE), str(arguments)], capture_output=True, text=True, check=False
    )
    answer = json.loads(result.stdout)
    assert not answer.get("failed"), answer
    assert answer["changed"] is False
    return answer


def test_a_play_is_fresh_only_after_it_ran_to_the_end_with_the_same_key(tmp_path):
    assert module(tmp_path, key="k1", play="shared")["fresh"] is False
    assert module(tmp_path, key="k1", play="shared")["fresh"] is False
    module(tmp_path, key="k1", play="shared", done=True)
    assert module(tmp_path, key="k1", play="shared")["fresh"] is True
    assert module(tmp_path, key="k1", play="matrix")["fresh"] is False
    stamp = tmp_path / "run/stamps.json"
    assert stamp.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "run").stat().st_mode & 0o777 == 0o700


def test_a_new_key_forgets_every_play_before_anything_runs(tmp_path):
    for play in ("base", "shared"):
        module(tmp_path, key="k1", play=play)
        module(tmp_path, key="k1", play=play, done=True)
    # A run with something new starts: it stops half-way, before stamping anything.
    assert module(tmp_path, key="k2", play="base")["fresh"] is False
    # The old inventory comes back: nothing says the server is as it left it.
    assert module(tmp_path, key="k1", play="shared")["fresh"] is False


def test_a_play_done_under_another_key_is_not_stamped(tmp_path):
    module(tmp_path, key="k1", play="base")
    module(tmp_path, key="k2", play="base", done=True)
    assert module(tmp_path, key="k2", play="base")["fresh"] is False


def test_check_mode_writes_nothing(tmp_path):
    module(tmp_path, check=True, key="k1", play="base")
    module(tmp_path, check=True, key="k1", play="base", done=True)
    assert not (tmp_path / "run/stamps.json").exists()


@pytest.mark.parametrize("since", [time.time() - 25 * 3600, time.time() + 3600, "yesterday"])
def test_old_future_or_broken_stamps_do_not_count(tmp_path, since):
    (tmp_path / "run").mkdir()
    (tmp_path / "run/stamps.json").write_text(
        json.dumps({"key": "k1", "since": since, "plays": ["base"]})
    )
    assert module(tmp_path, key="k1", play="base", max_age_hours=24)["fresh"] is False


def test_an_unreadable_stamp_file_counts_as_none(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run/stamps.json").write_text("{not json")
    assert module(tmp_path, key="k1", play="base")["fresh"] is False
    module(tmp_path, key="k1", play="base", done=True)
    assert module(tmp_path, key="k1", play="base")["fresh"] is True
