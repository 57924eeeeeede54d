"""Fixtures shared by the Molecule scenarios' testinfra tests (pytest finds this file
above each scenario's tests/ directory)."""

import json
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from testinfra.host import Host

PEBBLE_ROOT = "/root/pebble-root.pem"


@pytest.fixture(scope="module")
def pebble_root(host: Host) -> str:
    """Pebble makes a new root CA each time it starts: fetch the current one, which signs
    the certificates of every HTTPS name in the container. Modules that check TLS chains
    ask for it with pytestmark = pytest.mark.usefixtures("pebble_root")."""
    host.check_output(
        "curl -sSf --cacert /etc/pebble/listener-ca.pem https://localhost:15000/roots/0 "
        f"-o {PEBBLE_ROOT}"
    )
    return PEBBLE_ROOT


def _wait_until(condition: Callable[[], bool], seconds: float = 20) -> bool:
    """Poll a condition: a busy test machine is slow, never wrong."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


@pytest.fixture
def wait_until() -> Callable[..., bool]:
    """wait_until(condition, seconds=20): true as soon as condition() is, false after."""
    return _wait_until


@pytest.fixture
def exposure(host: Host) -> Callable[[str], float]:
    """exposure(unit): systemd's own judgement of a unit's sandbox, from 0 (safe) to 10
    (unsafe), as `systemd-analyze security` prints it."""

    def level(unit: str) -> float:
        out = host.check_output(f"systemd-analyze security --no-pager {unit}")
        return float(out.rsplit(f"Overall exposure level for {unit}:", 1)[1].split()[0])

    return level


@pytest.fixture
def client_address() -> str:
    """A loopback address of this test's own (127.x.y.z) to send requests from: nginx's
    request limits count per address, so no other test, and no earlier run, has used up
    this one's allowance."""
    import random

    return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"


@pytest.fixture
def burst(host: Host) -> Callable[..., list[str]]:
    """burst(url, count, source, options=""): what `count` requests to `url` made in a row
    from the address `source` got, each as "status content-type" ("429 text/html"). The
    URL's name resolves to this container, whose certificate Pebble's root checks. The
    requests are made by one shell loop, quickly: `options` may use its counter, $i."""

    def run(url: str, count: int, source: str, options: str = "") -> list[str]:
        name = url.split("/")[2]
        out = host.check_output(
            f"for i in $(seq {count}); do curl -s -o /dev/null "
            f"-w '%{{http_code}}|%{{content_type}}\\n' --max-time 10 --interface {source} "
            f"--cacert {PEBBLE_ROOT} --resolve {name}:443:127.0.0.1 {options} '{url}'; done"
        )
        return [line.split(";")[0].replace("|", " ").strip() for line in out.splitlines()]

    return run


def derived(purpose: str, length: int = 64) -> str:
    """A secret the roles derive from the scenario's key (collectif.core.secret)."""
    if str(PROJECT / "src") not in sys.path:
        sys.path.insert(0, str(PROJECT / "src"))
    from collectif.secrets import derive  # the project's own, from its source

    key = (Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "secrets" / "key").read_text()
    return derive(key.split()[0], purpose, length)


@pytest.fixture(scope="session")
def secret_of() -> Callable[..., str]:
    """secret_of(purpose, length=64): what the roles derive from the scenario's key."""
    return derived


# Running the project's playbooks against a scenario's containers, as a volunteer runs
# them against a server: the same inventory Molecule made, the project's ansible.cfg.
PROJECT = Path(os.environ["MOLECULE_PROJECT_DIRECTORY"])
INVENTORY = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "inventory"
RECAP = re.compile(r"^(?P<host>\S+)\s+: ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)", re.MULTILINE)
# A task's title, then the first line of its result on a host.
TASK = re.compile(
    r"^TASK \[(?P<title>[^\]]+)\].*\n(?P<status>ok|changed|skipping|included|fatal|failed)\b",
    re.MULTILINE,
)


@dataclass
class Played:
    returncode: int
    output: str

    @property
    def changed(self) -> dict[str, int]:
        """Changes per host, from the play recap."""
        return {m["host"]: int(m["changed"]) for m in RECAP.finditer(self.output)}

    @property
    def ok(self) -> dict[str, int]:
        """Tasks that ran (changed or not) per host, from the play recap."""
        return {m["host"]: int(m["ok"]) for m in RECAP.finditer(self.output)}

    def statuses(self, role: str) -> list[str]:
        """What became of each of a role's tasks (ok, changed, skipping...), in order."""
        return [
            m["status"] for m in TASK.finditer(self.output) if m["title"].startswith(f"{role} : ")
        ]

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output.splitlines()[-lines:])


def play(
    playbook: str, *args: str, inventory: Path = INVENTORY, env: dict[str, str] | None = None
) -> Played:
    """ansible-playbook playbooks/<playbook> on this scenario's hosts (env: settings added
    to the test's environment)."""
    result = subprocess.run(
        ["ansible-playbook", "-i", str(inventory), f"playbooks/{playbook}", *args],
        cwd=PROJECT,
        env={**os.environ, "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    return Played(result.returncode, result.stdout + result.stderr)


@pytest.fixture(scope="session")
def run_playbook() -> Callable[..., Played]:
    return play


# An XMPP session over WebSocket (RFC 7395), as Jitsi's page opens one in the browser,
# with nbxmpp (Gajim's XMPP library, Debian's python3-nbxmpp) on the server: through nginx
# on meet.collectif.test, accepting only the certificate nginx serves for the name (its
# chain against Pebble's root is checked by curl elsewhere); SCRAM for a member, ANONYMOUS
# for a guest. Then one question: the TURN services Prosody offers (XEP-0215), or a
# conference in a room, asked of jicofo through its focus component (as the page does when
# a participant enters a room).
XMPP_SESSION = r"""
import json, sys
from gi.repository import Gio, GLib
from nbxmpp.client import Client
from nbxmpp.const import ConnectionProtocol, ConnectionType
from nbxmpp.protocol import Iq

ask, domain, login, password = (sys.stdin.read().split() + ["", ""])[:4]
result, loop = {}, GLib.MainLoop()
client = Client(log_context="test")
client.set_domain(domain)
if login:
    client.set_username(login)
    client.set_password(password)
else:
    client.set_mechs({"ANONYMOUS"})
client.set_resource("test")
client.set_custom_host("wss://meet.collectif.test/xmpp-websocket",
                       ConnectionProtocol.WEBSOCKET, ConnectionType.DIRECT_TLS)
client.set_accepted_certificates(
    [Gio.TlsCertificate.new_from_file("/etc/letsencrypt/live/jitsi/cert.pem")])

def question():
    if ask == "services":
        iq = Iq("get", to=domain)
        iq.addChild("services", namespace="urn:xmpp:extdisco:2")
        return iq
    iq = Iq("set", to="focus.meet.collectif.test")
    conference = iq.addChild("conference", namespace="http://jitsi.org/protocol/focus")
    conference.setAttr("room", "reunion@conference.meet.collectif.test")
    conference.setAttr("machine-uid", "collectif-test")
    return iq

def answered(c, stanza):
    result["type"] = stanza.getType()
    services = stanza.getTag("services")
    if services:
        result["services"] = [dict(s.attrs) for s in services.getTags("service")]
    conference = stanza.getTag("conference")
    if conference:
        result["ready"] = conference.getAttr("ready")
    error = stanza.getTag("error")
    result["refused"] = [child.getName() for child in error.getChildren()] if error else []
    c.disconnect()

def connected(c, _signal):
    result["jid"] = str(c.get_bound_jid())
    c.SendAndCallForResponse(question(), answered)

def ended(c, _signal):
    if "jid" not in result:
        result["error"] = [str(e) for e in c.get_error() if e]
    loop.quit()

client.subscribe("connected", connected)
client.subscribe("disconnected", ended)
client.subscribe("connection-failed", ended)
client.connect()
GLib.timeout_add_seconds(60, loop.quit)
loop.run()
print(json.dumps(result))
"""


@pytest.fixture(scope="module")
def xmpp(host: Host) -> Callable[..., dict]:
    """xmpp(ask, domain, login="", password=""): one session over Jitsi's WebSocket (ask:
    "services" or "conference"); the password reaches the client on its standard input."""

    def session(ask: str, domain: str, login: str = "", password: str = "") -> dict:
        line = shlex.quote(f"{ask} {domain} {login} {password}")
        out = host.run(f"printf '%s\\n' {line} | python3 -c '{XMPP_SESSION}'")
        assert out.rc == 0, out.stderr
        return json.loads(out.stdout)

    return session
