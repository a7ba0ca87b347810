"""Return addresses (``next`` on the language switch and on the sign-in page): anything
but a plain local path, and any control character in it (also percent-encoded), sends the
person to the start page, never a 500 and never elsewhere."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.extensions import db
from feedback.i18n import safe_next
from tests import factories
from tests.conftest import PASSWORD, csrf_token

NASTY = [
    "/admin/\n",
    "/\nSet-Cookie: x=y",
    "/admin\r\nLocation: https://evil.example/",
    "/\t/evil.example/",
    "/\x00",
    "/admin\x7f",
    "/\x85next-line",
    "/\u2028line-separator",
    "/\u200bzero-width",
    "/admin%0a",
    "/admin%0D%0ALocation:%20https://evil.example/",
    "/%09/evil.example/",
    "/%00",
    "/%7f",
    "/%2F/evil.example/",
    "/%5Cevil.example",
    "//evil.example/",
    "https://evil.example/",
    "/\\evil.example",
    "javascript:alert(1)",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", NASTY)
def test_safe_next_refuses(target: str) -> None:
    assert safe_next(target, "/") == "/"


@pytest.mark.parametrize(
    "target", ["/admin/", "/logg-inn?next=/admin/", "/s/abc?side=2", "/avvik/fjordvik", "/%C3%A6"]
)
def test_safe_next_keeps_local_paths(target: str) -> None:
    assert safe_next(target, "/") == target


@given(st.text(max_size=40))
@settings(max_examples=300, database=None, deadline=None)
def test_safe_next_never_lets_a_control_character_through(text: str) -> None:
    for target in (text, "/" + text):
        result = safe_next(target, "/")
        assert result == "/" or result == target
        if result != "/":
            assert result.startswith("/") and not result.startswith("//")
            assert all(ord(c) >= 0x20 and not 0x7F <= ord(c) <= 0x9F for c in result)


@pytest.mark.parametrize("target", NASTY)
def test_language_switch_sends_nasty_targets_to_the_start_page(
    client: FlaskClient, target: str
) -> None:
    response = client.get("/sprak/en", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_raw_newline_in_the_query_is_no_500(client: FlaskClient) -> None:
    """The report of issue 18: a newline in next (here raw and percent-encoded)."""
    for query in ("next=/%0a", "next=/admin%0D%0AX:%20y", "next=%2F%0A%2F"):
        response = client.get(f"/sprak/nn?{query}")
        assert response.status_code == 302 and response.headers["Location"] == "/", query


@given(st.text(max_size=30))
@settings(
    max_examples=150,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_language_switch_never_answers_500(client: FlaskClient, text: str) -> None:
    for target in (text, "/" + text):
        response = client.get("/sprak/nb", query_string={"next": target})
        assert response.status_code == 302
        location = response.headers["Location"]
        assert location == "/" or location.startswith("/") and not location.startswith("//")


@pytest.fixture
def admin(app: Flask) -> None:
    with app.app_context():
        org = factories.organisation("Fjordvik kommune")
        factories.user("admin@example.no", org=org, role="admin", name="Ada Admin")
        db.session.commit()


@pytest.mark.parametrize("target", NASTY)
def test_sign_in_sends_nasty_targets_to_the_start_page(
    app: Flask, admin: None, target: str
) -> None:
    client = app.test_client()
    token = csrf_token(client, "/logg-inn")
    response = client.post(
        "/logg-inn",
        query_string={"next": target},
        data={"csrf_token": token, "email": "admin@example.no", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_sign_in_keeps_a_good_next(app: Flask, admin: None) -> None:
    client = app.test_client()
    token = csrf_token(client, "/logg-inn")
    response = client.post(
        "/logg-inn?next=/admin/enheter",
        data={"csrf_token": token, "email": "admin@example.no", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/admin/enheter"
