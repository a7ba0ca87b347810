"""A person hears by e-mail when their two-step sign-in changes (real SMTP server)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.auth import totp
from feedback.extensions import db
from feedback.models import User
from tests import factories
from tests.conftest import login, post_form
from tests.mailserver import MailServer, body_text, free_port, wait_for
from tests.totp_helpers import code, enrol


@pytest.fixture
def app_overrides(request: pytest.FixtureRequest, smtp_server: MailServer) -> dict[str, Any]:
    if getattr(request, "param", "on") == "down":
        return smtp_server.config(MAIL_PORT=free_port(), MAIL_TIMEOUT=5)
    return smtp_server.config()


@pytest.fixture
def people(app: Flask) -> dict[str, Any]:
    with app.app_context():
        org = factories.organisation("Strengvik kommune", require_second_factor=True)
        admin = factories.user("sjef@strengvik.no", org=org, role="admin")
        frida = factories.user("fag@strengvik.no", org=org, role="quality")
        admin_secret, _ = enrol(admin)
        _, codes = enrol(frida)
        db.session.commit()
        return {"admin_secret": admin_secret, "frida": frida.id, "codes": codes}


def _admin(client: FlaskClient, secret: str) -> None:
    login(client, "sjef@strengvik.no")
    assert post_form(client, "/logg-inn/kode", {"code": code(secret)}).status_code == 302


def test_the_person_is_told_of_a_reset_and_of_a_recovery_code(
    app: Flask, client: FlaskClient, people: dict[str, Any], smtp_server: MailServer
) -> None:
    _admin(client, people["admin_secret"])
    post_form(client, f"/admin/brukere/{people['frida']}/totp", {})
    wait_for(smtp_server, 1)
    message = smtp_server.messages[0]
    assert message["To"] == "fag@strengvik.no"
    assert "fag@strengvik.no" in body_text(message)
    assert "http://localhost:5000/" in body_text(message)
    # Signing in with a recovery code is worth a mail too (the administrator's own).
    with app.app_context():
        admin = db.session.scalars(sa.select(User).where(User.email == "sjef@strengvik.no")).one()
        codes = totp.new_recovery_codes(admin)
        db.session.commit()
    other = app.test_client()
    login(other, "sjef@strengvik.no")
    assert post_form(other, "/logg-inn/kode", {"code": codes[0]}).status_code == 302
    wait_for(smtp_server, 2)
    assert smtp_server.messages[1]["To"] == "sjef@strengvik.no"


@pytest.mark.parametrize("app_overrides", ["down"], indirect=True)
def test_a_mail_server_that_is_down_does_not_undo_the_reset(
    app: Flask, client: FlaskClient, people: dict[str, Any]
) -> None:
    _admin(client, people["admin_secret"])
    response = post_form(client, f"/admin/brukere/{people['frida']}/totp", {})
    assert response.status_code == 302
    with app.app_context():
        frida = db.session.get(User, people["frida"])
        assert frida is not None and not frida.has_second_factor
