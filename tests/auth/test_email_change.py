"""A new sign-in address changes only when its owner opens the mailed link (issue 18, point 1).

The administrator who asks learns nothing about whether the address has an account: the answer,
the account page and the mails are the same either way. Mail goes through a real SMTP server.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import AuditEvent, EmailChange, Membership, User
from feedback.models.base import utcnow
from tests import factories
from tests.conftest import PASSWORD, login, post_form
from tests.mailserver import MailServer, body_text, wait_for
from tests.shared import PUBLIC_URL, account_row, actions, mailed_link

FREE = "ny-adresse@nabo.no"
TAKEN = "fag@example.no"  # an account with roles in the other organisation only


@pytest.fixture
def app_overrides(smtp_server: MailServer) -> dict[str, Any]:
    return {**smtp_server.config(), "PUBLIC_URL": PUBLIC_URL}


@pytest.fixture
def ids(app: Flask) -> dict[str, int]:
    with app.app_context():
        org_a = factories.organisation("Fjordvik kommune", "fjordvik")
        org_b = factories.organisation("Nabokommunen", "nabo")
        factories.user("admin@nabo.no", org=org_b, role="admin", name="Bjørn")
        fag = factories.user(TAKEN, org=org_a, role="quality", name="Fag Person")
        only_b = factories.user("bare@nabo.no", org=org_b, role="quality", name="Bare Nabo")
        db.session.commit()
        return {"org_a": org_a.id, "org_b": org_b.id, "fag": fag.id, "only_b": only_b.id}


def english(app: Flask) -> FlaskClient:
    """A browser that asks for English, so the tests read the msgids."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def signed_in(app: Flask, email: str, password: str = PASSWORD) -> FlaskClient:
    client = english(app)
    assert login(client, email, password).status_code == 302
    return client


def ask(admin: FlaskClient, user_id: int, email: str, **kwargs: Any) -> Any:
    form = {"account-name": "Bare Nabo", "account-email": email, "account-active": "y"}
    return post_form(admin, f"/admin/brukere/{user_id}", form, prefix="account", **kwargs)


def without(html: str, *secrets: str) -> str:
    """The page without the address asked for, the CSRF tokens and any link's secret."""
    for secret in secrets:
        html = html.replace(secret, "ADDRESS")
    html = re.sub(r'name="(account-|role-)?csrf_token"[^>]*', "CSRF", html)
    html = re.sub(r'value="[^"]*csrf[^"]*"', "CSRF", html)
    return re.sub(r"/epost/[\w-]+", "/epost/LINK", html)


def pending(app: Flask, user_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(EmailChange.new_email).where(EmailChange.user_id == user_id)
            )
        )


def test_administrator_is_told_the_same_for_a_free_and_a_taken_address(
    app: Flask, ids: dict[str, int], smtp_server: MailServer
) -> None:
    admin = signed_in(app, "admin@nabo.no")
    before = account_row(app, ids["only_b"])
    taken_before = account_row(app, ids["fag"])
    pages, later = [], []
    for number, email in enumerate([FREE, TAKEN.upper()], start=1):
        response = ask(admin, ids["only_b"], email, follow_redirects=True)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "sent a confirmation link to the new address" in html
        assert f"Waiting for confirmation: {email.lower()}" in html
        pages.append(without(html, email.lower(), email))
        account = admin.get(f"/admin/brukere/{ids['only_b']}").get_data(as_text=True)
        later.append(without(account, email.lower()))
        wait_for(smtp_server, number)
        assert smtp_server.envelopes[-1][1] == [email.lower()]
        assert pending(app, ids["only_b"]) == [email.lower()]  # the newer replaces the older
    assert pages[0] == pages[1]
    assert later[0] == later[1]  # and so is the account page on later visits
    # The mails went to the addresses asked for, none to the administrator; nothing changed.
    assert [rcpt for _sender, rcpt in smtp_server.envelopes] == [[FREE], [TAKEN]]
    assert all("admin@nabo.no" not in body_text(m) for m in smtp_server.messages)
    assert account_row(app, ids["only_b"]) == before
    assert account_row(app, ids["fag"]) == taken_before
    assert actions(app, ids["org_b"]) == ["account.email_change_requested"] * 2
    assert actions(app, ids["org_a"]) == []


@pytest.mark.parametrize("app_overrides", [{"PUBLIC_URL": PUBLIC_URL}])
def test_without_mail_the_link_is_shown_once_the_same_either_way(
    app: Flask, ids: dict[str, int]
) -> None:
    admin = signed_in(app, "admin@nabo.no")
    pages = []
    for email in [FREE, TAKEN]:
        html = ask(admin, ids["only_b"], email).get_data(as_text=True)
        assert f"{PUBLIC_URL}/epost/" in html
        pages.append(without(html, email))
    assert pages[0] == pages[1]
    account = admin.get(f"/admin/brukere/{ids['only_b']}").get_data(as_text=True)
    assert f"Waiting for confirmation: {TAKEN}" in account and "/epost/" not in account


def test_the_link_changes_the_address_ends_sessions_and_tells_the_old_address(
    app: Flask, ids: dict[str, int], smtp_server: MailServer
) -> None:
    person = signed_in(app, "bare@nabo.no")
    admin = signed_in(app, "admin@nabo.no")
    ask(admin, ids["only_b"], FREE.upper())
    path = mailed_link(smtp_server, 1)
    assert path.startswith("/epost/")
    # Nothing changes before the link is opened.
    assert person.get("/konto").status_code == 200
    assert login(english(app), FREE).status_code == 200  # not a sign-in name yet
    page = english(app).get(path)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert FREE in page.get_data(as_text=True)
    assert person.get("/konto").status_code == 200
    with app.app_context():
        stored = db.session.scalar(sa.select(EmailChange.token_hash))
    assert stored and path.rsplit("/", 1)[1] not in stored  # only its hash is kept

    response = post_form(english(app), path, {})
    assert response.status_code == 302
    assert person.get("/konto").status_code == 302  # signed out
    assert login(english(app), "bare@nabo.no").status_code == 200  # refused
    signed_in(app, FREE)
    wait_for(smtp_server, 2)
    assert smtp_server.envelopes[1][1] == ["bare@nabo.no"]
    assert FREE in body_text(smtp_server.messages[1])
    assert actions(app, ids["org_b"]) == [
        "account.email_change_requested",
        "account.email_changed",
    ]
    assert pending(app, ids["only_b"]) == []
    # Single use.
    assert english(app).get(path).status_code == 404
    assert post_form(english(app), path, {}, page="/logg-inn").status_code == 404


def test_an_address_taken_by_confirm_time_changes_nothing(
    app: Flask, ids: dict[str, int], smtp_server: MailServer
) -> None:
    admin = signed_in(app, "admin@nabo.no")
    ask(admin, ids["only_b"], FREE)
    path = mailed_link(smtp_server, 1)
    with app.app_context():
        db.session.add(User(email=FREE, name="Noen Andre", password_hash="x"))
        db.session.commit()
    before = account_row(app, ids["only_b"])
    page = english(app).get(path)
    assert page.status_code == 409
    assert "Another account signs in with" in page.get_data(as_text=True)
    assert post_form(english(app), path, {}, page="/logg-inn").status_code == 409
    assert account_row(app, ids["only_b"]) == before
    assert "account.email_changed" not in actions(app, ids["org_b"])
    assert len(smtp_server.messages) == 1


def test_an_expired_link_is_gone(app: Flask, ids: dict[str, int], smtp_server: MailServer) -> None:
    admin = signed_in(app, "admin@nabo.no")
    ask(admin, ids["only_b"], FREE)
    path = mailed_link(smtp_server, 1)
    with app.app_context():
        change = db.session.scalar(sa.select(EmailChange))
        assert change is not None
        change.created_at = utcnow() - timedelta(hours=25)
        change.expires_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    before = account_row(app, ids["only_b"])
    response = english(app).get(path)
    assert response.status_code == 404
    assert "The link no longer works" in response.get_data(as_text=True)
    assert account_row(app, ids["only_b"]) == before
    admin_page = admin.get(f"/admin/brukere/{ids['only_b']}").get_data(as_text=True)
    assert "Waiting for confirmation" not in admin_page


def test_own_change_needs_the_current_password(
    app: Flask, ids: dict[str, int], smtp_server: MailServer
) -> None:
    with app.app_context():  # a person in two organisations: the log of each is told
        db.session.add(Membership(user_id=ids["fag"], organisation_id=ids["org_b"], role="manager"))
        db.session.commit()
    person = signed_in(app, TAKEN)
    assert "/konto/epost" in person.get("/konto").get_data(as_text=True)
    wrong = {"email": "fag@ny.no", "current_password": "feil-passord-123"}
    html = post_form(person, "/konto/epost", wrong).get_data(as_text=True)
    assert 'id="current_password-error"' in html and 'value="fag@ny.no"' in html
    assert pending(app, ids["fag"]) == [] and smtp_server.messages == []
    right = {"email": "fag@ny.no", "current_password": PASSWORD}
    response = post_form(person, "/konto/epost", right)
    assert response.status_code == 302
    path = mailed_link(smtp_server, 1)
    assert smtp_server.envelopes[0][1] == ["fag@ny.no"]
    assert person.get("/konto/epost").status_code == 200  # still signed in, still the old one
    assert account_row(app, ids["fag"])[1] == TAKEN
    assert post_form(person, path, {}).status_code == 302
    assert account_row(app, ids["fag"])[1] == "fag@ny.no"
    assert person.get("/konto").status_code == 302
    for org in ("org_a", "org_b"):
        assert actions(app, ids[org])[-2:] == [
            "account.email_change_requested",
            "account.email_changed",
        ]
    with app.app_context():
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "account.email_changed").limit(1)
        )
        assert event is not None and event.actor_id == ids["fag"]


def test_bad_new_address_is_shown_next_to_the_field(app: Flask, ids: dict[str, int]) -> None:
    person = signed_in(app, TAKEN)
    form = {"email": "ikke-en-adresse", "current_password": PASSWORD}
    html = post_form(person, "/konto/epost", form).get_data(as_text=True)
    assert 'id="email-error"' in html and 'value="ikke-en-adresse"' in html
    assert pending(app, ids["fag"]) == []


def test_the_link_is_masked_in_the_access_log() -> None:
    from feedback.logs import mask_secret_paths

    line = '127.0.0.1 - - "POST /epost/Ab-c_D3?x=1 HTTP/1.1" 302 -'
    assert mask_secret_paths(line) == '127.0.0.1 - - "POST /epost/*?x=1 HTTP/1.1" 302 -'


def test_own_change_attempts_are_limited(
    app: Flask, ids: dict[str, int], smtp_server: MailServer
) -> None:
    person = signed_in(app, TAKEN)
    limit = int(app.config["LOGIN_ATTEMPT_LIMIT"].split()[0])
    wrong = {"email": "fag@ny.no", "current_password": "feil-passord-123"}
    for _attempt in range(limit):
        post_form(person, "/konto/epost", wrong)
    right = {"email": "fag@ny.no", "current_password": PASSWORD}
    html = post_form(person, "/konto/epost", right).get_data(as_text=True)
    assert "Too many failed attempts" in html and 'id="current_password-error"' in html
    assert pending(app, ids["fag"]) == [] and smtp_server.messages == []


def test_an_address_taken_between_check_and_write_changes_nothing(
    app: Flask, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two links for one address opened at the same moment: the database's unique address
    decides, and the loser is told the address is taken (no 500)."""
    from feedback.auth import email_change

    with app.app_context():
        user = db.session.get(User, ids["only_b"])
        assert user is not None
        token = email_change.request_change(None, user, user, FREE)
        db.session.add(User(email=FREE, name="Noen Andre", password_hash="x"))
        db.session.commit()
    before = account_row(app, ids["only_b"])
    monkeypatch.setattr(email_change, "address_taken", lambda change: False)  # the race
    response = post_form(english(app), f"/epost/{token}", {})
    assert response.status_code == 409
    assert account_row(app, ids["only_b"]) == before
    assert pending(app, ids["only_b"]) == [FREE]
