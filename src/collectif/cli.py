"""The `collectif` command: the playbooks a volunteer runs, with readable names.

    collectif preflight -i inventories/myasso   check the inventory, change nothing
    collectif deploy -i inventories/myasso      build or update the server (site.yml)
    collectif check -i inventories/myasso       dry run: what deploy would change, with diffs
    collectif deploy --full -i ...              check every task, even of the plays that ran
                                                to the end with nothing new since (stamps)
    collectif doctor -i inventories/myasso      health checks of every service
    collectif backup -i inventories/myasso      set up the backups (target, restic, timers)
    collectif snapshot -i inventories/myasso    take a backup now, and wait for it
    collectif upgrade -i inventories/myasso     a snapshot, then deploy (stops if it fails)
    collectif backup copy -i ... --to DIR       copy the backups (encrypted) to a disk at home
    collectif restore -i inventories/myasso     put the latest snapshot back (asks for the
                                                server's name; --confirm NAME without a terminal)
    collectif rebuild -i inventories/myasso     a new server: site.yml, then restore
    collectif rebuild -i ... --from DIR         ... restoring from a copy (backup copy)
    collectif secrets -i inventories/myasso     make the secret key and its vault, once
    collectif secrets -i ... --show nextcloud-admin    print a password a person types
    collectif secrets -i ... --edit             the vault's other values, in $EDITOR
    collectif member -i ... list                the members: plan, state, since when
    collectif member -i ... add LOGIN --name "Camille Martin" --email camille@... --plan P
    collectif member -i ... plan LOGIN PLAN     a new plan, from today (or --date)
    collectif member -i ... suspend|resume|remove LOGIN    a new state, dated
    collectif dns -i inventories/myasso         the DNS records the inventory needs (zone
                                                lines); --check asks DNS, --apply makes them at OVH
    collectif demo                              the local demo (scripts/demo)

Each prints a line per play and per role, keeps Ansible's whole output in
<inventory>/logs/<command>-<time>.log and says what failed; -v shows Ansible's output as it
runs. Arguments after the command go to ansible-playbook (for example --tags, --limit).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import backup_copy, dns, i18n, inventory_files, members, runs, secrets
from . import vault as vault_editor  # parser() names its subcommand `vault`

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "inventories" / "demo")

COMMANDS: dict[str, tuple[str, list[str], str]] = {
    "preflight": ("preflight.yml", [], "check the inventory; change nothing"),
    "deploy": ("site.yml", [], "build or update the server"),
    "check": ("site.yml", ["--check", "--diff"], "dry run: show what deploy would change"),
    "doctor": ("doctor.yml", [], "health checks of every service"),
    "backup": (
        "backup.yml",
        [],
        "set up the backups (the target's rest-server, restic, timers); `snapshot` takes one "
        "now; `backup copy --to DIR`: copy them, encrypted, to a disk at home",
    ),
    "snapshot": ("snapshot.yml", [], "take a backup now, wait for it, say which snapshot"),
    "upgrade": ("site.yml", [], "take a snapshot, then deploy (nothing is deployed if it fails)"),
    "restore": (
        "restore.yml",
        [],
        "put the latest snapshot back (-e restore_snapshot=ID); asks for the server's name",
    ),
    "rebuild": ("rebuild.yml", [], "the server died: build a new one and restore onto it"),
}
# The commands that skip a play whose stamp says it has nothing new to do.
FULL = ("deploy", "check", "backup", "rebuild", "upgrade")
# Ansible's extra value that turns the stamps off, as JSON: a boolean, not a text.
FULL_RUN = ["-e", '{"collectif_stamps": false}']


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="collectif",
        description="Build, check and repair an association's server.",
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_, _, summary) in COMMANDS.items():
        command = commands.add_parser(name, help=summary, description=summary)
        command.add_argument(
            "-i",
            "--inventory",
            default=DEMO,
            help="the association's inventory directory (default: the demo)",
        )
        command.add_argument(
            "-v",
            "--verbose",
            action="count",
            default=0,
            help="show Ansible's own output as it runs (-vv, -vvv: Ansible's -vv, -vvv)",
        )
        if name == "restore":
            command.add_argument(
                "--confirm",
                metavar="NAME",
                help="the server's name, as the inventory names it, when there is no "
                "terminal to type it in (several: separated by commas)",
            )
        if name in FULL:
            command.add_argument(
                "--full",
                action="store_true",
                help="check every task, even of the plays that already ran to the end with "
                "the same code, inventory and facts (collectif_stamps=false)",
            )
        if name in ("restore", "rebuild"):
            command.add_argument(
                "--from",
                dest="restore_from",
                metavar="DIR",
                help="restore from a copy made by `collectif backup copy --to DIR` (when "
                "the backup target is gone too)",
            )
    vault = commands.add_parser(
        "secrets",
        help="make the secret key (encrypted) and its vault password, once",
        description="Make collectif_secret_key, encrypted in the inventory's "
        "group_vars/all/vault.yml, and the vault password in ~/.config/collectif/. "
        "An existing key is never replaced.",
    )
    vault.add_argument("-i", "--inventory", required=True, help="the inventory directory")
    vault.add_argument(
        "--show",
        choices=sorted(secrets.showable()),
        help="print this password, derived from the key (it goes to your terminal only)",
    )
    vault.add_argument(
        "--edit",
        action="store_true",
        help="open the vault in $EDITOR for its other values (mail password, API keys...)",
    )
    _member_parser(commands)
    dns.add_parser(commands)
    commands.add_parser("demo", help="start or update the local demo server")
    return top


def _member_parser(commands: Any) -> None:
    member = commands.add_parser(
        "member",
        help="keep the members file (group_vars/all/members.yml): add, plan, suspend...",
        description="Keep the association's register of members, group_vars/all/members.yml "
        "of the inventory: each change is checked with the preflight's rules, dated, and "
        "written keeping the file's comments. / Tenir le registre des membres.",
    )
    member.add_argument("-i", "--inventory", required=True, help="the inventory directory")
    actions = member.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser(
        "list", help="each member's plan, state and the day they joined; counts and dues"
    )
    listing.add_argument(
        "--usage",
        action="store_true",
        help="also what each member's cloud files take against their quota (asks the server)",
    )
    add = actions.add_parser("add", help="a new member, active from today (or --date)")
    add.add_argument("login", help="lowercase letters, digits and . _ -, from a letter")
    add.add_argument("--name", required=True, help="as the member signs")
    add.add_argument("--email", required=True)
    add.add_argument("--plan", required=True, help="a plan of collectif_plans")
    password = actions.add_parser(
        "password",
        help="a new password on every account of the member, printed once (sessions end)",
    )
    password.add_argument("login")
    purge = actions.add_parser(
        "purge",
        help="export a gone member's data to an archive, then delete their accounts",
        description="For a member who is gone: each service exports what they own (cloud "
        "files, blog) into one archive, copied to --to, then deletes their accounts; "
        "their invoices stay. The login must be typed to confirm. / Effacer un membre "
        "parti, après une archive de ses données.",
    )
    purge.add_argument("login")
    purge.add_argument(
        "--to", default=".", help="the directory the archive is copied to (default: here)"
    )
    plan = actions.add_parser("plan", help="move a member to another plan")
    plan.add_argument("login")
    plan.add_argument("plan")
    dated = [add, plan]
    for change, summary in (
        ("suspend", "suspend an active member (fees unpaid...)"),
        ("resume", "make a suspended or gone member active again"),
        ("remove", "mark a member gone (left the association); nothing is deleted"),
    ):
        dated.append(actions.add_parser(change, help=summary))
        dated[-1].add_argument("login")
    for action in dated:
        action.add_argument(
            "--file-only",
            action="store_true",
            help="change the members file only; the server follows at the next deploy",
        )
        action.add_argument(
            "--date",
            type=datetime.date.fromisoformat,
            default=datetime.date.today(),
            help="the day the change took effect, year-month-day (default: today)",
        )


def member_command(args: argparse.Namespace) -> int:
    """`collectif member`: one change to the register, or its list."""
    if not getattr(args, "file_only", False) and (args.action != "list" or args.usage):
        vault_options(args.inventory)  # a missing vault password stops it before any change
    try:
        register = members.load(Path(args.inventory))
        if args.action == "list":
            table = [("login", "name", "plan", "state", "since"), *members.rows(register)]
            if args.usage:
                used = cloud_usage(args.inventory)
                if used is None:
                    print(members.say("list.unreachable"))
                    return 1
                quotas = members.quotas(register)
                table = [
                    (*table[0], members.say("list.usage_column")),
                    *(
                        (*row, members.usage_cell(used.get(row[0]), quotas.get(row[0], "")))
                        for row in table[1:]
                    ),
                ]
            columns = len(table[0])
            widths = [max(len(row[i]) for row in table) for i in range(columns)]
            for row in table:
                cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
                print("  ".join(cells).rstrip())
            print("\n".join(["", *members.summary(register)]))
            return 0
        if args.action == "purge":
            return purge_member(args.inventory, register, args.login, Path(args.to))
        if args.action == "password":
            register.find(args.login)  # a member of the file, or the known ones named
            return apply_member(args.inventory, args.login, first=True, reset=True)
        if args.action == "add":
            members.add(register, args.login, args.name, args.email, args.plan, args.date)
            first = True
            said = members.say("change.added", login=args.login, plan=args.plan, date=args.date)
        elif args.action == "plan":
            old = members.change_plan(register, args.login, args.plan, args.date)
            first = bool(new_services(register.inventory, old, args.plan))
            said = members.say(
                "change.plan", login=args.login, old=old, plan=args.plan, date=args.date
            )
        else:
            state = members.change_state(register, args.login, args.action, args.date)
            first = False
            said = members.say("change.state", login=args.login, state=state, date=args.date)
    except members.Refused as refused:
        print(members.say("change.refused", reason=refused))
        return 2
    members.save(register)
    print(members.say("change.written", said=said, path=register.path))
    if args.file_only:
        return 0
    return apply_member(args.inventory, args.login, first=first)


def cloud_usage(inventory: str) -> dict[str, int] | None:
    """What each account's cloud files take (bytes, by login), asked of the servers that run
    Nextcloud (playbooks/usage.yml); None when the run failed."""
    results: list[dict[str, Any]] = []
    rc = run_playbook("usage.yml", inventory, vault_options(inventory), results)
    if rc != 0:
        return None
    used: dict[str, int] = {}
    for result in results:
        for login, size in (result.get("nextcloud_usage") or {}).items():
            used[str(login)] = used.get(str(login), 0) + int(size)
    return used


def purge_member(inventory: str, register: members.Register, login: str, to: Path) -> int:
    """`collectif member purge`: a gone member's data into an archive, then their
    accounts deleted; the register marks them purged once the server has done it."""
    state = register.find(login).get("state", "active")
    if state != "gone":
        raise members.Refused(members.say("refused.purge_not_gone", login=login, state=state))
    print(members.say("purge.warning", login=login))
    # Checked now, written once the server has done it.
    members.change_state(register, login, "purge", datetime.date.today())
    typed = input(members.say("purge.prompt", login=login))
    if typed.strip() != login:
        print(members.say("purge.not_confirmed"))
        return 2
    to.mkdir(parents=True, exist_ok=True)
    values = {
        "collectif_members_only": [login],
        "collectif_members_purge": [login],
        "collectif_members_purge_to": str(to.resolve()),
    }
    rc = run_members_play(inventory, values)
    if rc != 0:
        print(members.say("purge.stopped", code=rc, login=login))
        return rc
    members.save(register)
    print(members.say("purge.done", login=login, to=to.resolve()))
    return 0


def run_members_play(inventory: str, values: dict[str, Any]) -> int:
    """The members play with this run's values, in a file only this user reads (-e @file:
    never on a command line, where first passwords would show)."""
    with tempfile.TemporaryDirectory(prefix="collectif-member-") as private:
        given = Path(private) / "run.json"
        given.touch(mode=0o600)
        given.write_text(json.dumps(values))
        return run_playbook(
            "members.yml", inventory, [*vault_options(inventory), "-e", f"@{given}"]
        )


def new_services(inventory: Path, old: str, new: str) -> set[str]:
    """The services plan `new` gives that plan `old` did not."""
    gives = {
        str(plan.get("name")): set(plan.get("services") or [])
        for plan in members.plans(inventory)
        if isinstance(plan, dict)
    }
    return gives.get(new, set()) - gives.get(old, set())


def apply_member(inventory: str, login: str, first: bool, reset: bool = False) -> int:
    """Run the members play for this member only. `first`: the change may make accounts
    (a new member, a plan with new services): a first password goes with the run, in a
    file only this user reads, and is printed once for the volunteer to hand over.
    `reset`: that password replaces the one of every account the member has."""
    password = members.first_password() if first else ""
    values: dict[str, Any] = {"collectif_members_only": [login]}
    if password:
        values["collectif_members_passwords"] = {login: password}
    if reset:
        values["collectif_members_reset"] = [login]
    with tempfile.TemporaryDirectory(prefix="collectif-member-") as private:
        given = Path(private) / "run.json"
        given.touch(mode=0o600)
        given.write_text(json.dumps(values))
        rc = run_playbook("members.yml", inventory, [*vault_options(inventory), "-e", f"@{given}"])
    if rc != 0:
        print(members.say("apply.failed", code=rc))
    if password:
        said = "apply.new_password" if reset else "apply.first_password"
        print(f"{members.say(said, login=login)}\n\n    {password}\n")
    return rc


def make_secrets(inventory: str) -> int:
    files = secrets.vault_files(Path(inventory))
    try:
        for line in secrets.ensure_vault(Path(inventory)):
            print(f"collectif secrets: {line}")
    except FileNotFoundError as missing:
        print(f"collectif secrets: {missing}")
        return 1
    print(i18n.say("vault", "secrets.made", password=files.password, inventory=inventory))
    return 0


def show_secret(inventory: str, name: str) -> int:
    files = secrets.vault_files(Path(inventory))
    if not (files.vault.exists() and files.password.exists()):
        print(i18n.say("vault", "show.no_key", vault=files.vault, password=files.password))
        return 1
    wanted = secrets.showable()[name]
    print(f"{wanted.who}: {secrets.show(Path(inventory), name)}")
    print(i18n.say("vault", "show.derived", variable=wanted.variable), file=sys.stderr)
    return 0


def edit_vault(inventory: str) -> int:
    """`collectif secrets --edit`: the vault's other values, in $EDITOR."""
    try:
        print(f"collectif secrets: {vault_editor.edit(Path(inventory))}")
    except vault_editor.Refused as refused:
        print(f"collectif secrets: {refused}")
        return 1
    return 0


def vault_options(inventory: str) -> list[str]:
    """Open the inventory's vault with its password file, when there is one; stop before
    anything runs when the vault is encrypted and its password file missing."""
    missing = secrets.password_missing(Path(inventory))
    if missing:
        raise SystemExit(f"{missing}\n{i18n.say('vault', 'stopped')}")
    password = secrets.vault_files(Path(inventory)).password
    return ["--vault-password-file", str(password)] if password.exists() else []


def mitogen_settings() -> dict[str, str]:
    """Ansible's settings to run the playbook under Mitogen (one Python kept open on each
    server instead of one started per task); none when COLLECTIF_MITOGEN=0 or when it is
    not installed."""
    if os.environ.get("COLLECTIF_MITOGEN", "1") != "1":
        return {}
    try:
        import ansible_mitogen  # optional: without it, Ansible's own strategy
    except ImportError:
        return {}
    strategies = Path(ansible_mitogen.__file__).parent / "plugins" / "strategy"
    return {"ANSIBLE_STRATEGY_PLUGINS": str(strategies), "ANSIBLE_STRATEGY": "mitogen_linear"}


def run_playbook(
    playbook: str,
    inventory: str,
    extra: Sequence[str],
    results: list[dict[str, Any]] | None = None,
) -> int:
    """Run one playbook from the project, printing Ansible's output; return its exit code.
    With `results`: print nothing and collect each task's result there instead."""

    def show(event: dict[str, Any]) -> bool:
        if results is not None:
            if event.get("event") == "runner_on_ok":
                results.append(event.get("event_data", {}).get("res", {}))
            return False
        # Each event carries its own clean text; ansible-runner's raw stream has markers.
        if event.get("stdout"):
            print(event["stdout"], flush=True)
        return False  # nothing to keep in the artifacts beyond what runner keeps anyway

    with tempfile.TemporaryDirectory(prefix="collectif-") as private:
        return runs.ansible(
            private, playbook, inventory, extra, show, sys.stdout.isatty(), mitogen_settings()
        )


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:2] == ["backup", "copy"]:  # its own options (--to), and its own help
        return backup_copy.command(words[2:], DEMO, run_playbook, vault_options)
    args, extra = parser().parse_known_args(words)
    if args.command == "demo":
        os.execv(str(ROOT / "scripts" / "demo"), [str(ROOT / "scripts" / "demo"), *extra])
    for line in inventory_files.relink(Path(args.inventory)):  # an inventory copied out
        print(f"collectif {args.command}: {line}")
    if args.command == "member":
        return member_command(args)
    if args.command == "dns":
        return dns.command(args)
    if args.command == "secrets":
        if args.show:
            return show_secret(args.inventory, args.show)
        if args.edit:
            return edit_vault(args.inventory)
        return make_secrets(args.inventory)
    playbook, options, _ = COMMANDS[args.command]
    unreadable = inventory_files.problems(Path(args.inventory))
    if unreadable:
        print(i18n.say("cli", "inventory.unreadable", count=len(unreadable)))
        for line in unreadable:
            print(f"- {line}")
        return 2
    if args.command == "backup" and extra[:1] == ["copy"]:  # backup -i INV copy --to DIR
        copy = ["-i", args.inventory, *extra[1:]]
        return backup_copy.command(copy, DEMO, run_playbook, vault_options)
    if getattr(args, "full", False):
        options = [*options, *FULL_RUN]
    if getattr(args, "restore_from", None):
        source = backup_copy.restore_options(args.restore_from)
        if isinstance(source, str):
            print(source)
            return 2
        options = [*options, *source]
    if args.command == "restore" and not runs.restore_confirmed(args.inventory, args.confirm):
        return 2
    return runs.command(
        args.command,
        playbook,
        args.inventory,
        vault_options(args.inventory),
        [*options, *extra],
        verbose=args.verbose,
        settings=mitogen_settings(),
    )


if __name__ == "__main__":
    sys.exit(main())
