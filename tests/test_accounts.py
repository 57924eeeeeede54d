"""What the members play hands each service (src/collectif/accounts.py): each member's
account as the plans and states want it, and what Invoice Ninja must change for the dues."""

from collectif.accounts import dues_changes, service_accounts, with_passwords

PLANS = [
    {"name": "essentiel", "fee": 15, "services": ["cloud"], "nextcloud_quota": "5 GB"},
    {
        "name": "etendu",
        "fee": 45,
        "services": ["cloud", "matrix", "blog"],
        "nextcloud_quota": "50 GB",
    },
    {"name": "libre", "fee": 0, "services": ["matrix"]},
]


def member(login, plan="essentiel", state="active"):
    return {
        "login": login,
        "name": login.title(),
        "email": f"{login}@example.org",
        "plan": plan,
        "state": state,
    }


def by_login(accounts):
    return {account["login"]: account for account in accounts}


def test_an_account_is_usable_when_the_member_is_active_and_the_plan_gives_the_service():
    members = [
        member("camille", "etendu"),
        member("dominique"),
        member("sacha", "etendu", "suspended"),
    ]
    matrix = by_login(service_accounts(members, PLANS, "matrix"))
    assert matrix["camille"]["enabled"] and not matrix["camille"]["locked"]
    assert not matrix["dominique"]["enabled"]  # essentiel gives no Matrix
    assert not matrix["sacha"]["enabled"] and matrix["sacha"]["locked"]


def test_the_quota_follows_the_plan_and_is_left_alone_without_cloud():
    cloud = by_login(
        service_accounts([member("camille", "etendu"), member("sasha", "libre")], PLANS, "cloud")
    )
    assert cloud["camille"]["quota"] == "50 GB"
    assert cloud["sasha"]["quota"] == ""


def test_passwords_go_to_the_members_named_and_reset_only_with_one():
    members = [member("camille"), member("dominique")]
    run = service_accounts(
        members, PLANS, "cloud", {"camille": "s3cret"}, (), ["camille", "dominique"]
    )
    accounts = by_login(run)
    assert accounts["camille"]["first"] and accounts["camille"]["reset"]
    assert not accounts["dominique"]["first"] and not accounts["dominique"]["reset"]
    # The password itself is never in an entry (tasks show their loop's entries).
    assert "s3cret" not in repr(run)
    given = with_passwords(run, {"camille": "s3cret"})
    assert [a["password"] for a in given] == ["s3cret", ""]
    assert [a["login"] for a in service_accounts(members, PLANS, "cloud", only=["dominique"])] == [
        "dominique"
    ]


def test_dues_are_owed_by_active_members_whose_plan_has_a_fee():
    members = [member("camille", "etendu"), member("sasha", "libre"), member("sacha", state="gone")]
    dues = by_login(service_accounts(members, PLANS, "dues"))
    assert dues["camille"]["enabled"] and dues["camille"]["fee"] == 45
    assert not dues["sasha"]["enabled"]
    assert not dues["sacha"]["enabled"]


def client(number, email):
    return {"id": f"c{number}", "contacts": [{"email": email}]}


def dues(number, client_number, amount, status, key="cotisation"):
    return {
        "id": f"r{number}",
        "client_id": f"c{client_number}",
        "amount": amount,
        "status_id": status,
        "line_items": [{"product_key": key}],
    }


def test_each_member_gets_a_client_and_dues_once():
    wanted = service_accounts([member("camille", "etendu"), member("dominique")], PLANS, "dues")
    found = dues_changes(wanted, [client(1, "Camille@Example.org")], [], "cotisation")
    assert [m["login"] for m in found["without_client"]] == ["dominique"]
    assert [m["login"] for m in found["to_invoice"]] == ["camille", "dominique"]
    assert found["clients"] == {"camille@example.org": "c1"}


def test_dues_follow_the_fee_and_the_state_and_other_invoices_are_left_alone():
    wanted = service_accounts(
        [
            member("camille", "etendu"),
            member("dominique", state="suspended"),
            member("sacha"),
            member("sasha"),
        ],
        PLANS,
        "dues",
    )
    clients = [
        client(1, "camille@example.org"),
        client(2, "dominique@example.org"),
        client(3, "sacha@example.org"),
        client(4, "sasha@example.org"),
    ]
    recurring = [
        dues(1, 1, 15.0, "2"),  # camille moved to etendu: 45 now
        dues(2, 2, 15.0, "-1"),  # dominique suspended: still invoiced
        dues(3, 3, 15.0, "3"),  # sacha back: paused
        dues(4, 4, 99.0, "2", key="hebergement"),  # sasha's other invoice: not the dues
    ]
    found = dues_changes(wanted, clients, recurring, "cotisation")
    assert [(m["login"], m["dues"]["id"]) for m in found["to_change"]] == [
        ("camille", "r1"),
        ("sacha", "r3"),
    ]
    assert [(m["login"], m["dues"]["id"]) for m in found["to_stop"]] == [("dominique", "r2")]
    assert [m["login"] for m in found["to_invoice"]] == ["sasha"]


def test_stopped_dues_are_not_stopped_again_and_right_ones_not_changed():
    wanted = service_accounts([member("camille"), member("dominique", state="gone")], PLANS, "dues")
    clients = [client(1, "camille@example.org"), client(2, "dominique@example.org")]
    found = dues_changes(
        wanted, clients, [dues(1, 1, "15.00", "2"), dues(2, 2, 15, "3")], "cotisation"
    )
    assert found["to_change"] == found["to_stop"] == found["to_invoice"] == []
