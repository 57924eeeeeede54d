"""`collectif member`: the members file kept by the command line, on a copy of the example
inventory's file. Each change is checked with the preflight's rules before anything is
written, dated, and written back with the file's comments and layout."""

import datetime
import json
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import ASSOCIATION, ROOT, make_inventory

from collectif import cli, members

EXAMPLE = ROOT / "inventories" / "example" / "group_vars" / "all" / "members.yml"
TODAY = datetime.date.today().isoformat()


@pytest.fixture
def inventory(tmp_path):
    directory = make_inventory(tmp_path / "inventory", ASSOCIATION)
    shutil.copy(EXAMPLE, directory / "group_vars" / "all" / "members.yml")
    return directory


def member(inventory, *args):
    """A `collectif member` command on the file only (the server's part: applied())."""
    only = ["--file-only"] if args and args[0] != "list" else []
    return cli.main(["member", "-i", str(inventory), *args, *only])


@pytest.fixture
def applied(monkeypatch):
    """The members play runs `collectif member` asked for, each with what it was given
    (the extra values file read while the run lasts, and that file's mode)."""
    runs = []

    def run_playbook(playbook, inventory, extra):
        given = Path(extra[extra.index("-e") + 1].removeprefix("@"))
        runs.append(
            {
                "playbook": playbook,
                "values": json.loads(given.read_text()),
                "mode": given.stat().st_mode & 0o777,
            }
        )
        return 0

    monkeypatch.setattr(cli, "run_playbook", run_playbook)
    return runs


def add(inventory, login, name, email, plan):
    return member(inventory, "add", login, "--name", name, "--email", email, "--plan", plan)


def listed(inventory):
    return {m["login"]: m for m in yaml.safe_load(text(inventory))["collectif_members"]}


def text(inventory):
    return (inventory / "group_vars" / "all" / "members.yml").read_text()


def test_adding_a_member_keeps_the_files_comments_and_layout(inventory, capsys):
    before = text(inventory)
    assert add(inventory, "camille", "Camille Martin", "camille@example.org", "etendu") == 0
    after = text(inventory)
    assert after.startswith(before.rstrip("\n"))  # everything before is kept, as written
    assert after[len(before.rstrip("\n")) :] == (
        "\n  - login: camille\n    name: Camille Martin\n    email: camille@example.org\n"
        f"    plan: etendu\n    state: active\n    since: {TODAY}\n"
    )
    assert listed(inventory)["camille"]["since"] == datetime.date.today()
    assert "camille added on plan etendu" in capsys.readouterr().out


def test_a_refused_member_leaves_the_file_as_it_was(inventory, capsys):
    before = text(inventory)
    assert add(inventory, "Sam", "Sam B", "SAM@example.org", "grand") == 2
    out = capsys.readouterr().out
    assert "nothing written" in out
    for rule in (
        "'Sam' is not a login",
        "'grand' is not a plan",
        "'Sam' is the login of collectif_members[1] too",
        "'SAM@example.org' is the e-mail of collectif_members[1] too",
    ):
        assert rule in out, out
    assert text(inventory) == before


def test_a_login_too_short_for_the_plans_blog_is_refused(inventory, capsys):
    assert add(inventory, "jo", "Jo", "jo@example.org", "etendu") == 2
    assert "plan etendu gives blog" in capsys.readouterr().out
    assert add(inventory, "jo", "Jo", "jo@example.org", "essentiel") == 0


def test_a_plan_change_is_dated_in_the_history(inventory):
    assert member(inventory, "plan", "dominique", "essentiel", "--date", "2026-12-05") == 0
    found = listed(inventory)["dominique"]
    assert found["plan"] == "essentiel"
    assert found["history"] == [{"date": datetime.date(2026, 12, 5), "plan": "essentiel"}]
    assert "      - {date: 2026-12-05, plan: essentiel}\n" in text(inventory)


def test_the_same_plan_again_is_refused(inventory, capsys):
    assert member(inventory, "plan", "dominique", "etendu") == 2
    assert "dominique is already on plan etendu" in capsys.readouterr().out


def test_suspend_resume_and_remove_follow_the_states(inventory, capsys):
    assert member(inventory, "suspend", "sam") == 2  # already suspended
    assert "sam is suspended: suspend applies to a member who is active" in capsys.readouterr().out
    assert member(inventory, "resume", "sam") == 0
    assert member(inventory, "remove", "dominique") == 0
    assert member(inventory, "suspend", "dominique") == 2  # gone
    found = listed(inventory)
    assert (found["sam"]["state"], found["dominique"]["state"]) == ("active", "gone")
    assert found["sam"]["history"][-1] == {"date": datetime.date.today(), "state": "active"}
    assert found["dominique"]["email"] == "dominique@example.org"  # gone, not deleted


def test_a_change_dated_before_the_last_one_is_refused(inventory, capsys):
    assert member(inventory, "resume", "sam", "--date", "2026-01-01") == 2
    assert "comes before 2026-10-01" in capsys.readouterr().out


def test_an_unknown_member_is_named_with_the_known_ones(inventory, capsys):
    assert member(inventory, "remove", "nobody") == 2
    out = capsys.readouterr().out
    assert "no member 'nobody'" in out
    assert "(members: dominique, sam)" in out


def test_the_list_shows_plan_state_and_since(inventory, capsys):
    assert member(inventory, "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["login", "name", "plan", "state", "since"]
    assert lines[1].split() == [
        "dominique",
        "Dominique",
        "Lefèvre",
        "etendu",
        "active",
        "2025-09-01",
    ]
    assert lines[2].split() == ["sam", "Sam", "Nguyen", "essentiel", "suspended", "2024-01-15"]
    assert lines[4:] == [
        "active 1 (etendu 1), suspended 1, gone 0, purged 0; "
        "yearly dues of the active members: 45 EUR",
    ]


def test_the_list_speaks_french_to_a_french_volunteer(inventory, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert member(inventory, "list") == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "actifs 1 (etendu 1), suspendus 1, partis 0, effacés 0 ; "
        "cotisations annuelles des actifs : 45 EUR"
    )


def test_the_dues_follow_the_plans_and_states(inventory, capsys):
    member(inventory, "resume", "sam")
    add(inventory, "camille", "Camille Martin", "camille@example.org", "essentiel")
    member(inventory, "remove", "dominique")
    capsys.readouterr()
    member(inventory, "list")
    assert capsys.readouterr().out.splitlines()[-1] == (
        "active 2 (essentiel 2), suspended 0, gone 1, purged 0; "
        "yearly dues of the active members: 30 EUR"
    )


def test_an_inventory_without_the_file_gets_one_the_preflight_accepts(tmp_path):
    inventory = make_inventory(tmp_path / "inventory", ASSOCIATION)
    assert add(inventory, "camille", "Camille Martin", "camille@example.org", "essentiel") == 0
    written = text(inventory)
    assert written.startswith("---\n# The association's members")
    assert "collectif_members:\n  - login: camille\n" in written
    assert list(yaml.safe_load(written)) == ["collectif_members"]
    assert members.problems(members.load(inventory)) == []


def test_the_list_shows_even_a_plan_whose_fee_preflight_refuses(inventory, capsys):
    association = inventory / "group_vars" / "all" / "association.yml"
    plans = [
        {"name": "etendu", "fee": "45 €", "services": []},
        {"name": "essentiel", "fee": 15, "services": []},
    ]
    association.write_text(association.read_text() + yaml.safe_dump({"collectif_plans": plans}))
    assert member(inventory, "list") == 0
    assert (
        capsys.readouterr()
        .out.splitlines()[-1]
        .endswith("yearly dues of the active members: 0 EUR")
    )


def test_adding_a_member_puts_them_on_the_server_with_a_first_password(inventory, applied, capsys):
    assert (
        cli.main(
            [
                "member",
                "-i",
                str(inventory),
                "add",
                "leonie",
                "--name",
                "Léonie",
                "--email",
                "leonie@example.org",
                "--plan",
                "essentiel",
            ]
        )
        == 0
    )
    (run,) = applied
    assert run["playbook"] == "members.yml"
    assert run["mode"] == 0o600
    assert run["values"]["collectif_members_only"] == ["leonie"]
    password = run["values"]["collectif_members_passwords"]["leonie"]
    assert len(password) == 20 and password.isalnum()
    assert password in capsys.readouterr().out


def test_a_plan_change_brings_a_password_only_with_new_services(inventory, applied, capsys):
    add(inventory, "leonie", "Léonie", "leonie@example.org", "essentiel")
    base = ["member", "-i", str(inventory)]
    assert cli.main([*base, "plan", "leonie", "etendu", "--date", "2030-01-01"]) == 0
    assert "leonie" in applied[-1]["values"]["collectif_members_passwords"]
    assert cli.main([*base, "plan", "leonie", "essentiel", "--date", "2030-02-01"]) == 0
    assert "collectif_members_passwords" not in applied[-1]["values"]
    assert cli.main([*base, "suspend", "leonie", "--date", "2030-03-01"]) == 0
    assert applied[-1]["values"] == {"collectif_members_only": ["leonie"]}
    assert "First password" not in capsys.readouterr().out.split("suspended")[-1]


def test_a_new_password_goes_to_every_account_of_the_member(inventory, applied, capsys):
    add(inventory, "leonie", "Léonie", "leonie@example.org", "essentiel")
    before = text(inventory)
    assert cli.main(["member", "-i", str(inventory), "password", "leonie"]) == 0
    (run,) = applied
    assert run["values"]["collectif_members_reset"] == ["leonie"]
    assert run["values"]["collectif_members_passwords"]["leonie"] in capsys.readouterr().out
    assert text(inventory) == before


def test_a_new_password_for_someone_not_in_the_file_is_refused(
    inventory, applied, capsys, monkeypatch
):
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")  # and said in French to a French volunteer
    assert cli.main(["member", "-i", str(inventory), "password", "nobody"]) == 2
    assert "collectif member : aucun membre 'nobody' dans " in capsys.readouterr().out
    assert applied == []


def test_only_a_gone_member_is_purged_after_the_login_is_typed(
    inventory, applied, capsys, monkeypatch, tmp_path
):
    add(inventory, "leonie", "Léonie", "leonie@example.org", "essentiel")
    base = ["member", "-i", str(inventory)]
    monkeypatch.setattr("builtins.input", lambda _: "leonie")
    assert cli.main([*base, "purge", "leonie", "--to", str(tmp_path)]) == 2
    assert "only a member who is gone can be purged" in capsys.readouterr().out
    assert applied == []
    member(inventory, "remove", "leonie")
    monkeypatch.setattr("builtins.input", lambda _: "leo")
    assert cli.main([*base, "purge", "leonie", "--to", str(tmp_path)]) == 2
    assert applied == [] and "not confirmed" in capsys.readouterr().out
    monkeypatch.setattr("builtins.input", lambda _: "leonie")
    assert cli.main([*base, "purge", "leonie", "--to", str(tmp_path)]) == 0
    (run,) = applied
    assert run["values"] == {
        "collectif_members_only": ["leonie"],
        "collectif_members_purge": ["leonie"],
        "collectif_members_purge_to": str(tmp_path),
    }
    assert "state: purged" in text(inventory)


def test_a_purge_the_server_did_not_finish_leaves_the_member_gone(
    inventory, monkeypatch, capsys, tmp_path
):
    add(inventory, "leonie", "Léonie", "leonie@example.org", "essentiel")
    member(inventory, "remove", "leonie")
    monkeypatch.setattr("builtins.input", lambda _: "leonie")
    monkeypatch.setattr(cli, "run_playbook", lambda *_: 2)
    assert cli.main(["member", "-i", str(inventory), "purge", "leonie", "--to", str(tmp_path)]) == 2
    assert "state: gone" in text(inventory)


def test_the_list_shows_the_cloud_used_against_the_quota(inventory, monkeypatch, capsys):
    add(inventory, "leonie", "Léonie", "leonie@example.org", "essentiel")
    add(inventory, "noah", "Noah", "noah@example.org", "etendu")

    def run_playbook(playbook, inventory, extra, results=None):
        assert playbook == "usage.yml" and results is not None
        results.append({"nextcloud_usage": {"leonie": 1288490189}})
        return 0

    monkeypatch.setattr(cli, "run_playbook", run_playbook)
    capsys.readouterr()  # what the adds said
    assert cli.main(["member", "-i", str(inventory), "list", "--usage"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[-5:] == ["since", "cloud", "used", "/", "quota"]
    (leonie,) = [line for line in out if line.startswith("leonie ")]
    assert leonie.endswith("1.2 GB / 5 GB (24 %)")
    (noah,) = [line for line in out if line.startswith("noah ")]
    assert noah.endswith("- / 50 GB")


def test_the_list_says_when_the_servers_cannot_be_asked(inventory, monkeypatch, capsys):
    monkeypatch.setattr(cli, "run_playbook", lambda *_args, **_kw: 4)
    assert cli.main(["member", "-i", str(inventory), "list", "--usage"]) == 1
    assert "could not be asked" in capsys.readouterr().out
