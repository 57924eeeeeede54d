"""The shared services as applications meet them: an HTTPS site with a certificate from a
real ACME server (Pebble, in the container), a PHP page through its own pool, databases and
a cache, and what one application can do that another cannot."""

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


def test_only_ssh_and_the_web_listen_outside_loopback(host):
    assert {port for _, port in outside_listeners(host)} == {22, 80, 443}


@pytest.mark.parametrize("port", [80, 443])
def test_web_ports_open_in_the_firewall(host, port):
    assert reachable_from_test_machine(host, port)


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


# --- nginx, ACME and PHP-FPM ---------------------------------------------------------------

SITES = {
    "collectif.test": "accueil",
    "app1.collectif.test": "php=8.4",
    "app2.collectif.test": "stand-in upstream of app2",
}
PEBBLE_ROOT = "/root/pebble-root.pem"
PEBBLE_ENV = "REQUESTS_CA_BUNDLE=/etc/pebble/listener-ca.pem"


# Pebble's current root (molecule/conftest.py) for every test of this module.
pytestmark = pytest.mark.usefixtures("pebble_root")


def https(host, name: str, path: str = "/", options: str = ""):
    """A request as a browser makes it: the site's name, the certificate checked against
    Pebble's root and nothing else."""
    return host.run(
        f"curl -sS --max-time 10 --cacert {PEBBLE_ROOT} --resolve {name}:443:127.0.0.1 "
        f"-D - {options} 'https://{name}{path}'"
    )


def served_certificate(host, name: str) -> str:
    return host.check_output(
        f"openssl s_client -connect 127.0.0.1:443 -servername {name} </dev/null 2>/dev/null "
        "| openssl x509 -noout -serial -issuer -ext subjectAltName"
    )


@pytest.mark.parametrize("name", SITES)
def test_https_certificate_from_pebble_with_a_valid_chain(host, name):
    out = host.run(
        f"openssl s_client -connect 127.0.0.1:443 -servername {name} -CAfile {PEBBLE_ROOT} "
        "-verify_return_error </dev/null"
    )
    assert "Verify return code: 0 (ok)" in out.stdout, out.stdout + out.stderr
    cert = served_certificate(host, name)
    assert "issuer=CN=Pebble Intermediate CA" in cert
    assert f"DNS:{name}" in cert


@pytest.mark.parametrize(("name", "body"), SITES.items())
def test_each_site_answers_over_https(host, name, body):
    result = https(host, name)
    assert result.rc == 0, result.stderr
    assert result.stdout.startswith("HTTP/2 200")
    assert body in result.stdout


def test_php_page_runs_in_its_own_pool_and_reaches_its_database(host):
    page = https(host, "app1.collectif.test").stdout.splitlines()[-1]
    version = host.check_output("php -r 'echo PHP_VERSION;'")
    assert page == f"php={version} user=app1 db=42"


def test_second_name_of_a_site_has_its_own_place_in_the_certificate(host):
    assert https(host, "www.app2.collectif.test").stdout.startswith("HTTP/2 200")


@pytest.mark.parametrize("name", SITES)
def test_http_redirects_to_https(host, name):
    out = host.check_output(
        f"curl -sS -o /dev/null -w '%{{http_code}} %{{redirect_url}}' "
        f"--resolve {name}:80:127.0.0.1 'http://{name}/a/page?x=1'"
    )
    assert out == f"301 https://{name}/a/page?x=1"


def test_acme_challenge_files_served_on_port_80(host):
    host.check_output(
        "mkdir -p /var/lib/collectif/acme/.well-known/acme-challenge && "
        "echo token-content > /var/lib/collectif/acme/.well-known/acme-challenge/t1"
    )
    try:
        out = host.check_output(
            "curl -sS --resolve app1.collectif.test:80:127.0.0.1 "
            "http://app1.collectif.test/.well-known/acme-challenge/t1"
        )
    finally:
        host.run("rm -f /var/lib/collectif/acme/.well-known/acme-challenge/t1")
    assert out == "token-content"


@pytest.mark.parametrize("protocol", ["-tls1", "-tls1_1"])
def test_old_tls_versions_refused(host, protocol):
    # SECLEVEL=0 lets this client offer the old version: the refusal must be the server's.
    result = host.run(
        f"openssl s_client -connect 127.0.0.1:443 -servername app1.collectif.test {protocol} "
        "-cipher 'DEFAULT:@SECLEVEL=0' </dev/null"
    )
    assert result.rc != 0
    assert "alert protocol version" in result.stdout + result.stderr


@pytest.mark.parametrize("protocol", ["-tls1_2", "-tls1_3"])
def test_current_tls_versions_accepted(host, protocol):
    result = host.run(
        f"openssl s_client -connect 127.0.0.1:443 -servername app1.collectif.test {protocol} "
        "</dev/null"
    )
    assert result.rc == 0, result.stderr


@pytest.mark.parametrize("name", SITES)
def test_security_headers_present(host, name):
    headers = https(host, name).stdout.lower()
    assert "strict-transport-security: max-age=63072000" in headers
    assert "x-content-type-options: nosniff" in headers
    assert "x-frame-options: sameorigin" in headers
    assert "referrer-policy: strict-origin-when-cross-origin" in headers


def test_location_added_by_another_role_keeps_the_sites_headers(host):
    result = https(host, "collectif.test", "/.well-known/matrix/server")
    out = result.stdout.lower()
    assert out.splitlines()[-1] == '{"m.server": "matrix.collectif.test:443"}'
    assert "content-type: application/json" in out
    assert "access-control-allow-origin: *" in out
    assert "strict-transport-security: max-age=63072000" in out


def test_proxy_passes_the_original_request(host):
    got = https(host, "app2.collectif.test").stdout
    assert "X-Forwarded-Proto: https" in got
    assert "Host: app2.collectif.test" in got
    assert "X-Real-IP: 127.0.0.1" in got


@pytest.mark.parametrize(
    ("group", "accepted"), [("X25519", True), ("X448", False), ("secp521r1", False)]
)
def test_only_the_intermediate_profiles_curves_are_agreed(host, group, accepted):
    """Mozilla's intermediate profile: X25519, P-256, P-384; not X448 nor P-521."""
    result = host.run(
        f"openssl s_client -connect 127.0.0.1:443 -servername app1.collectif.test -groups {group} "
        "</dev/null"
    )
    handshake = result.rc == 0 and "-----BEGIN CERTIFICATE-----" in result.stdout
    assert handshake is accepted, result.stdout[-500:]


def test_answers_name_no_versions(host):
    """Neither nginx's nor PHP's version in the headers of a PHP page."""
    headers = https(host, "app1.collectif.test", "/").stdout.lower()
    assert "server: nginx\r\n" in headers
    assert "x-powered-by" not in headers


def test_a_client_cannot_choose_the_address_the_application_sees(host):
    """A forged X-Forwarded-For would let a client pass a rate limit kept per address."""
    got = https(host, "app2.collectif.test", options="-H 'X-Forwarded-For: 203.0.113.66'").stdout
    assert "X-Forwarded-For: 127.0.0.1" in got
    assert "203.0.113.66" not in got


def test_websocket_upgrade_reaches_the_upstream(host):
    got = https(
        host,
        "app2.collectif.test",
        options="--http1.1 -H 'Upgrade: websocket' -H 'Connection: Upgrade'",
    ).stdout
    assert "Upgrade: websocket" in got
    assert "Connection: upgrade" in got


def test_body_size_limit_of_a_site(host):
    # app2 accepts 1 MiB at most.
    status = host.check_output(
        "head -c 2000000 /dev/zero | curl -s -o /dev/null -w '%{http_code}' "
        f"--cacert {PEBBLE_ROOT} --resolve app2.collectif.test:443:127.0.0.1 "
        "--data-binary @- https://app2.collectif.test/"
    )
    assert status == "413"


def test_unknown_name_gets_no_answer_over_http(host):
    result = host.run("curl -sS -H 'Host: unknown.example' http://127.0.0.1/")
    assert result.rc == 52  # empty reply: nginx closed the connection (444)


@pytest.mark.parametrize("sni", ["-servername unknown.example", "-noservername"])
def test_unknown_name_gets_no_certificate(host, sni):
    result = host.run(f"openssl s_client -connect 127.0.0.1:443 {sni} </dev/null")
    assert result.rc != 0
    assert "unrecognized name" in result.stdout + result.stderr
    assert "BEGIN CERTIFICATE" not in result.stdout


def test_renewal_dry_run_succeeds(host):
    result = host.run(
        f"{PEBBLE_ENV} certbot renew --no-random-sleep-on-renew --dry-run --cert-name app2 --server https://localhost:14000/dir"
    )
    assert result.rc == 0, result.stdout + result.stderr
    assert "/etc/letsencrypt/live/app2/fullchain.pem (success)" in result.stdout + result.stderr


def test_renewal_service_trusts_the_acme_ca(host):
    environment = host.check_output("systemctl show -p Environment certbot.service")
    assert "REQUESTS_CA_BUNDLE=/etc/pebble/listener-ca.pem" in environment
    assert host.service("certbot.timer").is_running


def test_renewed_certificate_served_after_the_reload_hook(host, wait_until):
    """nginx's reload returns before its old workers are gone: the new certificate is
    served within seconds, by every worker from then on."""
    before = served_certificate(host, "app2.collectif.test").splitlines()[0]
    host.check_output(
        f"{PEBBLE_ENV} certbot renew --no-random-sleep-on-renew --force-renewal --cert-name app2 -q"
    )

    def serial() -> str:
        return served_certificate(host, "app2.collectif.test").splitlines()[0]

    assert wait_until(lambda: serial() != before, seconds=15)  # a new serial number
    assert all(serial() != before for _ in range(5))


def test_php_pool_socket_open_to_nginx_only(host):
    socket_file = host.file("/run/php/php8.4-fpm-app1.sock")
    assert socket_file.is_socket
    assert (socket_file.user, socket_file.group, socket_file.mode) == ("app1", "www-data", 0o660)
    refused = host.run(
        "sudo -u app2 env SCRIPT_FILENAME=/srv/app1/public/index.php REQUEST_METHOD=GET "
        "cgi-fcgi -bind -connect /run/php/php8.4-fpm-app1.sock"
    )
    assert refused.rc != 0


def test_debian_default_pool_removed(host):
    assert not host.file("/etc/php/8.4/fpm/pool.d/www.conf").exists
    workers = host.check_output("ps -o user= -C php-fpm8.4 | sort -u").split()
    assert "www-data" not in workers


# --- Confinement of a pool, request limits (security issue 18, finding 11) ----------------


def confinement(host) -> dict:
    import json

    return json.loads(
        https(host, "app1.collectif.test", "/confined.php").stdout.split("\r\n\r\n", 1)[1]
    )


def test_pool_cannot_run_programs_but_the_command_line_can(host):
    probe = confinement(host)
    assert not probe["shell_exec"] and not probe["exec"] and not probe["proc_open"], probe
    # occ, wp-cli and cron jobs run PHP's command line, which the pool's settings leave alone.
    cli = host.run("runuser -u app1 -- php -r 'echo shell_exec(\"echo from-a-shell\");'")
    assert cli.stdout.strip() == "from-a-shell", cli.stderr


def test_pool_reads_only_below_its_own_paths(host):
    probe = confinement(host)
    assert not probe["passwd"], probe
    assert probe["own_settings"] and probe["urandom"], probe
    assert probe["open_basedir"].split(":")[0] == "/srv/app1/"
    assert "/etc" not in probe["open_basedir"]
    # PHP reads /etc/passwd for the command line: the file is there, the pool is kept out.
    assert host.run("runuser -u app1 -- php -r 'readfile(\"/etc/passwd\");'").stdout.startswith(
        "root:"
    )


def test_pool_temporary_files_in_its_own_directory(host):
    probe = confinement(host)
    assert probe["tmp"] and probe["tmp_dir"] == "/var/lib/php/tmp/app1", probe
    tmp = host.file("/var/lib/php/tmp/app1")
    assert (tmp.user, tmp.mode) == ("app1", 0o700)


def test_application_cannot_lift_its_confinement(host):
    assert not confinement(host)["undo"]
    pool = host.file("/etc/php/8.4/fpm/pool.d/app1.conf").content_string
    assert 'php_admin_value[open_basedir] = "/srv/app1/:' in pool
    assert "php_admin_value[disable_functions]" in pool


# nginx_request_limits' "login" (roles/nginx/defaults/main.yml): one request and a burst
# of 5 pass at once, then one every 10 seconds.
LOGIN_ALLOWED = 6
LOGIN_URL = "https://app2.collectif.test/api/v3/login"


def codes(answers: list[str]) -> list[str]:
    return [answer.split()[0] for answer in answers]


def test_a_burst_of_sign_ins_gets_429_after_a_few(burst, client_address):
    got = codes(burst(LOGIN_URL, 10, client_address, "-d user=x"))
    assert got[:LOGIN_ALLOWED] == ["200"] * LOGIN_ALLOWED, got
    assert got[LOGIN_ALLOWED:] == ["429"] * (10 - LOGIN_ALLOWED), got


def test_the_limit_is_kept_per_client_address(burst, client_address):
    burst(LOGIN_URL, 8, client_address, "-d user=x")
    other = client_address.rsplit(".", 1)[0] + ".1"
    assert codes(burst(LOGIN_URL, 1, other, "-d user=x")) == ["200"]


def test_a_forged_forwarded_header_does_not_escape_the_limit(burst, client_address):
    # Each request of the burst claims another address ($i is the shell loop's counter).
    forged = '-H "X-Forwarded-For: 203.0.113.$i" -H "X-Real-IP: 203.0.113.$i"'
    got = codes(burst(LOGIN_URL, 10, client_address, f"-d user=x {forged}"))
    assert got[LOGIN_ALLOWED:] == ["429"] * (10 - LOGIN_ALLOWED), got


def test_showing_the_form_is_not_counted(burst, client_address):
    assert codes(burst(LOGIN_URL, 12, client_address)) == ["200"] * 12


def test_other_paths_of_the_site_are_not_limited(burst, client_address):
    got = codes(burst("https://app2.collectif.test/api/v3/sync", 12, client_address, "-d x=1"))
    assert got == ["200"] * 12


def test_a_php_sign_in_form_is_limited_and_runs_in_its_pool(host, burst, client_address):
    page = https(host, "app1.collectif.test", "/login.php", "-d user=x")
    assert page.stdout.startswith("HTTP/2 200") and "sign-in form of app1" in page.stdout
    got = codes(burst("https://app1.collectif.test/login.php", 10, client_address, "-d user=x"))
    assert got.count("200") == LOGIN_ALLOWED and got[-1] == "429", got
