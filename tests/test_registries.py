"""What must agree with the roles' declarations (roles/<role>/meta/collectif.yml), and the
rules that must live in one place. Each test names the file to fix when it fails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from collectif import accounts, services
from collectif.cli import parser

ROOT = Path(__file__).resolve().parents[1]
PLAYBOOKS = ROOT / "playbooks"
MEMBERS = "plays/members.yml"
SERVICES = services.load()
BY_NAME = {service.name: service for service in SERVICES}
ROLE_FILES = sorted(
    path
    for path in (ROOT / "roles").rglob("*")
    if path.is_file() and path.suffix in (".yml", ".j2") and "meta" not in path.parts
)


def load(path: Path) -> object:
    return yaml.safe_load(path.read_text())


def imports(playbook: Path) -> list[str]:
    """The playbooks a playbook imports, relative to playbooks/."""
    return [
        str(
            (playbook.parent / play["ansible.builtin.import_playbook"])
            .resolve()
            .relative_to(PLAYBOOKS)
        )
        for play in load(playbook)
        if "ansible.builtin.import_playbook" in play
    ]


def member_contracts() -> dict[str, tuple[str, str]]:
    """The roles plays/members.yml includes: role -> (the plan service it hands the role,
    the condition on the host's groups)."""
    found = {}
    for play in load(PLAYBOOKS / MEMBERS):
        for task in play.get("tasks", []):
            include = task["ansible.builtin.include_role"]
            assert include["tasks_from"] == "members", task["name"]
            wanted = task["vars"][f"{include['name']}_members"]
            service = re.search(r"service_accounts\([^,]+, '(\w+)'", wanted)
            found[include["name"]] = (service and service[1], task["when"])
    return found


def roles_of(play_file: str) -> list[tuple[str, list[str]]]:
    """The roles a play file runs, with their tags, in order."""
    found = []
    for play in load(PLAYBOOKS / play_file):
        for role in play.get("roles", []):
            found.append((role["role"], list(role.get("tags", []))))
    return found


def test_every_role_but_preflight_is_declared():
    roles = {p.name for p in (ROOT / "roles").iterdir() if (p / "tasks").is_dir()}
    assert roles - set(BY_NAME) == {"preflight"}, "add meta/collectif.yml to these roles"


@pytest.mark.parametrize(
    "playbook", sorted(p.name for p in PLAYBOOKS.glob("*.yml") if p.name != "preflight.yml")
)
def test_every_playbook_checks_the_inventory_first(playbook):
    """Run alone, each playbook refuses a broken inventory before it reaches a host (its
    first play, through the playbooks it imports first, is preflight.yml's)."""
    path = PLAYBOOKS / playbook
    while (first := load(path)[0]).get("ansible.builtin.import_playbook"):
        path = (path.parent / first["ansible.builtin.import_playbook"]).resolve()
    assert path == PLAYBOOKS / "preflight.yml", f"{playbook} starts with {path.name}"


def test_site_imports_every_play_in_the_declared_order():
    site = imports(PLAYBOOKS / "site.yml")
    plays = [play for play in site if play.startswith("plays/")]
    assert site[0] == "preflight.yml" and site[-1] == "doctor.yml"
    declared = {service.playbook for service in SERVICES}
    assert set(plays) - {MEMBERS} == declared, (
        "site.yml must import each service's play, and only those (and the members' play)"
    )
    # The members' accounts: once every service with a member contract runs, and before
    # the backups (which then hold them).
    contracts = {s.playbook for s in SERVICES if s.members}
    assert max(plays.index(p) for p in contracts) < plays.index(MEMBERS)
    assert plays.index(MEMBERS) < plays.index("plays/backup.yml")
    plays = [play for play in plays if play != MEMBERS]
    # Where each role runs in site.yml: its play's place, then its place in the play.
    position = {
        role: (plays.index(play), index)
        for play in plays
        for index, (role, _) in enumerate(roles_of(play))
    }
    assert set(position) == set(BY_NAME), "each declared role runs in its play"
    for service in SERVICES:
        assert BY_NAME[service.name].playbook == plays[position[service.name][0]]
        earlier = set(service.after) | {
            other.name for other in SERVICES if services.stage(other) < services.stage(service)
        }
        for before in earlier:
            assert position[before] < position[service.name], (
                f"site.yml runs {service.name} before {before}, which its declaration "
                "(service.after, or an earlier stage) puts first"
            )


@pytest.mark.parametrize("play", sorted({s.playbook for s in SERVICES}))
def test_roles_carry_the_tags_of_the_services_that_need_them(play):
    """--tags <service> must also run what the service stands on (its needs' consumers)."""
    for role, tags in roles_of(play):
        consumers = {
            service.name
            for service in SERVICES
            for kind in service.needs
            if services.NEEDS[kind] == role and service.name != role
        }
        assert role in tags, f"playbooks/{play}: role {role} must carry its own tag"
        assert consumers <= set(tags), (
            f"playbooks/{play}: role {role} must carry the tags of {sorted(consumers - set(tags))}"
        )


@pytest.mark.parametrize(
    ("playbook", "calls"),
    [("matrix.yml", True), ("jitsi.yml", True), ("nextcloud.yml", False), ("wordpress.yml", False)],
)
def test_a_service_playbook_brings_what_it_stands_on(playbook, calls):
    """Each runs its play with the base, the shared services and, for calls, TURN."""
    assert imports(PLAYBOOKS / playbook) == [
        "preflight.yml",
        "plays/base.yml",
        "plays/shared.yml",
        *(["plays/coturn.yml"] if calls else []),
        f"plays/{playbook}",
        "plays/backup.yml",
        "doctor.yml",
    ]


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_health_checks_are_declared(service):
    """doctor.yml runs tasks/health.yml of every service that declares one, no other."""
    has_file = (service.path / "tasks" / "health.yml").exists()
    assert has_file == service.health, f"roles/{service.name}: health and tasks/health.yml disagree"


@pytest.mark.parametrize("kind", services.NEEDS)
def test_each_kind_of_need_is_consumed_by_its_role(kind):
    consumer = services.NEEDS[kind]
    defaults = load(ROOT / "roles" / consumer / "defaults" / "main.yml")
    assert defaults.get(f"{kind}_auto") == f"{{{{ lookup('collectif.core.needs', '{kind}') }}}}", (
        f"roles/{consumer}/defaults/main.yml must read {kind}_auto from the declarations"
    )


def test_inventories_use_known_groups_only():
    known = set(services.known_groups())
    for inventory in ("example", "demo"):
        groups = set(load(ROOT / "inventories" / inventory / "hosts.yml")["all"]["children"])
        assert groups <= known, f"inventories/{inventory}/hosts.yml: {groups - known}"


def test_showable_secrets_are_what_the_cli_offers():
    choices = parser()._subparsers._group_actions[0].choices["secrets"]
    show = next(action for action in choices._actions if action.dest == "show")
    assert sorted(show.choices) == sorted(services.showable())
    assert {"nextcloud-admin", "wordpress-admin", "restic"} <= set(services.showable())


def test_readme_lists_every_service():
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("<!-- services -->") : readme.index("<!-- /services -->")]
    rows = re.findall(r"^\| `([a-z_]+)` \| (.+?) \|", table, re.MULTILINE)
    assert [(name, title) for name, title in rows] == [(s.name, s.title) for s in SERVICES], (
        "README.md's list of services (between the services markers) must be the declarations' "
        "names and titles, in their order"
    )


# --- One rule, one place ---------------------------------------------------------------

SECRET_CALL = re.compile(r"collectif\.core\.secret\((?P<purpose>[^,)]+)")


def _secret_purposes(service: services.Service) -> list[re.Pattern[str]]:
    """The declared purposes, {placeholders} standing for anything."""
    return [
        re.compile("^" + re.sub(r"\\\{[a-z_]+\\\}", ".+", re.escape(secret.purpose)) + "$")
        for secret in service.secrets
    ]


def test_no_role_derives_a_secret_another_way():
    offenders = [
        str(path.relative_to(ROOT))
        for path in [*ROLE_FILES, *PLAYBOOKS.rglob("*.yml")]
        if re.search(r"hash\(\s*'sha|password_hash|sha256sum|hashlib", path.read_text())
    ]
    assert offenders == [], "derive secrets with collectif.core.secret only"


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_every_secret_a_role_derives_is_declared_by_it(service):
    declared = _secret_purposes(service)
    for path in (service.path).rglob("*"):
        if not path.is_file() or path.suffix not in (".yml", ".j2") or "meta" in path.parts:
            continue
        for match in SECRET_CALL.finditer(path.read_text()):
            # 'mautrix-' ~ network ~ '.as_token' -> "mautrix-x.as_token": a variable's part
            # stands for any value, as a {placeholder} does in the declaration.
            purpose = "".join(
                part.strip()[1:-1] if part.strip()[:1] in "'\"" else "x"
                for part in match["purpose"].split("~")
            )
            assert any(pattern.match(purpose) for pattern in declared), (
                f"{path.relative_to(ROOT)}: secret '{purpose}' is not in roles/{service.name}"
                "/meta/collectif.yml, secrets"
            )


def test_no_two_roles_derive_the_same_secret():
    purposes = [secret.purpose for service in SERVICES for secret in service.secrets]
    assert len(purposes) == len(set(purposes)), (
        "two roles derive the same secret: the owner publishes it, the other reads it "
        "with collectif.core.published"
    )


DOMAIN_PATTERN = re.compile(r"\{0,61\}|\(\?=\.\{1,253\}|@\[\^@")


def test_no_role_checks_a_domain_or_an_email_by_its_own_pattern():
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROLE_FILES
        if DOMAIN_PATTERN.search(path.read_text())
    ]
    assert offenders == [], (
        "check domains with `is collectif.core.domain` (src/collectif/validators.py)"
    )


PUBLISHED = re.compile(r"lookup\('collectif\.core\.published', '([a-z_]+)'")


def test_roles_read_only_published_values():
    for path in [*ROLE_FILES, *(ROOT / "roles").rglob("collectif.yml")]:
        for variable in PUBLISHED.findall(path.read_text()):
            owner = services.owner(variable)
            assert variable in owner.publishes, (
                f"{path.relative_to(ROOT)} reads {variable}, which roles/{owner.name} does not publish"
            )


# Values a role owns, which no other role may write down again.
OWNED = {
    "php_fpm": re.compile(r"/run/php/"),
    "valkey": re.compile(r"/run/valkey/"),
    "synapse": re.compile(r"127\.0\.0\.1:8008"),
}


@pytest.mark.parametrize("owner", OWNED)
def test_values_are_written_by_their_owner_only(owner):
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROLE_FILES
        if path.relative_to(ROOT).parts[1] != owner and OWNED[owner].search(path.read_text())
    ]
    assert offenders == [], f"read {owner}'s value with collectif.core.published"


def test_the_bridge_catalogue_and_wordpress_rules_live_in_the_package():
    for path in ROLE_FILES:
        text = path.read_text()
        assert "whatsappbot" not in text and "29318" not in text, (
            f"{path.relative_to(ROOT)}: the bridges' catalogue is src/collectif/bridges.py"
        )
        assert "{4,60}" not in text and "{4,}" not in text, (
            f"{path.relative_to(ROOT)}: WordPress's rules are src/collectif/validators.py"
        )


def test_the_members_play_runs_every_declared_member_contract():
    """plays/members.yml includes each role that declares a member contract (members: the
    plan service it gives), with that service, on a host of the role's groups only; a
    role's contract is its tasks/members.yml."""
    from collectif.preflight.members import SERVICES as PLAN_SERVICES

    declared = {s.name: s for s in SERVICES if s.members}
    included = member_contracts()
    assert set(included) == set(declared), "plays/members.yml and the declarations disagree"
    for name, service in declared.items():
        assert service.members in [*PLAN_SERVICES, accounts.DUES], f"roles/{name}: members"
        assert included[name][0] == service.members, f"{MEMBERS}: {name}"
        assert any(f"'{group}' in group_names" == included[name][1] for group in service.groups)
        assert (ROOT / "roles" / name / "tasks" / "members.yml").is_file()


def test_every_plan_service_has_a_member_contract():
    """Each service a plan may give is some role's, and the dues Invoice Ninja's."""
    from collectif.preflight.members import SERVICES as PLAN_SERVICES

    given = {s.members for s in SERVICES if s.members}
    assert given == set(PLAN_SERVICES) | {accounts.DUES}
