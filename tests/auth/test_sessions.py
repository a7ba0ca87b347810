"""Sessions that end (issue 18, point 4): a StaffSession row per sign-in that the cookie names.

Each test captures the session cookie of one browser, copies it into a second test client (as
an attacker with a stolen cookie would), and shows what that copy gets afterwards.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.auth.services import ADMIN_LINK_LIFETIME, issue_password_link
from feedback.extensions import db
from feedback.models import StaffSession, User
from feedback.models.base import utcnow
from tests import factories
from tests.conftest import PASSWORD, login, post_form

COOKIE = "brukerstemmen"
NEW_PASSWORD = "et-helt-nytt-passord"


@pytest.fixture
def people(app: Flask) -> dict[str, int]:
    with app.app_context():
        org = factories.organisation("Fjordvik kommune")
        admin = factories.user("admin@example.no", org=org, role="admin", name="Ada Admin")
        member = factories.user("kvalitet@example.no", org=org, role="quality", name="Kari")
        db.session.commit()
        return {"admin": admin.id, "member": member.id}


def copy_of(client: FlaskClient) -> FlaskClient:
    """A second browser holding a copy of this browser's session cookie (and nothing else)."""
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    other = client.application.test_client()
    other.set_cookie(COOKIE, cookie.value)
    return other


def signed_in(client: FlaskClient) -> bool:
    """True when the home page greets a signed-in person; False at the sign-in page."""
    response = client.get("/konto/okter")
    if response.status_code == 302:
        assert "/logg-inn" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def sessions_of(app: Flask, user_id: int) -> list[StaffSession]:
    with app.app_context():
        return list(db.session.scalars(sa.select(StaffSession).filter_by(user_id=user_id)))


def test_sign_in_stores_a_hashed_token_and_the_time_only(
    app: Flask, client: FlaskClient, people: dict[str, int]
) -> None:
    login(client, "admin@example.no")
    token = client.get_cookie(COOKIE)
    [row] = sessions_of(app, people["admin"])
    assert len(row.token_hash) == 64 and abs(utcnow() - row.signed_in_at) < timedelta(minutes=1)
    with app.app_context():
        columns = set(StaffSession.__table__.columns.keys())
    assert columns == {"id", "token_hash", "user_id", "signed_in_at"}  # no address, no agent
    assert token is not None and row.token_hash not in token.value


def test_a_cookie_captured_before_sign_out_gets_the_sign_in_page_after_it(
    app: Flask, client: FlaskClient, people: dict[str, int]
) -> None:
    login(client, "admin@example.no")
    stolen = copy_of(client)
    assert signed_in(stolen)  # the copy works while the session lives
    post_form(client, "/logg-ut", {}, page="/")
    assert not signed_in(stolen)
    assert not signed_in(client)
    assert sessions_of(app, people["admin"]) == []


def test_a_password_change_ends_the_other_browsers_only(
    app: Flask, client: FlaskClient, people: dict[str, int]
) -> None:
    other_browser = app.test_client()
    login(other_browser, "admin@example.no")
    stolen = copy_of(other_browser)
    login(client, "admin@example.no")
    response = post_form(
        client,
        "/konto/passord",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert signed_in(client)
    assert not signed_in(other_browser)
    assert not signed_in(stolen)
    assert len(sessions_of(app, people["admin"])) == 1


def test_deactivation_ends_every_session_at_once(
    app: Flask, client: FlaskClient, people: dict[str, int]
) -> None:
    member = app.test_client()
    login(member, "kvalitet@example.no")
    stolen = copy_of(member)
    login(client, "admin@example.no")
    response = post_form(
        client,
        f"/admin/brukere/{people['member']}",
        {"account-email": "kvalitet@example.no", "account-name": "Kari"},  # "active" unticked
        prefix="account",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, people["member"]).active is False
    assert sessions_of(app, people["member"]) == []
    assert not signed_in(stolen)
    assert not signed_in(member)


def test_a_password_chosen_through_a_link_ends_every_session(
    app: Flask, client: FlaskClient, people: dict[str, int]
) -> None:
    member = app.test_client()
    login(member, "kvalitet@example.no")
    login(client, "admin@example.no")
    with app.app_context():
        user = db.session.get(User, people["member"])
        token = issue_password_link(user, ADMIN_LINK_LIFETIME)
        db.session.commit()
    stranger = app.test_client()
    response = post_form(
        stranger,
        f"/passord/{token}",
        {"new_password": "et-helt-nytt-passord", "confirm": "et-helt-nytt-passord"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert sessions_of(app, people["member"]) == []
    assert not signed_in(member)
    assert signed_in(client)


@pytest.mark.parametrize("app_overrides", [{"IDLE_TIMEOUT": timedelta(hours=24)}], indirect=True)
def test_a_session_older_than_the_maximum_is_refused_even_while_in_use(
    app: Flask, client: FlaskClient, people: dict[str, int]
) -> None:
    """Used every minute (the idle clock is never reached), the session still ends 12 hours
    after sign-in: the clock is moved by moving the record's sign-in time."""
    login(client, "admin@example.no")
    stolen = copy_of(client)
    maximum = app.config["PERMANENT_SESSION_LIFETIME"]
    assert maximum == timedelta(hours=12)
    [row] = sessions_of(app, people["admin"])
    for minutes_ago in (60, 6 * 60, 12 * 60 - 1):
        with app.app_context():
            db.session.execute(
                sa.update(StaffSession)
                .where(StaffSession.id == row.id)
                .values(signed_in_at=utcnow() - timedelta(minutes=minutes_ago))
            )
            db.session.commit()
        assert signed_in(client), minutes_ago
    with app.app_context():
        db.session.execute(
            sa.update(StaffSession)
            .where(StaffSession.id == row.id)
            .values(signed_in_at=utcnow() - maximum - timedelta(minutes=1))
        )
        db.session.commit()
    assert not signed_in(client)
    assert not signed_in(stolen)
    # flask schedule deletes the expired record.
    assert "1 expired sign-in(s) deleted" in app.test_cli_runner().invoke(args=["schedule"]).output
    assert sessions_of(app, people["admin"]) == []


def test_sessions_page_lists_sign_ins_and_marks_this_one(
    app: Flask, client: FlaskClient, people: dict[str, int]
) -> None:
    other_browser = app.test_client()
    login(other_browser, "admin@example.no")
    login(client, "admin@example.no")
    html = client.get("/konto/okter").get_data(as_text=True)
    assert html.count("<tr>") == 3  # header and two sign-ins
    assert html.count("Denne nettleseren") == 1 or html.count("This browser") == 1


def test_sign_out_everywhere_else_keeps_this_browser(
    app: Flask, client: FlaskClient, people: dict[str, int]
) -> None:
    other_browser = app.test_client()
    login(other_browser, "admin@example.no")
    login(client, "admin@example.no")
    response = post_form(client, "/konto/okter/avslutt", {}, page="/konto/okter")
    assert response.status_code == 302
    assert signed_in(client)
    assert not signed_in(other_browser)


def test_sign_out_everywhere_ends_this_browser_too(
    app: Flask, client: FlaskClient, people: dict[str, int]
) -> None:
    other_browser = app.test_client()
    login(other_browser, "admin@example.no")
    login(client, "admin@example.no")
    stolen = copy_of(client)
    response = post_form(client, "/konto/okter/avslutt", {"alle": "ja"}, page="/konto/okter")
    assert response.status_code == 302
    assert "/logg-inn" in response.headers["Location"]
    for browser in (client, other_browser, stolen):
        assert not signed_in(browser)
    assert sessions_of(app, people["admin"]) == []


def test_sign_out_everywhere_needs_the_csrf_token(
    app: Flask, client: FlaskClient, people: dict[str, int]
) -> None:
    other_browser = app.test_client()
    login(other_browser, "admin@example.no")
    login(client, "admin@example.no")
    assert client.post("/konto/okter/avslutt", data={"alle": "ja"}).status_code == 400
    assert signed_in(other_browser) and signed_in(client)


def test_end_all_sessions_is_the_one_function(app: Flask, people: dict[str, int]) -> None:
    from feedback.auth.services import end_all_sessions

    browsers = [app.test_client() for _ in range(3)]
    for browser in browsers:
        login(browser, "kvalitet@example.no")
    login(app.test_client(), "admin@example.no")
    with app.app_context():
        member = db.session.get(User, people["member"])
        assert end_all_sessions(member) == 3
        db.session.commit()
    assert not any(signed_in(browser) for browser in browsers)
    assert len(sessions_of(app, people["admin"])) == 1
