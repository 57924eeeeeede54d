"""The site scenario's mail catcher (a test fixture, never on a real server): an SMTP
server on 127.0.0.1:2525, Debian's python3-aiosmtpd, standing in for the association's
mail provider. Like a provider it accepts mail only after a login (AUTH PLAIN or LOGIN,
the account in /etc/collectif-test-mailsink/login, "user:password", root only); each mail
it takes is written whole to /var/lib/collectif-test-mailsink/<time>-<n>.eml, after a
first line "X-Sink: <login> <sender> <recipients>" saying how it came."""

from __future__ import annotations

import itertools
import signal
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

OUT = Path("/var/lib/collectif-test-mailsink")
LOGIN = Path("/etc/collectif-test-mailsink/login")
COUNTER = itertools.count()


def authenticate(server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN201
    user, _, password = LOGIN.read_text().strip().partition(":")
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == user
        and auth_data.password.decode() == password
    )
    return AuthResult(success=ok, auth_data=user if ok else None, handled=False)


class Handler:
    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
        name = OUT / f"{time.time_ns()}-{next(COUNTER)}.eml"
        first = f"X-Sink: {session.auth_data} {envelope.mail_from} {' '.join(envelope.rcpt_tos)}\n"
        name.write_bytes(first.encode() + envelope.original_content)
        return "250 OK"


if __name__ == "__main__":
    OUT.mkdir(mode=0o700, exist_ok=True)
    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=2525,
        authenticator=authenticate,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()
