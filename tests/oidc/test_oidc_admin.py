"""The administrator's page for the organisation's OpenID Connect provider (/admin/innlogging)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.auth.oidc_config import decrypt_secret
from feedback.extensions import db
from feedback.models import AuditEvent, OidcProvider
from tests import factories
from tests.conftest import login, post_form
from tests.oidc.conftest import CLIENT_ID, Provider

PAGE = "/admin/innlogging"


def _admin(app: Flask, role: str = "admin") -> tuple[int, int]:
    """(organisation id, unit id) with a signed-in-able person in the role."""
    with app.app_context():
        organisation = factories.organisation(name="Fjordvik kommune", slug="fjordvik")
        unit = factories.unit(organisation)
        factories.user("admin@fjordvik.example", org=organisation, role=role)
        db.session.commit()
        return organisation.id, unit.id


def _form(issuer: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "display_name": "Fjordvik kommune (Entra ID)",
        "issuer": issuer,
        "client_id": CLIENT_ID,
        "client_secret": "the-secret-nobody-sees-again",
        "scopes": "openid email profile groups",
        "email_claim": "preferred_username",
        "groups_claim": "groups",
        "group_roles": "",
        "enabled": "y",
        "save": "Save",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _stored(app: Flask) -> OidcProvider | None:
    with app.app_context():
        provider = db.session.scalar(sa.select(OidcProvider))
        if provider is not None:
            db.session.expunge(provider)
        return provider


def test_saving_keeps_the_secret_encrypted_and_never_shows_it(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    organisation_id, unit_id = _admin(app)
    login(client, "admin@fjordvik.example")
    lines = f"kvalitet = quality:user_rep\nledere = manager:{unit_id}\n# comment\nit = admin"
    answer = post_form(client, PAGE, _form(provider.issuer, group_roles=lines))
    assert answer.status_code == 302
    stored = _stored(app)
    assert stored is not None and stored.organisation_id == organisation_id
    assert stored.email_claim == "preferred_username" and stored.enabled
    assert stored.scopes == "openid email profile groups"
    assert "the-secret-nobody-sees-again" not in stored.client_secret_encrypted
    with app.app_context():
        assert decrypt_secret(stored) == "the-secret-nobody-sees-again"
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "oidc.update"))
        assert event is not None and event.organisation_id == organisation_id
        assert "the-secret-nobody-sees-again" not in str(event.details)
    page = client.get(PAGE).get_data(as_text=True)
    assert "the-secret-nobody-sees-again" not in page
    assert "A secret is set" in page
    assert "http://localhost:5000/logg-inn/oidc/fjordvik/tilbake" in page
    # Saved again without a secret: the old one stays.
    assert post_form(client, PAGE, _form(provider.issuer, client_secret="")).status_code == 302
    with app.app_context():
        again = db.session.scalar(sa.select(OidcProvider))
        assert again is not None and decrypt_secret(again) == "the-secret-nobody-sees-again"


def test_bad_input_is_shown_next_to_the_field_and_nothing_is_stored(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    _admin(app)
    login(client, "admin@fjordvik.example")
    cases = [
        ({"group_roles": "kvalitet = boss"}, "Line 1: the role must be"),
        ({"group_roles": "ledere = manager:999999"}, "Line 1: give the numbers of units"),
        ({"group_roles": "no equals sign"}, "Line 1: write it as"),
        ({"group_roles": "x = admin", "groups_claim": ""}, "Name the claim with the groups"),
        ({"issuer": "http://idp.example"}, "must be an https:// address"),
        ({"client_secret": ""}, "Enter the client secret"),
        ({"scopes": "email profile"}, "must include openid"),
        ({"enabled": None, "required": "y"}, "must be allowed before it can be required"),
    ]
    app.config["OIDC_ALLOW_HTTP_LOOPBACK"] = False  # as in production
    cases.append(({"issuer": provider.issuer}, "must be an https:// address"))
    for changes, message in cases:
        data = {**_form(provider.issuer), **changes}
        answer = post_form(client, PAGE, {k: v for k, v in data.items() if v is not None})
        html = answer.get_data(as_text=True)
        assert answer.status_code == 200, changes
        assert message in html, changes
        assert 'class="ds-validation-message error-message"' in html
        assert "Fjordvik kommune (Entra ID)" in html  # what was typed is kept
    assert _stored(app) is None


def test_the_discovery_check_reads_the_real_document(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    _admin(app)
    login(client, "admin@fjordvik.example")
    data = _form(provider.issuer, client_secret="", save=None, check="Test")
    html = post_form(client, PAGE, data).get_data(as_text=True)
    assert "names this issuer" in html
    assert f"{provider.issuer}/jwks" in html
    assert _stored(app) is None  # a check saves nothing
    # A discovery document nested deeper than JSON can be read: the reason, not a 500.
    provider.admin("deep/discovery")
    answer = post_form(client, PAGE, data)
    assert answer.status_code == 200
    assert "could not be used" in answer.get_data(as_text=True)
    # An address without a provider behind it: the reason, not a 500.
    data["issuer"] = "http://127.0.0.1:9"
    answer = post_form(client, PAGE, data)
    assert answer.status_code == 200
    assert "could not be used" in answer.get_data(as_text=True)
