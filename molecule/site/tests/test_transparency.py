"""The transparency page and the ChatonsInfos files, as anyone reads them through nginx:
made from the inventory (here with a members file and costs given for the run) and from
the server (its last backup, which this module runs by its unit first)."""

from __future__ import annotations

import json
import re

import pytest
import yaml

testinfra_hosts = ["ansible://asso1"]
pytestmark = pytest.mark.usefixtures("pebble_root")

PEBBLE_ROOT = "/root/pebble-root.pem"
SITE = "https://collectif.test"
MEMBERS = [
    {
        "login": "alixmartin",
        "name": "Alix",
        "email": "alix@collectif.test",
        "plan": "etendu",
        "since": "2026-01-01",
    },
    {
        "login": "bastienroy",
        "name": "Bastien",
        "email": "bastien@collectif.test",
        "plan": "etendu",
        "since": "2026-01-01",
    },
    {
        "login": "chloevidal",
        "name": "Chloé",
        "email": "chloe@collectif.test",
        "plan": "essentiel",
        "since": "2026-01-01",
    },
    {
        "login": "domiprat",
        "name": "Dom",
        "email": "dom@collectif.test",
        "plan": "essentiel",
        "state": "suspended",
        "since": "2026-01-01",
    },
]
COSTS = [{"what": "Serveur (OVH)", "amount": 420}, {"what": "Nom de domaine", "amount": 15}]


@pytest.fixture(scope="module")
def published(host, run_playbook, tmp_path_factory):
    """A backup, then site.yml for the page alone (its tag), with the members and costs
    given (new facts: the page is made again)."""
    backup = host.run("systemctl start collectif-backup@backup.service")
    assert backup.rc == 0, host.run("journalctl -u collectif-backup@backup -n 30").stdout
    given = tmp_path_factory.mktemp("transparency") / "values.yml"
    given.write_text(
        yaml.safe_dump(
            {
                "collectif_members": MEMBERS,
                "transparency_costs": COSTS,
                "transparency_hosting": "Serveur dédié OVH, Gravelines (France)",
            },
            allow_unicode=True,
        )
    )
    played = run_playbook("site.yml", "--tags", "transparency", "-e", f"@{given}")
    assert played.returncode == 0, played.tail(60)
    # As its timer does every hour (the deploy made it only if its facts changed).
    made = host.run("systemctl start collectif-transparency.service")
    assert made.rc == 0, host.run("journalctl -u collectif-transparency -n 30").stdout
    return played


def get(host, path: str) -> tuple[str, str]:
    out = host.check_output(f"curl -sS --cacert {PEBBLE_ROOT} -D - '{SITE}{path}'")
    headers, _, body = out.partition("\r\n\r\n")
    return headers.lower(), body


def test_the_page_answers_with_its_title_in_french(host, published):
    headers, body = get(host, "/transparence/")
    assert headers.startswith("http/2 200")
    assert "content-type: text/html; charset=utf-8" in headers
    assert "<title>Transparence — " in body and '<html lang="fr">' in body


def test_the_page_counts_the_members_per_plan_and_names_none(host, published):
    _, body = get(host, "/transparence/")
    assert "<tr><td>essentiel</td><td>1</td><td>15,00 €</td></tr>" in body
    assert "<tr><td>etendu</td><td>2</td><td>45,00 €</td></tr>" in body
    assert 'Suspendus <span class="en">/ suspended</span> : 1.' in body
    assert '<th id="dues">105,00 €</th>' in body
    assert "<tr><th>Total</th><th>435,00 €</th></tr>" in body
    for member in MEMBERS:
        assert member["login"] not in body and member["email"] not in body


def test_the_page_shows_the_last_backup_the_server_has(host, published):
    report = json.loads(host.check_output("cat /var/lib/collectif/backup/backup.json"))
    finished = report["finished"]  # e.g. 2026-12-01T10:05:00+00:00
    _, body = get(host, "/transparence/")
    shown = re.search(r'<time id="last-backup">([^<]+)</time>', body)
    assert shown and shown.group(1) == f"{finished[:10]} {finished[11:16]} UTC"


def test_the_page_lists_the_services_with_their_versions(host, published):
    _, body = get(host, "/transparence/")
    wordpress = host.check_output("dpkg-query --showformat='${Version}' --show wordpress")
    assert f"WordPress {wordpress}" in body
    assert "Synapse 1." in body
    assert "https://cloud.collectif.test" in body
    assert "Serveur dédié OVH, Gravelines (France)" in body


def test_chatonsinfos_files_are_served_as_text_to_anyone(host, published):
    headers, body = get(host, "/.well-known/chatonsinfos/organization.properties")
    assert headers.startswith("http/2 200")
    assert "content-type: text/plain; charset=utf-8" in headers
    assert "access-control-allow-origin: *" in headers
    lines = body.splitlines()
    assert "file.class = Organization" in lines
    subs = [line.split(" = ")[1] for line in lines if line.startswith("subs.")]
    assert f"{SITE}/.well-known/chatonsinfos/nextcloud.properties" in subs
    for url in subs:
        service_headers, service = get(host, url.removeprefix(SITE))
        assert service_headers.startswith("http/2 200"), url
        assert "file.class = Service" in service.splitlines()


def test_the_page_is_made_every_hour_in_a_sandbox(host, exposure, published):
    assert host.service("collectif-transparency.timer").is_enabled
    assert host.service("collectif-transparency.timer").is_running
    assert exposure("collectif-transparency.service") < 4


def test_the_welcome_page_lists_the_services_in_french(host, published):
    headers, body = get(host, "/bienvenue/")
    assert headers.startswith("http/2 200")
    assert "content-type: text/html; charset=utf-8" in headers
    assert '<html lang="fr">' in body and "<title>Bienvenue — " in body
    services = re.search(r'<ul id="services">(.*?)</ul>', body, re.S)
    assert services
    for address in ("https://cloud.collectif.test", "https://matrix.collectif.test"):
        assert f'<a href="{address}' in services.group(1)
    assert "Votre compte" in body and 'href="https://collectif.test/transparence/"' in body
