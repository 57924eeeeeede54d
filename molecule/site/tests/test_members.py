"""A member's life on the server, through playbooks/members.yml as `collectif member` runs
it: the members file given for the run, the first password in a 0600 file (-e @file).

Léonie joins on the small plan (the cloud only), moves to the large one (Matrix, a blog,
video calls), is suspended, comes back, and leaves. Each step is one run of the play; the
tests after it sign in as she would: Matrix with matrix-nio (a real client), WordPress
through its login page, Prosody over XMPP as Jitsi's page does. Nextcloud is the stand-in:
what its `occ` was asked (account, quota, enabled, the password's digest) is checked."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import tarfile

import pytest
import yaml

testinfra_hosts = ["ansible://asso1"]
pytestmark = pytest.mark.usefixtures("pebble_root")

PEBBLE_ROOT = "/root/pebble-root.pem"
CLIENT = "/opt/collectif-test-client/bin/python"
CONFIG_DIR = "/var/lib/nextcloud/config"
OCC = f"runuser -u nextcloud -- env NEXTCLOUD_CONFIG_DIR={CONFIG_DIR} php /var/www/nextcloud/occ"
LOGIN = "leonie"
PASSWORD = "Premier-mot-de-passe-" + hashlib.sha256(os.urandom(16)).hexdigest()[:12]
RENEWED = "Nouveau-mot-de-passe-" + hashlib.sha256(os.urandom(16)).hexdigest()[:12]
JITSI = "meet.collectif.test"
LEONIE = {
    "login": LOGIN,
    "name": "Léonie Martin",
    "email": f"{LOGIN}@collectif.test",
    "plan": "essentiel",
    "since": "2026-11-02",
}

NIO_LOGIN = r"""
import asyncio, json, ssl, sys
import aiohttp
from nio import AsyncClient, LoginResponse, RoomCreateResponse

async def main(login, password, source):
    context = ssl.create_default_context(cafile="/root/pebble-root.pem")
    client = AsyncClient("https://matrix.collectif.test", f"@{login}:collectif.test", ssl=context)
    # From an address of its own: nginx limits sign-ins per address.
    client.client_session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=context, local_addr=(source, 0)))
    answer = await client.login(password)
    result = {"login": isinstance(answer, LoginResponse),
              "error": getattr(answer, "status_code", None)}
    if result["login"]:
        room = await client.room_create(name="Premiers pas")
        result["room"] = isinstance(room, RoomCreateResponse)
    await client.close()
    print(json.dumps(result))

asyncio.run(main(*sys.stdin.read().split()))
"""


@pytest.fixture(scope="module", autouse=True)
def inventory_again(run_playbook):
    """After the module: the bridges' settings as the inventory says (its members file lists
    nobody: every account of the server), for the modules after this one."""
    yield
    played = run_playbook("site.yml", "--tags", "mautrix_bridge")
    assert played.returncode == 0, played.tail(40)


@pytest.fixture(scope="module")
def step(run_playbook, tmp_path_factory):
    """step(plan, state, password=PASSWORD, reset=False): the members file with Léonie so,
    one run of the play (with that password for the accounts it makes, "" for none; reset:
    for every account she has); the run's outcome."""
    folder = tmp_path_factory.mktemp("members")

    def run(plan: str, state: str, password: str = PASSWORD, reset: bool = False, **more):
        values = {
            **more,
            "collectif_members": [{**LEONIE, "plan": plan, "state": state}],
            "collectif_members_passwords": {LOGIN: password} if password else {},
            "collectif_members_reset": [LOGIN] if reset else [],
        }
        given = folder / "run.yml"
        given.write_text(yaml.safe_dump(values, allow_unicode=True))
        given.chmod(0o600)
        played = run_playbook("members.yml", "-e", f"@{given}")
        assert played.returncode == 0, played.tail(80)
        return played

    return run


def cloud(host) -> dict:
    accounts = json.loads(host.check_output(f"{OCC} user:list --info --output=json"))
    return accounts.get(LOGIN, {})


def standin_password_digest(host) -> str:
    state = json.loads(host.file(f"{CONFIG_DIR}/standin-state.json").content_string)
    return state["users"][LOGIN]["password_sha256"]


def source() -> str:
    """A loopback address of the call's own: nginx limits sign-ins per address, and this
    module signs in often."""
    return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"


def matrix(host, password: str = PASSWORD) -> dict:
    host.check_output(f"cat > /root/nio_login.py <<'EOF'\n{NIO_LOGIN}\nEOF")
    out = host.run(f"echo {LOGIN} {password} {source()} | {CLIENT} /root/nio_login.py")
    assert out.rc == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def blog_sign_in(host, password: str = PASSWORD) -> str:
    """The sign-in page's answer: headers, then the page."""
    return host.check_output(
        f"curl -sS --interface {source()} --cacert {PEBBLE_ROOT} -D - "
        "-b 'wordpress_test_cookie=WP%20Cookie%20check' "
        f"--data-urlencode log={LOGIN} --data-urlencode 'pwd={password}' "
        "https://collectif.test/wp-login.php"
    )


def member_dues(host) -> list[str]:
    """Léonie's recurring invoices in Invoice Ninja's database (the stand-in keeps them
    there): amount, state (1 draft, 2 active, 3 paused) and the line's text."""
    return host.check_output(
        "mariadb --default-character-set=utf8mb4 -N invoiceninja -e "
        '"SELECT amount, status_id, notes FROM recurring_invoices JOIN clients '
        f"ON clients.id = recurring_invoices.client_id WHERE clients.email = '{LOGIN}@collectif.test'\""
    ).splitlines()


def bridge_permissions(host) -> dict:
    """Who may use the WhatsApp bridge (its settings; the other bridges' are the same)."""
    return json.loads(
        host.check_output(
            'python3 -c "import json, yaml; print(json.dumps(yaml.safe_load('
            "open('/etc/mautrix-whatsapp/config.yaml'))['bridge']['permissions']))\""
        )
    )


def blog_status(host) -> str:
    return host.check_output(
        f"curl -sS -o /dev/null -w '%{{http_code}}' --cacert {PEBBLE_ROOT} "
        f"https://collectif.test/{LOGIN}/"
    )


@pytest.fixture(scope="module")
def small(step):
    return step("essentiel", "active")


def test_the_small_plan_gives_a_cloud_account_with_its_quota_and_the_password(host, small):
    account = cloud(host)
    assert account["quota"] == "5 GB"
    assert account["enabled"] is True
    assert account["email"] == f"{LOGIN}@collectif.test"
    assert standin_password_digest(host) == hashlib.sha256(PASSWORD.encode()).hexdigest()


def test_the_small_plan_starts_the_yearly_dues_at_its_fee(host, small):
    assert member_dues(host) == [
        "15.00\t2\tCotisation annuelle à l'association (formule essentiel)"
    ]


def test_the_small_plan_gives_no_bridges_and_they_are_for_members_only(host, small):
    permissions = bridge_permissions(host)
    assert f"@{LOGIN}:collectif.test" not in permissions
    # A members file that lists someone: the bridges are no longer every account's.
    assert "collectif.test" not in permissions
    assert permissions["@camille:collectif.test"] == "admin"


def test_the_small_plan_gives_nothing_else(host, xmpp, small):
    assert matrix(host)["login"] is False
    assert "wordpress_logged_in_" not in blog_sign_in(host)
    assert blog_status(host) == "404"
    assert "jid" not in xmpp("services", JITSI, LOGIN, PASSWORD)


@pytest.fixture(scope="module")
def large(small, step):
    return step("etendu", "active")


def test_the_large_plan_raises_the_quota_and_the_dues(host, large):
    assert cloud(host)["quota"] == "50 GB"
    assert member_dues(host) == ["45.00\t2\tCotisation annuelle à l'association (formule etendu)"]


def test_the_large_plan_opens_matrix_with_the_password(host, large):
    outcome = matrix(host)
    assert outcome["login"] is True and outcome["room"] is True, outcome


def test_the_large_plan_opens_a_blog_whose_owner_signs_in(host, large):
    assert blog_status(host) == "200"
    signed_in = blog_sign_in(host)
    assert "set-cookie: wordpress_logged_in_" in signed_in.lower()


def test_the_large_plan_opens_the_bridges(host, large):
    assert bridge_permissions(host)[f"@{LOGIN}:collectif.test"] == "user"
    assert host.service("mautrix-whatsapp").is_running


def test_the_large_plan_lets_the_member_open_video_calls(xmpp, large):
    assert xmpp("services", JITSI, LOGIN, PASSWORD)["jid"] == f"{LOGIN}@{JITSI}/test"


def test_the_cloud_used_is_measured_for_the_list(host, run_playbook, large):
    """playbooks/usage.yml, what `collectif member list --usage` runs: each account's
    files, in bytes."""
    home = f"/var/lib/nextcloud/data/{LOGIN}/files"
    host.check_output(
        f"runuser -u nextcloud -- mkdir -p {home} && "
        f"head -c 1048576 /dev/zero | runuser -u nextcloud -- tee {home}/rapport.bin >/dev/null"
    )
    measured = run_playbook("usage.yml")
    assert measured.returncode == 0, measured.tail(40)
    found = re.search(rf"^\s+{LOGIN}: (\d+)$", measured.output, re.MULTILINE)
    assert found, measured.tail(20)
    # The file, and the directories' own few kilobytes.
    assert 1048576 <= int(found.group(1)) < 1048576 + 65536


def test_quotas_beyond_the_disk_are_said_with_the_figures(host, step, large):
    """A plan whose quota no disk of the test machine holds: the run warns, in both
    languages, with the sum and the disk's size, and changes nothing else."""
    plans = [
        {"name": "essentiel", "fee": 15, "services": ["cloud"], "nextcloud_quota": "5 GB"},
        {
            "name": "etendu",
            "fee": 45,
            "services": ["cloud", "matrix", "bridges", "blog", "video"],
            "nextcloud_quota": "50 GB",
        },
        {"name": "immense", "fee": 1000, "services": ["cloud"], "nextcloud_quota": "1000 TB"},
    ]
    warned = step("immense", "active", collectif_plans=plans)
    said = " ".join(warned.output.split())  # Ansible wraps long messages
    assert (
        "WARNING: the cloud quotas of the active and suspended members add up to 1000.00 TB" in said
    )
    assert "more than the " in said and " of the disk that holds /var/lib/nextcloud/data" in said
    assert "ATTENTION : les quotas du cloud des membres actifs et suspendus font 1000.00 TB" in said
    assert cloud(host)["quota"] == "1000 TB"
    back = step("etendu", "active")
    assert "WARNING: the cloud quotas" not in back.output


def test_a_second_run_changes_nothing(step, large):
    again = step("etendu", "active")
    assert again.changed["asso1"] == 0, again.tail(80)


@pytest.fixture(scope="module")
def suspended(large, step):
    return step("etendu", "suspended", password="")


def test_a_suspended_member_is_refused_everywhere(host, xmpp, suspended):
    assert cloud(host)["enabled"] is False
    assert matrix(host)["login"] is False
    refused = blog_sign_in(host)
    assert "wordpress_logged_in_" not in refused
    assert "Votre compte est suspendu" in refused and "Your account is suspended" in refused
    assert "jid" not in xmpp("services", JITSI, LOGIN, PASSWORD)
    assert f"@{LOGIN}:collectif.test" not in bridge_permissions(host)


def test_a_suspended_member_keeps_everything_and_is_not_invoiced(host, suspended):
    assert cloud(host)["quota"] == "50 GB"
    assert [line.split("\t")[:2] for line in member_dues(host)] == [["45.00", "3"]]
    synapse = host.check_output(
        "runuser -u postgres -- psql -tA synapse -c "
        f"\"SELECT locked FROM users WHERE name = '@{LOGIN}:collectif.test'\""
    )
    assert synapse == "t"
    sites = host.check_output(
        f"mariadb -N wordpress -e \"SELECT archived FROM wp_blogs WHERE path = '/{LOGIN}/'\""
    )
    assert sites == "1"
    assert host.file(
        f"/var/lib/prosody/collectif-suspended/meet%2ecollectif%2etest/{LOGIN}.dat"
    ).exists


@pytest.fixture(scope="module")
def resumed(suspended, step):
    return step("etendu", "active", password="")


def test_a_resumed_member_signs_in_again_with_the_same_password(host, xmpp, resumed):
    # Every account was there, set aside: none waits for a password.
    assert f"msg: {LOGIN}" not in resumed.output
    assert cloud(host)["enabled"] is True
    assert matrix(host)["login"] is True
    assert "set-cookie: wordpress_logged_in_" in blog_sign_in(host).lower()
    assert blog_status(host) == "200"
    assert xmpp("services", JITSI, LOGIN, PASSWORD)["jid"] == f"{LOGIN}@{JITSI}/test"
    assert [line.split("\t")[:2] for line in member_dues(host)] == [["45.00", "2"]]


@pytest.fixture(scope="module")
def renewed(resumed, step):
    return step("etendu", "active", password=RENEWED, reset=True)


def test_a_new_password_replaces_the_old_on_every_account(host, xmpp, renewed):
    digest = hashlib.sha256(RENEWED.encode()).hexdigest()
    assert standin_password_digest(host) == digest
    assert matrix(host, RENEWED)["login"] is True
    assert matrix(host, PASSWORD)["login"] is False
    assert "set-cookie: wordpress_logged_in_" in blog_sign_in(host, RENEWED).lower()
    assert "wordpress_logged_in_" not in blog_sign_in(host, PASSWORD)
    assert xmpp("services", JITSI, LOGIN, RENEWED)["jid"] == f"{LOGIN}@{JITSI}/test"
    assert "jid" not in xmpp("services", JITSI, LOGIN, PASSWORD)


def test_a_new_password_is_set_once(step, renewed):
    again = step("etendu", "active", password="")
    assert again.changed["asso1"] == 0, again.tail(80)


@pytest.fixture(scope="module")
def gone(renewed, step):
    return step("etendu", "gone", password="")


def test_a_member_who_left_is_refused_and_their_data_kept(host, xmpp, gone):
    assert cloud(host) and cloud(host)["enabled"] is False
    assert matrix(host, RENEWED)["login"] is False
    assert "wordpress_logged_in_" not in blog_sign_in(host, RENEWED)
    assert blog_status(host) != "200"
    assert "jid" not in xmpp("services", JITSI, LOGIN, RENEWED)
    assert [line.split("\t")[:2] for line in member_dues(host)] == [["45.00", "3"]]


@pytest.fixture(scope="module")
def purged(gone, step, host, tmp_path_factory):
    """Léonie's files and blog hold something of hers; then the purge, the archive copied
    to the test machine."""
    home = f"/var/lib/nextcloud/data/{LOGIN}/files"
    host.check_output(
        f"runuser -u nextcloud -- mkdir -p {home} && "
        f"echo 'mes notes' | runuser -u nextcloud -- tee {home}/notes.txt"
    )
    site = host.check_output(
        f"mariadb -N wordpress -e \"SELECT blog_id FROM wp_blogs WHERE path = '/{LOGIN}/'\""
    )
    uploads = f"/var/lib/wordpress/wp-content/uploads/sites/{site}/2026/12"
    host.check_output(
        f"runuser -u wordpress -- mkdir -p {uploads} && "
        f"echo 'ma photo' | runuser -u wordpress -- tee {uploads}/photo.txt"
    )
    to = tmp_path_factory.mktemp("archive")
    played = step(
        "etendu",
        "gone",
        password="",
        collectif_members_purge=[LOGIN],
        collectif_members_purge_to=str(to),
    )
    return played, to


def test_a_purge_archives_the_member_s_files_and_blog_first(purged):
    _, to = purged
    (archive,) = list(to.glob(f"{LOGIN}-*.tar.gz"))
    with tarfile.open(archive) as packed:
        names = packed.getnames()
        assert packed.extractfile("./nextcloud-files/notes.txt").read() == b"mes notes\n"
        assert packed.extractfile("./wordpress/uploads/2026/12/photo.txt").read() == b"ma photo\n"
        site = packed.extractfile("./wordpress/site.xml").read().decode()
    assert "<rss" in site and "wordpress.org/export/" in site
    assert "./nextcloud-files" in names


def test_a_purge_deletes_every_account_and_keeps_the_invoices(host, xmpp, purged):
    assert cloud(host) == {}
    assert not host.file(f"/var/lib/nextcloud/data/{LOGIN}").exists
    deactivated = host.check_output(
        "runuser -u postgres -- psql -tA synapse -c "
        f"\"SELECT deactivated FROM users WHERE name = '@{LOGIN}:collectif.test'\""
    )
    assert deactivated == "1"
    assert matrix(host, RENEWED)["login"] is False
    users = host.check_output(
        f"mariadb -N wordpress -e \"SELECT COUNT(*) FROM wp_users WHERE user_login = '{LOGIN}'\""
    )
    assert users == "0"
    assert blog_status(host) == "404"
    assert not host.file(
        f"/var/lib/prosody/collectif-suspended/meet%2ecollectif%2etest/{LOGIN}.dat"
    ).exists
    assert "jid" not in xmpp("services", JITSI, LOGIN, RENEWED)
    # The association's accounts keep the invoices made (the law asks for them).
    assert [line.split("\t")[:2] for line in member_dues(host)] == [["45.00", "3"]]
    # The server keeps the archive too, root's only.
    archives = host.check_output("ls /var/lib/collectif/purged").split()
    assert [name for name in archives if name.startswith(LOGIN)] == [
        next(purged[1].glob(f"{LOGIN}-*.tar.gz")).name
    ]
    assert host.file(f"/var/lib/collectif/purged/{archives[0]}").mode == 0o600


def test_after_the_purge_the_member_file_changes_nothing(step, purged):
    again = step("etendu", "purged", password="")
    assert again.changed["asso1"] == 0, again.tail(80)
