"""The artifact role, run against this machine (connection local) into a scratch directory:
mirror, cache, checksum, signature, and nothing half-done on failure. The archives are
stand-ins made here, laid out like upstream's (a top directory holding the release)."""

from __future__ import annotations

import getpass
import grp
import hashlib
import os
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
UNREACHABLE = "http://127.0.0.1:9/releases"  # the discard port: upstream is offline


@pytest.fixture
def world(tmp_path):
    """A stand-in release in a mirror, an empty cache and an empty install root."""
    release = tmp_path / "build" / "standin-1.0"
    (release / "bin").mkdir(parents=True)
    (release / "VERSION").write_text("1.0\n")
    (release / "bin" / "hello").write_text("#!/bin/sh\necho bonjour\n")
    mirror = tmp_path / "mirror" / "standin" / "1.0"
    mirror.mkdir(parents=True)
    archive = mirror / "standin-1.0.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(release, arcname="standin-1.0")
    return {
        "tmp": tmp_path,
        "archive": archive,
        "sha256": hashlib.sha256(archive.read_bytes()).hexdigest(),
        "mirror": f"file://{tmp_path / 'mirror'}",
        "cache": tmp_path / "cache",
        "dest": tmp_path / "opt" / "standin",
    }


def install(world, **overrides) -> subprocess.CompletedProcess:
    variables = {
        "artifact_name": "standin",
        "artifact_version": "1.0",
        "artifact_url": f"{UNREACHABLE}/standin-1.0.tar.gz",
        "artifact_sha256": world["sha256"],
        "artifact_dest": str(world["dest"]),
        "artifact_strip_components": 1,
        "artifact_mirror": world["mirror"],
        "artifact_cache_dir": str(world["cache"]),
        "artifact_owner": getpass.getuser(),
        "artifact_group": grp.getgrgid(os.getgid()).gr_name,
        **overrides,
    }
    (world["dest"].parent).mkdir(parents=True, exist_ok=True)
    playbook = world["tmp"] / "install.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Install a stand-in release",
                    "hosts": "localhost",
                    "gather_facts": False,
                    "tasks": [
                        {
                            "name": "Install it",
                            "ansible.builtin.include_role": {
                                "name": "artifact",
                                "tasks_from": "release",
                            },
                            "vars": variables,
                        }
                    ],
                }
            ]
        )
    )
    env = {
        **os.environ,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
    }
    return subprocess.run(
        [
            "ansible-playbook",
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            "ansible_python_interpreter={{ ansible_playbook_python }}",
            str(playbook),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def changed(result: subprocess.CompletedProcess) -> int:
    recap = [line for line in result.stdout.splitlines() if line.startswith("localhost")]
    return int(recap[-1].split("changed=")[1].split()[0])


def leftovers(world) -> list[Path]:
    return [p for p in world["tmp"].rglob("*") if p.name.endswith(".partial")]


def test_installs_from_the_mirror_verifies_caches_and_links(world):
    result = install(world)
    assert result.returncode == 0, result.stdout
    dest = world["dest"]
    assert dest.is_symlink() and os.readlink(dest) == f"{dest}-1.0"
    assert (dest / "VERSION").read_text() == "1.0\n"  # top directory stripped
    assert (dest / f".collectif-artifact-{world['sha256'][:16]}").exists()
    cached = world["cache"] / "standin" / "1.0" / "standin-1.0.tar.gz"
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == world["sha256"]
    assert leftovers(world) == []


def test_second_run_changes_nothing(world):
    assert install(world).returncode == 0
    again = install(world)
    assert again.returncode == 0, again.stdout
    assert changed(again) == 0


def test_wrong_checksum_stops_and_leaves_nothing(world):
    wrong = "0" * 64
    result = install(world, artifact_sha256=wrong)
    assert result.returncode != 0
    text = " ".join(result.stdout.split())
    assert (
        f"the sha256 of standin-1.0.tar.gz from {world['mirror']}/standin/1.0/standin-1.0.tar.gz is {world['sha256']}, but the pinned one is {wrong}"
        in text
    )
    assert "Nothing was cached, copied or unpacked" in text
    assert not (world["cache"] / "standin" / "1.0" / "standin-1.0.tar.gz").exists()
    assert not world["dest"].exists() and not Path(f"{world['dest']}-1.0").exists()
    assert leftovers(world) == []


def test_rebuild_uses_the_cache_when_mirror_and_upstream_are_offline(world):
    assert install(world).returncode == 0
    # The new server: nothing installed, the mirror gone, upstream unreachable.
    subprocess.run(
        ["rm", "-rf", str(world["dest"]), f"{world['dest']}-1.0", str(world["tmp"] / "mirror")],
        check=True,
    )
    result = install(world)
    assert result.returncode == 0, result.stdout
    assert (world["dest"] / "bin" / "hello").exists()


def test_a_malformed_pin_is_refused_before_anything(world):
    result = install(world, artifact_sha256="not-a-checksum")
    assert result.returncode != 0
    assert "artifact_sha256 must be 64 lowercase hexadecimal characters" in " ".join(
        result.stdout.split()
    )
    assert not world["cache"].exists()


def gpg(home: Path, *args: str) -> None:
    subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--quiet", *args],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def signed(world):
    """The stand-in signed by a stand-in upstream key, and a second key that did not sign it."""
    keys = {}
    for who in ("upstream", "someone-else"):
        home = world["tmp"] / f"gnupg-{who}"
        home.mkdir(mode=0o700)
        gpg(
            home,
            "--passphrase",
            "",
            "--quick-gen-key",
            f"Stand-in {who} <{who}@asso-exemple.fr>",
            "ed25519",
            "sign",
            "never",
        )
        keys[who] = world["tmp"] / f"{who}.asc"
        gpg(home, "--armor", "--output", str(keys[who]), "--export")
        if who == "upstream":
            gpg(
                home,
                "--armor",
                "--detach-sign",
                "--output",
                f"{world['archive']}.asc",
                str(world["archive"]),
            )
    return keys


def test_a_good_signature_is_accepted(world, signed):
    result = install(
        world,
        artifact_signature_url=f"{UNREACHABLE}/standin-1.0.tar.gz.asc",
        artifact_signing_key=str(signed["upstream"]),
    )
    assert result.returncode == 0, result.stdout
    assert (world["cache"] / "standin" / "1.0" / "standin-1.0.tar.gz.sig").exists()


def test_a_signature_by_another_key_is_refused(world, signed):
    result = install(
        world,
        artifact_signature_url=f"{UNREACHABLE}/standin-1.0.tar.gz.asc",
        artifact_signing_key=str(signed["someone-else"]),
    )
    assert result.returncode != 0
    assert "the signature of standin-1.0.tar.gz does not verify" in " ".join(result.stdout.split())
    assert not (world["cache"] / "standin" / "1.0" / "standin-1.0.tar.gz").exists()
    assert not world["dest"].exists()
    assert leftovers(world) == []


def test_a_single_binary_is_installed_with_its_mode(world):
    binary = world["tmp"] / "mirror" / "tool" / "2.0" / "tool-amd64"
    binary.parent.mkdir(parents=True)
    binary.write_bytes(b"#!/bin/sh\necho tool\n")
    dest = world["tmp"] / "opt" / "tool"
    result = install(
        world,
        artifact_name="tool",
        artifact_version="2.0",
        artifact_url=f"{UNREACHABLE}/tool-amd64",
        artifact_unpack=False,
        artifact_sha256=hashlib.sha256(binary.read_bytes()).hexdigest(),
        artifact_dest=str(dest),
        artifact_strip_components=0,
    )
    assert result.returncode == 0, result.stdout
    assert dest.read_bytes() == binary.read_bytes()
    assert dest.stat().st_mode & 0o777 == 0o755
