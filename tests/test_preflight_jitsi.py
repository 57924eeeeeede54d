"""Jitsi Meet: its names, TURN beside it, the address behind NAT, its accounts."""

from test_preflight import check

JITSI = {"all": ["asso1"], "servers": ["asso1"], "jitsi": ["asso1"], "coturn": ["asso1"]}


def test_a_good_inventory_passes():
    users = [{"name": "camille", "password": "a long password"}]
    assert check({"jitsi_meet_users": users}, groups=JITSI) == []


def test_jitsi_needs_turn_on_the_same_server():
    (line,) = check(groups={k: v for k, v in JITSI.items() if k != "coturn"})
    assert line.startswith("coturn: Jitsi gives participants whose network blocks its media")
    assert "add it there" in line


def test_jitsi_names_must_be_domains():
    (line,) = check({"jitsi_meet_domain": "Meet.Example.org"}, groups=JITSI)
    assert line.startswith("jitsi_meet_domain: 'Meet.Example.org' has uppercase")
    (line,) = check({"jitsi_meet_guest_domain": "guest_room"}, groups=JITSI)
    assert line.startswith("jitsi_meet_guest_domain: ")


def test_behind_nat_the_public_address_is_needed_and_must_be_public():
    (line,) = check({"coturn_external_ip": "51.91.12.34"}, groups=JITSI)
    assert line.startswith("jitsi_meet_nat_public_ipv4: the server is behind NAT")
    nat = {"coturn_external_ip": "51.91.12.34", "jitsi_meet_nat_public_ipv4": "192.168.1.2"}
    (line,) = check(nat, groups=JITSI)
    assert "is a private or reserved address" in line
    (line,) = check(dict(nat, jitsi_meet_nat_public_ipv4="not an address"), groups=JITSI)
    assert "is not an IPv4 address" in line
    assert check(dict(nat, jitsi_meet_nat_public_ipv4="8.8.4.4"), groups=JITSI) == []


def test_accounts_need_a_login_jitsi_takes_and_a_long_password():
    users = [
        {"name": "Camille", "password": "a long password"},
        {"name": "focus", "password": "a long password"},
        {"name": "dominique", "password": "short"},
        {"name": "sacha"},
        {"name": "dominique", "password": "a long password"},
    ]
    lines = check({"jitsi_meet_users": users}, groups=JITSI)
    assert [line.split(":")[0] for line in lines] == [
        "jitsi_meet_users[0].name",
        "jitsi_meet_users[1].name",
        "jitsi_meet_users[2].password",
        "jitsi_meet_users[3].password",
        "jitsi_meet_users[4].name",
    ]
    assert "is Jitsi's own account" in lines[1]
    assert "has 5 characters, fewer than 10" in lines[2]
