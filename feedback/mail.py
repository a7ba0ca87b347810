"""E-mail notifications over SMTP.

``send`` opens one SMTP connection per call and delivers every mail over it. Mail is off when
``MAIL_SERVER`` is empty; then nothing is sent. Recipients and message text are never logged:
a failure is logged with the exception's class name only and raised as ``MailError``.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    """One plain-text e-mail to one recipient."""

    to: str
    subject: str
    body: str


class MailError(Exception):
    """Sending failed (connection refused, SMTP error, timeout)."""

    def __init__(self, message: str, sent: int = 0) -> None:
        super().__init__(message)
        #: How many mails of the call were accepted by the server before the failure.
        self.sent = sent


def enabled(config: Mapping[str, Any]) -> bool:
    """Whether an SMTP server is configured."""
    return bool(config.get("MAIL_SERVER"))


def _domain(address: str) -> str:
    _, addr = parseaddr(address)
    domain = addr.rpartition("@")[2]
    return domain or "localhost"


def _message(mail: Mail, sender: str, domain: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=domain)
    # quoted-printable keeps the message 7-bit clean for relays without 8BITMIME.
    message.set_content(mail.body, charset="utf-8", cte="quoted-printable")
    return message


def _connect(config: Mapping[str, Any]) -> smtplib.SMTP:
    host = config["MAIL_SERVER"]
    port = int(config.get("MAIL_PORT", 25))
    timeout = float(config.get("MAIL_TIMEOUT", 10))
    if config.get("MAIL_SSL"):
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config.get("MAIL_STARTTLS"):
            smtp.starttls(context=ssl.create_default_context())
    except BaseException:
        smtp.close()
        raise
    return smtp


def send(config: Mapping[str, Any], mails: Sequence[Mail]) -> int:
    """Send ``mails`` over one SMTP connection and return how many were sent.

    Returns 0 without connecting when there is nothing to send or mail is off. Raises
    ``MailError`` when the connection, login or any delivery fails, and ``ValueError`` for a
    malformed mail (such as a line break in the subject) before connecting.
    """
    if not mails or not enabled(config):
        return 0
    sender = config.get("MAIL_FROM") or "brukerstemmen@localhost"
    domain = _domain(sender)
    messages = [_message(mail, sender, domain) for mail in mails]
    sent = 0
    try:
        with _connect(config) as smtp:
            username = config.get("MAIL_USERNAME") or ""
            if username:
                smtp.login(username, config.get("MAIL_PASSWORD") or "")
            for message in messages:
                smtp.send_message(message)
                sent += 1
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("Sending e-mail failed after %d of %d: %s", sent, len(messages), _name(exc))
        raise MailError(f"sending e-mail failed: {_name(exc)}", sent=sent) from exc
    log.info("Sent %d e-mail(s)", sent)
    return sent


def _name(exc: BaseException) -> str:
    return type(exc).__name__
