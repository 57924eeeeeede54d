"""Secrets off command lines, out of the journal, out of files other users can read and out
of Ansible's verbose output, when Ansible reaches the server as a volunteer does: over SSH,
as an admin, with sudo (the other steps of the scenario use Docker's connection, which has
neither). secrets.yml makes every task that hands a secret to a program run once more:
Nextcloud's install (the stand-in set back to not installed), a member's first password,
the backups' repository. pytest's test_secrets_on_command_lines.py reads every task for
the same rule; this is the proof from outside."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

testinfra_hosts = ["ansible://asso1"]

PROJECT = Path(os.environ["MOLECULE_PROJECT_DIRECTORY"])
EPHEMERAL = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
STATE = "/var/lib/nextcloud/config/standin-state.json"
# Where a file that a local user can read may hold configuration or data.
READABLE = "/etc /var /home /root /srv /opt /tmp /run /usr/local"

# Ansible's own SSH connection puts a task's environment on sudo's command line; Mitogen
# (the volunteer's default, when this test machine has it) does not, but logs at -vvv.
WAYS = {
    "ansible-ssh": {"ANSIBLE_STRATEGY": "linear"},
    "as-configured": {},
}


@dataclass
class Run:
    output: str
    returncode: int
    since: int  # the server's clock when the run began
    member: str
    member_password: str
    secrets: dict[str, str]


def derived_secrets(derived: Callable[..., str]) -> dict[str, str]:
    """The association's key and what the roles derive from it for these tasks."""
    key = (EPHEMERAL / "secrets" / "key").read_text().split()[0]
    return {
        "the association's key": key,
        "Nextcloud's database password": derived("nextcloud.database"),
        "Nextcloud's administrator password": derived("nextcloud.admin", 24),
        "WordPress's administrator password": derived("wordpress.admin", 24),
        "Invoice Ninja's first account's password": derived("invoiceninja.admin", 24),
        "Invoice Ninja's database password": derived("invoiceninja.database"),
        "Invoice Ninja's application key": derived("invoiceninja.app_key", 32),
        "the backups' repository password": derived("restic.password"),
        "the backup target's account password": derived("rest-server.asso1"),
        # From the vault on a real server; the scenario's own, in Molecule's directory.
        "the mail provider's password": (EPHEMERAL / "secrets" / "mailrelay")
        .read_text()
        .split()[0],
    }


@pytest.fixture(scope="module", params=list(WAYS))
def run(request, host, tmp_path_factory, run_playbook, secret_of) -> Run:
    way = request.param
    work = tmp_path_factory.mktemp(f"ssh-{way}")
    address = host.check_output("hostname -I").split()[0]
    (work / "over-ssh.yml").write_text(
        json.dumps(
            {
                "all": {
                    "hosts": {
                        "asso1": {
                            "ansible_connection": "ssh",
                            "ansible_host": address,
                            "ansible_user": "sacha",
                            "ansible_ssh_private_key_file": str(EPHEMERAL / "admin_key"),
                            "ansible_ssh_common_args": "-o UserKnownHostsFile=/dev/null",
                        }
                    }
                }
            }
        )
    )
    member = f"ssh{way.replace('-', '')}{secrets.randbelow(10**6)}"
    password = secrets.token_urlsafe(18)
    values = work / "member.json"
    values.write_text(json.dumps({"secrets_member": member, "secrets_member_password": password}))
    values.chmod(0o600)
    since = int(host.check_output("date +%s"))
    played = run_playbook(
        "../molecule/site/secrets.yml",
        "-i",
        str(work / "over-ssh.yml"),
        "-e",
        f"@{values}",
        "-vvv",
        env={**WAYS[way], "ANSIBLE_HOST_KEY_CHECKING": "False"},
    )
    return Run(
        played.output,
        played.returncode,
        since,
        member,
        password,
        {**derived_secrets(secret_of), "the member's first password": password},
    )


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_secrets_reached_their_programs(host, run):
    """The run did its work: the check below cannot pass by doing nothing."""
    assert run.returncode == 0, run.output[-6000:]
    logins = host.check_output(f"journalctl --since @{run.since} _COMM=sshd-session -o cat")
    logins += host.check_output(f"journalctl --since @{run.since} _COMM=sshd -o cat")
    assert "Accepted publickey for sacha" in logins
    state = json.loads(host.check_output(f"cat {STATE}"))
    assert state["installed"] is True
    assert state["install"]["passwords_on_command_line"] is False
    admin = run.secrets["Nextcloud's administrator password"]
    assert state["install"]["admin_password_sha256"] == sha256(admin)
    assert state["users"][run.member]["password_sha256"] == sha256(run.member_password)
    # The member's other accounts took the same first password: Matrix's, for one.
    signed_in = host.check_output(
        "curl -sS -X POST http://127.0.0.1:8008/_matrix/client/v3/login -d @- <<'EOF'\n"
        + json.dumps(
            {
                "type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": run.member},
                "password": run.member_password,
            }
        )
        + "\nEOF"
    )
    assert json.loads(signed_in)["user_id"] == f"@{run.member}:collectif.test"
    # Invoice Ninja's first account was made again, with the derived password.
    assert "TASK [invoiceninja : Make the first account, once]" in run.output
    hashed = host.check_output(
        "mariadb -N -e \"SELECT password FROM invoiceninja.users WHERE email = 'admin@collectif.test'\""
    )
    first = run.secrets["Invoice Ninja's first account's password"]
    assert (
        host.check_output(
            f"php -r 'echo password_verify($argv[1], $argv[2]) ? 1 : 0;' '{first}' '{hashed}'"
        )
        == "1"
    )
    # collectif-backup reached the repository with the password and account of restic.env.
    assert "TASK [restic : Create the repository, once]" in run.output
    assert "/usr/local/sbin/collectif-backup" in run.output


def test_no_secret_in_the_verbose_output(run):
    shown = [what for what, value in run.secrets.items() if value in run.output]
    assert shown == []


def test_no_secret_in_the_journal(host, run):
    """sudo writes each command it runs to the journal: the run's are there, without a
    secret (neither are they anywhere else in the journal)."""
    time.sleep(1)  # journald takes what sudo sent a moment later
    commands = host.check_output(f"journalctl --since @{run.since} _COMM=sudo -o cat")
    assert "COMMAND=" in commands
    journal = host.check_output("journalctl -o cat --no-pager")
    assert [what for what, value in run.secrets.items() if value in journal] == []


def test_no_secret_in_a_file_other_users_can_read(host, run):
    """grep as nobody: exactly what a local user, or a service broken into, could read."""
    patterns = "\n".join(run.secrets.values())
    # grep exits 2 when some files were unreadable (nobody's case), 0 only on a match.
    search = f"printf '%s\\n' '{patterns}' | runuser -u nobody -- grep -rlsF -f - {READABLE}"
    found = host.run(search)
    assert (found.rc, found.stdout.split()) in [(1, []), (2, [])], found.stdout
    # The search can find: a file every user reads, holding one of them, is found.
    host.check_output(f"printf '%s' '{run.member_password}' > /tmp/probe")
    try:
        host.check_output("chmod 0644 /tmp/probe")
        assert host.run(search).stdout.split() == ["/tmp/probe"]
    finally:
        host.check_output("rm -f /tmp/probe")
