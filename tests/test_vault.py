"""The vault's rough edges: one way to make the key everywhere, `collectif secrets --edit`,
a missing vault password file said before anything runs, inventories outside the project."""

import subprocess
from pathlib import Path

from conftest import ROOT
from test_preflight import MATRIX, check


def test_every_place_teaches_the_same_way_to_make_the_key():
    taught = [
        ROOT / "inventories" / "example" / "group_vars" / "all" / "association.yml",
        ROOT / "README.md",
        *(ROOT / "src" / "collectif").rglob("*.py"),
        *(ROOT / "roles" / "preflight").rglob("*"),
    ]
    for path in (p for p in taught if p.is_file()):
        text = path.read_text()
        assert "openssl rand" not in text, path
        assert "ansible-vault create" not in text, path
    example = taught[0].read_text()
    assert "collectif secrets -i inventories/myasso" in example


def test_the_preflight_says_how_to_make_a_missing_key():
    (line,) = check(groups=MATRIX, drop=("collectif_secret_key",))
    assert "Make it once with `collectif secrets -i inventories/asso`" in line
    assert 'collectif_secret_key: "{{ vault_collectif_secret_key }}"' in line


def test_git_keeps_the_example_inventory_link_relative():
    link = ROOT / "inventories" / "example" / "group_vars" / "all" / "00-project.yml"
    out = subprocess.run(["readlink", str(link)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "../../../../group_vars/all.yml"
    assert Path(link).resolve() == ROOT / "group_vars" / "all.yml"
