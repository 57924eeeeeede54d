"""The server's outgoing mail, for real: Postfix (a null client) relays every service's
mail to the mail catcher that stands in for the association's provider (an SMTP server
on 127.0.0.1:2525 that asks for a login, molecule/site/mailsink.py, a test fixture). A
member asks WordPress and Matrix for a new password; the mail arrives with its link,
sent with the provider's login, from the association's address. The queue keeps a mail
while the provider is away and sends it once when it is back. Nextcloud and Invoice
Ninja are stand-ins here: their settings are checked to point at Postfix."""

from __future__ import annotations

import email
import email.policy
import json
import os
import secrets
import time
from pathlib import Path

import pytest

testinfra_hosts = ["ansible://asso1"]
pytestmark = pytest.mark.usefixtures("pebble_root")

PEBBLE_ROOT = "/root/pebble-root.pem"
SINK = "/var/lib/collectif-test-mailsink"
SINK_UNIT = "collectif-test-mailsink"
RELAY_USER = "relais@collectif.test"  # molecule.yml: postfix_relay_user, the sender too
SECRETS = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "secrets"


def files(host) -> set[str]:
    return set(host.check_output(f"ls -1 {SINK}").split())


def caught(host, before: set[str] = frozenset()) -> list:
    """Every mail the catcher took (but those of `before`, files() earlier): the login
    and sender (its first line), the recipients, and the message."""
    found = []
    for name in sorted(files(host) - before):
        raw = host.file(f"{SINK}/{name}").content_string
        first, _, message = raw.partition("\n")
        _, login, sender, *recipients = first.split()
        parsed = email.message_from_string(message, policy=email.policy.default)
        found.append(((login, sender), recipients, parsed))
    return found


def text(message: email.message.EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    return body.get_content() if body is not None else ""


def wait_for_mail(host, wait_until, before, recipient: str, marker: str, seconds: float = 90):
    """The one new mail (not in `before`) to `recipient` whose text holds `marker`, once
    it has arrived (the queue is flushed while waiting: an earlier test may have left the
    relay deferred)."""

    def matching():
        return [
            (who, message)
            for who, recipients, message in caught(host, before)
            if recipient in recipients and marker in text(message) + str(message["Subject"])
        ]

    def arrived() -> bool:
        host.run("postqueue -f")
        return bool(matching())

    assert wait_until(arrived, seconds), host.check_output("postqueue -p; ls -l " + SINK)
    (found,) = matching()
    return found


def test_postfix_takes_mail_on_the_loopback_address_only(host):
    listening = host.check_output("ss -Hltn 'sport = :25'").splitlines()
    addresses = sorted(line.split()[3].rsplit(":", 1)[0] for line in listening)
    assert addresses and set(addresses) <= {"127.0.0.1", "[::1]"}, listening


def test_postfix_refuses_connections_from_another_machine(host):
    """From the backup target, the server's port 25 is closed (the firewall, and nothing
    listens there)."""
    backup = host.get_host("ansible://backup1", ansible_inventory=host.backend.ansible_inventory)
    address = host.check_output("hostname -I").split()[0]

    def connect(port: int):
        return backup.run(
            "python3 -c 'import socket, sys; s = socket.socket(); s.settimeout(5); "
            f'sys.exit(s.connect_ex(("{address}", {port})))\''
        )

    assert connect(25).rc != 0
    # From there to the web's port, the same check connects: it can tell.
    assert connect(443).rc == 0


def test_the_provider_s_login_is_readable_by_root_only(host):
    login = host.file("/etc/postfix/sasl_passwd")
    assert login.user == "root" and login.group == "root"
    assert login.mode == 0o600
    password = (SECRETS / "mailrelay").read_text().split()[0]
    assert password in login.content_string
    # Postfix's own settings, readable by all, do not hold it.
    assert password not in host.file("/etc/postfix/main.cf").content_string


def test_a_wordpress_lost_password_mail_arrives_with_its_link(host, wait_until, client_address):
    before = files(host)
    answer = host.check_output(
        f"curl -sS -o /dev/null -w '%{{http_code}} %{{redirect_url}}' --cacert {PEBBLE_ROOT} "
        f"--interface {client_address} --resolve collectif.test:443:127.0.0.1 "
        "-b 'wordpress_test_cookie=WP%20Cookie%20check' --data-urlencode user_login=camille "
        "'https://collectif.test/wp-login.php?action=lostpassword'"
    )
    assert answer.startswith("302 ") and "checkemail=confirm" in answer, answer
    (login, sender), message = wait_for_mail(
        host, wait_until, before, "camille@collectif.test", "action=rp"
    )
    assert login == RELAY_USER  # Postfix logged in to the provider
    assert sender == RELAY_USER
    assert message["From"].addresses[0].addr_spec == RELAY_USER
    (link,) = [line for line in text(message).split() if "action=rp" in line]
    assert link.startswith("https://collectif.test/wp-login.php?"), link
    assert "key=" in link and "login=camille" in link, link


def test_a_matrix_password_reset_mail_arrives_with_its_link(host, wait_until):
    """Camille (an admin of the inventory) gets an e-mail address through the admin API;
    then she asks for a new password as Element does, through nginx."""
    password = (SECRETS / "camille").read_text().split()[0]
    login = json.dumps(
        {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": "camille"},
            "password": password,
        }
    )
    token = json.loads(
        host.check_output(
            f"curl -sS -X POST -d '{login}' http://127.0.0.1:8008/_matrix/client/v3/login"
        )
    )["access_token"]
    threepid = json.dumps({"threepids": [{"medium": "email", "address": "camille@collectif.test"}]})
    host.check_output(
        f"curl -sSf -X PUT -H 'Authorization: Bearer {token}' -d '{threepid}' "
        "http://127.0.0.1:8008/_synapse/admin/v2/users/@camille:collectif.test"
    )
    secret = secrets.token_hex(16)
    before = files(host)
    asked = json.loads(
        host.check_output(
            f"curl -sS --cacert {PEBBLE_ROOT} -X POST -d '"
            + json.dumps(
                {"client_secret": secret, "email": "camille@collectif.test", "send_attempt": 1}
            )
            + "' https://matrix.collectif.test/_matrix/client/v3/account/password/email/requestToken"
        )
    )
    assert "sid" in asked, asked
    (login_used, sender), message = wait_for_mail(
        host, wait_until, before, "camille@collectif.test", asked["sid"]
    )
    assert login_used == RELAY_USER and sender == RELAY_USER
    body = text(message)
    assert "https://matrix.collectif.test/_synapse/client/password_reset/email/submit_token" in body
    assert f"client_secret={secret}" in body


def test_nextcloud_sends_its_mail_through_postfix(host):
    settings = host.file("/var/lib/nextcloud/config/collectif.config.php").content_string
    assert "'mail_smtpmode' => 'smtp'" in settings
    assert "'mail_smtphost' => \"127.0.0.1\"" in settings
    assert "'mail_smtpport' => 25" in settings
    assert "'mail_from_address' => \"relais\"" in settings
    assert "'mail_domain' => \"collectif.test\"" in settings


def test_invoice_ninja_sends_its_mail_through_postfix(host):
    settings = host.file("/etc/invoiceninja/env").content_string
    assert "MAIL_MAILER=smtp" in settings
    assert 'MAIL_HOST="127.0.0.1"' in settings
    assert "MAIL_PORT=25" in settings
    assert f'MAIL_FROM_ADDRESS="{RELAY_USER}"' in settings


def test_failed_updates_are_mailed_to_the_admins(host):
    settings = host.file("/etc/apt/apt.conf.d/52collectif-unattended-upgrades").content_string
    assert 'Unattended-Upgrade::Mail "admin@collectif.test";' in settings
    assert 'Unattended-Upgrade::MailReport "only-on-error";' in settings


# Last: it stops the catcher (and starts it again).
def test_a_mail_waits_in_the_queue_while_the_provider_is_away(host, wait_until):
    """root's mail goes to the admins, from the association's address; while the
    provider cannot be reached it waits in Postfix's queue, and it arrives once when the
    provider is back."""
    subject = f"collectif test {secrets.token_hex(6)}"
    before = files(host)
    host.check_output(f"systemctl stop {SINK_UNIT}")
    try:
        host.check_output(f"printf 'Subject: {subject}\\n\\nQueued.\\n' | /usr/sbin/sendmail root")

        def waiting() -> bool:
            queue = [json.loads(line) for line in host.check_output("postqueue -j").splitlines()]
            return any(
                q["queue_name"] == "deferred"
                and [r["address"] for r in q["recipients"]] == ["admin@collectif.test"]
                for q in queue
            )

        assert wait_until(waiting, 60), host.check_output("postqueue -p")
        assert not [m for _, _, m in caught(host, before) if m["Subject"] == subject]
    finally:
        host.check_output(f"systemctl start {SINK_UNIT}")
    time.sleep(1)  # the catcher's port opens
    (login, sender), message = wait_for_mail(
        host, wait_until, before, "admin@collectif.test", subject
    )
    assert login == RELAY_USER
    assert sender == RELAY_USER  # root@<the server> became the association's address
    assert message["From"].addresses[0].addr_spec == RELAY_USER
    host.run("postqueue -f")
    time.sleep(2)
    assert len([m for _, _, m in caught(host, before) if m["Subject"] == subject]) == 1
    assert host.check_output("postqueue -j") == ""
