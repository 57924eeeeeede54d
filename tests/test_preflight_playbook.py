"""site.yml against broken inventories: each stops in preflight with a clear message and the
host is never reached. The `tripwire` connection (tests/plugins/connection) records any
attempt to reach a host; the valid inventory shows that it does fire."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBhq2Zl2cQ6r0b0Q3xqkzV4mHcQz5qfE6Zt1d5bQ9y2a camille@laptop"
ASSOCIATION = {
    "collectif_domain": "example.org",
    "collectif_admin_email": "bureau@example.org",
    "base_admin_users": [{"name": "camille", "ssh_keys": [KEY]}],
}
HOSTS = {"all": {"children": {"servers": {"hosts": {"asso1": {"ansible_connection": "tripwire"}}}}}}


def run_site(
    tmp_path: Path, association: dict, hosts: dict | None = None
) -> tuple[subprocess.CompletedProcess, str]:
    inventory = tmp_path / "inventory"
    (inventory / "group_vars" / "all").mkdir(parents=True)
    shutil.copy(
        ROOT / "group_vars" / "all.yml", inventory / "group_vars" / "all" / "00-project.yml"
    )
    (inventory / "group_vars" / "all" / "association.yml").write_text(yaml.safe_dump(association))
    (inventory / "hosts.yml").write_text(yaml.safe_dump(hosts or HOSTS))
    record = tmp_path / "reached"
    env = {
        **os.environ,
        "ANSIBLE_CONNECTION_PLUGINS": str(ROOT / "tests" / "plugins" / "connection"),
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_CACHE_PLUGIN": "memory",
        "COLLECTIF_TRIPWIRE": str(record),
    }
    result = subprocess.run(
        ["ansible-playbook", "-i", str(inventory), "playbooks/site.yml"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    reached = record.read_text() if record.exists() else ""
    return result, reached


def test_valid_inventory_passes_preflight_and_reaches_the_host(tmp_path):
    result, reached = run_site(tmp_path, ASSOCIATION)
    assert "The inventory has" not in result.stdout
    assert reached.strip() == "asso1", result.stdout  # the tripwire does fire
    assert result.returncode != 0  # unreachable, as tripwire hosts are


BROKEN = {
    "missing association values": (
        {"base_admin_users": ASSOCIATION["base_admin_users"]},
        None,
        [
            "collectif_domain: is required (for example: example.org). Set it in",
            "collectif_admin_email: is required (for example: bureau@example.org). Set it in",
        ],
    ),
    "bad formats, reported together": (
        {
            **ASSOCIATION,
            "collectif_domain": "Example.org",
            "collectif_admin_email": "bureau",
            "collectif_plans": [{"name": "essentiel", "nextcloud_quota": "5 Go"}],
        },
        None,
        [
            "The inventory has 3 problem(s); nothing was changed on asso1",
            "collectif_domain: 'Example.org' has uppercase letters",
            "collectif_admin_email: 'bureau' is not an e-mail address",
            "collectif_plans[0].nextcloud_quota: '5 Go' is not a quota",
        ],
    ),
    "no admin key on a real server": (
        {**ASSOCIATION, "base_admin_users": []},
        None,
        ["base_admin_users: no admin with an SSH key"],
    ),
    "wrong types caught by the role's argument specs": (
        {**ASSOCIATION, "base_sshd_port": "twenty-two", "base_sshd_permit_root_login": "yes"},
        None,
        [
            "role base: argument 'base_sshd_port' is of type str and we were unable to convert to int",
            "role base: value of base_sshd_permit_root_login must be one of: prohibit-password, no, got: yes",
        ],
    ),
    "incoherent service groups": (
        ASSOCIATION,
        {
            "all": {
                "vars": {"ansible_connection": "tripwire"},
                "children": {
                    "servers": {"hosts": {"asso1": {}}},
                    "nextcloud": {"hosts": {"asso1": {}, "asso2": {}}},
                    "nextclowd": {"hosts": {"asso1": {}}},
                },
            }
        },
        [
            "group nextcloud: has 2 hosts (asso1, asso2); nextcloud runs on one host only",
            "host asso2 is in nextcloud but not in 'servers'",
            "group nextclowd: is not a collectif group; did you mean 'nextcloud'?",
        ],
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_inventory_stops_before_touching_the_host(tmp_path, case):
    association, hosts, expected = BROKEN[case]
    result, reached = run_site(tmp_path, association, hosts)
    assert result.returncode != 0
    for line in expected:
        assert line in result.stdout, result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert reached == "", f"the host was reached: {reached!r}"
