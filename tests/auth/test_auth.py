from __future__ import annotations

import os
import time
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import User
from tests import factories
from tests.conftest import PASSWORD, csrf_token, login, post_form

GENERIC = "E-postadressen eller passordet er feil."


@pytest.fixture
def people_in_db(database_url: str) -> None:
    """The accounts below, written straight to the test database (for tests with own apps)."""
    from tests.conftest import build_app

    app = build_app(database_url)
    with app.app_context():
        org = factories.organisation("Fjordvik kommune")
        factories.user("admin@example.no", org=org, role="admin", name="Ada Admin")
        db.session.commit()
        db.engine.dispose()


@pytest.fixture
def people(app: Flask) -> dict[str, int]:
    with app.app_context():
        org = factories.organisation("Fjordvik kommune")
        admin = factories.user("admin@example.no", org=org, role="admin", name="Ada Admin")
        member = factories.user("kvalitet@example.no", org=org, role="quality")
        inactive = factories.user("borte@example.no", org=org, role="quality", active=False)
        db.session.commit()
        return {"admin": admin.id, "member": member.id, "inactive": inactive.id}


def test_login_with_right_password_signs_in(client: FlaskClient, people: dict[str, int]) -> None:
    response = login(client, "Admin@Example.no ")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Hei, Ada Admin" in page
    assert "Fjordvik kommune" in page


def test_password_is_stored_as_a_strong_hash(app: Flask, people: dict[str, int]) -> None:
    with app.app_context():
        stored = db.session.get(User, people["admin"]).password_hash
    assert stored.startswith("scrypt:")
    assert PASSWORD not in stored


def test_production_hash_method_is_werkzeugs_strong_scrypt() -> None:
    from feedback.config import Config

    assert Config({}).PASSWORD_HASH_METHOD == "scrypt"


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("admin@example.no", "feil-passord-123"),
        ("finnes.ikke@example.no", PASSWORD),
        ("borte@example.no", PASSWORD),
    ],
    ids=["wrong-password", "unknown-account", "inactive-account"],
)
def test_every_failed_login_gets_the_same_message(
    client: FlaskClient, people: dict[str, int], email: str, password: str
) -> None:
    response = login(client, email, password)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert GENERIC in html
    assert f'value="{email}"' in html  # what was typed is kept
    assert "Hei," not in client.get("/").get_data(as_text=True)


def test_empty_login_form_names_each_field(client: FlaskClient) -> None:
    html = post_form(client, "/logg-inn", {"email": "", "password": ""}).get_data(as_text=True)
    assert "Skriv inn e-postadressen din." in html
    assert "Skriv inn passordet ditt." in html
    assert 'aria-invalid="true"' in html
    assert 'href="#email"' in html and 'href="#password"' in html


def test_login_starts_a_new_session(client: FlaskClient, people: dict[str, int]) -> None:
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    login(client, "admin@example.no")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"]
        # The session names a random token, not the database id.
        assert session["_user_id"] != str(people["admin"])


def test_login_is_limited_per_account(
    client: FlaskClient, app: Flask, people: dict[str, int]
) -> None:
    for _ in range(5):
        assert login(client, "admin@example.no", "feil-passord-123").status_code == 200
    blocked = login(client, "admin@example.no")  # even the right password waits now
    assert blocked.status_code == 429
    assert "For mange mislykkede forsøk" in blocked.get_data(as_text=True)
    # Another account from the same browser is not affected: the key is the account.
    assert login(client, "kvalitet@example.no").status_code == 302


def test_successful_login_resets_the_failure_count(
    client: FlaskClient, people: dict[str, int]
) -> None:
    for _ in range(4):
        login(client, "admin@example.no", "feil-passord-123")
    assert login(client, "admin@example.no").status_code == 302
    post_form(client, "/logg-ut", {}, page="/")
    for _ in range(4):
        assert login(client, "admin@example.no", "feil-passord-123").status_code == 200
    assert login(client, "admin@example.no").status_code == 302


def test_logout_needs_post_and_ends_the_session(
    client: FlaskClient, people: dict[str, int]
) -> None:
    login(client, "admin@example.no")
    assert client.get("/logg-ut").status_code == 405
    response = post_form(client, "/logg-ut", {}, page="/")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302  # back to the login page


def test_pages_behind_login_redirect_with_a_safe_next(client: FlaskClient) -> None:
    response = client.get("/admin/enheter")
    assert response.status_code == 302
    assert "/logg-inn?next=/admin/enheter" in response.headers["Location"]


def test_next_parameter_cannot_send_people_elsewhere(
    client: FlaskClient, people: dict[str, int]
) -> None:
    token = csrf_token(client, "/logg-inn")
    response = client.post(
        "/logg-inn?next=//evil.example/",
        data={"csrf_token": token, "email": "admin@example.no", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"


@pytest.fixture
def app_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    return getattr(request, "param", {})


@pytest.mark.parametrize("app_overrides", [{"IDLE_TIMEOUT": timedelta(minutes=5)}], indirect=True)
def test_idle_session_is_signed_out(client: FlaskClient, people: dict[str, int]) -> None:
    login(client, "admin@example.no")
    assert client.get("/admin/").status_code == 200
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 6 * 60
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/logg-inn" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "logget ut" in page
    assert client.get("/admin/").status_code == 302


def test_change_own_password(client: FlaskClient, people: dict[str, int]) -> None:
    other_browser = client.application.test_client()
    login(other_browser, "admin@example.no")
    login(client, "admin@example.no")
    response = post_form(
        client,
        "/konto/passord",
        {
            "current_password": PASSWORD,
            "new_password": "et-helt-nytt-passord",
            "confirm": "et-helt-nytt-passord",
        },
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200  # this browser stays signed in
    assert other_browser.get("/admin/").status_code == 302  # other sessions end
    post_form(client, "/logg-ut", {}, page="/")
    assert login(client, "admin@example.no", "et-helt-nytt-passord").status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {
                "current_password": "feil-passord-1",
                "new_password": "et-helt-nytt-passord",
                "confirm": "et-helt-nytt-passord",
            },
            "Det nåværende passordet er feil.",
        ),
        (
            {"current_password": PASSWORD, "new_password": "kort", "confirm": "kort"},
            "mellom 10 og 200 tegn",
        ),
        (
            {
                "current_password": PASSWORD,
                "new_password": "et-helt-nytt-passord",
                "confirm": "noe-helt-annet-123",
            },
            "ikke like",
        ),
    ],
    ids=["wrong-current", "too-short", "mismatch"],
)
def test_change_password_errors_are_shown_at_the_field(
    app: Flask, client: FlaskClient, people: dict[str, int], data: dict[str, str], message: str
) -> None:
    login(client, "admin@example.no")
    response = post_form(client, "/konto/passord", data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert "error-summary" in html
    with app.app_context():
        assert login(app.test_client(), "admin@example.no").status_code == 302


def test_temporary_password_must_be_changed_first(
    app: Flask, client: FlaskClient, people: dict[str, int]
) -> None:
    with app.app_context():
        db.session.get(User, people["member"]).must_change_password = True
        db.session.commit()
    login(client, "kvalitet@example.no")
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/konto/passord"
    post_form(
        client,
        "/konto/passord",
        {
            "current_password": PASSWORD,
            "new_password": "mitt-eget-passord",
            "confirm": "mitt-eget-passord",
        },
    )
    assert client.get("/").status_code == 200


REDIS_URL = os.environ.get("FEEDBACK_TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="set FEEDBACK_TEST_REDIS_URL to test the Redis storage")
def test_login_limit_is_shared_through_redis(database_url: str, people_in_db: None) -> None:
    """Two app processes (here: two apps) share the failure count; Redis holds no address."""
    import redis

    from tests.conftest import build_app

    prefix = f"brukerstemmen-test-{os.getpid()}"
    options = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    first, second = build_app(database_url, **options), build_app(database_url, **options)
    store = redis.Redis.from_url(REDIS_URL or "")
    try:
        for _ in range(3):
            login(first.test_client(), "admin@example.no", "feil-passord-123")
        for _ in range(2):
            login(second.test_client(), "admin@example.no", "feil-passord-123")
        assert login(first.test_client(), "admin@example.no").status_code == 429
        keys = [k.decode() for k in store.keys(f"*{prefix}*")]
        assert keys, "the counter lives in Redis"
        assert not any("example.no" in k or "admin" in k for k in keys)
    finally:
        for key in store.keys(f"*{prefix}*"):
            store.delete(key)
        for app in (first, second):
            with app.app_context():
                db.engine.dispose()
