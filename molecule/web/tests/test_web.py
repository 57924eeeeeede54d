"""Databases and cache as applications meet them: what one app can do, what it cannot."""

import os
import socket
from pathlib import Path

import pytest

SECRETS = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "secrets"


def secret(name: str) -> str:
    return (SECRETS / name).read_text().split()[0]


def outside_listeners(host) -> set[tuple[str, int]]:
    found = set()
    for line in host.check_output("ss -Hltn").splitlines():
        address, port = line.split()[3].rsplit(":", 1)
        if not address.startswith(("127.", "[::1]")):
            found.add((address, int(port)))
    return found


def reachable_from_test_machine(host, port: int) -> bool:
    address = host.interface("eth0").addresses[0]
    try:
        with socket.create_connection((address, port), timeout=3):
            return True
    except OSError:
        return False


def test_only_ssh_listens_outside_loopback(host):
    assert {port for _, port in outside_listeners(host)} == {22}


@pytest.mark.parametrize("port", [5432, 3306, 6379])
def test_database_ports_unreachable_from_outside(host, port):
    assert not reachable_from_test_machine(host, port)


def psql(host, user: str, database: str, sql: str):
    password = secret(f"pg_{user}")
    return host.run(f"PGPASSWORD={password} psql -h 127.0.0.1 -U {user} -d {database} -tAc {sql!r}")


def test_postgresql_app_owns_and_uses_its_database(host):
    result = psql(
        host,
        "app1",
        "app1",
        "CREATE TABLE IF NOT EXISTS notes (body text); "
        "INSERT INTO notes VALUES ('bonjour'); SELECT count(*) > 0 FROM notes",
    )
    assert result.rc == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "t"


def test_postgresql_app_cannot_open_another_apps_database(host):
    result = psql(host, "app1", "app2", "SELECT 1")
    assert result.rc != 0
    assert "permission denied for database" in result.stderr


def test_postgresql_wrong_password_refused(host):
    result = host.run("PGPASSWORD=wrong psql -h 127.0.0.1 -U app1 -d app1 -c 'SELECT 1'")
    assert result.rc != 0
    assert "password authentication failed" in result.stderr


def test_postgresql_collations_as_asked(host):
    rows = host.check_output(
        'sudo -u postgres psql -tAc "SELECT datname, datcollate, datctype, pg_encoding_to_char(encoding) '
        "FROM pg_database WHERE datname IN ('app1', 'app2') ORDER BY 1\""
    )
    assert rows.splitlines() == ["app1|C|C|UTF8", "app2|C.UTF-8|C.UTF-8|UTF8"]


def test_postgresql_memory_derived_from_budget(host):
    # postgresql_memory_mb is 512 in this scenario: shared_buffers is half of it.
    assert host.check_output("sudo -u postgres psql -tAc 'SHOW shared_buffers'") == "256MB"
    assert (
        host.check_output("sudo -u postgres psql -tAc 'SHOW password_encryption'")
        == "scram-sha-256"
    )


def mariadb(host, user: str, sql: str, database: str = ""):
    # Through the Unix socket, as applications configured with host "localhost" connect.
    return host.run(f"mariadb -u {user} -p{secret('my_' + user)} {database} -e {sql!r}")


def test_mariadb_app_uses_its_database(host):
    result = mariadb(
        host,
        "app1",
        "CREATE TABLE IF NOT EXISTS notes (body text); "
        "INSERT INTO notes VALUES ('bonjour'); SELECT count(*) FROM notes",
        "app1",
    )
    assert result.rc == 0, result.stderr


def test_mariadb_app_cannot_read_another_apps_database(host):
    result = mariadb(host, "app1", "SELECT 1", "app2")
    assert result.rc != 0
    assert "Access denied for user 'app1'@'localhost' to database 'app2'" in result.stderr


def test_mariadb_root_by_socket_only(host):
    assert host.run("mariadb -e 'SELECT 1'").rc == 0  # root, through the Unix socket
    over_tcp = host.run("mariadb -h 127.0.0.1 -u root --password= -e 'SELECT 1'")
    assert over_tcp.rc != 0


def test_mariadb_no_anonymous_user_no_test_database(host):
    users = host.check_output("mariadb -NBe \"SELECT COUNT(*) FROM mysql.user WHERE User = ''\"")
    assert users == "0"
    assert "test" not in host.check_output("mariadb -NBe 'SHOW DATABASES'").split()


def valkey(host, user: str, password: str | None):
    auth = f"-a {password} --no-auth-warning" if password else ""
    return host.run(f"sudo -u {user} valkey-cli -s /run/valkey/valkey.sock {auth} PING")


def test_valkey_answers_a_member_of_its_group_with_the_password(host):
    result = valkey(host, "app1", secret("valkey"))
    assert result.stdout.strip() == "PONG", result.stderr


def test_valkey_refuses_without_password(host):
    assert "NOAUTH" in valkey(host, "app1", None).stdout


def test_valkey_socket_closed_to_other_users(host):
    result = valkey(host, "app2", secret("valkey"))
    assert "Permission denied" in result.stdout + result.stderr


def test_valkey_memory_capped(host):
    out = host.check_output(
        f"valkey-cli -s /run/valkey/valkey.sock -a {secret('valkey')} --no-auth-warning CONFIG GET maxmemory"
    )
    assert out.splitlines()[-1] == str(128 * 1024 * 1024)


def test_artifact_installed_from_the_mirror_owned_by_the_app(host):
    link = host.file("/opt/standin-web")
    assert link.is_symlink and link.linked_to == "/opt/standin-web-1.0"
    version = host.file("/opt/standin-web/VERSION")
    assert version.content_string == "1.0\n" and version.user == "app1"
    assert (
        host.run("ls -a /opt/standin-web/ | grep -c '^.collectif-artifact-'").stdout.strip() == "1"
    )
    kept = host.file("/var/cache/collectif/artifacts/standin-web-1.0.tar.gz")
    assert kept.mode == 0o600 and kept.user == "root"
    assert not host.file("/opt/standin-web-1.0.partial").exists
