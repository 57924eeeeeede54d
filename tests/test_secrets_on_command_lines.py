"""No secret on a command line: over SSH with sudo, a task's `environment:` becomes part of
the command sudo runs, which sudo writes to the journal and `-vvv` prints even under
no_log; a command's arguments are in `ps` for every local user while it runs. Secrets go
through a module's `stdin` or a root-only file instead.

This reads every task of the roles and playbooks and follows each variable they name back
through the roles' defaults and vars and the project's group_vars: a value is a secret when
its name says so (password, secret, token...) or when it is built from one. The site
scenario checks the same from outside, over SSH with sudo (molecule/site/tests/test_secrets.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SECRET_NAME = re.compile(r"password|passwd|secret|token|passphrase|api_hash|access_key")
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
JINJA = re.compile(r"{{(.*?)}}|{%(.*?)%}", re.DOTALL)
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Modules whose arguments become a program's command line on the server.
COMMANDS = {"command", "shell", "raw", "script"}
# Where a task's work or its children are.
NESTED = ("block", "rescue", "always", "tasks", "pre_tasks", "post_tasks", "handlers")


class Loader(yaml.SafeLoader):
    """Ansible's YAML, with the vault's tag read as an opaque string."""


Loader.add_constructor("!vault", lambda loader, node: "vaulted")
Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def load(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=Loader)


@functools.cache
def definitions() -> dict[str, str]:
    """Every variable the roles and the project define, with its raw value as text."""
    found: dict[str, str] = {}
    files = [
        *ROOT.glob("roles/*/defaults/main.yml"),
        *ROOT.glob("roles/*/vars/main.yml"),
        *ROOT.glob("group_vars/**/*.yml"),
    ]
    for path in files:
        for name, value in (load(path) or {}).items():
            found[name] = yaml.safe_dump(value)
    return found


def names_in(text: str) -> set[str]:
    """The identifiers of the Jinja expressions in a value (quoted literals left out)."""
    found: set[str] = set()
    for match in JINJA.finditer(text):
        expression = QUOTED.sub("''", match.group(1) or match.group(2))
        found |= set(NAME.findall(expression))
    return found


def is_secret(text: str, known: dict[str, str], seen: frozenset[str] = frozenset()) -> bool:
    for name in names_in(text) - seen:
        if SECRET_NAME.search(name):
            return True
        if name in known and is_secret(known[name], known, seen | {name}):
            return True
    return False


def tasks(items: Any) -> Iterator[dict[str, Any]]:
    for item in items or []:
        if not isinstance(item, dict):
            continue
        yield item
        for key in NESTED:
            yield from tasks(item.get(key))


def task_files() -> list[Path]:
    patterns = [
        "roles/*/tasks/*.yml",
        "roles/*/handlers/*.yml",
        "playbooks/*.yml",
        "playbooks/plays/*.yml",
        "playbooks/tasks/*.yml",
    ]
    return sorted(path for pattern in patterns for path in ROOT.glob(pattern))


def command_line(task: dict[str, Any]) -> str:
    """What becomes a program's command line: a command's arguments (not its stdin) and the
    task's own vars they may use."""
    for key, value in task.items():
        if key.split(".")[-1] in COMMANDS:
            args = (
                {k: v for k, v in value.items() if k != "stdin"}
                if isinstance(value, dict)
                else value
            )
            return yaml.safe_dump([args, task.get("vars", {})])
    return ""


def exposed(items: Any, known: dict[str, str], where: str) -> list[str]:
    found = []
    for task in tasks(items):
        label = f"{where}: {task.get('name', '(unnamed)')}"
        if "environment" in task and is_secret(yaml.safe_dump(task["environment"]), known):
            found.append(f"{label}: a secret in environment:")
        if is_secret(command_line(task), known):
            found.append(f"{label}: a secret in the command's arguments")
    return found


@pytest.mark.parametrize("path", task_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_task_puts_a_secret_on_a_command_line(path):
    assert exposed(load(path), definitions(), str(path.relative_to(ROOT))) == []


@pytest.mark.parametrize(
    ("task", "secret"),
    [
        ({"environment": {"OC_PASS": "{{ nextcloud_user_password }}"}}, True),
        # Through a variable that is built from a derived secret.
        ({"environment": "{{ __environment }}"}, True),
        ({"command": {"argv": "{{ occ + args }}"}, "vars": {"args": ["--pass={{ p }}"]}}, True),
        ({"ansible.builtin.shell": "restic -r {{ __url }} snapshots"}, True),
        (
            {"command": {"argv": ["occ", "user:add"], "stdin": "{{ nextcloud_user_password }}"}},
            False,
        ),
        ({"environment": {"RESTIC_PASSWORD_FILE": "/etc/collectif/restic.password"}}, False),
        ({"environment": {"CONFIG": "{{ __config_dir }}"}}, False),
    ],
)
def test_the_check_tells_secrets_from_other_values(task, secret):
    """The rule itself, on made-up tasks: it can fail."""
    known = {
        "__environment": "{{ {'URL': __url} }}",
        "__url": "rest:https://{{ user }}:{{ restic_rest_password }}@host/",
        "p": "{{ collectif_secret_key | collectif.core.secret('x') }}",
        "__config_dir": "/var/lib/app/config",
    }
    assert bool(exposed([{"name": "made up", **task}], known, "made-up")) is secret
