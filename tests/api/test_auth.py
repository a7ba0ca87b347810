"""Who may call the API: a working bearer token of someone who still holds a role that reads
results; never the session cookie. Errors come as JSON; requests are limited per token."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback.api_keys import services
from feedback.extensions import db
from feedback.models import ApiToken, Membership, User
from feedback.models.base import today
from tests.api.conftest import Survey, make_token
from tests.world import Api, Place, signed_in


def test_requests_without_a_working_key_get_401_in_json(
    app: Flask, place: Place, api: Api, tokens: dict[str, str]
) -> None:
    for header in (None, "", "Bearer", "Bearer ", "Basic a2FyaTpwYXNz", tokens["kari"]):
        response = api.client.get(
            "/api/v1/rounds", headers={"Authorization": header} if header is not None else {}
        )
        assert response.status_code == 401, header
        assert response.mimetype == "application/json"
        assert response.get_json()["error"] == "unauthorized"
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="Brukerstemmen API"'
    for wrong in ("bst_" + "A" * 43, tokens["kari"][:-1], tokens["kari"] + "x", "x" * 5000):
        response = api.get("/rounds", wrong)
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
        assert set(response.get_json()) == {"error", "message"}
    assert api.get("/rounds", tokens["kari"]).status_code == 200


def test_the_scheme_name_is_not_case_sensitive(api: Api, tokens: dict[str, str]) -> None:
    response = api.client.get(
        "/api/v1/units", headers={"Authorization": f"bearer {tokens['kari']}"}
    )
    assert response.status_code == 200


def _change(app: Flask, change: Any) -> None:
    with app.app_context():
        change()
        db.session.commit()


def test_a_key_stops_working_with_its_owners_access(
    app: Flask, place: Place, api: Api, tokens: dict[str, str]
) -> None:
    kari, leder, rusleder = tokens["kari"], tokens["leder"], tokens["rusleder"]
    for token in (kari, leder, rusleder):
        assert api.get("/units", token).status_code == 200

    def deactivate() -> None:
        db.session.get(User, place.people["kari"]).active = False

    def take_role() -> None:
        db.session.execute(sa.delete(Membership).where(Membership.user_id == place.people["leder"]))

    def make_admin() -> None:
        membership = db.session.scalar(
            sa.select(Membership).where(Membership.user_id == place.people["rusleder"])
        )
        membership.role = "admin"

    _change(app, deactivate)
    _change(app, take_role)
    _change(app, make_admin)
    for token in (kari, leder, rusleder):
        response = api.get("/units", token)
        assert response.status_code == 401
        assert response.get_json()["error"] == "unauthorized"


def test_a_revoked_key_gets_401(app: Flask, place: Place, api: Api) -> None:
    secret = make_token(app, place.people["kari"], place.org)
    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken))
        services.revoke_token(token, db.session.get(User, place.people["kari"]))
        db.session.commit()
    assert api.get("/rounds", secret).status_code == 401


def test_a_key_reads_only_its_own_organisation(
    app: Flask, place: Place, api: Api, survey: Survey, tokens: dict[str, str]
) -> None:
    assert api.json("/rounds", tokens["nabo"]) == {"rounds": []}
    assert api.get(f"/rounds/{survey.round_id}", tokens["nabo"]).status_code == 404
    assert api.get(f"/rounds/{survey.round_id}/results", tokens["nabo"]).status_code == 404
    names = [u["name"] for u in api.json("/units", tokens["nabo"])["units"]]
    assert names == ["Nabohuset"]


def test_the_session_cookie_is_never_used(
    app: Flask, place: Place, survey: Survey, tokens: dict[str, str]
) -> None:
    browser = signed_in(app, "kari@example.no")
    assert browser.get("/resultater/").status_code == 200
    response = browser.get("/api/v1/rounds")
    assert response.status_code == 401
    # With a token the answer sets no cookie, and is not to be cached.
    response = app.test_client(use_cookies=False).get(
        "/api/v1/rounds", headers={"Authorization": f"Bearer {tokens['kari']}"}
    )
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_the_day_of_use_is_noted_as_a_date(
    app: Flask, place: Place, api: Api, tokens: dict[str, str]
) -> None:
    def last_used() -> object:
        with app.app_context():
            return db.session.scalar(
                sa.select(ApiToken.last_used_on).where(ApiToken.user_id == place.people["kari"])
            )

    assert last_used() is None
    api.get("/units", tokens["kari"])
    used = last_used()
    assert type(used) is date and used == today()


def test_the_description_is_public(api: Api) -> None:
    index = api.get("/", None)
    assert index.status_code == 200
    assert index.get_json()["openapi"] == "/api/v1/openapi.json"
    document = api.get("/openapi.json", None)
    assert document.status_code == 200
    assert document.get_json()["openapi"].startswith("3.")


class TestRateLimit:
    @pytest.fixture
    def app_overrides(self) -> dict[str, Any]:
        return {"API_RATE_LIMIT": "3 per minute"}

    def test_each_key_has_its_own_limit(self, app: Flask, api: Api, tokens: dict[str, str]) -> None:
        for _ in range(3):
            assert api.get("/units", tokens["kari"]).status_code == 200
        refused = api.get("/units", tokens["kari"])
        assert refused.status_code == 429
        assert refused.get_json()["error"] == "too_many_requests"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert api.get("/units", tokens["leder"]).status_code == 200
