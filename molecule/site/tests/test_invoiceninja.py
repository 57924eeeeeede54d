"""Invoice Ninja with its stand-in release (scripts/standins/invoiceninja: an artisan and a
front controller that do for real what the role relies on, and record what it asked), and
for real around it: MariaDB, PHP-FPM, nginx with Pebble's certificates, systemd's units,
Debian's Chromium printing a PDF."""

import json
import re
import time

import pytest

testinfra_hosts = ["ansible://asso1"]
pytestmark = pytest.mark.usefixtures("pebble_root")

PEBBLE_ROOT = "/root/pebble-root.pem"
SITE = "https://factures.collectif.test"
HOME = "/var/lib/invoiceninja"
RECORD = f"{HOME}/storage/collectif-standin.json"
STANDIN = "0.0.0-standin"


def get(host, path: str) -> tuple[int, str]:
    out = host.check_output(
        f"curl -sS --cacert {PEBBLE_ROOT} -o /dev/stdout -w '\\n%{{http_code}}' '{SITE}{path}'"
    )
    body, _, code = out.rpartition("\n")
    return int(code), body


def record(host) -> list[dict]:
    return json.loads(host.file(RECORD).content_string)


def sql(host, query: str) -> str:
    return host.check_output(f'mariadb --batch --skip-column-names -e "{query}"')


def test_the_health_endpoint_answers_through_nginx_and_the_database(host):
    code, body = get(host, "/health")
    assert code == 200, body
    answer = json.loads(body)
    assert answer["status"] == "ok"
    assert answer["accounts"] == 1  # read through the settings' database credentials


def test_the_page_answers_with_its_title(host):
    code, body = get(host, "/")
    assert code == 200
    assert "<title>Invoice Ninja</title>" in body


@pytest.mark.parametrize(
    "path",
    [
        "/.env",
        "/storage/",
        "/vendor/",
        "/vendor/README.txt",
        "/vendor/autoload.php",
        "/lib/standin.php",
        "/other.php",
        "/.git/config",
    ],
)
def test_private_paths_answer_404(host, path):
    code, body = get(host, path)
    assert code == 404, body
    assert "APP_KEY" not in body and "<?php" not in body


def test_public_files_of_the_storage_are_served_and_never_run(host):
    public = f"{HOME}/storage/app/public"
    host.check_output(
        f'runuser -u invoiceninja -- sh -c "echo logo > {public}/logo.txt; '
        f"echo '<?php echo 6*7;' > {public}/x.php\""
    )
    try:
        code, body = get(host, "/storage/logo.txt")
        assert (code, body.strip()) == (200, "logo")
        code, body = get(host, "/storage/x.php")
        assert code == 404 and "42" not in body
    finally:
        host.check_output(f"rm -f {public}/logo.txt {public}/x.php")


def test_the_pool_has_the_extensions_the_release_requires(host):
    """The self-hosting guide's list (what Debian has of it), as PHP-FPM itself loads them."""
    loaded = host.check_output("/usr/sbin/php-fpm8.4 -m").lower().split()
    for module in (
        "bcmath",
        "ctype",
        "curl",
        "fileinfo",
        "gd",
        "gmp",
        "iconv",
        "imagick",
        "intl",
        "mbstring",
        "mysqli",
        "pdo_mysql",
        "openssl",
        "soap",
        "tokenizer",
        "xml",
        "zip",
    ):
        assert module in loaded, module
    socket = host.file("/run/php/php8.4-fpm-invoiceninja.sock")
    assert (socket.user, socket.group, socket.mode) == ("invoiceninja", "www-data", 0o660)


def test_the_pool_may_start_chromium_and_nothing_else(host):
    pool = host.file("/etc/php/8.4/fpm/pool.d/invoiceninja.conf").content_string
    disabled = pool.split("php_admin_value[disable_functions] = ", 1)[1].splitlines()[0]
    assert "proc_open" not in disabled
    assert all(name in disabled for name in ("exec", "shell_exec", "system", "passthru", "popen"))
    assert "/usr/local/bin/invoiceninja-chromium:" in pool  # open_basedir: the command only


def test_an_upload_beyond_the_limit_is_refused(host):
    code = host.check_output(
        "head -c 21M /dev/zero | curl -sS -o /dev/null -w '%{http_code}' --data-binary @- "
        f"--cacert {PEBBLE_ROOT} {SITE}/api/v1/documents"
    )
    assert code == "413"


def test_the_settings_are_root_s_and_readable_by_invoice_ninja_only(host, secret_of):
    env = host.file("/etc/invoiceninja/env")
    assert (env.user, env.group, env.mode) == ("root", "invoiceninja", 0o640)
    assert host.run("runuser -u www-data -- cat /etc/invoiceninja/env").rc != 0
    content = host.check_output("runuser -u invoiceninja -- cat /etc/invoiceninja/env")
    assert f'APP_KEY="{secret_of("invoiceninja.app_key", 32)}"' in content
    assert 'APP_URL="https://factures.collectif.test"' in content
    assert "QUEUE_CONNECTION=database" in content
    assert "PDF_GENERATOR=snappdf" in content
    # The inventory names a mail relay: mails go to the server's Postfix (test_mail.py).
    assert "MAIL_MAILER=smtp" in content


def test_the_code_is_root_s_and_links_to_what_invoice_ninja_writes(host):
    release = host.file("/var/www/invoiceninja").linked_to
    assert release == f"/var/www/invoiceninja-{STANDIN}"
    assert host.file(f"{release}/artisan").user == "root"
    assert host.run(f"runuser -u invoiceninja -- touch {release}/public/x").rc != 0
    links = {
        ".env": "/etc/invoiceninja/env",
        "storage": f"{HOME}/storage",
        "bootstrap/cache": f"{HOME}/bootstrap-cache/{STANDIN}",
        "public/storage": f"{HOME}/storage/app/public",
    }
    for name, target in links.items():
        assert host.file(f"{release}/{name}").linked_to == target
    # The compiled settings (what artisan optimize wrote) hold the database password.
    cache = host.file(f"{HOME}/bootstrap-cache/{STANDIN}")
    assert (cache.user, cache.mode) == ("invoiceninja", 0o750)
    assert host.file(f"{HOME}/bootstrap-cache/{STANDIN}/config.php").exists


def test_the_database_is_invoice_ninja_s_alone(host, secret_of):
    login = f"MYSQL_PWD='{secret_of('invoiceninja.database')}' mariadb -u invoiceninja"
    assert host.check_output(f"{login} invoiceninja -N -e 'SELECT COUNT(*) FROM users'") == "1"
    other = host.run(f"{login} wordpress -e 'SELECT 1'")
    assert other.rc != 0 and "Access denied" in other.stderr
    assert host.run("MYSQL_PWD=wrong mariadb -u invoiceninja invoiceninja -e 'SELECT 1'").rc != 0


def test_the_first_account_was_made_once_with_the_derived_password(host, secret_of):
    hashed = sql(
        host, "SELECT password FROM invoiceninja.users WHERE email = 'admin@collectif.test'"
    )

    def accepted(password: str) -> str:
        return host.check_output(
            'php -r \'echo password_verify($argv[1], $argv[2]) ? "yes" : "no";\' '
            f"'{password}' '{hashed}'"
        )

    assert accepted(secret_of("invoiceninja.admin", 24)) == "yes"
    assert accepted("not-the-password") == "no"
    made = [r for r in record(host) if r["command"] == "ninja:create-account"]
    assert len(made) == 1
    assert made[0]["options"] == {"email": "admin@collectif.test", "password": "given"}
    assert made[0]["user"] == "invoiceninja"


def test_the_database_was_migrated_in_maintenance_and_the_site_is_back(host):
    commands = [
        r["command"] for r in record(host) if r["command"] not in ("schedule:run", "queue:work")
    ]
    first = commands.index("migrate")
    assert commands[first : first + 6] == [
        "migrate",
        "db:seed",
        "ninja:create-account",
        "ninja:design-update",
        "optimize",
        "up",
    ]
    assert all(r["user"] == "invoiceninja" for r in record(host))
    assert not host.file(f"{HOME}/storage/framework/down").exists


def test_the_queue_worker_runs_as_invoice_ninja(host):
    worker = host.service("invoiceninja-worker")
    assert worker.is_running and worker.is_enabled
    pid = host.check_output("systemctl show -p MainPID --value invoiceninja-worker")
    assert host.check_output(f"ps -o user= -p {pid}") == "invoiceninja"
    assert f"/var/www/invoiceninja-{STANDIN}/artisan queue:work" in host.check_output(
        f"tr '\\0' ' ' < /proc/{pid}/cmdline"
    )


def test_the_scheduler_runs_every_minute(host, wait_until):
    assert host.service("invoiceninja-scheduler.timer").is_running

    def ran_lately() -> bool:
        runs = [r["time"] for r in record(host) if r["command"] == "schedule:run"]
        now = int(host.check_output("date +%s"))
        return bool(runs) and now - max(runs) < 90

    assert wait_until(ran_lately, seconds=90)


def run_as_the_worker(host, command: str):
    """A command run as the queue worker's jobs run: a one-shot unit with the worker's own
    user and sandbox (its unit's [Service] settings), started and waited for."""
    unit = host.check_output("systemctl cat invoiceninja-worker.service")
    service = unit.split("[Service]", 1)[1].split("[Install]", 1)[0]
    kept = [
        line
        for line in service.splitlines()
        if "=" in line and not line.startswith(("#", "ExecStart", "Restart", "Kill", "Timeout"))
    ]
    text = "\n".join(["[Service]", "Type=oneshot", *kept, f"ExecStart={command}", ""])
    path = "/run/systemd/system/collectif-test-as-worker.service"
    host.check_output(f"tee {path} >/dev/null <<'EOF'\n{text}EOF\nsystemctl daemon-reload")
    try:
        return host.run("systemctl start collectif-test-as-worker.service")
    finally:
        host.check_output(f"rm -f {path} && systemctl daemon-reload")


def test_an_invoice_with_accents_prints_to_a_valid_pdf_in_the_worker_s_sandbox(host):
    """The Chromium command the settings give (SNAPPDF_CHROMIUM_PATH), run as the queue
    worker's jobs run (its user, its systemd sandbox), with Chromium's own sandbox."""
    page = f"{HOME}/storage/app/facture-test.html"
    pdf = f"{HOME}/storage/app/facture-test.pdf"
    html = (
        '<html><head><meta charset="utf-8"></head><body><h1>Facture n° 42</h1>'
        "<p>Cotisation de Élodie Müller : 12,50 € — réglée à Orléans</p></body></html>"
    )
    host.check_output(f"runuser -u invoiceninja -- tee {page} >/dev/null <<'EOF'\n{html}\nEOF")
    try:
        printed = run_as_the_worker(
            host, f"/usr/local/bin/invoiceninja-chromium --print-to-pdf={pdf} file://{page}"
        )
        assert printed.rc == 0, host.check_output(
            "journalctl -u collectif-test-as-worker -n 20 --no-pager"
        )
        assert host.file(pdf).user == "invoiceninja"
        info = host.check_output(f"pdfinfo {pdf}")
        assert re.search(r"^Pages:\s+1$", info, re.MULTILINE), info
        text = host.check_output(f"pdftotext {pdf} -")
        assert "Cotisation de Élodie Müller : 12,50 € — réglée à Orléans" in text
    finally:
        host.check_output(f"rm -f {page} {pdf}")


def test_the_scheduler_runs_sandboxed(exposure):
    """Its jobs go to the queue: it needs no namespaces of its own (systemd's rating)."""
    assert exposure("invoiceninja-scheduler.service") < 4


def test_the_backup_drop_in_names_what_exists_and_no_settings(host):
    drop_in = host.file("/etc/collectif/backup.d/invoiceninja.yml").content_string
    assert f"{HOME}/storage" in drop_in and host.file(f"{HOME}/storage").is_directory
    assert "invoiceninja" in drop_in and "artisan down" in drop_in and "artisan up" in drop_in
    # Its settings are derived again from the inventory and the association's key.
    assert "/etc/invoiceninja" not in drop_in


def test_a_new_release_is_deployed_in_maintenance_and_restarts_the_worker(
    host, run_playbook, wait_until
):
    """The stand-in's archive again under another version (its pin is the same file's): the
    role switches to it, migrates, makes no second account, and the worker restarts on it.
    Then back, so that the scenario ends as it began."""

    def deploy(version: str):
        return run_playbook(
            # Both hosts, as a volunteer runs it: the backups' settings read the
            # target's facts, which a run limited to asso1 would not gather.
            "invoiceninja.yml",
            "--tags",
            "artifact,invoiceninja",
            "-e",
            f"invoiceninja_version={version}",
        )

    # The hourly backup puts Invoice Ninja in maintenance too (its drop-in's steps): held
    # off while the deploy's commands are counted.
    host.check_output("systemctl stop collectif-backup-backup.timer")
    assert wait_until(lambda: not host.service("collectif-backup@backup").is_running, 600)
    before = host.check_output("systemctl show -p MainPID --value invoiceninja-worker")
    seen = len(record(host))
    try:
        played = deploy("0.0.1-standin")
        assert played.returncode == 0, played.tail()
        assert host.file("/var/www/invoiceninja").linked_to == "/var/www/invoiceninja-0.0.1-standin"
        commands = [
            r["command"]
            for r in record(host)[seen:]
            if r["command"] not in ("schedule:run", "queue:work")
        ]
        assert commands == ["down", "migrate", "ninja:design-update", "optimize", "up"]
        after = host.check_output("systemctl show -p MainPID --value invoiceninja-worker")
        assert after != before
        assert "invoiceninja-0.0.1-standin/artisan" in host.check_output(
            f"tr '\\0' ' ' < /proc/{after}/cmdline"
        )
        assert sql(host, "SELECT COUNT(*) FROM invoiceninja.accounts") == "1"
        code, _ = get(host, "/health")
        assert code == 200
    finally:
        back = deploy(STANDIN)
        host.check_output("systemctl start collectif-backup-backup.timer")
        assert back.returncode == 0, back.tail()
    time.sleep(1)
    assert host.file("/var/www/invoiceninja").linked_to == f"/var/www/invoiceninja-{STANDIN}"


def test_a_member_s_dues_are_invoiced_through_the_api(host, run_playbook):
    """molecule/site/dues.yml, as the association's tools use the api entry point: signed
    in with the first account's derived password, the member's client is made once (found
    by e-mail on the second run) and each run adds a yearly invoice of the plan's amount."""
    for _ in range(2):
        played = run_playbook("../molecule/site/dues.yml")
        assert played.returncode == 0, played.tail()
    assert sql(host, "SELECT COUNT(*) FROM invoiceninja.clients") == "1"
    assert (
        sql(host, "SELECT name, email FROM invoiceninja.clients")
        == "Camille Martin\tcamille@collectif.test"
    )
    invoices = sql(
        host,
        "SELECT frequency_id, amount, notes FROM invoiceninja.recurring_invoices "
        "JOIN invoiceninja.clients ON clients.id = recurring_invoices.client_id",
    ).splitlines()
    assert invoices == ["10\t12.00\tCotisation annuelle (essentiel)"] * 2
