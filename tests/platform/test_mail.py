"""The SMTP transport, against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import logging
import smtplib
from typing import Any

import pytest

from feedback import mail
from feedback.config import Config, ConfigError
from feedback.mail import Mail, MailError
from tests.mailserver import (
    REFUSED_DOMAIN,
    SENDER,
    MailServer,
    body_text,
    free_port,
    running_mail_server,
    wait_for,
)

BODY = "Hei!\n\nDet er kommet et nytt avvik på tjenesten «Bøgata bo- og rehabilitering».\nÆØÅ æøå\n"


def test_one_mail_arrives_intact(smtp_server: MailServer) -> None:
    sent = mail.send(
        smtp_server.config(),
        [Mail(to="leder@kommune.example", subject="Nytt avvik på Ørnevegen", body=BODY)],
    )

    assert sent == 1
    wait_for(smtp_server, 1)
    message = smtp_server.messages[0]
    assert message["From"] == SENDER
    assert message["To"] == "leder@kommune.example"
    assert message["Subject"] == "Nytt avvik på Ørnevegen"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert body_text(message) == BODY
    assert message["Date"]
    assert message["Message-ID"].endswith("@kommune.example>")
    assert smtp_server.envelopes == [(SENDER, ["leder@kommune.example"])]


def test_body_without_final_newline_gets_one(smtp_server: MailServer) -> None:
    mail.send(smtp_server.config(), [Mail(to="a@kommune.example", subject="S", body="blåbær")])

    wait_for(smtp_server, 1)
    assert body_text(smtp_server.messages[0]) == "blåbær\n"


def test_several_mails_over_one_call(smtp_server: MailServer) -> None:
    mails = [Mail(to=f"person{i}@kommune.example", subject=f"Sak {i}", body=BODY) for i in range(3)]

    assert mail.send(smtp_server.config(), mails) == 3

    wait_for(smtp_server, 3)
    assert [m["To"] for m in smtp_server.messages] == [m.to for m in mails]
    assert [m["Subject"] for m in smtp_server.messages] == ["Sak 0", "Sak 1", "Sak 2"]
    ids = {m["Message-ID"] for m in smtp_server.messages}
    assert len(ids) == 3


def test_one_connection_for_several_mails(
    smtp_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    connections: list[Any] = []
    original = smtplib.SMTP.connect

    def counting_connect(self: smtplib.SMTP, *args: Any, **kwargs: Any) -> Any:
        connections.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "connect", counting_connect)
    mails = [Mail(to=f"p{i}@kommune.example", subject="S", body="b") for i in range(4)]

    assert mail.send(smtp_server.config(), mails) == 4
    assert len(connections) == 1


def test_mail_off_sends_nothing(smtp_server: MailServer) -> None:
    config = smtp_server.config(MAIL_SERVER="")
    assert mail.enabled(config) is False

    assert mail.send(config, [Mail(to="a@kommune.example", subject="S", body="b")]) == 0
    assert smtp_server.messages == []


def test_no_mails_does_not_connect() -> None:
    # Nothing listens on this port, so connecting would raise.
    config = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": free_port()}
    assert mail.enabled(config) is True
    assert mail.send(config, []) == 0


def test_refused_connection_raises_without_logging_recipient_or_body(
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": free_port(), "MAIL_TIMEOUT": 2}
    secret_to = "hemmelig.person@kommune.example"
    secret_body = "Sensitivt innhold om bruker"
    caplog.set_level(logging.DEBUG, logger="feedback.mail")

    with pytest.raises(MailError) as info:
        mail.send(config, [Mail(to=secret_to, subject="Emne", body=secret_body)])

    assert isinstance(info.value.__cause__, ConnectionRefusedError)
    assert info.value.sent == 0
    records = [r for r in caplog.records if r.name == "feedback.mail"]
    assert [r.levelno for r in records] == [logging.WARNING]
    logged = records[0].getMessage()
    assert "ConnectionRefusedError" in logged
    for text in (secret_to, secret_body, "hemmelig", "Sensitivt"):
        assert text not in logged
        assert text not in str(info.value)


def test_refused_recipient_raises_and_counts_what_was_sent(
    smtp_server: MailServer, caplog: pytest.LogCaptureFixture
) -> None:
    refused = f"borte@{REFUSED_DOMAIN}"
    mails = [
        Mail(to="a@kommune.example", subject="S", body="b"),
        Mail(to=refused, subject="S", body="b"),
        Mail(to="c@kommune.example", subject="S", body="b"),
    ]

    with pytest.raises(MailError) as info:
        mail.send(smtp_server.config(), mails)

    assert isinstance(info.value.__cause__, smtplib.SMTPRecipientsRefused)
    assert info.value.sent == 1
    assert [m["To"] for m in smtp_server.messages] == ["a@kommune.example"]
    assert refused not in caplog.text


def test_login_against_server_without_auth_fails(smtp_server: MailServer) -> None:
    config = smtp_server.config(MAIL_USERNAME="bruker", MAIL_PASSWORD="passord")

    with pytest.raises(MailError) as info:
        mail.send(config, [Mail(to="a@kommune.example", subject="S", body="b")])

    assert isinstance(info.value.__cause__, smtplib.SMTPNotSupportedError)
    assert smtp_server.messages == []


def test_starttls_against_server_without_tls_fails(smtp_server: MailServer) -> None:
    config = smtp_server.config(MAIL_STARTTLS=True)

    with pytest.raises(MailError) as info:
        mail.send(config, [Mail(to="a@kommune.example", subject="S", body="b")])

    assert isinstance(info.value.__cause__, smtplib.SMTPNotSupportedError)
    assert smtp_server.messages == []


def test_login_with_right_credentials_sends() -> None:
    with running_mail_server(credentials=("bruker", "riktig")) as server:
        config = server.config(MAIL_USERNAME="bruker", MAIL_PASSWORD="riktig")

        assert mail.send(config, [Mail(to="a@kommune.example", subject="S", body="b")]) == 1

        wait_for(server, 1)
        assert server.logins == ["bruker"]


def test_login_with_wrong_password_fails() -> None:
    with running_mail_server(credentials=("bruker", "riktig")) as server:
        config = server.config(MAIL_USERNAME="bruker", MAIL_PASSWORD="feil")

        with pytest.raises(MailError) as info:
            mail.send(config, [Mail(to="a@kommune.example", subject="S", body="b")])

        assert isinstance(info.value.__cause__, smtplib.SMTPAuthenticationError)
        assert server.logins == []
        assert server.messages == []


def test_no_login_without_username() -> None:
    with running_mail_server(credentials=("bruker", "riktig")) as server:
        config = server.config(MAIL_USERNAME="", MAIL_PASSWORD="riktig")

        assert mail.send(config, [Mail(to="a@kommune.example", subject="S", body="b")]) == 1
        assert server.logins == []


def test_line_break_in_subject_is_refused_before_connecting(smtp_server: MailServer) -> None:
    with pytest.raises(ValueError):
        mail.send(
            smtp_server.config(),
            [Mail(to="a@kommune.example", subject="S\r\nBcc: x@evil.example", body="b")],
        )
    assert smtp_server.messages == []


def test_wait_for_reports_the_count(smtp_server: MailServer) -> None:
    with pytest.raises(AssertionError, match="expected 1 message.*got 0"):
        wait_for(smtp_server, 1, timeout=0.05)


# --- configuration ---------------------------------------------------------------------------


def test_mail_config_defaults() -> None:
    config = Config(environ={})
    assert config.MAIL_SERVER == ""
    assert config.MAIL_PORT == 25
    assert config.MAIL_STARTTLS is False
    assert config.MAIL_SSL is False
    assert config.MAIL_USERNAME == ""
    assert config.MAIL_PASSWORD == ""
    assert config.MAIL_FROM == "brukerstemmen@localhost"
    assert config.MAIL_TIMEOUT == 10
    assert config.PUBLIC_URL == "http://localhost:5000"
    assert mail.enabled(vars(config)) is False


def test_mail_config_from_environment() -> None:
    config = Config(
        environ={
            "FEEDBACK_MAIL_SERVER": "smtp.kommune.example",
            "FEEDBACK_MAIL_PORT": "587",
            "FEEDBACK_MAIL_STARTTLS": "true",
            "FEEDBACK_MAIL_SSL": "no",
            "FEEDBACK_MAIL_USERNAME": "brukerstemmen",
            "FEEDBACK_MAIL_PASSWORD": "s3cret",
            "FEEDBACK_MAIL_FROM": "Brukerstemmen <ikke-svar@kommune.example>",
            "FEEDBACK_MAIL_TIMEOUT": "30",
            "FEEDBACK_PUBLIC_URL": "https://brukerstemmen.kommune.example/",
        }
    )
    assert config.MAIL_SERVER == "smtp.kommune.example"
    assert config.MAIL_PORT == 587
    assert config.MAIL_STARTTLS is True
    assert config.MAIL_SSL is False
    assert config.MAIL_USERNAME == "brukerstemmen"
    assert config.MAIL_PASSWORD == "s3cret"
    assert config.MAIL_FROM == "Brukerstemmen <ikke-svar@kommune.example>"
    assert config.MAIL_TIMEOUT == 30
    assert config.PUBLIC_URL == "https://brukerstemmen.kommune.example"
    assert mail.enabled(vars(config)) is True


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FEEDBACK_MAIL_PORT", "smtp"),
        ("FEEDBACK_MAIL_PORT", "0"),
        ("FEEDBACK_MAIL_TIMEOUT", "0"),
        ("FEEDBACK_MAIL_STARTTLS", "kanskje"),
        ("FEEDBACK_MAIL_SSL", "2"),
    ],
)
def test_bad_mail_config_is_an_error(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Config(environ={name: value})


def test_display_name_sender_gives_message_id_domain(smtp_server: MailServer) -> None:
    config = smtp_server.config(MAIL_FROM="Brukerstemmen <ikke-svar@tjeneste.example>")

    mail.send(config, [Mail(to="a@kommune.example", subject="S", body="b")])

    wait_for(smtp_server, 1)
    message = smtp_server.messages[0]
    assert message["Message-ID"].endswith("@tjeneste.example>")
    assert message["From"].addresses[0].addr_spec == "ikke-svar@tjeneste.example"
    assert smtp_server.envelopes[0][0] == "ikke-svar@tjeneste.example"
