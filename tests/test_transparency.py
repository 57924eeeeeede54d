"""collectif-transparency (src/collectif/transparency.py): the page and the ChatonsInfos
files made from the facts the inventory gives and what the server knows."""

import json

from collectif import transparency
from collectif.accounts import member_counts

PLANS = [
    {"name": "essentiel", "fee": 15, "services": ["cloud"], "nextcloud_quota": "5 GB"},
    {"name": "etendu", "fee": 45, "services": ["cloud", "matrix"], "nextcloud_quota": "50 GB"},
]
MEMBERS = [
    {"login": "camille", "plan": "etendu"},
    {"login": "dominique", "plan": "essentiel", "state": "active"},
    {"login": "sacha", "plan": "etendu", "state": "suspended"},
    {"login": "lou", "plan": "essentiel", "state": "gone"},
]
FACTS = {
    "association": "Association <Collectif>",
    "website": "https://collectif.test",
    "chatonsinfos_url": "https://collectif.test/.well-known/chatonsinfos",
    "hosting": "OVH, Gravelines (France)",
    "country_name": "France",
    "country_code": "FR",
    "services": [
        {
            "id": "nextcloud",
            "name": "Nextcloud",
            "what": "Fichiers",
            "software": "Nextcloud",
            "url": "https://cloud.collectif.test",
            "version": "32.0.1",
        },
        {
            "id": "wordpress",
            "name": "WordPress",
            "what": "Blogs",
            "software": "WordPress",
            "url": "https://collectif.test",
            "package": "wordpress",
        },
    ],
    "backup": {"frequency": "hourly", "keep": {"hourly": 24, "daily": 7}, "where": "Roubaix"},
    "log_retention": "3month",
    "members": member_counts(MEMBERS, PLANS),
    "costs": [{"what": "Serveur", "amount": 420}, {"what": "Domaine", "amount": 15.5}],
}


def test_members_are_counted_by_plan_never_named():
    counts = member_counts(MEMBERS, PLANS)
    assert counts["plans"] == [
        {"name": "essentiel", "fee": 15, "active": 1},
        {"name": "etendu", "fee": 45, "active": 1},
    ]
    assert counts["suspended"] == 1
    assert counts["dues"] == 60
    assert "camille" not in json.dumps(counts)


def test_the_server_completes_the_facts(tmp_path):
    (tmp_path / "backup.json").write_text('{"finished": "2026-12-01T09:05:00+00:00"}')
    facts = transparency.gather(FACTS, tmp_path, version_of={"wordpress": "6.8.1"}.get)
    assert facts["last_backup"] == "2026-12-01T09:05:00+00:00"
    assert facts["last_drill"] == ""  # no drill yet: said, not invented
    assert [s["version"] for s in facts["services"]] == ["32.0.1", "6.8.1"]


def test_the_page_says_everything_in_both_languages(tmp_path):
    (tmp_path / "backup.json").write_text('{"finished": "2026-12-01T09:05:00+00:00"}')
    page = transparency.page(transparency.gather(FACTS, tmp_path, version_of=lambda _: "6.8.1"))
    assert "Association &lt;Collectif&gt;" in page  # escaped
    assert "Nextcloud 32.0.1" in page and "WordPress 6.8.1" in page
    assert "OVH, Gravelines (France)" in page
    assert '<time id="last-backup">2026-12-01 09:05 UTC</time>' in page
    assert '<time id="last-drill">—</time>' in page
    assert "24 horaires / hourly, 7 quotidiennes / daily" in page
    assert "<tr><td>etendu</td><td>1</td><td>45,00 €</td></tr>" in page
    assert '<th id="dues">60,00 €</th>' in page
    assert "<tr><th>Total</th><th>435,50 €</th></tr>" in page
    assert "Sauvegardes" in page and "Backups" in page


def test_chatonsinfos_lists_each_service_from_the_organization():
    files = transparency.chatonsinfos({**FACTS, "made": "2026-12-01T10:00:00+00:00"})
    organization = files["organization.properties"].splitlines()
    assert "file.class = Organization" in organization
    assert "organization.type = ASSOCIATION" in organization
    assert (
        "subs.nextcloud = https://collectif.test/.well-known/chatonsinfos/nextcloud.properties"
        in organization
    )
    service = files["nextcloud.properties"].splitlines()
    assert "file.class = Service" in service
    assert "software.version = 32.0.1" in service
    assert "host.country.code = FR" in service
    # One line each: a value never breaks the file.
    assert all(" = " in line or line.startswith("#") for line in service)


def test_the_program_writes_the_page_and_the_files(tmp_path):
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(FACTS))
    out = tmp_path / "out"
    assert (
        transparency.main(["--facts", str(facts), "--backups", str(tmp_path), "--out", str(out)])
        == 0
    )
    assert (out / "index.html").stat().st_mode & 0o777 == 0o644
    assert "<title>Bienvenue" in (out / "bienvenue" / "index.html").read_text()
    assert sorted(p.name for p in (out / "chatonsinfos").iterdir()) == [
        "nextcloud.properties",
        "organization.properties",
        "wordpress.properties",
    ]
    assert transparency.main(["--facts", str(tmp_path / "missing.json"), "--out", str(out)]) == 1


def test_the_welcome_page_lists_each_service_with_its_address_in_french():
    page = transparency.welcome({**FACTS, "contact": "bureau@asso-exemple.fr"})
    assert '<html lang="fr">' in page and "<title>Bienvenue — " in page
    for service in FACTS["services"]:
        assert f'<a href="{service["url"]}">{service["name"]}</a>' in page
    assert "Votre compte" in page and "Your account" in page
    assert 'href="mailto:bureau@asso-exemple.fr"' in page
    assert 'href="https://asso-exemple.fr/transparence/"' in transparency.welcome(
        {**FACTS, "page_url": "https://asso-exemple.fr/transparence/"}
    )


def test_the_welcome_page_escapes_what_the_inventory_gives():
    given = {**FACTS, "association": "<b>Asso</b>", "contact": ""}
    page = transparency.welcome(given)
    assert "<b>Asso</b>" not in page and "&lt;b&gt;Asso&lt;/b&gt;" in page
    assert "écrivez aux bénévoles" in page and "write to\nthe volunteers" in page
