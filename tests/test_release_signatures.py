"""Nextcloud's and Element's releases reach `artifact` with upstream's signature when their
key is given, and with none (nothing fetched) when it is not; a key in the role's files/
is named through role_path, which is the declaring role's even when `artifact` reads it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PLAY = [
    {
        "hosts": "h1",
        "gather_facts": False,
        "vars": {"collectif_domain": "example.org", "collectif_secret_key": "k" * 48},
        "tasks": [
            {
                "ansible.builtin.debug": {
                    "msg": "RELEASES {{ lookup('collectif.core.needs', 'artifact_releases') | to_json }}"
                }
            }
        ],
    }
]
HOSTS = {
    "all": {
        "children": {
            "nextcloud": {"hosts": {"h1": {"ansible_connection": "local"}}},
            "matrix": {"hosts": {"h1": {}}},
        }
    }
}


def releases(tmp_path: Path, extra: dict[str, str]) -> dict[str, dict[str, Any]]:
    (tmp_path / "play.yml").write_text(yaml.safe_dump(PLAY))
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(HOSTS))
    (tmp_path / "extra.json").write_text(json.dumps(extra))
    result = subprocess.run(
        ["ansible-playbook", "-i", "hosts.yml", "play.yml", "-e", "@extra.json"],
        cwd=tmp_path,
        env={
            **os.environ,
            "ANSIBLE_COLLECTIONS_PATH": str(ROOT / "collections"),
            "ANSIBLE_ROLES_PATH": str(ROOT / "roles"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_STDOUT_CALLBACK": "json",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    messages = [
        task["hosts"]["h1"]["msg"]
        for play in json.loads(result.stdout)["plays"]
        for task in play["tasks"]
    ]
    found = json.loads(next(m for m in messages if m.startswith("RELEASES ")).split(" ", 1)[1])
    return {release["name"]: release for release in found}


def test_no_key_no_signature(tmp_path: Path) -> None:
    found = releases(tmp_path, {})
    for name in ("nextcloud", "element-web"):
        assert found[name]["signature_url"] == ""
        assert found[name]["signing_key"] == ""


@pytest.mark.parametrize(
    ("role", "name", "signature"),
    [
        ("nextcloud", "nextcloud", "/nextcloud-35.0.1.tar.bz2.asc"),
        ("element_web", "element-web", "/v1.12.28/element-v1.12.28.tar.gz.asc"),
    ],
)
def test_a_key_in_the_role_turns_the_signature_on(
    tmp_path: Path, role: str, name: str, signature: str
) -> None:
    extra = {
        f"{role}_signing_key": "{{ role_path }}/files/release-key.asc",
        "nextcloud_version": "35.0.1",
        "element_web_version": "1.12.28",
    }
    release = releases(tmp_path, extra)[name]
    assert release["signature_url"].endswith(signature)
    assert release["signing_key"] == str(ROOT / "roles" / role / "files" / "release-key.asc")
