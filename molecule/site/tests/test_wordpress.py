"""WordPress from Debian's package, for real: what a visitor, a member and a volunteer meet.
Requests go from inside the container to its own nginx, with the Pebble-issued certificate
checked against Pebble's root."""

import base64
import json
import re
import time

import pytest

testinfra_hosts = ["ansible://asso1"]
pytestmark = pytest.mark.usefixtures("pebble_root")

PEBBLE_ROOT = "/root/pebble-root.pem"
SITE = "https://collectif.test"
HELPER = "runuser -u wordpress -- php /usr/local/lib/collectif/collectif-wp.php collectif.test"


def get(host, path: str, options: str = "") -> tuple[str, str]:
    out = host.check_output(f"curl -sS {options} --cacert {PEBBLE_ROOT} -D - '{SITE}{path}'")
    headers, _, body = out.partition("\r\n\r\n")
    return headers.lower(), body


def status(headers: str) -> int:
    return int(headers.splitlines()[0].split()[1])


def title(body: str) -> str:
    found = re.search(r"<title>(.*?)</title>", body, re.S)
    assert found, body[:500]
    return found.group(1)


def test_main_site_answers_over_https_with_its_title(host):
    headers, body = get(host, "/")
    assert status(headers) == 200
    assert title(body).startswith("Association Collectif")
    assert 'lang="fr-FR"' in body  # the inventory's language, from Debian's translations


def test_login_page_answers_in_french(host):
    headers, body = get(host, "/wp-login.php")
    assert status(headers) == 200
    assert "Se connecter" in body or "Connexion" in body


def test_the_administrator_signs_in_with_the_derived_password(host, secret_of):
    """The install read the password from its standard input: the account works with it
    (and not with another)."""

    def sign_in(password: str) -> str:
        headers, _ = get(
            host,
            "/wp-login.php",
            "-b 'wordpress_test_cookie=WP%20Cookie%20check' "
            f"--data-urlencode log=admin --data-urlencode 'pwd={password}'",
        )
        return headers

    good = sign_in(secret_of("wordpress.admin", 24))
    assert status(good) == 302, good
    assert "set-cookie: wordpress_logged_in_" in good
    assert "/wp-admin/" in good
    wrong = sign_in("not-" + secret_of("wordpress.admin", 24))
    assert status(wrong) == 200
    assert "wordpress_logged_in_" not in wrong


APP_PASSWORD_PHP = """<?php
$_SERVER['HTTP_HOST'] = 'collectif.test';
$_SERVER['REQUEST_URI'] = '/';
require '/usr/share/wordpress/wp-load.php';
$user = get_user_by('login', $argv[1]);
[$password] = WP_Application_Passwords::create_new_application_password($user->ID, ['name' => 'test']);
echo $password;
"""


def application_password(host, login: str) -> str:
    """An application password, made through WordPress's own API (as a member would in
    their profile)."""
    encoded = base64.b64encode(APP_PASSWORD_PHP.encode()).decode()
    host.check_output(
        f"echo {encoded} | base64 -d > /tmp/app-password.php && chmod 644 /tmp/app-password.php"
    )
    return host.check_output(f"runuser -u wordpress -- php /tmp/app-password.php {login}")


def test_a_post_made_through_the_rest_api_appears_on_the_home_page(host):
    password = application_password(host, "admin")
    credentials = base64.b64encode(f"admin:{password}".encode()).decode()
    marker = f"Assemblee generale {time.time_ns()}"
    payload = json.dumps({"title": marker, "content": "Ordre du jour", "status": "publish"})
    created = host.check_output(
        f"curl -sS --cacert {PEBBLE_ROOT} -H 'Authorization: Basic {credentials}' "
        f"-H 'Content-Type: application/json' -d '{payload}' {SITE}/wp-json/wp/v2/posts"
    )
    post = json.loads(created)
    assert post["title"]["rendered"] == marker, created[:500]
    assert post["link"].startswith(f"{SITE}/blog/")  # the main site's permalinks
    _, body = get(host, "/")
    assert marker in body
    headers, body = get(host, post["link"].removeprefix(SITE))
    assert status(headers) == 200 and marker in body


def test_members_logins_are_not_given_to_strangers(host):
    """Neither the REST API nor ?author=N names an account to someone not signed in; a
    signed-in member (an application password) still reads their own."""
    headers, body = get(host, "/wp-json/wp/v2/users")
    assert status(headers) == 404 and "admin" not in body
    headers, body = get(host, "/?author=1")
    assert status(headers) == 404, headers
    assert "/author/admin" not in headers + body
    headers, _ = get(host, "/author/admin/")
    assert status(headers) == 404
    credentials = base64.b64encode(f"admin:{application_password(host, 'admin')}".encode())
    headers, body = get(
        host, "/wp-json/wp/v2/users/me", f"-H 'Authorization: Basic {credentials.decode()}'"
    )
    assert status(headers) == 200 and '"slug":"admin"' in body


def test_a_wrong_application_password_is_refused(host):
    credentials = base64.b64encode(b"admin:xxxx xxxx xxxx xxxx xxxx xxxx").decode()
    out = host.check_output(
        f"curl -sS -o /dev/null -w '%{{http_code}}' --cacert {PEBBLE_ROOT} "
        f"-H 'Authorization: Basic {credentials}' -H 'Content-Type: application/json' "
        f'-d \'{{"title": "x"}}\' {SITE}/wp-json/wp/v2/posts'
    )
    assert out == "401"


@pytest.mark.parametrize(
    ("slug", "expected"),
    [("camille", "Le carnet de Camille"), ("dominique", "Les notes de Dominique")],
)
def test_member_sites_answer_with_their_own_title(host, slug, expected):
    headers, body = get(host, f"/{slug}/")
    assert status(headers) == 200
    assert title(body).startswith(expected)
    # Their dashboard and login are the network's, under their own address.
    headers, _ = get(host, f"/{slug}/wp-login.php")
    assert status(headers) == 200


def test_making_a_member_site_again_creates_nothing(host):
    count = "SELECT COUNT(*) FROM wp_blogs; SELECT COUNT(*) FROM wp_users;"
    before = host.check_output(f"mariadb -N wordpress -e '{count}'")
    out = host.check_output(
        "env WORDPRESS_SLUG=camille 'WORDPRESS_TITLE=Le carnet de Camille' WORDPRESS_OWNER=camille "
        f"WORDPRESS_OWNER_EMAIL=camille@collectif.test WORDPRESS_PERMALINKS=/%postname%/ {HELPER} site"
    )
    assert json.loads(out)["changed"] is False
    assert host.check_output(f"mariadb -N wordpress -e '{count}'") == before
    assert before.split() == ["3", "3"]  # main site + 2 members; admin + 2 members


def test_php_in_uploads_is_not_executed(host):
    uploads = "/var/lib/wordpress/wp-content/uploads"
    host.check_output(
        f'runuser -u wordpress -- sh -c "echo \'<?php echo 6*7, \\"executed\\";\' > {uploads}/evil.php"'
    )
    try:
        for path in ("/wp-content/uploads/evil.php", "/camille/wp-content/uploads/evil.php"):
            headers, body = get(host, path)
            assert status(headers) in (403, 404), path
            assert "42executed" not in body and "<?php" not in body
    finally:
        host.run(f"rm -f {uploads}/evil.php")
    # A picture next to it is served.
    host.check_output(f"runuser -u wordpress -- sh -c 'echo picture > {uploads}/p.txt'")
    headers, body = get(host, "/wp-content/uploads/p.txt")
    assert status(headers) == 200 and body.strip() == "picture"
    host.run(f"rm -f {uploads}/p.txt")


def test_settings_are_outside_the_web_root_and_unreadable_by_others(host):
    config = host.file("/etc/wordpress/config-collectif.test.php")
    assert (config.user, config.group, config.mode) == ("root", "wordpress", 0o640)
    assert host.run("runuser -u www-data -- cat /etc/wordpress/config-collectif.test.php").rc != 0
    assert (
        host.run(
            "runuser -u nobody -s /bin/sh -- -c 'cat /etc/wordpress/config-collectif.test.php'"
        ).rc
        != 0
    )
    assert "DISALLOW_FILE_EDIT', true" in config.content_string
    # The PHP user may write uploads, not the code, themes or plugins.
    for path in (
        "/usr/share/wordpress",
        "/var/lib/wordpress/wp-content/plugins",
        "/var/lib/wordpress/wp-content/themes",
    ):
        assert host.run(f"runuser -u wordpress -- test -w {path}").rc != 0, path
    assert host.run("runuser -u wordpress -- test -w /var/lib/wordpress/wp-content/uploads").rc == 0


def test_dashboard_file_editor_and_xmlrpc_are_off(host):
    headers, _ = get(host, "/xmlrpc.php", "-X POST -d '<methodCall/>'")
    assert status(headers) == 403
    headers, _ = get(host, "/readme.html")
    assert status(headers) == 404
    headers, _ = get(host, "/.htaccess")
    assert status(headers) == 404


@pytest.mark.parametrize(
    "path",
    ["/wp-includes/version.php", "/camille/wp-includes/version.php", "/wp-admin/includes/file.php"],
)
def test_wordpress_libraries_are_not_run_on_their_own(host, path):
    headers, _ = get(host, path)
    assert status(headers) == 403


def test_database_is_its_own_with_its_own_user(host):
    config = host.file("/etc/wordpress/config-collectif.test.php").content_string
    password = re.search(r"'DB_PASSWORD', '([0-9a-f]+)'", config).group(1)
    ok = host.run(
        f"mariadb -u wordpress -p{password} -N wordpress -e 'SELECT COUNT(*) FROM wp_posts'"
    )
    assert ok.rc == 0, ok.stderr
    refused = host.run(f"mariadb -u wordpress -p{password} -N mysql -e 'SELECT 1'")
    assert refused.rc != 0 and "Access denied" in refused.stderr


def test_scheduled_events_run_from_the_timer(host):
    assert host.service("wordpress-cron.timer").is_enabled
    assert host.service("wordpress-cron.timer").is_running
    run = host.run("systemctl start wordpress-cron.service")
    assert run.rc == 0, run.stderr
    journal = host.check_output("journalctl -u wordpress-cron.service -n 5 --no-pager -o cat")
    assert '"sites":["/","/camille/","/dominique/"]' in journal


def test_scheduled_events_run_in_a_sandbox(host, exposure):
    """WordPress's PHP (and its plugins') runs with a read-only system but its content, no
    devices, capabilities or kernel settings (the run above shows the events still run)."""
    assert exposure("wordpress-cron.service") < 4.0
    unit = host.check_output("systemctl show --property ReadWritePaths wordpress-cron.service")
    assert unit == "ReadWritePaths=/var/lib/wordpress/wp-content"


def test_backup_dropin_names_what_exists(host):
    import yaml

    dropin = yaml.safe_load(host.file("/etc/collectif/backup.d/wordpress.yml").content_string)
    assert dropin["mariadb"] == [{"name": "wordpress"}]
    for path in dropin["paths"]:
        assert host.file(path).is_directory, path
    assert "/var/lib/wordpress/wp-content" in dropin["paths"]
    # The restore's step (update the tables of a dump from an older WordPress) works.
    for command in dropin["restore"]["after"]:
        result = json.loads(host.check_output(command))
        assert result["sites"] == ["/", "/camille/", "/dominique/"]


def test_php_pool_is_confined_to_wordpress_and_debians_libraries(host):
    pool = host.file("/etc/php/8.4/fpm/pool.d/wordpress.conf").content_string
    basedir = re.search(r'php_admin_value\[open_basedir\] = "([^"]*)"', pool).group(1).split(":")
    assert basedir[:4] == [
        "/usr/share/wordpress/",
        "/var/lib/wordpress/",
        "/etc/wordpress/",
        "/usr/share/php/",
    ]
    assert "/etc/" not in basedir and "/" not in basedir
    disabled = re.search(r'php_admin_value\[disable_functions\] = "([^"]*)"', pool).group(1)
    assert {"exec", "shell_exec", "system", "passthru", "proc_open", "popen"} <= set(
        disabled.split(",")
    )


def test_wordpress_never_hit_its_confinement(host):
    """After every test above (sign-in, posts through the REST API, member sites), PHP never
    refused WordPress a file: its open_basedir names all that Debian's WordPress opens."""
    log = host.check_output("cat /var/log/nginx/error.log* 2>/dev/null || true")
    refused = [line for line in log.splitlines() if "open_basedir restriction" in line]
    assert refused == [], refused[:5]


def test_sign_in_attempts_are_limited_per_address(burst, client_address):
    got = [
        a.split()[0] for a in burst(f"{SITE}/wp-login.php", 10, client_address, "-d 'log=x&pwd=y'")
    ]
    assert "429" not in got[:6], got
    assert got[6:] == ["429"] * 4, got
    # A member's site signs in through the same file (/<slug>/wp-login.php): same count.
    member = burst(f"{SITE}/camille/wp-login.php", 1, client_address, "-d 'log=x&pwd=y'")
    assert member[0].split()[0] == "429", member


def test_showing_the_sign_in_form_is_not_limited(burst, client_address):
    got = [a.split()[0] for a in burst(f"{SITE}/wp-login.php", 12, client_address)]
    assert "429" not in got, got


def container_ip(host) -> str:
    return host.interface("eth0").addresses[0]


# Last on purpose: it bans the test machine's address, then unbans it.
def test_fail2ban_bans_repeated_failed_logins(host, wait_until):
    import subprocess

    ip = container_ip(host)
    host.run("fail2ban-client unban --all")
    try:
        for attempt in range(4):
            subprocess.run(
                [
                    "curl",
                    "-sk",
                    "-o",
                    "/dev/null",
                    "--max-time",
                    "5",
                    "--resolve",
                    f"collectif.test:443:{ip}",
                    "-d",
                    f"log=admin&pwd=wrong{attempt}",
                    "https://collectif.test/wp-login.php",
                ],
                check=False,
            )
        assert wait_until(
            lambda: host.run("fail2ban-client get wordpress banip").stdout.strip() != ""
        ), host.check_output("fail2ban-client status wordpress")
        banned = host.check_output("fail2ban-client get wordpress banip")
        assert banned.strip(), "nothing banned"
        nft = host.check_output("nft list ruleset")
        assert any(addr in nft for addr in banned.split())
    finally:
        host.run("fail2ban-client unban --all")
