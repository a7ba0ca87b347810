"""The organisation's second-factor policy, and an administrator's reset after a lost phone."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.admin import services as admin_services
from feedback.extensions import db
from feedback.models import AuditEvent, Membership, Organisation, User
from tests import factories
from tests.conftest import PASSWORD, login, post_form
from tests.totp_helpers import code, enrol, recovery_code_count

DANGER_BUTTON = re.compile(r'<button [^>]*class="ds-button"[^>]*data-color="danger"')
_KEY = re.compile(r'<p class="secret-key"><code>([A-Z2-7 ]+)</code>')


@pytest.fixture
def orgs(app: Flask) -> dict[str, int]:
    """Strict requires the second factor, relaxed does not. The admins of both have TOTP."""
    with app.app_context():
        strict = factories.organisation("Strengvik kommune", require_second_factor=True)
        relaxed = factories.organisation("Fjordvik kommune")
        strict_admin = factories.user("sjef@strengvik.no", org=strict, role="admin")
        relaxed_admin = factories.user("admin@fjordvik.no", org=relaxed, role="admin")
        only_here = factories.user("fag@strengvik.no", org=strict, role="quality", name="Frida")
        both = factories.user("leder@begge.no", org=relaxed, role="quality", name="Berit")
        factories.user("solo@fjordvik.no", org=relaxed, role="quality", name="Solveig")
        db.session.add(Membership(user=both, organisation=strict, role="admin"))
        ids = {
            "strict": strict.id,
            "relaxed": relaxed.id,
            "only_here": only_here.id,
            "both": both.id,
        }
        secrets = {}
        for user in (strict_admin, relaxed_admin, only_here, both):
            secrets[user.email] = enrol(user)[0]
        db.session.commit()
        app.config["TEST_SECRETS"] = secrets
        return ids


def _full_login(client: FlaskClient, email: str, steps_ahead: int = 0) -> None:
    login(client, email)
    secret = client.application.config["TEST_SECRETS"][email]
    response = post_form(client, "/logg-inn/kode", {"code": code(secret, steps_ahead)})
    assert response.status_code == 302, response.get_data(as_text=True)


# --- policy ------------------------------------------------------------------------------------


def test_new_organisations_require_a_second_factor(app: Flask) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["create-org", "Bergen kommune", "--slug", "bergen"]).exit_code == 0
    with app.app_context():
        db.session.execute(
            sa.text(
                "INSERT INTO organisation (name, slug, min_group_size,"
                " approval_rule, approval_count, created_at)"
                " VALUES ('Rå', 'raa', 5, 'majority', 2, '2026-01-01')"
            )
        )
        values = db.session.scalars(
            sa.select(Organisation.require_second_factor).order_by(Organisation.slug)
        ).all()
    assert values == [True, True]


def test_the_policy_sends_a_person_without_an_app_to_set_it_up(
    app: Flask, client: FlaskClient, orgs: dict[str, int]
) -> None:
    with app.app_context():
        user = factories.user(
            "ny@strengvik.no",
            org=db.session.get(Organisation, orgs["strict"]),
            role="manager",
            units=[],
        )
        db.session.commit()
        user_id = user.id
    assert login(client, "ny@strengvik.no").headers["Location"] == "/"
    for path in ("/", "/leder/", "/avvik/saker", "/resultater/", "/konto/api-nokler/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/konto/totp"
    assert client.get("/sprak/en?next=/konto/totp").status_code == 302
    setup = client.get("/konto/totp").get_data(as_text=True)
    assert 'lang="en"' in setup
    secret = _KEY.search(setup).group(1).replace(" ", "")  # type: ignore[union-attr]
    assert post_form(client, "/konto/totp", {"code": code(secret)}).status_code == 200
    assert client.get("/").status_code == 200
    with app.app_context():
        assert db.session.get(User, user_id).has_second_factor  # type: ignore[union-attr]
    # It cannot be turned off while the policy requires it.
    refused = post_form(
        client, "/konto/totp/av", {"off-password": PASSWORD}, page="/konto/totp", prefix="off"
    )
    assert refused.status_code == 403
    assert "notice--error" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user_id).has_second_factor  # type: ignore[union-attr]


def test_sign_out_stays_open_while_setting_up(
    app: Flask, client: FlaskClient, orgs: dict[str, int]
) -> None:
    with app.app_context():
        strict = db.session.get(Organisation, orgs["strict"])
        factories.user("ny@strengvik.no", org=strict, role="admin")
        db.session.commit()
    login(client, "ny@strengvik.no")
    assert post_form(client, "/logg-ut", {}, page="/konto/totp").status_code == 302
    assert client.get("/konto/totp").status_code == 302  # to the sign-in page


def test_the_strictest_of_a_persons_organisations_applies(
    app: Flask, client: FlaskClient, orgs: dict[str, int]
) -> None:
    with app.app_context():
        strict = db.session.get(Organisation, orgs["strict"])
        relaxed = db.session.get(Organisation, orgs["relaxed"])
        person = factories.user("to@steder.no", org=relaxed, role="quality")
        db.session.add(Membership(user=person, organisation=strict, role="admin"))
        db.session.commit()
    login(client, "to@steder.no")
    assert client.get("/").headers["Location"] == "/konto/totp"
    # Someone only in the relaxed organisation signs in with the password alone.
    other = app.test_client()
    login(other, "solo@fjordvik.no")
    assert other.get("/").status_code == 200
    # When the strict organisation turns the policy off, the person is free too.
    with app.app_context():
        db.session.get(Organisation, orgs["strict"]).require_second_factor = False  # type: ignore[union-attr]
        db.session.commit()
    assert client.get("/").status_code == 200


def test_the_policy_is_a_setting_of_the_organisation(
    app: Flask, client: FlaskClient, orgs: dict[str, int]
) -> None:
    _full_login(client, "admin@fjordvik.no")
    page = client.get("/admin/innstillinger").get_data(as_text=True)
    assert 'id="require_second_factor"' in page
    data = {
        "name": "Fjordvik kommune",
        "min_group_size": "5",
        "approval_rule": "majority",
        "approval_count": "2",
        "require_second_factor": "y",
    }
    assert post_form(client, "/admin/innstillinger", data).status_code == 302
    with app.app_context():
        assert db.session.get(Organisation, orgs["relaxed"]).require_second_factor  # type: ignore[union-attr]
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "organisation.update")
        ).one()
        assert event.details["changed"]["require_second_factor"] == [False, True]
    # Solveig, quality group without an app, must now set one up.
    other = app.test_client()
    login(other, "solo@fjordvik.no")
    assert other.get("/").headers["Location"] == "/konto/totp"


# --- the administrator's reset -----------------------------------------------------------------


def test_an_administrator_resets_a_lost_phone_for_an_account_held_here_alone(
    app: Flask, client: FlaskClient, orgs: dict[str, int]
) -> None:
    person = app.test_client()
    _full_login(person, "fag@strengvik.no")
    _full_login(client, "sjef@strengvik.no", steps_ahead=1)
    confirm = client.get(f"/admin/brukere/{orgs['only_here']}/totp")
    assert confirm.status_code == 200
    assert DANGER_BUTTON.search(confirm.get_data(as_text=True)), "a red button says it is serious"
    response = post_form(client, f"/admin/brukere/{orgs['only_here']}/totp", {})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, orgs["only_here"])
        assert user is not None and not user.has_second_factor and user.totp_secret is None
        assert recovery_code_count(user.id) == 0
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "account.reset_second_factor")
        ).one()
        assert event.organisation_id == orgs["strict"] and event.subject == "fag@strengvik.no"
    assert person.get("/").status_code == 200  # the welcome page: signed out
    assert person.get("/avvik/saker").status_code == 302
    # With the policy on, the password now leads to setting it up again.
    login(person, "fag@strengvik.no")
    assert person.get("/").headers["Location"] == "/konto/totp"
    log = client.get("/admin/logg").get_data(as_text=True)
    assert "fag@strengvik.no" in log


def test_the_reset_is_refused_for_an_account_with_roles_elsewhere(
    app: Flask, client: FlaskClient, orgs: dict[str, int]
) -> None:
    _full_login(client, "sjef@strengvik.no")
    page = client.get(f"/admin/brukere/{orgs['both']}/totp").get_data(as_text=True)
    assert not DANGER_BUTTON.search(page) and "notice--error" in page
    response = post_form(
        client, f"/admin/brukere/{orgs['both']}/totp", {}, page=f"/admin/brukere/{orgs['both']}"
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, orgs["both"]).has_second_factor  # type: ignore[union-attr]
        assert recovery_code_count(orgs["both"]) == 10
        assert not db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "account.reset_second_factor")
        ).all()
        strict = db.session.get(Organisation, orgs["strict"])
        assert not admin_services.holds_roles_only_in(db.session.get(User, orgs["both"]), strict)  # type: ignore[arg-type]
        assert admin_services.holds_roles_only_in(db.session.get(User, orgs["only_here"]), strict)  # type: ignore[arg-type]


def test_the_reset_is_refused_for_ones_own_account_and_foreign_accounts(
    app: Flask, client: FlaskClient, orgs: dict[str, int]
) -> None:
    _full_login(client, "admin@fjordvik.no")
    with app.app_context():
        me = db.session.scalar(sa.select(User.id).where(User.email == "admin@fjordvik.no"))
    post_form(client, f"/admin/brukere/{me}/totp", {}, page=f"/admin/brukere/{me}")
    # Frida holds roles only in the strict organisation: not visible from here.
    assert client.get(f"/admin/brukere/{orgs['only_here']}/totp").status_code == 404
    token_page = f"/admin/brukere/{me}"
    assert (
        post_form(
            client, f"/admin/brukere/{orgs['only_here']}/totp", {}, page=token_page
        ).status_code
        == 404
    )
    with app.app_context():
        assert db.session.get(User, me).has_second_factor  # type: ignore[union-attr]
        assert db.session.get(User, orgs["only_here"]).has_second_factor  # type: ignore[union-attr]


def test_a_sign_in_through_the_identity_provider_is_not_asked_again(
    app: Flask, client: FlaskClient, orgs: dict[str, int]
) -> None:
    """OpenID Connect sign-ins get their second factor from the provider (the OIDC view calls
    mark_signed_in_by_provider after start_session); a password session is still asked."""
    from feedback.auth import services, totp

    @app.route("/test-provider-sign-in")
    def provider_sign_in() -> str:
        user = services.find_user("ny@strengvik.no")
        assert user is not None
        services.start_session(user)
        totp.mark_signed_in_by_provider()
        db.session.commit()
        return "ok"

    with app.app_context():
        strict = db.session.get(Organisation, orgs["strict"])
        factories.user("ny@strengvik.no", org=strict, role="admin")
        db.session.commit()
    login(client, "ny@strengvik.no")
    assert client.get("/").headers["Location"] == "/konto/totp"

    other = app.test_client()
    assert other.get("/test-provider-sign-in").status_code == 200
    assert other.get("/").status_code == 200
