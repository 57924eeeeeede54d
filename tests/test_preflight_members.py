"""Plans and members: what preflight refuses in collectif_plans and the members file, each
with one line that names the entry and says what to write instead."""

import datetime

import pytest
from test_preflight import check

PLANS = [
    {"name": "essentiel", "fee": 15, "services": ["cloud"], "nextcloud_quota": "5 GB"},
    {
        "name": "etendu",
        "fee": 45,
        "services": ["cloud", "matrix", "bridges", "blog", "video"],
        "nextcloud_quota": "50 GB",
    },
    {"name": "soutien", "fee": 0, "services": []},
]
MEMBERS_FILE = "Set it in inventories/asso/group_vars/all/members.yml."
PLANS_FILE = "Set it in inventories/asso/group_vars/all/association.yml."


def member(**changes):
    found = {
        "login": "dominique",
        "name": "Dominique Lefèvre",
        "email": "dominique@exemple.fr",
        "plan": "etendu",
        "state": "active",
        "since": datetime.date(2025, 9, 1),
    }
    found.update(changes)
    return {key: value for key, value in found.items() if value is not None}


def members(*listed, plans=PLANS):
    return check({"collectif_plans": plans, "collectif_members": list(listed)})


def test_a_good_list_has_no_problem():
    assert (
        members(
            member(),
            member(login="sam", email="sam@exemple.fr", plan="essentiel", state="suspended"),
            member(login="noa", email="noa@exemple.fr", plan="soutien", state="gone"),
            member(
                login="alice",
                email="alice@exemple.fr",
                since="2024-01-15",
                history=[
                    {"date": "2024-09-01", "plan": "etendu"},
                    {"date": datetime.date(2026, 1, 1), "state": "suspended"},
                ],
            ),
        )
        == []
    )


def test_no_members_is_fine():
    assert members() == []


def test_the_state_is_active_unless_said():
    assert members(member(state=None)) == []


def test_an_unknown_plan_is_named_with_the_plans_and_a_guess():
    assert members(member(plan="etendue")) == [
        "collectif_members[0].plan: 'etendue' is not a plan of collectif_plans "
        f"(essentiel, etendu, soutien); the closest is etendu. {MEMBERS_FILE}"
    ]


def test_logins_equal_but_for_capitals_are_refused():
    lines = members(member(login="camille"), member(login="Camille", email="c2@exemple.fr"))
    assert any(
        line.startswith("collectif_members[1].login: 'Camille' is not a login") for line in lines
    )
    assert (
        "collectif_members[1].login: 'Camille' is the login of collectif_members[0] too "
        f"(capitals aside): each member has their own login. {MEMBERS_FILE}"
    ) in lines


def test_two_members_with_one_email_are_refused():
    lines = members(member(), member(login="samuel", email="Dominique@exemple.fr"))
    assert lines == [
        "collectif_members[1].email: 'Dominique@exemple.fr' is the e-mail of "
        "collectif_members[0] too (capitals aside): each member has their own e-mail. "
        f"{MEMBERS_FILE}"
    ]


@pytest.mark.parametrize("login", ["admin", "root", "postmaster", "collectif", "focus", "jvb"])
def test_the_servers_own_accounts_are_no_members_login(login):
    assert members(member(login=login)) == [
        f"collectif_members[0].login: '{login}' is kept for the server's own accounts; "
        f"choose another. {MEMBERS_FILE}"
    ]


def test_an_administrator_named_in_the_inventory_is_kept_too():
    found = check(
        {
            "collectif_plans": PLANS,
            "collectif_members": [member(login="bureau")],
            "nextcloud_admin_user": "bureau",
        }
    )
    assert found == [
        "collectif_members[0].login: 'bureau' is kept for the server's own accounts; "
        f"choose another. {MEMBERS_FILE}"
    ]


@pytest.mark.parametrize(
    ("login", "owner"),
    [
        ("whatsappbot", "WhatsApp bridge's accounts on Matrix (whatsappbot, whatsapp_...)"),
        ("signal_bob", "Signal bridge's accounts on Matrix (signalbot, signal_...)"),
    ],
)
def test_the_bridges_namespaces_are_no_members_login(login, owner):
    assert members(member(login=login, plan="essentiel")) == [
        f"collectif_members[0].login: '{login}' belongs to the {owner}; choose another. "
        f"{MEMBERS_FILE}"
    ]


@pytest.mark.parametrize("login", ["Dominique", "dominique lefèvre", "élise", "1camille", "", 12])
def test_a_login_a_service_would_refuse(login):
    (line,) = members(member(login=login))
    assert line.startswith(f"collectif_members[0].login: '{login}' is not a login: lowercase")


def test_a_login_too_short_for_a_blog_is_refused_only_with_a_plan_that_gives_one():
    assert members(member(login="jo", plan="essentiel")) == []
    assert members(member(login="jo")) == [
        "collectif_members[0].login: plan etendu gives blog, and 'jo': an account name of 4 "
        "to 60 lowercase letters and digits (WordPress's rule in a network). "
        f"{MEMBERS_FILE}"
    ]


@pytest.mark.parametrize(
    ("changes", "start"),
    [
        ({"email": "dominique"}, "collectif_members[0].email: 'dominique' is not an e-mail"),
        ({"email": None}, "collectif_members[0].email: is empty, not an e-mail address"),
        ({"name": " "}, "collectif_members[0].name: ' ' is not a name"),
        ({"state": "parti"}, "collectif_members[0].state: 'parti' is not one of active, "),
        ({"since": "01/09/2025"}, "collectif_members[0].since: '01/09/2025' is not a date"),
        ({"since": "2025-02-30"}, "collectif_members[0].since: '2025-02-30' is not a date"),
        ({"history": "etendu"}, "collectif_members[0].history: must be a list of changes"),
        ({"history": [{"date": "2026-01-01"}]}, "collectif_members[0].history[0]: must have"),
        (
            {"history": [{"date": "2024-01-01", "plan": "etendu"}]},
            "collectif_members[0].history[0].date: 2024-01-01 comes before 2025-09-01",
        ),
        (
            {"history": [{"date": "2026-01-01", "plan": "grand"}]},
            "collectif_members[0].history[0].plan: 'grand' is not a plan",
        ),
        (
            {"history": [{"date": "2026-01-01", "state": "off"}]},
            "collectif_members[0].history[0].state: 'off' is not one of",
        ),
    ],
)
def test_each_bad_value_gets_one_line(changes, start):
    (line,) = members(member(**changes))
    assert line.startswith(start)
    assert line.endswith(MEMBERS_FILE)


def test_members_must_be_a_list():
    assert check({"collectif_members": {"login": "dominique"}}) == [
        f"collectif_members: must be a list of members (login, name, e-mail, plan). {MEMBERS_FILE}"
    ]


@pytest.mark.parametrize(
    ("plan", "line"),
    [
        (
            {"name": "petit", "services": []},
            "collectif_plans[0].fee: is required: the yearly fee in euros, such as 20 (0 for a "
            "free plan)",
        ),
        (
            {"name": "petit", "fee": "20 €", "services": []},
            "collectif_plans[0].fee: '20 €' is not a yearly fee",
        ),
        ({"name": "petit", "fee": 5}, "collectif_plans[0].services: must list what the plan gives"),
        (
            {"name": "petit", "fee": 5, "services": ["videos"]},
            "collectif_plans[0].services[0]: 'videos' is not a service a plan gives",
        ),
        (
            {"name": "petit", "fee": 5, "services": ["bridges"]},
            "collectif_plans[0].services: gives bridges without matrix",
        ),
        (
            {"name": "petit", "fee": 5, "services": ["cloud"]},
            "collectif_plans[0].nextcloud_quota: 'None' is not a quota",
        ),
        (
            {"name": "petit", "fee": 5, "services": [], "nextcloud_quota": "5 GB"},
            "collectif_plans[0].nextcloud_quota: is given but the plan has no cloud",
        ),
    ],
)
def test_a_plan_says_its_fee_and_services(plan, line):
    (found,) = members(plans=[plan])
    assert found.startswith(line)
    assert found.endswith(PLANS_FILE)


def test_an_unknown_service_is_explained_with_a_guess():
    (line,) = members(plans=[{"name": "petit", "fee": 5, "services": ["videos"]}])
    assert "video: a Jitsi Meet account that opens rooms" in line
    assert "; the closest is video." in line


def test_a_list_written_where_a_name_goes_is_one_line_not_a_traceback():
    (line,) = members(member(plan=["etendu"]))
    assert line.startswith("collectif_members[0].plan: '['etendu']' is not a plan")
    (line,) = members(plans=[{"name": "petit", "fee": 5, "services": [["cloud"]]}])
    assert line.startswith("collectif_plans[0].services[0]: '['cloud']' is not a service")


@pytest.mark.parametrize(
    ("variable", "entry"),
    [
        ("synapse_users", {"name": "camille", "password": "x" * 24}),
        ("jitsi_meet_users", {"name": "camille", "password": "x" * 24}),
        (
            "wordpress_sites",
            {
                "slug": "carnet",
                "title": "Carnet",
                "owner": "camille",
                "owner_email": "camille@example.org",
            },
        ),
    ],
)
def test_a_member_may_not_share_a_login_with_an_inventory_account(variable, entry):
    found = check(
        {
            "collectif_plans": PLANS,
            "collectif_members": [member(login="camille")],
            variable: [entry],
        }
    )
    assert found == [
        f"collectif_members[0].login: 'camille' is also an account of {variable} (in "
        "association.yml): an account follows the members file or that list, not both; take "
        f"it out of {variable}. {MEMBERS_FILE}"
    ]
