"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, collecting what it receives.

Registered for the whole suite in conftest.py (``pytest_plugins``), so any test can ask for the
``smtp_server`` fixture and pass ``smtp_server.config()`` as config overrides.
"""

from __future__ import annotations

import email
import email.policy
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

HOST = "127.0.0.1"
SENDER = "brukerstemmen@kommune.example"
#: The server refuses recipients in this domain (550), for testing delivery failures.
REFUSED_DOMAIN = "avvist.example"


@dataclass
class MailServer:
    """What a test sees of the running server."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    #: Usernames that logged in successfully (only on servers started with credentials).
    logins: list[str] = field(default_factory=list)

    def config(self, **extra: Any) -> dict[str, Any]:
        """MAIL_* config overrides pointing at this server."""
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_FROM": SENDER, **extra}


class _Collector:
    """aiosmtpd handler: runs in the server's thread and appends to the MailServer lists."""

    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower().endswith("@" + REFUSED_DOMAIN):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        # Envelope first: a test that waits for messages then finds the envelope there too.
        self.server.envelopes.append((envelope.mail_from or "", list(envelope.rcpt_tos)))
        self.server.messages.append(message)
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on (right now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_mail_server(credentials: tuple[str, str] | None = None) -> Iterator[MailServer]:
    """Start an SMTP server; with ``credentials`` it offers AUTH (over plain text) and accepts
    only that username and password. Without, it offers no AUTH at all."""
    server = MailServer(HOST, free_port())
    kwargs: dict[str, Any] = {}
    if credentials is not None:
        expected = (credentials[0].encode(), credentials[1].encode())

        def authenticator(
            smtp: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
        ) -> AuthResult:
            if isinstance(data, LoginPassword) and (data.login, data.password) == expected:
                server.logins.append(data.login.decode())
                return AuthResult(success=True)
            return AuthResult(success=False, handled=False)

        # AUTH without TLS is fine on loopback in a test; aiosmtpd only warns about it when
        # auth_required is also set, which it is not here.
        kwargs = {"authenticator": authenticator, "auth_require_tls": False}
    controller = Controller(
        _Collector(server),
        hostname=HOST,
        port=server.port,
        # A fixed banner name spares a reverse DNS lookup (socket.getfqdn) per server.
        server_hostname="mail.test",
        **kwargs,
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[MailServer]:
    """A real SMTP server without AUTH or TLS on 127.0.0.1 and a free port."""
    with running_mail_server() as server:
        yield server


def wait_for(server: MailServer, count: int, timeout: float = 5) -> None:
    """Wait until ``server`` has received ``count`` messages (it handles them in its thread)."""
    deadline = time.monotonic() + timeout
    while len(server.messages) < count:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"expected {count} message(s) within {timeout}s, got {len(server.messages)}"
            )
        time.sleep(0.01)


def body_text(message: EmailMessage) -> str:
    """The decoded plain-text body with ``\n`` line ends (SMTP carries CRLF, and the parsed
    message keeps them)."""
    content = message.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")
