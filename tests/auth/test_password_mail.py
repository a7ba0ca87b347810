"""A person hears by e-mail when their password changes: their own change, or a new password
chosen through a password link (ASVS 5.0 6.3.7; real SMTP server)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback.auth.services import ADMIN_LINK_LIFETIME, issue_password_link
from feedback.extensions import db
from feedback.models import User
from tests import factories
from tests.conftest import PASSWORD, login, post_form
from tests.mailserver import MailServer, body_text, wait_for

NEW = "et-helt-nytt-passord"


@pytest.fixture
def app_overrides(smtp_server: MailServer) -> dict[str, Any]:
    return smtp_server.config()


@pytest.fixture
def person(app: Flask) -> int:
    with app.app_context():
        org = factories.organisation("Postvik kommune")
        user = factories.user("kari@postvik.no", org=org, role="quality")
        db.session.commit()
        return user.id


def change_own_password(client: FlaskClient, current: str) -> int:
    login(client, "kari@postvik.no")
    form = {"current_password": current, "new_password": NEW, "confirm": NEW}
    return post_form(client, "/konto/passord", form).status_code


def test_own_password_change_is_told_by_mail(
    client: FlaskClient, person: int, smtp_server: MailServer
) -> None:
    assert change_own_password(client, PASSWORD) == 302
    wait_for(smtp_server, 1)
    message = smtp_server.messages[0]
    assert message["To"] == "kari@postvik.no"
    assert "passordet" in body_text(message).lower() and "kari@postvik.no" in body_text(message)


def test_a_wrong_current_password_sends_nothing(
    client: FlaskClient, person: int, smtp_server: MailServer
) -> None:
    assert change_own_password(client, "feil-passord-1") == 200
    assert smtp_server.messages == []


def test_a_password_chosen_through_a_link_is_told_by_mail(
    app: Flask, client: FlaskClient, person: int, smtp_server: MailServer
) -> None:
    with app.app_context():
        token = issue_password_link(db.session.get(User, person), ADMIN_LINK_LIFETIME)  # type: ignore[arg-type]
        db.session.commit()
    answer = post_form(
        client, f"/passord/{token}", {"new_password": NEW, "confirm": NEW}, page=f"/passord/{token}"
    )
    assert answer.status_code == 302
    wait_for(smtp_server, 1)
    message = smtp_server.messages[-1]
    assert message["To"] == "kari@postvik.no"
    assert "kari@postvik.no" in body_text(message)
    assert login(client, "kari@postvik.no", NEW).status_code == 302
