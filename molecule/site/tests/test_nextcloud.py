"""Nextcloud's role around a STAND-IN release (see molecule.yml): what a member's browser
and a volunteer meet, without Nextcloud's own code. The stand-in's occ keeps what the role
asked of it in standin-state.json, which some tests read back."""

import hashlib
import json
import re
import time

import pytest
import yaml

testinfra_hosts = ["ansible://asso1"]
pytestmark = pytest.mark.usefixtures("pebble_root")

PEBBLE_ROOT = "/root/pebble-root.pem"
CLOUD = "https://cloud.collectif.test"
CONFIG_DIR = "/var/lib/nextcloud/config"
OCC = f"runuser -u nextcloud -- env NEXTCLOUD_CONFIG_DIR={CONFIG_DIR} php /var/www/nextcloud/occ"


def get(host, path: str, options: str = "") -> tuple[str, str]:
    out = host.check_output(f"curl -sS {options} --cacert {PEBBLE_ROOT} -D - '{CLOUD}{path}'")
    headers, _, body = out.partition("\r\n\r\n")
    return headers.lower(), body


def status_line(headers: str) -> str:
    return headers.splitlines()[0]


def state(host) -> dict:
    return json.loads(host.file(f"{CONFIG_DIR}/standin-state.json").content_string)


def test_status_answers_installed_through_nginx_and_the_pool(host):
    headers, body = get(host, "/status.php")
    assert " 200" in status_line(headers)
    status = json.loads(body)
    assert status["installed"] is True and status["maintenance"] is False


def test_other_paths_go_to_the_front_controller(host):
    headers, body = get(host, "/apps/files/")
    assert " 200" in status_line(headers)
    assert "front controller" in body


def test_caldav_and_carddav_discovery_redirects(host):
    for name in ("caldav", "carddav"):
        headers, _ = get(host, f"/.well-known/{name}")
        assert " 301" in status_line(headers)
        assert f"location: {CLOUD}/remote.php/dav/" in headers


@pytest.mark.parametrize(
    "path", ["/config/.htaccess", "/data/x", "/occ", "/lib/standin.php", "/.git"]
)
def test_private_paths_are_hidden(host, path):
    headers, body = get(host, path)
    assert " 404" in status_line(headers) or "front controller" in body


def test_static_files_cached_with_nextclouds_headers(host):
    headers, _ = get(host, "/apps/files/standin.css")
    assert " 200" in status_line(headers)
    assert "cache-control: public, max-age=15778463" in headers
    assert "referrer-policy: no-referrer" in headers
    assert "x-robots-tag: noindex, nofollow" in headers
    assert "strict-transport-security:" in headers
    mjs, _ = get(host, "/apps/files/standin.mjs")
    assert "content-type: text/javascript" in mjs


def test_installed_once_with_the_roles_database_and_data_directory(host, secret_of):
    install = state(host)["install"]
    assert install == {
        "database": "pgsql",
        "data-dir": "/var/lib/nextcloud/data",
        "admin-user": "admin",
        # Both passwords came as answers on standard input, none as an option.
        "admin_password_sha256": hashlib.sha256(
            secret_of("nextcloud.admin", 24).encode()
        ).hexdigest(),
        "passwords_on_command_line": False,
    }
    # The stand-in's install created a table with the role's credentials.
    tables = host.check_output("sudo -u postgres psql -d nextcloud -Atc '\\dt oc_*'")
    assert "oc_standin" in tables
    owner = host.check_output(
        'sudo -u postgres psql -Atc "select pg_get_userbyid(datdba) from pg_database '
        "where datname = 'nextcloud'\""
    )
    assert owner == "nextcloud"


def test_code_settings_and_files_are_apart_and_private(host):
    link = host.file("/var/www/nextcloud")
    assert link.is_symlink and link.linked_to == "/var/www/nextcloud-0.0.0-standin"
    assert host.file("/var/www/nextcloud/occ").user == "root"
    for path in (CONFIG_DIR, "/var/lib/nextcloud/data", "/var/lib/nextcloud/apps"):
        directory = host.file(path)
        assert (directory.user, directory.mode) == ("nextcloud", 0o750), path
    settings = host.file(f"{CONFIG_DIR}/collectif.config.php")
    assert (settings.user, settings.group, settings.mode) == ("root", "nextcloud", 0o640)


def test_settings_are_valid_php_with_the_inventorys_values(host):
    out = host.check_output(
        f"php -r 'include \"{CONFIG_DIR}/collectif.config.php\"; echo json_encode($CONFIG);'"
    )
    config = json.loads(out)
    assert config["trusted_domains"] == ["cloud.collectif.test"]
    assert config["overwrite.cli.url"] == CLOUD
    assert config["default_phone_region"] == "FR"
    assert config["memcache.locking"] == "\\OC\\Memcache\\Redis"
    assert config["datadirectory"] == "/var/lib/nextcloud/data"


def test_nextcloud_reaches_valkey_with_its_settings(host):
    out = host.check_output(
        f'runuser -u nextcloud -- php -r \'include "{CONFIG_DIR}/collectif.config.php"; '
        '$r = new Redis(); $r->connect($CONFIG["redis"]["host"]); '
        '$r->auth($CONFIG["redis"]["password"]); echo $r->ping();\''
    )
    assert out in ("1", "+PONG", "PONG")


def test_php_pool_runs_as_nextcloud_with_the_manuals_limits(host):
    socket = host.file("/run/php/php8.4-fpm-nextcloud.sock")
    assert (socket.user, socket.group, socket.mode) == ("nextcloud", "www-data", 0o660)
    pool = host.file("/etc/php/8.4/fpm/pool.d/nextcloud.conf").content_string
    assert "memory_limit] = 512M" in pool
    assert "NEXTCLOUD_CONFIG_DIR" in pool
    modules = host.check_output("php -m").lower()
    for module in ("apcu", "redis", "intl", "gd", "pdo_pgsql", "zip", "imagick", "gmp"):
        assert module in modules


def test_apps_and_default_quota_as_the_inventory_says(host):
    current = state(host)
    assert current["apps"]["calendar"] and current["apps"]["contacts"]
    assert current["appconfig"]["files"]["default_quota"] == "1 GB"
    assert current["appconfig"]["core"]["backgroundjobs_mode"] == "cron"


def test_member_gets_the_quota_of_their_plan(host):
    dominique = json.loads(host.check_output(f"{OCC} user:info dominique --output=json"))
    assert dominique["quota"] == "5 GB"
    assert dominique["groups"] == ["members"]
    assert dominique["email"] == "dominique@collectif.test"


def test_timer_runs_the_jobs_and_skips_them_in_maintenance(host):
    timer = host.service("nextcloud-cron.timer")
    assert timer.is_enabled and timer.is_running
    host.check_output("systemctl start nextcloud-cron.service")
    ran = int(state(host)["appconfig"]["core"]["lastcron"])
    assert time.time() - ran < 120
    host.check_output(f"{OCC} maintenance:mode --on")
    try:
        time.sleep(1.1)
        host.check_output("systemctl start nextcloud-cron.service")
        assert int(state(host)["appconfig"]["core"]["lastcron"]) == ran  # skipped
    finally:
        host.check_output(f"{OCC} maintenance:mode --off")


def test_background_jobs_run_in_a_sandbox(host, exposure):
    """The jobs run Nextcloud's PHP (and its apps'): a read-only system but Nextcloud's
    data, settings and apps, no devices, capabilities or kernel settings (the run above
    shows they still do their work)."""
    assert exposure("nextcloud-cron.service") < 4.0
    unit = host.check_output("systemctl show --property ReadWritePaths nextcloud-cron.service")
    assert unit.split("=", 1)[1].split() == [
        "/var/lib/nextcloud/config",
        "/var/lib/nextcloud/apps",
        "/var/lib/nextcloud/data",
    ]


def test_code_is_roots_and_nextcloud_cannot_change_it(host):
    """Code slipped into Nextcloud (its PHP runs as nextcloud) cannot rewrite Nextcloud."""
    release = "/var/www/nextcloud-0.0.0-standin"
    assert host.check_output(f"find {release} ! -user root -print -quit") == ""
    assert host.run(f"runuser -u nextcloud -- touch {release}/index.php").rc != 0
    assert host.run(f"runuser -u nextcloud -- touch {release}/planted.php").rc != 0
    link = host.file("/var/www/nextcloud")
    assert (link.user, link.group) == ("root", "root")
    # occ still runs as nextcloud, and writes where Nextcloud writes.
    assert json.loads(host.check_output(f"{OCC} status --output=json"))["installed"] is True


def test_php_pool_is_confined_to_nextclouds_files(host):
    pool = host.file("/etc/php/8.4/fpm/pool.d/nextcloud.conf").content_string
    basedir = re.search(r'php_admin_value\[open_basedir\] = "([^"]*)"', pool).group(1).split(":")
    assert basedir == [
        "/var/www/nextcloud/",
        "/var/lib/nextcloud/",
        "/var/lib/php/sessions/nextcloud/",
        "/var/lib/nextcloud/tmp/",
        "/dev/urandom",
    ]
    disabled = re.search(r'php_admin_value\[disable_functions\] = "([^"]*)"', pool).group(1)
    assert {"exec", "shell_exec", "system", "passthru", "proc_open", "popen"} <= set(
        disabled.split(",")
    )
    assert 'php_admin_value[upload_tmp_dir] = "/var/lib/nextcloud/tmp"' in pool
    tmp = host.file("/var/lib/nextcloud/tmp")
    assert (tmp.user, tmp.mode) == ("nextcloud", 0o700)
    # Nextcloud still answers through its confined pool.
    headers, body = get(host, "/status.php")
    assert " 200" in status_line(headers) and json.loads(body)["installed"] is True


LOGIN_ALLOWED = 6  # nginx_request_limits' "login": 1 and a burst of 5, then 1 per 10 s


@pytest.mark.parametrize("path", ["/login", "/index.php/login"])
def test_sign_in_attempts_are_limited_per_address(burst, client_address, path):
    got = [a.split()[0] for a in burst(f"{CLOUD}{path}", 10, client_address, "-d user=x")]
    assert "429" not in got[:LOGIN_ALLOWED], got
    assert got[LOGIN_ALLOWED:] == ["429"] * (10 - LOGIN_ALLOWED), got


def test_showing_the_login_form_and_webdav_are_not_limited(burst, client_address):
    """Sync clients make many WebDAV requests: only the sign-in form's POST is counted."""
    forms = [a.split()[0] for a in burst(f"{CLOUD}/login", 12, client_address)]
    dav = [a.split()[0] for a in burst(f"{CLOUD}/remote.php/dav/", 12, client_address, "-d x")]
    assert "429" not in forms + dav, (forms, dav)


def test_a_wrong_checksum_stops_clearly_and_leaves_nothing(host):
    message = host.file("/root/wrong-checksum.txt").content_string
    assert "sha256" in message and "Nothing was cached, copied or unpacked" in message
    assert not host.file("/var/www/nextcloud-wrong").exists
    assert not host.file("/var/www/nextcloud-wrong-9.9.9").exists


def test_backup_drop_in_names_what_exists_and_its_steps_work(host):
    drop_in = yaml.safe_load(host.file("/etc/collectif/backup.d/nextcloud.yml").content_string)
    for path in drop_in["paths"]:
        assert host.file(path).exists, path
    # What Nextcloud generated is kept; what Ansible writes again (collectif.config.php,
    # with Valkey's password) is not.
    assert f"{CONFIG_DIR}/config.php" in drop_in["paths"]
    assert CONFIG_DIR not in drop_in["paths"]
    assert drop_in["postgresql"] == [{"name": "nextcloud"}]
    assert "/var/lib/nextcloud/data/appdata_*/preview" in drop_in["exclude"]
    try:
        for command in drop_in["before"]:
            host.check_output(command)
        assert json.loads(host.check_output(f"{OCC} status --output=json"))["maintenance"]
    finally:
        for command in drop_in["after"]:
            host.check_output(command)
    assert not json.loads(host.check_output(f"{OCC} status --output=json"))["maintenance"]
    for command in drop_in["restore"]["after"]:
        host.check_output(command)
