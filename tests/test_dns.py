"""`collectif dns`: the records an inventory needs, as zone-file lines; checked against a
DNS server the test runs on 127.0.0.1; made through a stand-in of OVH's API, also run by
the test. Nothing leaves the machine, and no host of the inventory is reached."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
from conftest import ASSOCIATION, ROOT, make_inventory, tripwire_hosts

from collectif import cli
from collectif import dns as collectif_dns
from collectif import ovh as ovh_api

IPV4 = "51.91.12.34"
IPV6 = "2001:41d0:302:2100::1c8"
DOMAIN = "asso-exemple.fr"
MAIL = [
    {"name": "@", "type": "TXT", "value": "v=spf1 include:mx.ovh.com ~all"},
    {"name": "@", "type": "MX", "value": "1 mx1.mail.ovh.net"},
    {"name": "_dmarc", "type": "TXT", "value": "v=DMARC1; p=quarantine"},
]
KEYS = {
    "nginx_acme_ovh_application_key": "appkey-7c1f",
    "nginx_acme_ovh_application_secret": "appsecret-0d9b2e",
    "nginx_acme_ovh_consumer_key": "consumer-5a3e88",
}
# What the inventory's server needs: its services' names (WordPress's is the domain).
RECORDS = [
    f"asso-exemple.fr. 3600 IN A {IPV4}",
    f"asso-exemple.fr. 3600 IN AAAA {IPV6}",
    f"cloud.asso-exemple.fr. 3600 IN A {IPV4}",
    f"cloud.asso-exemple.fr. 3600 IN AAAA {IPV6}",
    f"element.asso-exemple.fr. 3600 IN A {IPV4}",
    f"element.asso-exemple.fr. 3600 IN AAAA {IPV6}",
    f"matrix.asso-exemple.fr. 3600 IN A {IPV4}",
    f"matrix.asso-exemple.fr. 3600 IN AAAA {IPV6}",
    f"turn.asso-exemple.fr. 3600 IN A {IPV4}",
    f"turn.asso-exemple.fr. 3600 IN AAAA {IPV6}",
    'asso-exemple.fr. 3600 IN CAA 0 issue "letsencrypt.org"',
    'asso-exemple.fr. 3600 IN TXT "v=spf1 include:mx.ovh.com ~all"',
    "asso-exemple.fr. 3600 IN MX 1 mx1.mail.ovh.net.",
    '_dmarc.asso-exemple.fr. 3600 IN TXT "v=DMARC1; p=quarantine"',
]


def inventory(directory: Path, ipv6: str = IPV6, **association: Any) -> Path:
    server = {"ansible_host": IPV4, **({"collectif_ipv6": ipv6} if ipv6 else {})}
    hosts = tripwire_hosts(
        servers={"hosts": {"asso1": server}},
        **{group: {"hosts": {"asso1": {}}} for group in ("matrix", "coturn", "nextcloud")},
        wordpress={"hosts": {"asso1": {}}},
    )
    return make_inventory(directory, {**ASSOCIATION, **association}, hosts)


@pytest.fixture
def tripwire(tmp_path, monkeypatch) -> Path:
    """Any attempt of the playbook to reach a host is written here."""
    record = tmp_path / "reached"
    monkeypatch.setenv("ANSIBLE_CONNECTION_PLUGINS", str(ROOT / "tests" / "plugins" / "connection"))
    monkeypatch.setenv("COLLECTIF_TRIPWIRE", str(record))
    return record


def test_the_records_are_printed_as_zone_lines(tmp_path, tripwire, capsys):
    given = inventory(tmp_path / "inventory", postfix_dns_records=MAIL)
    assert cli.main(["dns", "-i", str(given)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("; The records")
    assert out[1:] == RECORDS
    assert not tripwire.exists()


def test_without_mail_records_or_ipv6_only_the_names_addresses_and_caa(servers):
    plain = [dataclasses.replace(server, ipv6="", mail=()) for server in servers]
    records, notes = collectif_dns.wanted(plain)
    assert [r.line() for r in records] == [line for line in RECORDS if " AAAA " not in line][:6]
    assert notes == []


def test_a_name_in_place_of_an_address_is_left_out_with_a_note(servers):
    named = [dataclasses.replace(servers[0], ipv4="asso1.hebergeur.fr", mail=())]
    records, notes = collectif_dns.wanted(named)
    assert {r.type for r in records} == {"AAAA", "CAA"}
    assert notes == [
        "asso1: ansible_host is 'asso1.hebergeur.fr', not an address of its kind: its record "
        "is left out (write the address your provider gives)."
    ]


def test_a_refused_inventory_is_listed_and_nothing_printed(tmp_path, tripwire, capsys):
    given = inventory(tmp_path / "inventory", collectif_domain="example.org")
    assert cli.main(["dns", "-i", str(given)]) == 1
    out = capsys.readouterr().out
    assert "- collectif_domain: 'example.org' is an example domain" in out
    assert "IN A" not in out
    assert not tripwire.exists()


# --- a DNS server of the test's own ---


@dataclass
class Zone:
    """A DNS server on 127.0.0.1 that answers from `records` ((name, type) -> values)."""

    records: dict[tuple[str, str], list[str]]
    port: int = 0
    asked: list[tuple[str, str]] = field(default_factory=list)

    def answer(self, wire: bytes) -> bytes:
        query = dns.message.from_wire(wire)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        name = question.name.to_text().rstrip(".")
        kind = dns.rdatatype.to_text(question.rdtype)
        self.asked.append((name, kind))
        values = self.records.get((name, kind))
        if values:
            response.answer.append(dns.rrset.from_text_list(question.name, 300, "IN", kind, values))
        elif not any(known == name for known, _ in self.records):
            response.set_rcode(dns.rcode.NXDOMAIN)
        return response.to_wire()


@pytest.fixture
def zone() -> Iterator[Zone]:
    served = Zone({})
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.1)
    served.port = sock.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                wire, client = sock.recvfrom(4096)
            except TimeoutError:
                continue
            sock.sendto(served.answer(wire), client)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield served
    stop.set()
    thread.join(timeout=5)
    sock.close()


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> list[collectif_dns.Server]:
    """The test inventory's servers, as playbooks/dns.yml works them out (once here; the
    tests of the command's options reuse them)."""
    directory = tmp_path_factory.mktemp("dns")
    given = inventory(directory / "inventory", postfix_dns_records=MAIL)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANSIBLE_CONNECTION_PLUGINS", str(ROOT / "tests" / "plugins" / "connection"))
        patch.setenv("COLLECTIF_TRIPWIRE", str(directory / "reached"))
        found = collectif_dns.gather(str(given))
    assert found is not None
    assert not (directory / "reached").exists()
    return found


@pytest.fixture
def gathered(monkeypatch, servers) -> None:
    """The playbook's answer for the test inventory, with the OVH keys (as it hands them
    over, in the file the command names), without running it again."""

    def gather(inventory: str, keys_file: Path | None = None) -> list[collectif_dns.Server]:
        if keys_file is not None:
            keys = {name.removeprefix("nginx_acme_ovh_"): value for name, value in KEYS.items()}
            keys_file.write_text(json.dumps({"endpoint": "ovh-eu", **keys}))
        return servers

    monkeypatch.setattr(collectif_dns, "gather", gather)


def check(gathered, zone, capsys) -> tuple[int, dict[tuple[str, str], list[str]], str]:
    """`collectif dns --check` against the test's DNS server: its exit code and each row's
    cells by name and type."""
    code = cli.main(["dns", "-i", str(ROOT), "--check", "--resolver", f"127.0.0.1:{zone.port}"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "type", "wanted", "answered", "state"]
    rows = {}
    for line in lines[1:-1]:
        cells = line.split()
        rows[(cells[0], cells[1])] = cells
    return code, rows, lines[-1]


def all_right() -> dict[tuple[str, str], list[str]]:
    records: dict[tuple[str, str], list[str]] = {}
    for line in RECORDS:
        name, _, _, kind, value = line.split(" ", 4)
        records.setdefault((name.rstrip("."), kind), []).append(value)
    return records


def test_check_says_ok_when_dns_gives_every_record(gathered, zone, capsys):
    zone.records = all_right()
    # Beside the association's own, other TXT records (a provider's proof) are fine.
    zone.records[(DOMAIN, "TXT")].append('"google-site-verification=abc"')
    code, rows, last = check(gathered, zone, capsys)
    assert code == 0
    assert len(rows) == len(RECORDS)
    assert {cells[-1] for cells in rows.values()} == {"OK"}
    assert last == f"All {len(RECORDS)} records are as the inventory wants them."
    assert (f"matrix.{DOMAIN}", "AAAA") in zone.asked


def test_check_says_wrong_and_missing_with_a_failing_exit_code(gathered, zone, capsys):
    zone.records = all_right()
    zone.records[(f"cloud.{DOMAIN}", "A")] = ["203.0.113.99"]  # the old server's
    zone.records[(f"matrix.{DOMAIN}", "A")] = [IPV4, "203.0.113.99"]  # and one too many
    zone.records[(DOMAIN, "CAA")] = ['0 issue "sectigo.com"']
    zone.records[(DOMAIN, "TXT")] = ['"v=spf1 -all"']
    del zone.records[(f"turn.{DOMAIN}", "AAAA")]
    del zone.records[(f"_dmarc.{DOMAIN}", "TXT")]  # the name is then unknown: NXDOMAIN
    code, rows, last = check(gathered, zone, capsys)
    assert code == 1
    assert rows[(f"cloud.{DOMAIN}", "A")][2:] == [IPV4, "203.0.113.99", "WRONG"]
    assert rows[(f"matrix.{DOMAIN}", "A")][-1] == "WRONG"
    assert rows[(DOMAIN, "CAA")][-1] == "WRONG"
    assert rows[(DOMAIN, "TXT")][-1] == "WRONG"
    assert rows[(f"turn.{DOMAIN}", "AAAA")][2:] == [IPV6, "-", "MISSING"]
    assert rows[(f"_dmarc.{DOMAIN}", "TXT")][-1] == "MISSING"
    assert rows[(f"turn.{DOMAIN}", "A")][-1] == "OK"
    assert rows[(DOMAIN, "MX")][-1] == "OK"
    assert last.startswith(f"6 of {len(RECORDS)} records are wrong or missing")


def test_a_resolver_that_does_not_answer_is_said(monkeypatch, gathered, capsys):
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))  # bound, never read: every question times out
    monkeypatch.setattr(collectif_dns, "TIMEOUT", 0.5)
    try:
        port = silent.getsockname()[1]
        code = cli.main(["dns", "-i", str(ROOT), "--check", "--resolver", f"127.0.0.1:{port}"])
    finally:
        silent.close()
    out = capsys.readouterr().out
    assert code == 1
    assert out.count("NO ANSWER") == len(RECORDS)
    assert f"is 127.0.0.1:{port} the address of a resolver that is running?" in out


@pytest.mark.parametrize("resolver", ["dns.example", "127.0.0.1:99999", "1.2.3.4:x"])
def test_a_resolver_that_is_not_an_address_is_refused(resolver, capsys):
    assert cli.main(["dns", "-i", str(ROOT), "--check", "--resolver", resolver]) == 2
    assert f"'{resolver}' is not a resolver's address" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--resolver", "127.0.0.1"], "--resolver goes with --check"),
        (["--yes"], "--yes goes with --apply"),
    ],
)
def test_an_option_without_its_command_is_refused(options, said, capsys):
    assert cli.main(["dns", "-i", str(ROOT), *options]) == 2
    assert said in capsys.readouterr().out


def test_the_check_speaks_french(monkeypatch, gathered, zone, capsys):
    monkeypatch.setenv("LANGUAGE", "fr")
    zone.records = {}
    assert cli.main(["dns", "-i", str(ROOT), "--check", "--resolver", f"127.0.0.1:{zone.port}"])
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["nom", "type", "attendu", "répondu", "état"]
    assert "ABSENT" in out
    assert f"{len(RECORDS)} enregistrement(s) sur {len(RECORDS)} faux ou absent(s)" in out


# --- a stand-in of OVH's API ---

SERVER_TIME = 1_700_000_000


@dataclass
class Ovh:
    """OVH's zone API as the test's HTTP server plays it: its records by id, and every
    request it was sent (method, path with query, headers, body)."""

    records: dict[int, dict[str, Any]]
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/1.0"

    def changes(self) -> list[tuple[str, str, Any]]:
        return [(r["method"], r["path"], r["body"]) for r in self.requests if r["method"] != "GET"]


def stand_in(ovh: Ovh) -> type[BaseHTTPRequestHandler]:
    zone = f"/1.0/domain/zone/{DOMAIN}"

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def reply(self, value: Any) -> None:
            body = json.dumps(value).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def handle_any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            text = self.rfile.read(length).decode() if length else ""
            path, _, query = self.path.partition("?")
            ovh.requests.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "text": text,
                    "body": json.loads(text) if text else None,
                }
            )
            if path == "/1.0/auth/time":
                return self.reply(SERVER_TIME)
            if path == f"{zone}/record" and self.command == "GET":
                asked = dict(part.split("=", 1) for part in query.split("&"))
                asked.setdefault("subDomain", "")
                ids = [
                    i
                    for i, r in ovh.records.items()
                    if r["fieldType"] == asked["fieldType"] and r["subDomain"] == asked["subDomain"]
                ]
                return self.reply(ids)
            if path.startswith(f"{zone}/record/") and self.command == "GET":
                number = int(path.rsplit("/", 1)[1])
                return self.reply({"id": number, "zone": DOMAIN, **ovh.records[number]})
            if path == f"{zone}/record" and self.command == "POST":
                number = max(ovh.records, default=0) + 1
                ovh.records[number] = json.loads(text)
                return self.reply({"id": number, **ovh.records[number]})
            if path.startswith(f"{zone}/record/") and self.command == "PUT":
                ovh.records[int(path.rsplit("/", 1)[1])].update(json.loads(text))
                return self.reply(None)
            if path.startswith(f"{zone}/record/") and self.command == "DELETE":
                del ovh.records[int(path.rsplit("/", 1)[1])]
                return self.reply(None)
            if path == f"{zone}/refresh" and self.command == "POST":
                return self.reply(None)
            self.send_error(404)

        do_GET = do_POST = do_PUT = do_DELETE = handle_any

    return Handler


def record(kind: str, sub: str, target: str) -> dict[str, Any]:
    return {"fieldType": kind, "subDomain": sub, "target": target, "ttl": 0}


@pytest.fixture
def ovh() -> Iterator[Ovh]:
    api = Ovh(
        {
            1: record("A", "", "203.0.113.99"),  # the old server: changed
            2: record("A", "cloud", IPV4),  # right: left alone
            3: record("A", "matrix", IPV4),
            4: record("A", "matrix", "203.0.113.99"),  # one too many: removed
            5: record("TXT", "", '"v=spf1 -all"'),  # another SPF: replaced
            6: record("TXT", "", "google-site-verification=abc"),  # not ours: kept
            7: record("MX", "", "1 mx1.mail.ovh.net."),
        }
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), stand_in(api))
    api.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield api
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def apply(inventory_dir: Path, ovh: Ovh, *more: str) -> int:
    return cli.main(["dns", "-i", str(inventory_dir), "--apply", "--ovh-api", ovh.base, *more])


def test_the_dry_run_says_what_it_would_do_and_changes_nothing(tmp_path, tripwire, ovh, capsys):
    """Through the playbook, which hands the inventory's keys over."""
    given = inventory(tmp_path / "inventory", postfix_dns_records=MAIL, **KEYS)
    before = copy.deepcopy(ovh.records)
    assert apply(given, ovh) == 0
    out = capsys.readouterr().out
    assert ovh.records == before
    assert ovh.changes() == []
    assert f"change  {DOMAIN} A: 203.0.113.99 -> {IPV4}" in out
    assert f"remove  matrix.{DOMAIN} A 203.0.113.99" in out
    assert f'change  {DOMAIN} TXT: "v=spf1 -all" -> "v=spf1 include:mx.ovh.com ~all"' in out
    assert f"create  element.{DOMAIN}. 3600 IN A {IPV4}" in out
    assert f"cloud.{DOMAIN}. 3600 IN A {IPV4}" not in out  # already right
    assert "MX" not in out
    assert "Dry run: 12 change(s) above, none made. Run again with --yes" in out
    for secret in KEYS.values():
        assert secret not in out
    assert not tripwire.exists()


def test_apply_makes_only_the_missing_and_wrong_records(gathered, ovh, capsys):
    assert apply(ROOT, ovh, "--yes") == 0
    out = capsys.readouterr().out
    assert f"12 change(s) made in the zone {DOMAIN}" in out
    changes = ovh.changes()
    assert changes[-1] == ("POST", f"/1.0/domain/zone/{DOMAIN}/refresh", None)
    zone = f"/1.0/domain/zone/{DOMAIN}/record"
    assert ("PUT", f"{zone}/1", {"subDomain": "", "target": IPV4, "ttl": 3600}) in changes
    assert ("DELETE", f"{zone}/4", None) in changes
    assert not any(path.endswith(("/2", "/3", "/6", "/7")) for _, path, _ in changes)
    created = [body for method, path, body in changes if method == "POST" and path == zone]
    assert {
        "fieldType": "CAA",
        "subDomain": "",
        "target": '0 issue "letsencrypt.org"',
        "ttl": 3600,
    } in created
    assert {
        "fieldType": "TXT",
        "subDomain": "_dmarc",
        "target": '"v=DMARC1; p=quarantine"',
        "ttl": 3600,
    } in created
    assert len(created) == 9  # 2 A and 5 AAAA of the names, CAA, DMARC
    # The zone now gives every record: a second run has nothing to do.
    ovh.requests.clear()
    assert apply(ROOT, ovh) == 0
    assert f"The zone {DOMAIN} already has every record" in capsys.readouterr().out
    assert ovh.changes() == []
    for secret in KEYS.values():
        assert secret not in out


def test_each_call_is_signed_as_ovh_documents(gathered, ovh):
    assert apply(ROOT, ovh, "--yes") == 0
    signed = [r for r in ovh.requests if r["path"] != "/1.0/auth/time"]
    assert signed
    for request in signed:
        headers = request["headers"]
        assert headers["X-Ovh-Application"] == KEYS["nginx_acme_ovh_application_key"]
        assert headers["X-Ovh-Consumer"] == KEYS["nginx_acme_ovh_consumer_key"]
        # The API's own time (/auth/time), not the machine's.
        stamp = int(headers["X-Ovh-Timestamp"])
        assert SERVER_TIME <= stamp <= SERVER_TIME + 60
        url = f"http://127.0.0.1:{ovh.port}{request['path']}"
        signed_text = "+".join(
            [
                KEYS["nginx_acme_ovh_application_secret"],
                KEYS["nginx_acme_ovh_consumer_key"],
                request["method"],
                url,
                request["text"],
                str(stamp),
            ]
        )
        assert headers["X-Ovh-Signature"] == "$1$" + hashlib.sha1(signed_text.encode()).hexdigest()


def test_the_signature_for_a_known_key_and_time():
    api = ovh_api.Ovh("https://eu.api.ovh.com/1.0", "ak", "secret", "consumer")
    url = "https://eu.api.ovh.com/1.0/domain/zone/asso-exemple.fr/record"
    # printf '%s' 'secret+consumer+GET+<url>++1457018875' | sha1sum
    assert api.signature("GET", url, "", 1457018875) == (
        "$1$c15cc44ef763e6943f7262833a8060b76bc7309d"
    )


def test_apply_without_keys_says_which_to_set(tmp_path, tripwire, ovh, capsys):
    given = inventory(tmp_path / "inventory")
    assert cli.main(["dns", "-i", str(given), "--apply", "--ovh-api", ovh.base]) == 2
    assert "--apply needs OVH's API keys: nginx_acme_ovh_application_key" in capsys.readouterr().out
    assert ovh.requests == []


def test_a_mail_providers_records_are_written_as_a_zone_file_needs_them():
    dkim = "v=DKIM1; k=rsa; p=" + "MIIBIjANBgkqh" * 30  # longer than one TXT string
    given = [
        {"name": "ovhmo123-selector1._domainkey", "type": "TXT", "value": dkim},
        {"name": "autoconfig", "type": "CNAME", "value": "mailconfig.ovh.net"},
        {"name": "asso-exemple.fr.", "type": "MX", "value": "5 mx2.mail.ovh.net"},
        {"name": "@", "type": "TXT"},  # no value: left out, with a note
    ]
    server = collectif_dns.Server("asso1", DOMAIN, (DOMAIN,), IPV4, "", tuple(given))
    records, notes = collectif_dns.wanted([server])
    long_one, cname, mx = records[-3:]
    assert long_one.name == f"ovhmo123-selector1._domainkey.{DOMAIN}"
    strings = long_one.rdata().strings
    assert [len(part) for part in strings] == [255, len(dkim) - 255]
    assert b"".join(strings).decode() == dkim
    assert cname.line() == f"autoconfig.{DOMAIN}. 3600 IN CNAME mailconfig.ovh.net."
    assert mx.line() == f"{DOMAIN}. 3600 IN MX 5 mx2.mail.ovh.net."
    assert notes == [
        "postfix_dns_records: the record '@ TXT' needs a name, a type and a value DNS "
        "accepts: left out."
    ]


def test_the_playbook_hands_the_keys_over_in_a_private_file_never_in_its_output(tmp_path, tripwire):
    """playbooks/dns.yml, run as `--apply` runs it and at Ansible's most verbose: the keys
    reach the file the command named (0600), and no output."""
    given = inventory(tmp_path / "inventory", **KEYS)
    keys_file = tmp_path / "private" / "ovh.json"
    keys_file.parent.mkdir(mode=0o700)
    result = subprocess.run(
        [
            *("ansible-playbook", "playbooks/dns.yml", "-vvv", "-i", str(given)),
            *("-e", json.dumps({"collectif_dns_keys_file": str(keys_file)})),
        ],
        cwd=ROOT,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert keys_file.stat().st_mode & 0o777 == 0o600
    assert json.loads(keys_file.read_text()) == {
        "endpoint": "ovh-eu",
        "application_key": KEYS["nginx_acme_ovh_application_key"],
        "application_secret": KEYS["nginx_acme_ovh_application_secret"],
        "consumer_key": KEYS["nginx_acme_ovh_consumer_key"],
    }
    for secret in (KEYS["nginx_acme_ovh_application_secret"], KEYS["nginx_acme_ovh_consumer_key"]):
        assert secret not in result.stdout + result.stderr
    assert not tripwire.exists()
