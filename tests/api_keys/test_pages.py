"""The API key pages: making a key (shown once, only its hash kept), bad names, revoking."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import ApiToken, AuditEvent
from feedback.models.api import hash_api_token
from tests.conftest import csrf_token, post_form
from tests.shared import dump_tables
from tests.world import Api, Place, make_token, signed_in

PAGE = "/konto/api-nokler/"
SECRET = re.compile(r'<code class="url" id="secret">(bst_[A-Za-z0-9_-]+)</code>')


def stored_tokens(app: Flask) -> list[ApiToken]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id)))
        db.session.expunge_all()
        return found


def audit_actions(app: Flask) -> list[tuple[str, str | None, str]]:
    with app.app_context():
        return [
            (e.action, e.target, e.subject)
            for e in db.session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.action.like("api_token.%"))
                .order_by(AuditEvent.id)
            )
        ]


def english(client: FlaskClient) -> FlaskClient:
    client.set_cookie("sprak", "en")
    return client


def create(client, name: str):  # type: ignore[no-untyped-def]
    return post_form(client, PAGE, {"name": name})


def test_a_new_key_is_shown_once_and_only_its_hash_is_kept(
    app: Flask, place: Place, api: Api
) -> None:
    client = english(signed_in(app, "kari@example.no"))
    page = client.get(PAGE).get_data(as_text=True)
    assert "<h1>API keys</h1>" in page
    assert "You have no API keys yet." in page
    assert (
        'method="post"' in page
        and "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    )

    response = create(client, "  Power BI  ")
    assert response.status_code == 200  # shown in the answer to the form, not after a redirect
    assert "Location" not in response.headers
    html = response.get_data(as_text=True)
    match = SECRET.search(html)
    assert match, html
    secret = match.group(1)
    assert secret.startswith("bst_") and len(secret) >= 40
    assert response.headers["Cache-Control"] == "no-store"

    # The key works, and is never shown again: the list has only its first characters.
    assert api.get("/units", secret).status_code == 200
    listing = client.get(PAGE).get_data(as_text=True)
    assert secret not in listing
    (token,) = stored_tokens(app)
    assert token.name == "Power BI"
    assert token.hint == secret[:8] and f"{token.hint}…" in listing
    assert token.token_hash == hash_api_token(secret)

    # Nowhere in the database, in any table, is the key itself.
    for table, rows in dump_tables(app).items():
        for row in rows:
            assert not any(secret in value for value in row), table
    assert audit_actions(app) == [("api_token.create", f"api_token:{token.id}", "Power BI")]


def test_bad_names_are_answered_at_the_field_and_nothing_is_stored(
    app: Flask, place: Place
) -> None:
    client = english(signed_in(app, "kari@example.no"))

    empty = create(client, "   ")
    assert empty.status_code == 400
    assert "Give the key a name." in empty.get_data(as_text=True)

    too_long = create(client, "x" * 101)
    html = too_long.get_data(as_text=True)
    assert too_long.status_code == 400
    assert "at most 100 characters" in html
    assert 'value="' + "x" * 101 + '"' in html  # what was typed is kept
    assert 'aria-invalid="true"' in html
    assert stored_tokens(app) == []

    assert create(client, "Rapport").status_code == 200
    twin = create(client, "rapport")
    assert twin.status_code == 400
    assert "You already have an active key with this name." in twin.get_data(as_text=True)
    assert len(stored_tokens(app)) == 1
    assert [a for a, _t, _s in audit_actions(app)] == ["api_token.create"]


def test_a_revoked_name_can_be_used_again(app: Flask, place: Place) -> None:
    make_token(app, place.people["kari"], place.org, "Rapport")
    client = signed_in(app, "kari@example.no")
    (token,) = stored_tokens(app)
    post_form(client, f"{PAGE}{token.id}/trekk-tilbake", {})
    assert create(client, "Rapport").status_code == 200
    assert [t.revoked_at is None for t in stored_tokens(app)] == [False, True]


def test_revoking_asks_first_and_then_the_key_stops_working(
    app: Flask, place: Place, api: Api
) -> None:
    secret = make_token(app, place.people["kari"], place.org, "Excel")
    (token,) = stored_tokens(app)
    client = english(signed_in(app, "kari@example.no"))
    address = f"{PAGE}{token.id}/trekk-tilbake"

    confirm = client.get(address)
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "<h1>" in html and "Excel" in html and 'method="post"' in html
    assert api.get("/units", secret).status_code == 200  # asking changes nothing

    done = client.post(address, data={"csrf_token": csrf_token(client, address)})
    assert done.status_code == 302 and done.headers["Location"].endswith(PAGE)
    listing = client.get(PAGE).get_data(as_text=True)
    assert "was revoked" in listing and "Revoked" in listing

    refused = api.get("/units", secret)
    assert refused.status_code == 401
    assert refused.get_json()["error"] == "unauthorized"
    (token,) = stored_tokens(app)
    assert token.revoked_at is not None

    # A second revoke (an old tab) changes and records nothing more.
    again = client.post(address, data={"csrf_token": csrf_token(client, PAGE)})
    assert again.status_code == 302
    assert [a for a, _t, _s in audit_actions(app)] == ["api_token.create", "api_token.revoke"]


def test_only_ones_own_keys_can_be_revoked(app: Flask, place: Place, api: Api) -> None:
    secret = make_token(app, place.people["kari"], place.org, "Karis rapport")
    (token,) = stored_tokens(app)
    other = signed_in(app, "fag@example.no")  # also in the quality group
    address = f"{PAGE}{token.id}/trekk-tilbake"
    assert other.get(address).status_code == 404
    assert other.post(address, data={"csrf_token": csrf_token(other, PAGE)}).status_code == 404
    assert "Karis rapport" not in other.get(PAGE).get_data(as_text=True)
    assert api.get("/units", secret).status_code == 200
    assert other.get(f"{PAGE}99999/trekk-tilbake").status_code == 404


def test_key_pages_are_for_the_quality_group_and_managers(app: Flask, place: Place) -> None:
    assert signed_in(app, "leder@example.no").get(PAGE).status_code == 200
    for email in ("admin@example.no", "ingen@example.no"):
        client = signed_in(app, email)
        assert client.get(PAGE).status_code == 403
        token = csrf_token(client, "/konto/passord")
        assert client.post(PAGE, data={"name": "x", "csrf_token": token}).status_code == 403
    anonymous = app.test_client()
    response = anonymous.get(PAGE)
    assert response.status_code == 302 and "/logg-inn" in response.headers["Location"]
    assert stored_tokens(app) == []


def test_a_key_is_made_for_the_organisation_one_works_in(
    app: Flask, place: Place, api: Api
) -> None:
    """Keys are listed per organisation and act there only."""
    client = signed_in(app, "kari@example.no")
    secret = SECRET.search(create(client, "Fjordvik").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    (token,) = stored_tokens(app)
    assert token.organisation_id == place.org
    assert api.get("/units", secret).get_json()["units"][0]["name"] == "Psykisk helse"
