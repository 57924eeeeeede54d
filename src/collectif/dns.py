"""`collectif dns`: the records the inventory needs, checked against DNS, made through OVH.

    collectif dns -i inventories/myasso                 the zone-file lines to paste
    collectif dns -i ... --check [--resolver IP[:PORT]] what DNS answers, record by record
    collectif dns -i ... --apply [--yes]                make them through OVH's API

The names are every name each server of `servers` answers at: its services' sites, as
their roles name them (playbooks/dns.yml renders the declarations through Ansible, on the
controller), the inventory's own sites, and the association's domain. Each gets the
server's A (ansible_host) and AAAA (collectif_ipv6, when set); the domain gets a CAA for
Let's Encrypt; the mail provider's records (postfix_dns_records) come as given.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import sys
import tempfile
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.resolver

from . import i18n, inventory_files
from .ovh import ENDPOINTS, Ovh, OvhError

TTL = 3600
# Seconds a resolver has to answer each question.
TIMEOUT = 5.0
CAA_VALUE = '0 issue "letsencrypt.org"'
# Types whose answer must be exactly what the inventory gives (an old server's address
# beside the new one sends some visitors nowhere); for the others, ours among others.
EXACT_TYPES = ("A", "AAAA", "CNAME")
# Types whose value ends with a name: written absolute in a zone file.
NAME_TARGETS = ("CNAME", "MX", "NS", "SRV")


def say(key: str, **values: Any) -> str:
    return i18n.say("dns", key, **values)


@dataclass(frozen=True)
class Record:
    """One record: an absolute name (no final dot), its type, its value as a zone file
    writes it."""

    name: str
    type: str
    value: str

    def line(self) -> str:
        return f"{self.name}. {TTL} IN {self.type} {self.value}"

    def rdata(self) -> dns.rdata.Rdata:
        return dns.rdata.from_text(
            dns.rdataclass.IN,
            dns.rdatatype.from_text(self.type),
            self.value,
            origin=dns.name.root,
            relativize=False,  # as an answer's names come: absolute
        )


@dataclass(frozen=True)
class Server:
    """What playbooks/dns.yml says of one server."""

    host: str
    domain: str
    names: tuple[str, ...]
    ipv4: str
    ipv6: str
    mail: tuple[Mapping[str, Any], ...]

    @classmethod
    def from_result(cls, data: Mapping[str, Any]) -> Server:
        return cls(
            host=str(data.get("host", "")),
            domain=str(data.get("domain", "")).rstrip(".").lower(),
            names=tuple(str(n).rstrip(".").lower() for n in data.get("names") or () if n),
            ipv4=str(data.get("ipv4") or ""),
            ipv6=str(data.get("ipv6") or ""),
            mail=tuple(m for m in data.get("mail") or () if isinstance(m, Mapping)),
        )


def wanted(servers: Sequence[Server]) -> tuple[list[Record], list[str]]:
    """The records the inventory needs, in a stable order (each server's names, the domain
    first; then CAA; then mail), and the notes on what could not be made a record."""
    records: list[Record] = []
    notes: list[str] = []
    domain = next((s.domain for s in servers if s.domain), "")
    served = {name for server in servers for name in server.names}
    for index, server in enumerate(servers):
        names = set(server.names)
        if index == 0 and domain and domain not in served:
            names.add(domain)  # the Matrix delegation and the site are asked there
        addresses = _addresses(server, notes)
        for name in sorted(names, key=lambda n: (n != domain, n)):
            records += [Record(name, kind, address) for kind, address in addresses]
    if domain:
        records.append(Record(domain, "CAA", CAA_VALUE))
    for server in servers:
        for given in server.mail:
            record = mail_record(given, domain)
            if record is None:
                notes.append(say("mail.unreadable", record=_shown(given)))
            elif record not in records:
                records.append(record)
    return records, notes


def _addresses(server: Server, notes: list[str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for variable, value, version in (
        ("ansible_host", server.ipv4, 4),
        ("collectif_ipv6", server.ipv6, 6),
    ):
        if not value:
            continue
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            notes.append(say("address.not_ip", host=server.host, variable=variable, value=value))
            continue
        if address.version != version:
            notes.append(say("address.not_ip", host=server.host, variable=variable, value=value))
            continue
        found.append(("A" if version == 4 else "AAAA", str(address)))
    return found


def mail_record(given: Mapping[str, Any], domain: str) -> Record | None:
    """A record of postfix_dns_records ({name, type, value}, as the mail provider gives
    it): the name relative to the domain ('@' or '' for the domain itself) or absolute."""
    kind = str(given.get("type", "")).upper()
    value = str(given.get("value", "")).strip()
    if not kind or not value:
        return None
    name = absolute(str(given.get("name", "@")), domain)
    if kind == "TXT" and not value.startswith('"'):
        value = quoted_txt(value)
    elif kind in NAME_TARGETS and not value.endswith("."):
        value += "."
    record = Record(name, kind, value)
    try:
        record.rdata()
    except (dns.exception.DNSException, ValueError):
        return None
    return record


def absolute(name: str, domain: str) -> str:
    name = name.strip().lower()
    if name in ("", "@"):
        return domain
    if name.endswith("."):
        return name.rstrip(".")
    if name == domain or name.endswith(f".{domain}"):
        return name
    return f"{name}.{domain}"


def quoted_txt(text: str) -> str:
    """A TXT value as a zone file writes it: quoted, in strings of 255 bytes at most (a
    DKIM key is longer)."""
    parts = [""]
    for character in text:
        if len((parts[-1] + character).encode()) > 255:
            parts.append("")
        parts[-1] += character
    return " ".join(f'"{_escaped(part)}"' for part in parts)


def _escaped(part: str) -> str:
    return part.replace("\\", "\\\\").replace('"', '\\"')


def _shown(given: Mapping[str, Any]) -> str:
    return f"{given.get('name', '@')} {given.get('type', '?')}"


# --- what DNS answers ---

OK, WRONG, MISSING, UNANSWERED = "ok", "wrong", "missing", "unanswered"


@dataclass(frozen=True)
class Checked:
    record: Record
    answered: tuple[str, ...]
    state: str


def resolver(spec: str | None) -> dns.resolver.Resolver:
    """The system's resolver, or the one given as IP, IP:PORT or [IPv6]:PORT."""
    if not spec:
        chosen = dns.resolver.Resolver()
    else:
        chosen = dns.resolver.Resolver(configure=False)
        address, port = parse_resolver(spec)
        chosen.nameservers = [address]
        chosen.port = port
    chosen.lifetime = TIMEOUT
    return chosen


def parse_resolver(spec: str) -> tuple[str, int]:
    text = spec.strip()
    port = 53
    if text.startswith("["):
        address, _, rest = text[1:].partition("]")
        if rest.startswith(":"):
            port = int(rest[1:])
    elif text.count(":") == 1:
        address, _, given = text.partition(":")
        port = int(given)
    else:
        address = text
    ipaddress.ip_address(address)  # ValueError when it is not one
    if not 0 < port < 65536:
        raise ValueError(port)
    return address, port


def check(records: Iterable[Record], asked: dns.resolver.Resolver) -> list[Checked]:
    """Each record against what the resolver answers for its name and type."""
    answers: dict[tuple[str, str], tuple[dns.rdata.Rdata, ...] | None] = {}
    wanted_values: dict[tuple[str, str], set[dns.rdata.Rdata]] = {}
    for record in records:
        wanted_values.setdefault((record.name, record.type), set()).add(record.rdata())
    found: list[Checked] = []
    for record in records:
        key = (record.name, record.type)
        if key not in answers:
            # A resolver that did not answer once is not asked again (each would wait).
            down = any(value is None for value in answers.values())
            answers[key] = None if down else _ask(asked, *key)
        answered = answers[key]
        if answered is None:
            found.append(Checked(record, (), UNANSWERED))
            continue
        shown = tuple(rdata.to_text() for rdata in answered)
        if not answered:
            state = MISSING
        elif record.type in EXACT_TYPES:
            state = OK if set(answered) == wanted_values[key] else WRONG
        else:
            state = OK if record.rdata() in answered else WRONG
        found.append(Checked(record, shown, state))
    return found


def _ask(asked: dns.resolver.Resolver, name: str, kind: str) -> tuple[dns.rdata.Rdata, ...] | None:
    """The answer's records (none when the name or the type has none); None when the
    resolver did not answer (down, or failing: SERVFAIL)."""
    try:
        answer = asked.resolve(f"{name}.", kind, raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN:
        return ()
    except (dns.resolver.NoNameservers, dns.exception.Timeout):
        return None
    if answer.rrset is None:
        return ()
    return tuple(answer.rrset)


def table(rows: Sequence[Checked]) -> list[str]:
    head = (say("column.name"), say("column.type"), say("column.wanted"))
    cells = [
        (*head, say("column.answered"), say("column.state")),
        *(
            (
                row.record.name,
                row.record.type,
                row.record.value,
                ", ".join(row.answered) or "-",
                say(f"state.{row.state}"),
            )
            for row in rows
        ),
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(5)]
    return [
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in cells
    ]


# --- the records at OVH ---


@dataclass(frozen=True)
class Change:
    """One call to make: create a record, change one's value, or remove one."""

    action: str  # create, update, delete
    record: Record
    old: str = ""
    record_id: int | None = None


def subdomain(name: str, zone: str) -> str | None:
    if name == zone:
        return ""
    if name.endswith(f".{zone}"):
        return name[: -len(zone) - 1]
    return None


def plan(records: Sequence[Record], zone: str, ovh: Ovh) -> tuple[list[Change], list[Record]]:
    """What to change in OVH's zone so that it gives every record: the calls, and the
    records outside the zone (left to the volunteer)."""
    changes: list[Change] = []
    outside: list[Record] = []
    existing: dict[tuple[str, str], list[tuple[int, str]]] = {}
    groups: dict[tuple[str, str], list[Record]] = {}
    for record in records:
        sub = subdomain(record.name, zone)
        if sub is None:
            outside.append(record)
            continue
        groups.setdefault((sub, record.type), []).append(record)
    for (sub, kind), group in groups.items():
        query = urllib.parse.urlencode({"fieldType": kind, "subDomain": sub})
        ids = ovh.call("GET", f"/domain/zone/{zone}/record", query=query) or []
        existing[(sub, kind)] = [
            (int(i), str(ovh.call("GET", f"/domain/zone/{zone}/record/{int(i)}").get("target")))
            for i in ids
        ]
        changes += _changes(group, existing[(sub, kind)])
    return changes, outside


def _changes(group: Sequence[Record], present: list[tuple[int, str]]) -> list[Change]:
    """For one name and type: the records missing, and those to replace (an address, an
    SPF or a DMARC record of the same kind that says otherwise)."""
    changes: list[Change] = []
    left = list(present)
    for record in group:
        same = [(i, t) for i, t in left if _same(record, t)]
        if same:
            left.remove(same[0])
            continue
        rival = next((item for item in left if _rival(record, item[1])), None)
        if rival is not None:
            left.remove(rival)
            changes.append(Change("update", record, old=rival[1], record_id=rival[0]))
        else:
            changes.append(Change("create", record))
    if group[0].type in EXACT_TYPES:
        changes += [
            Change("delete", Record(group[0].name, group[0].type, target), old=target, record_id=i)
            for i, target in left
        ]
    return changes


def _value(kind: str, target: str) -> dns.rdata.Rdata | None:
    """OVH's target as DNS data (a TXT target may come without its quotes)."""
    text = target.strip()
    if kind == "TXT" and not text.startswith('"'):
        text = quoted_txt(text)
    try:
        return Record("x", kind, text).rdata()
    except (dns.exception.DNSException, ValueError):
        return None


def _same(record: Record, target: str) -> bool:
    return _value(record.type, target) == record.rdata()


def _rival(record: Record, target: str) -> bool:
    """An existing record this one replaces: any of an exact type (A, AAAA, CNAME); a TXT
    of the same kind (v=spf1, v=DMARC1...)."""
    if record.type in EXACT_TYPES:
        return True
    if record.type == "TXT":
        kind = _txt_kind(record.rdata())
        old = _value("TXT", target)
        return bool(kind) and old is not None and _txt_kind(old) == kind
    return False


def _txt_kind(rdata: dns.rdata.Rdata) -> str:
    text = b"".join(getattr(rdata, "strings", ())).decode(errors="replace")
    first = text.split(";")[0].split(" ")[0].strip()
    return first.lower() if first.lower().startswith("v=") else ""


def apply(changes: Sequence[Change], zone: str, ovh: Ovh) -> None:
    for change in changes:
        sub = subdomain(change.record.name, zone)
        path = f"/domain/zone/{zone}/record"
        if change.action == "create":
            body = {
                "fieldType": change.record.type,
                "subDomain": sub,
                "target": change.record.value,
                "ttl": TTL,
            }
            ovh.call("POST", path, body)
        elif change.action == "update":
            body = {"subDomain": sub, "target": change.record.value, "ttl": TTL}
            ovh.call("PUT", f"{path}/{change.record_id}", body)
        else:
            ovh.call("DELETE", f"{path}/{change.record_id}")
    if changes:
        ovh.call("POST", f"/domain/zone/{zone}/refresh")


def change_line(change: Change) -> str:
    record = change.record
    if change.action == "create":
        return say("apply.create", record=record.line())
    if change.action == "update":
        return say(
            "apply.update", name=record.name, type=record.type, old=change.old, new=record.value
        )
    return say("apply.delete", name=record.name, type=record.type, old=change.old)


# --- the command ---


def add_parser(commands: Any) -> None:
    command = commands.add_parser(
        "dns",
        help="the DNS records the inventory needs: print, check, or make them at OVH",
        description="Print the records the inventory's servers need (zone-file lines), "
        "check them against DNS (--check), or make them through OVH's API (--apply). "
        "/ Les enregistrements DNS dont l'inventaire a besoin.",
    )
    command.add_argument("-i", "--inventory", required=True, help="the inventory directory")
    action = command.add_mutually_exclusive_group()
    action.add_argument(
        "--check", action="store_true", help="ask DNS for each record; exit 1 if any is not right"
    )
    action.add_argument(
        "--apply",
        action="store_true",
        help="make the missing or wrong records through OVH's API (the inventory's "
        "nginx_acme_ovh_* keys); says what it would do unless --yes",
    )
    command.add_argument(
        "--resolver", metavar="IP[:PORT]", help="the resolver --check asks (default: the system's)"
    )
    command.add_argument("--yes", action="store_true", help="with --apply: make the changes")
    command.add_argument("--zone", help="with --apply: OVH's DNS zone (default: collectif_domain)")
    command.add_argument(
        "--ovh-api",
        metavar="URL",
        help="with --apply: the API's address (default: from nginx_acme_ovh_endpoint)",
    )


def gather(inventory: str, keys_file: Path | None = None) -> list[Server] | None:
    """Each server's names and addresses, worked out by playbooks/dns.yml on the
    controller; None when the run failed."""
    from . import cli  # the command line registers this module: imported when run

    results: list[dict[str, Any]] = []
    extra = [*cli.vault_options(inventory)]
    if keys_file is not None:
        extra += ["-e", json.dumps({"collectif_dns_keys_file": str(keys_file)})]
    if cli.run_playbook("dns.yml", inventory, extra, results) != 0:
        # The preflight's list of the inventory's problems, said as a task's message.
        for said in results:
            if isinstance(said.get("msg"), str) and "problem" in said["msg"]:
                print(said["msg"])
        return None
    return [Server.from_result(r["collectif_dns"]) for r in results if "collectif_dns" in r]


def command(args: argparse.Namespace) -> int:
    """`collectif dns`: print the records, or check them (--check), or make them (--apply)."""
    unreadable = inventory_files.problems(Path(args.inventory))
    if unreadable:
        print(i18n.say("cli", "inventory.unreadable", count=len(unreadable)))
        for line in unreadable:
            print(f"- {line}")
        return 2
    if args.resolver and not args.check:
        print(say("resolver.without_check"))
        return 2
    if args.yes and not args.apply:
        print(say("yes.without_apply"))
        return 2
    if args.resolver:
        try:
            parse_resolver(args.resolver)
        except ValueError:
            print(say("resolver.wrong", resolver=args.resolver))
            return 2
    with tempfile.TemporaryDirectory(prefix="collectif-dns-") as private:
        keys_file = Path(private) / "ovh.json" if args.apply else None
        servers = gather(args.inventory, keys_file)
        if servers is None:
            print(say("inventory.failed", inventory=args.inventory))
            return 1
        keys = json.loads(keys_file.read_text()) if keys_file and keys_file.exists() else {}
    if not servers:
        print(say("inventory.no_servers"))
        return 1
    records, notes = wanted(servers)
    for note in notes:
        print(f"; {note}", file=sys.stderr)
    if args.check:
        return check_command(records, args.resolver)
    if args.apply:
        return apply_command(records, servers, keys, args)
    print(f"; {say('records.header', inventory=args.inventory)}")
    for record in records:
        print(record.line())
    return 0


def check_command(records: Sequence[Record], spec: str | None) -> int:
    try:
        asked = resolver(spec)
    except dns.resolver.NoResolverConfiguration:
        print(say("resolver.none"))
        return 2
    rows = check(records, asked)
    for line in table(rows):
        print(line)
    bad = sum(1 for row in rows if row.state != OK)
    if any(row.state == UNANSWERED for row in rows):
        print(say("check.unanswered", resolver=spec or "/etc/resolv.conf"))
    if bad:
        print(say("check.bad", count=bad, total=len(rows)))
        return 1
    print(say("check.good", total=len(rows)))
    return 0


def apply_command(
    records: Sequence[Record], servers: Sequence[Server], keys: Mapping[str, Any], args: Any
) -> int:
    needed = ("application_key", "application_secret", "consumer_key")
    if not all(keys.get(name) for name in needed):
        print(say("apply.no_keys", inventory=args.inventory))
        return 2
    base = args.ovh_api or ENDPOINTS.get(str(keys.get("endpoint")), ENDPOINTS["ovh-eu"])
    zone = (args.zone or servers[0].domain).rstrip(".").lower()
    ovh = Ovh(base.rstrip("/"), *(str(keys[name]) for name in needed))
    try:
        changes, outside = plan(records, zone, ovh)
        for record in outside:
            print(say("apply.outside", record=record.line(), zone=zone))
        if not changes:
            print(say("apply.nothing", zone=zone))
            return 0
        for change in changes:
            print(change_line(change))
        if not args.yes:
            print(say("apply.dry", count=len(changes)))
            return 0
        apply(changes, zone, ovh)
    except OvhError as error:
        print(say("apply.failed", reason=str(error)))
        return 1
    print(say("apply.done", count=len(changes), zone=zone))
    return 0
