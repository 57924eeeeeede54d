"""Matrix as a member meets it: the homeserver behind nginx, delegation from the bare
domain, and a real client that logs in, creates a room, sends and reads a message."""

import json
import os
import socket
import struct
from pathlib import Path

import pytest

testinfra_hosts = ["ansible://asso1"]
pytestmark = pytest.mark.usefixtures("pebble_root")

SECRETS = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "secrets"
PEBBLE_ROOT = "/root/pebble-root.pem"
CLIENT = "/opt/collectif-test-client/bin/python"

# A member's session with matrix-nio: log in, create a room, send, read back through /sync.
NIO_SESSION = r"""
import asyncio, json, ssl, sys
from nio import AsyncClient, LoginResponse, RoomCreateResponse, RoomSendResponse, SyncResponse

async def main(password):
    context = ssl.create_default_context(cafile="/root/pebble-root.pem")
    client = AsyncClient("https://matrix.collectif.test", "@camille:collectif.test", ssl=context)
    result = {}
    login = await client.login(password)
    result["login"] = isinstance(login, LoginResponse)
    room = await client.room_create(name="Bureau")
    result["room"] = isinstance(room, RoomCreateResponse)
    sent = await client.room_send(
        room.room_id, "m.room.message", {"msgtype": "m.text", "body": "bonjour le bureau"}
    )
    result["sent"] = isinstance(sent, RoomSendResponse)
    sync = await client.sync(timeout=3000)
    events = sync.rooms.join[room.room_id].timeline.events if isinstance(sync, SyncResponse) else []
    result["read"] = [getattr(e, "body", None) for e in events if getattr(e, "body", None)]
    await client.close()
    print(json.dumps(result))

asyncio.run(main(sys.stdin.read().strip()))
"""


def https_json(host, url: str) -> tuple[str, dict]:
    out = host.check_output(f"curl -sS --cacert {PEBBLE_ROOT} -D - '{url}'")
    headers, _, body = out.partition("\r\n\r\n")
    return headers.lower(), json.loads(body)


def test_client_api_answers_behind_nginx(host):
    _, versions = https_json(host, "https://matrix.collectif.test/_matrix/client/versions")
    assert "v1.11" in versions["versions"]


def test_federation_key_answers_for_the_server_name(host):
    _, keys = https_json(host, "https://matrix.collectif.test/_matrix/key/v2/server")
    assert keys["server_name"] == "collectif.test"
    assert keys["verify_keys"]


def test_admin_api_not_public(host):
    status = host.check_output(
        f"curl -s -o /dev/null -w '%{{http_code}}' --cacert {PEBBLE_ROOT} "
        "https://matrix.collectif.test/_synapse/admin/v1/server_version"
    )
    assert status == "404"


def test_bare_domain_delegates_the_server(host):
    headers, body = https_json(host, "https://collectif.test/.well-known/matrix/server")
    assert body == {"m.server": "matrix.collectif.test:443"}
    assert "content-type: application/json" in headers
    assert "access-control-allow-origin: *" in headers


def test_bare_domain_delegates_the_clients(host):
    headers, body = https_json(host, "https://collectif.test/.well-known/matrix/client")
    assert body == {"m.homeserver": {"base_url": "https://matrix.collectif.test"}}
    assert "access-control-allow-origin: *" in headers


def test_member_logs_in_creates_a_room_sends_and_reads(host):
    password = (SECRETS / "camille").read_text().split()[0]
    script = "/root/nio_session.py"
    host.check_output(f"cat > {script} <<'EOF'\n{NIO_SESSION}\nEOF")
    result = host.run(f"echo {password} | {CLIENT} {script}")
    assert result.rc == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["login"] and outcome["room"] and outcome["sent"]
    assert "bonjour le bureau" in outcome["read"]


def test_database_has_the_c_collation_synapse_requires(host):
    row = host.check_output(
        'sudo -u postgres psql -tAc "SELECT datcollate, datctype FROM pg_database '
        "WHERE datname = 'synapse'\""
    )
    assert row == "C|C"


def test_registration_closed(host):
    out = host.run(
        f'curl -s --cacert {PEBBLE_ROOT} -X POST -d \'{{"username": "intrus"}}\' '
        "https://matrix.collectif.test/_matrix/client/v3/register"
    )
    assert "M_FORBIDDEN" in out.stdout


def test_secrets_readable_by_synapse_only(host):
    for name in ("homeserver.yaml", "registration_shared_secret"):
        f = host.file(f"/etc/synapse/{name}")
        assert (f.user, f.group, f.mode) == ("root", "synapse", 0o640)
    key = host.file("/etc/synapse/signing.key")
    assert (key.user, key.mode) == ("synapse", 0o600)


def test_admin_api_keeps_the_name_the_inventory_gives(host, token):
    out = host.check_output(
        f"curl -sS -H 'Authorization: Bearer {token}' "
        "http://127.0.0.1:8008/_matrix/client/v3/profile/@camille:collectif.test/displayname"
    )
    assert json.loads(out) == {"displayname": "Camille (bureau)"}


def test_profiles_are_for_signed_in_members(host):
    out = host.check_output(
        "curl -sS http://127.0.0.1:8008/_matrix/client/v3/profile/@camille:collectif.test"
    )
    assert json.loads(out)["errcode"] == "M_MISSING_TOKEN"


def test_a_password_a_member_chooses_follows_the_policy(host, token):
    password = (SECRETS / "camille").read_text().split()[0]
    auth = {
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": "camille"},
        "password": password,
    }
    body = json.dumps({"new_password": "court", "logout_devices": False, "auth": auth})
    out = host.check_output(
        f"curl -sS -X POST -H 'Authorization: Bearer {token}' -d '{body}' "
        "http://127.0.0.1:8008/_matrix/client/v3/account/password"
    )
    assert json.loads(out)["errcode"] == "M_PASSWORD_TOO_SHORT"


def test_synapse_runs_in_a_tight_sandbox(host, exposure):
    """Synapse faces the internet: it sees no devices, kernel settings or other users'
    processes, keeps no capability and makes only internet and local sockets."""
    assert exposure("synapse.service") < 3.0
    pid = host.check_output("systemctl show --property MainPID --value synapse")
    status = host.file(f"/proc/{pid}/status").content_string
    assert "CapBnd:\t0000000000000000" in status
    assert "Seccomp:\t2" in status  # a system call filter is in force


LOGIN = "https://matrix.collectif.test/_matrix/client/v3/login"


def test_password_sign_ins_are_limited_by_nginx_per_address(burst, client_address):
    """After 6 attempts at once, nginx answers 429 itself (HTML) before Synapse, which has
    its own, JSON, limits per address and per account."""
    body = json.dumps(
        {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": "nobody-" + client_address},
            "password": "wrong",
        }
    )
    got = burst(LOGIN, 10, client_address, f"-X POST -d '{body}'")
    assert "429 text/html" not in got[:6], got
    assert got[6:] == ["429 text/html"] * 4, got


def test_asking_how_to_sign_in_is_not_limited(burst, client_address):
    got = burst(LOGIN, 12, client_address)
    assert [answer.split()[0] for answer in got] == ["200"] * 12, got


def test_synapse_listens_on_loopback_only(host):
    assert host.socket("tcp://127.0.0.1:8008").is_listening
    assert not host.socket("tcp://0.0.0.0:8008").is_listening


# --- coturn --------------------------------------------------------------------------------

# A minimal STUN/TURN client (RFC 5389 and 5766): a binding request, and an allocation
# with the long-term credential mechanism, which is what a calling client does first.
TURN_CLIENT = r"""
import hashlib, hmac, json, os, socket, struct, sys

COOKIE = 0x2112A442
SERVER = ("127.0.0.1", 3478)

def attribute(kind, value):
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * ((4 - len(value) % 4) % 4)

def message(kind, attributes, key=None):
    tid, body = os.urandom(12), b"".join(attributes)
    if key:
        header = struct.pack("!HHI", kind, len(body) + 24, COOKIE) + tid
        body += attribute(0x0008, hmac.new(key, header + body, hashlib.sha1).digest())
    return struct.pack("!HHI", kind, len(body), COOKIE) + tid + body

def parse(data):
    kind, length, _ = struct.unpack("!HHI", data[:8])
    attributes, i = {}, 20
    while i < 20 + length:
        t, n = struct.unpack("!HH", data[i:i + 4])
        attributes[t] = data[i + 4:i + 4 + n]
        i += 4 + n + (4 - n % 4) % 4
    return kind, attributes

def ask(sock, data):
    sock.sendto(data, SERVER)
    return parse(sock.recv(4096))

def new_socket():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(5)
    return sock

def allocate(user, secret):
    # Each attempt from its own address and port: a server keeps one allocation per client.
    sock, udp = new_socket(), attribute(0x0019, bytes([17, 0, 0, 0]))
    _, challenge = ask(sock, message(0x0003, [udp]))
    realm, nonce = challenge[0x0014], challenge[0x0015]
    key = hashlib.md5(f"{user}:".encode() + realm + f":{secret}".encode()).digest()
    request = message(0x0003, [udp, attribute(0x0006, user.encode()),
                               attribute(0x0014, realm), attribute(0x0015, nonce)], key)
    kind, answer = ask(sock, request)
    error = answer.get(0x0009)
    return "allocated" if kind == 0x0103 else f"error {error[2] * 100 + error[3]}"

def permission(user, secret, peer):
    # Allocate, then ask leave to relay to a peer (CreatePermission): a denied address
    # answers 403 Forbidden.
    sock, udp = new_socket(), attribute(0x0019, bytes([17, 0, 0, 0]))
    _, challenge = ask(sock, message(0x0003, [udp]))
    realm, nonce = challenge[0x0014], challenge[0x0015]
    key = hashlib.md5(f"{user}:".encode() + realm + f":{secret}".encode()).digest()
    auth = [attribute(0x0006, user.encode()), attribute(0x0014, realm), attribute(0x0015, nonce)]
    kind, _ = ask(sock, message(0x0003, [udp] + auth, key))
    if kind != 0x0103:
        return "no allocation"
    address = struct.unpack("!I", socket.inet_aton(peer))[0] ^ COOKIE
    xor_peer = attribute(0x0012, struct.pack("!HHI", 0x0001, 3478 ^ (COOKIE >> 16), address))
    kind, answer = ask(sock, message(0x0008, [xor_peer] + auth, key))
    if kind == 0x0108:
        return "permitted"
    error = answer.get(0x0009)
    return f"error {error[2] * 100 + error[3]}"

user, password, *peers = sys.stdin.read().split()
result = {
    "binding": hex(ask(new_socket(), message(0x0001, []))[0]),
    "allocation": allocate(user, password),
    "wrong_password": allocate(user, password + "x"),
    "peers": {peer: permission(user, password, peer) for peer in peers},
}
print(json.dumps(result))
"""


def member_token(host) -> str:
    password = (SECRETS / "camille").read_text().split()[0]
    body = json.dumps(
        {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": "camille"},
            "password": password,
        }
    )
    out = host.check_output(
        f"curl -sS --cacert {PEBBLE_ROOT} -X POST -d '{body}' "
        "https://matrix.collectif.test/_matrix/client/v3/login"
    )
    return json.loads(out)["access_token"]


@pytest.fixture(scope="module")
def token(host) -> str:
    """Camille's access token, once for the module (logins are rate-limited)."""
    return member_token(host)


@pytest.fixture(scope="module")
def turn_credentials(host, token) -> dict:
    out = host.check_output(
        f"curl -sS --cacert {PEBBLE_ROOT} -H 'Authorization: Bearer {token}' "
        "https://matrix.collectif.test/_matrix/client/v3/voip/turnServer"
    )
    return json.loads(out)


def test_synapse_gives_members_turn_uris_and_a_credential(turn_credentials):
    assert turn_credentials["uris"] == [
        "turns:turn.collectif.test:5349?transport=udp",
        "turns:turn.collectif.test:5349?transport=tcp",
        "turn:turn.collectif.test:3478?transport=udp",
        "turn:turn.collectif.test:3478?transport=tcp",
    ]
    assert turn_credentials["username"].endswith(":@camille:collectif.test")
    assert turn_credentials["password"]


def test_coturn_answers_stun_and_accepts_synapses_credential(host, turn_credentials):
    script = "/root/turn_client.py"
    host.check_output(f"cat > {script} <<'EOF'\n{TURN_CLIENT}\nEOF")
    user, password = turn_credentials["username"], turn_credentials["password"]
    result = host.run(f"echo '{user} {password}' | python3 {script}")
    assert result.rc == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome == {
        "binding": "0x101",  # binding success
        "allocation": "allocated",
        "wrong_password": "error 401",
        "peers": {},
    }


def test_a_relay_never_reaches_the_server_itself_nor_private_networks(host, turn_credentials):
    """The server's private address and loopback are denied as its own, like a private
    network; a peer elsewhere is permitted. 11.22.33.44 is the server's public address here
    (converge.yml), where Jitsi's videobridge takes its media: permitted, since this server
    runs Jitsi (and denied on one that does not, by the same rule as its other addresses)."""
    script = "/root/turn_client.py"
    host.check_output(f"cat > {script} <<'EOF'\n{TURN_CLIENT}\nEOF")
    user, password = turn_credentials["username"], turn_credentials["password"]
    own = host.interface("eth0").addresses[0]
    peers = f"11.22.33.44 {own} 127.0.0.1 10.1.2.3 9.9.9.9"
    result = host.run(f"echo '{user} {password} {peers}' | python3 {script}")
    assert result.rc == 0, result.stderr
    assert json.loads(result.stdout)["peers"] == {
        "11.22.33.44": "permitted",
        own: "error 403",
        "127.0.0.1": "error 403",
        "10.1.2.3": "error 403",
        "9.9.9.9": "permitted",
    }
    conf = host.file("/etc/turnserver.conf").content_string
    assert "denied-peer-ip=11.22.33.44" in conf
    assert "allowed-peer-ip=11.22.33.44" in conf
    assert f"allowed-peer-ip={own}" not in conf


def test_turn_over_tls_refuses_ciphers_outside_the_profile(host):
    connect = "openssl s_client -connect 127.0.0.1:5349 -servername turn.collectif.test -tls1_2"
    weak = host.run(f"{connect} -cipher AES128-SHA </dev/null")
    assert weak.rc != 0, weak.stdout
    strong = host.run(
        f"{connect} -cipher ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256 </dev/null"
    )
    assert "Cipher is ECDHE-" in strong.stdout, strong.stdout + strong.stderr


@pytest.mark.parametrize("version", ["-tls1", "-tls1_1"])
def test_turn_over_tls_refuses_old_versions_at_once(host, version):
    """An old client gets its refusal, not silence: coturn's own no-tlsv1 options would
    leave it waiting until it gives up (`timeout` ends the wait with 124)."""
    old = host.run(
        f"timeout 10 openssl s_client -connect 127.0.0.1:5349 -servername turn.collectif.test "
        f"{version} -cipher DEFAULT@SECLEVEL=0 </dev/null"
    )
    assert old.rc not in (0, 124), old.stdout + old.stderr
    assert "Cipher is (NONE)" in old.stdout, old.stdout


def test_turn_over_tls_presents_the_acme_certificate(host):
    connect = "openssl s_client -connect 127.0.0.1:5349 -servername turn.collectif.test"
    out = host.run(f"{connect} -CAfile {PEBBLE_ROOT} -verify_return_error </dev/null")
    assert "Verify return code: 0 (ok)" in out.stdout, out.stdout + out.stderr
    names = host.check_output(
        f"{connect} </dev/null 2>/dev/null | openssl x509 -noout -ext subjectAltName"
    )
    assert "DNS:turn.collectif.test" in names


def test_stun_answers_the_test_machine_through_the_firewall(host):
    address = host.interface("eth0").addresses[0]
    request = struct.pack("!HHI", 0x0001, 0, 0x2112A442) + os.urandom(12)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        sock.sendto(request, (address, 3478))
        answer = sock.recv(2048)
    assert struct.unpack("!H", answer[:2])[0] == 0x0101  # binding success


@pytest.mark.parametrize("port", [3478, 5349])
def test_turn_tcp_ports_reachable_from_the_test_machine(host, port):
    address = host.interface("eth0").addresses[0]
    with socket.create_connection((address, port), timeout=3):
        pass


def test_relay_range_open_in_the_firewall(host):
    rules = host.check_output("nft list table inet collectif").splitlines()
    assert any("udp dport" in r and "49152-50151" in r and "accept" in r for r in rules)


def test_turn_secret_not_world_readable(host):
    conf = host.file("/etc/turnserver.conf")
    assert (conf.user, conf.group, conf.mode) == ("root", "turnserver", 0o640)
    key = host.file("/etc/coturn/privkey.pem")
    assert (key.group, key.mode) == ("turnserver", 0o640)
