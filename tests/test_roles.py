"""The role contracts of DESIGN.md: every public variable is prefixed, typed and described,
and nothing is in defaults/main.yml that the argument specs do not know (or the reverse)."""

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ROLES = sorted(p.name for p in (ROOT / "roles").iterdir() if (p / "tasks").is_dir())
# Roles with a main entry point (every role has one).
MAIN_ROLES = [role for role in ROLES if (ROOT / "roles" / role / "tasks" / "main.yml").exists()]


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text()) or {} if path.exists() else {}


@pytest.mark.parametrize("role", MAIN_ROLES)
def test_defaults_and_argument_specs_agree(role):
    defaults = load(ROOT / "roles" / role / "defaults" / "main.yml")
    entry_points = load(ROOT / "roles" / role / "meta" / "argument_specs.yml")["argument_specs"]
    specs = entry_points["main"]["options"]
    every_option = {name for spec in entry_points.values() for name in spec.get("options", {})}
    required = {name for name, spec in specs.items() if spec.get("required")}
    # A default may serve another entry point (artifact's `release`), never none.
    assert set(defaults) - every_option == set(), "in defaults but not in argument_specs"
    assert set(specs) - required - set(defaults) == set(), "optional, yet no default"
    assert required & set(defaults) == set(), "required, yet given a default"


@pytest.mark.parametrize("role", ROLES)
def test_every_option_is_prefixed_typed_and_described(role):
    entry_points = load(ROOT / "roles" / role / "meta" / "argument_specs.yml")["argument_specs"]
    for entry, spec in entry_points.items():
        for name, option in spec.get("options", {}).items():
            assert name.startswith(f"{role}_"), f"{entry}: {name} is not prefixed with {role}_"
            assert option.get("type"), f"{entry}: {name} has no type"
            assert option.get("description"), f"{entry}: {name} has no description"


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_a_readme(role):
    readme = ROOT / "roles" / role / "README.md"
    assert readme.exists()
    assert len(readme.read_text().split()) > 50


# Roles whose values are derived from the association's key.
KEYED_ROLES = [
    role
    for role in ROLES
    if any(
        "collectif_secret_key" in (ROOT / "roles" / role / part / "main.yml").read_text()
        for part in ("defaults", "vars")
        if (ROOT / "roles" / role / part / "main.yml").exists()
    )
]


@pytest.mark.parametrize("role", KEYED_ROLES)
def test_a_role_deriving_secrets_checks_the_key_itself(role):
    """A value derived from a one-letter key is as long as any: a guard on its length
    passes. Each such role tests the key (collectif.core.secret_key) before any change."""
    tasks = "".join(p.read_text() for p in (ROOT / "roles" / role / "tasks").glob("*.yml"))
    assert "collectif_secret_key is collectif.core.secret_key" in tasks


def test_the_keyed_roles_are_found():
    assert {"coturn", "restic", "valkey", "synapse", "nextcloud"} <= set(KEYED_ROLES)
