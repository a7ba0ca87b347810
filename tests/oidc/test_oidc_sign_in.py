"""Sign-in with an organisation's OpenID Connect provider, against a real provider (not mocked)."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.auth import invitations
from feedback.auth.oidc_config import encrypt_secret
from feedback.extensions import db
from feedback.models import (
    AuditEvent,
    Invitation,
    Membership,
    OidcIdentity,
    OidcProvider,
    Organisation,
    User,
)
from feedback.web.access import ORGANISATION_KEY
from tests import factories
from tests.conftest import csrf_token, login, post_form
from tests.oidc.conftest import CLIENT_ID, CLIENT_SECRET, Provider, callback_path


def _set_up(app: Flask, provider: Provider, *, slug: str = "fjordvik", **settings: object) -> int:
    """The organisation's id, with its provider enabled."""
    with app.app_context():
        organisation = factories.organisation(name=f"{slug.title()} kommune", slug=slug)
        db.session.add(
            OidcProvider(
                organisation_id=organisation.id,
                display_name=f"{slug.title()} kommune (test)",
                issuer=provider.issuer,
                client_id=CLIENT_ID,
                client_secret_encrypted=encrypt_secret(CLIENT_SECRET),
                enabled=True,
                **settings,
            )
        )
        db.session.commit()
        return organisation.id


def _org(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    assert organisation is not None
    return organisation


def _start(client: FlaskClient, slug: str = "fjordvik") -> str:
    answer = client.get(f"/logg-inn/oidc/{slug}")
    assert answer.status_code == 302
    return answer.headers["Location"]


def _sign_in(client: FlaskClient, provider: Provider, account: str, slug: str = "fjordvik"):  # type: ignore[no-untyped-def]
    return client.get(callback_path(provider.sign_in(_start(client, slug), account)))


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/admin/").status_code != 302


def _user(app: Flask, email: str) -> User | None:
    with app.app_context():
        return db.session.scalar(sa.select(User).where(User.email == email))


def test_sign_in_page_links_to_the_provider_without_javascript(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    _set_up(app, provider)
    html = client.get("/logg-inn").get_data(as_text=True)
    assert 'href="/logg-inn/oidc/fjordvik"' in html
    assert "Fjordvik kommune (test)" in html


def test_the_authorization_request_uses_pkce_state_and_nonce(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    _set_up(app, provider)
    address = _start(client)
    assert "code_challenge_method=S256" in address
    assert "scope=openid+email+profile&" in address
    assert "code_challenge=" in address and "state=" in address and "nonce=" in address
    assert "redirect_uri=http%3A%2F%2Flocalhost%3A5000%2Flogg-inn%2Foidc%2Ffjordvik%2Ftilbake" in (
        address
    )


def test_a_person_with_a_role_signs_in_and_reaches_only_that_organisation(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    organisation = _set_up(app, provider)
    with app.app_context():
        other = factories.organisation(name="Annen kommune", slug="annen")
        kari = factories.user("kari@fjordvik.example", org=_org(organisation), role="admin")
        db.session.add(Membership(user=kari, organisation=other, role="admin"))
        db.session.commit()
    answer = _sign_in(client, provider, "kari")
    assert answer.status_code == 302
    assert _signed_in(client)
    with client.session_transaction() as session:
        assert session[ORGANISATION_KEY] == organisation
    # The provider of Fjordvik vouches for Fjordvik only: the other organisation is not offered.
    page = client.get("/admin/").get_data(as_text=True)
    assert "Fjordvik kommune" in page
    assert "Annen kommune" not in page


def test_wrong_state_is_refused(app: Flask, client: FlaskClient, provider: Provider) -> None:
    organisation = _set_up(app, provider)
    with app.app_context():
        factories.user("kari@fjordvik.example", org=_org(organisation), role="admin")
        db.session.commit()
    path = callback_path(provider.sign_in(_start(client), "kari"))
    forged = path.replace("state=", "state=x", 1)
    answer = client.get(forged)
    assert answer.status_code == 400
    assert "not signed in" in answer.get_data(as_text=True)
    assert not _signed_in(client)
    # The flow is used up: the real answer does not work afterwards either.
    assert client.get(path).status_code == 400
    assert not _signed_in(client)


def test_a_token_with_another_nonce_is_refused(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    organisation = _set_up(app, provider)
    with app.app_context():
        factories.user("kari@fjordvik.example", org=_org(organisation), role="admin")
        db.session.commit()
    answer = provider.sign_in(_start(client), "kari")
    # The provider puts the nonce of the request in the token; this browser now expects another.
    with client.session_transaction() as session:
        session["oidc_flow"] = {**session["oidc_flow"], "nonce": "another-nonce"}
    refused = client.get(callback_path(answer))
    assert refused.status_code == 400
    assert "could not be verified" in refused.get_data(as_text=True)
    assert not _signed_in(client)


def test_an_expired_id_token_is_refused(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    organisation = _set_up(app, provider)
    with app.app_context():
        factories.user("kari@fjordvik.example", org=_org(organisation), role="admin")
        db.session.commit()
    app.config["OIDC_CLOCK_SKEW_SECONDS"] = 0
    # The token lives one second and arrives after two: it has expired when it is checked.
    provider.admin("id-token-ttl/1")
    provider.admin("token-delay/2100")
    answer = _sign_in(client, provider, "kari")
    assert answer.status_code == 400
    assert "could not be verified" in answer.get_data(as_text=True)
    assert not _signed_in(client)


def test_an_unknown_e_mail_creates_nothing(
    app: Flask, client: FlaskClient, provider: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    _set_up(app, provider)
    with caplog.at_level(logging.WARNING, logger="feedback.auth.oidc"):
        answer = _sign_in(client, provider, "ukjent")
    # The log tells the administrators why, never who.
    assert "refused for organisation fjordvik: no_role" in caplog.text
    assert "ukjent" not in caplog.text
    assert answer.status_code == 403
    assert "Ask an administrator in Fjordvik kommune" in answer.get_data(as_text=True)
    assert not _signed_in(client)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_an_unverified_e_mail_is_refused(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    organisation = _set_up(app, provider)
    with app.app_context():
        factories.user("kari@fjordvik.example", org=_org(organisation), role="admin")
        db.session.commit()
    answer = _sign_in(client, provider, "uverifisert")
    assert answer.status_code == 403
    assert not _signed_in(client)


def test_a_group_mapping_creates_the_account_with_roles_here_only(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    organisation = _set_up(
        app,
        provider,
        scopes="openid email groups",
        groups_claim="groups",
        group_roles="kvalitet = quality:user_rep\n",
    )
    answer = _sign_in(client, provider, "ola")
    assert answer.status_code == 302
    assert _signed_in(client)
    with app.app_context():
        ola = db.session.scalar(sa.select(User).where(User.email == "ola@fjordvik.example"))
        assert ola is not None
        assert [(m.organisation_id, m.role, m.representation) for m in ola.memberships] == [
            (organisation, "quality", "user_rep")
        ]
        actions = set(
            db.session.scalars(
                sa.select(AuditEvent.action).where(AuditEvent.organisation_id == organisation)
            )
        )
        assert {"oidc.account_create", "oidc.role_from_group"} <= actions
    # No password was ever set: the account cannot sign in with one.
    post_form(client, "/logg-ut", {}, page="/")
    assert "is wrong" in login(client, "ola@fjordvik.example", "!").get_data(as_text=True)


def test_a_mapping_never_joins_an_account_of_another_organisation(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    _set_up(
        app,
        provider,
        scopes="openid email groups",
        groups_claim="groups",
        group_roles="kvalitet = admin\n",
    )
    with app.app_context():
        elsewhere = factories.organisation(name="Solvik kommune", slug="solvik")
        factories.user("ola@fjordvik.example", org=elsewhere, role="quality")
        db.session.commit()
    answer = _sign_in(client, provider, "ola")
    assert answer.status_code == 403
    assert not _signed_in(client)
    with app.app_context():
        ola = db.session.scalar(sa.select(User).where(User.email == "ola@fjordvik.example"))
        assert ola is not None
        assert [m.organisation.slug for m in ola.memberships] == ["solvik"]


def test_a_user_removed_at_the_provider_cannot_sign_in_any_more(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    organisation = _set_up(app, provider)
    with app.app_context():
        factories.user("kari@fjordvik.example", org=_org(organisation), role="admin")
        db.session.commit()
    assert _sign_in(client, provider, "kari").status_code == 302
    post_form(client, "/logg-ut", {}, page="/")
    provider.admin("accounts/kari/delete")
    answer = provider.sign_in(_start(client), "kari")
    assert answer.status_code == 403  # the provider refuses: no code reaches the app
    assert "Location" not in answer.headers
    assert not _signed_in(client)


def test_provider_errors_give_a_friendly_page(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    _set_up(app, provider)
    _start(client)
    with client.session_transaction() as session:
        state = session["oidc_flow"]["state"]
    answer = client.get(f"/logg-inn/oidc/fjordvik/tilbake?state={state}&error=access_denied")
    assert answer.status_code == 400
    assert "did not sign you in" in answer.get_data(as_text=True)
    # A callback nobody started, and a provider that cannot be reached.
    assert client.get("/logg-inn/oidc/fjordvik/tilbake?code=x&state=y").status_code == 400
    with app.app_context():
        settings = db.session.scalar(sa.select(OidcProvider))
        assert settings is not None
        settings.issuer = "http://127.0.0.1:9"
        db.session.commit()
    unreachable = client.get("/logg-inn/oidc/fjordvik")
    assert unreachable.status_code == 502
    assert "Try again later" in unreachable.get_data(as_text=True)


def test_required_oidc_refuses_password_sign_in(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    organisation = _set_up(app, provider, required=True)
    with app.app_context():
        factories.user("kari@fjordvik.example", org=_org(organisation), role="admin")
        db.session.commit()
    answer = login(client, "kari@fjordvik.example")
    assert answer.status_code == 403
    assert "requires you to sign in with its identity provider" in answer.get_data(as_text=True)
    assert not _signed_in(client)
    # The provider's way in still works.
    assert _sign_in(client, provider, "kari").status_code == 302
    assert _signed_in(client)


def test_with_roles_in_two_organisations_a_password_reaches_only_the_one_that_allows_it(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    strict = _set_up(app, provider, required=True)
    with app.app_context():
        relaxed = factories.organisation(name="Solvik kommune", slug="solvik")
        kari = factories.user("kari@fjordvik.example", org=_org(strict), role="admin")
        db.session.add(Membership(user=kari, organisation=relaxed, role="admin"))
        db.session.commit()
    assert login(client, "kari@fjordvik.example").status_code == 302
    page = client.get("/admin/").get_data(as_text=True)
    assert "Solvik kommune" in page
    assert "Fjordvik kommune" not in page


def test_a_new_signing_key_is_fetched_when_a_token_names_it(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    organisation = _set_up(app, provider)
    with app.app_context():
        factories.user("kari@fjordvik.example", org=_org(organisation), role="admin")
        db.session.commit()
    assert _sign_in(client, provider, "kari").status_code == 302  # the first key is cached
    post_form(client, "/logg-ut", {}, page="/")
    provider.admin("rotate-key")
    # While a refresh is not allowed yet, the cached keys cannot check the new key's tokens.
    app.config["OIDC_JWKS_MIN_REFRESH_SECONDS"] = 3600
    assert _sign_in(client, provider, "kari").status_code == 400
    assert not _signed_in(client)
    app.config["OIDC_JWKS_MIN_REFRESH_SECONDS"] = 0
    assert _sign_in(client, provider, "kari").status_code == 302
    assert _signed_in(client)


def test_an_account_stays_tied_to_the_person_first_signed_in_at_the_provider(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    organisation = _set_up(app, provider)
    with app.app_context():
        factories.user("kari@fjordvik.example", org=_org(organisation), role="admin")
        db.session.commit()
    assert _sign_in(client, provider, "kari").status_code == 302
    post_form(client, "/logg-ut", {}, page="/")
    # The provider gives Kari's address to someone else: that person does not get her account.
    answer = _sign_in(client, provider, "etterfolger")
    assert answer.status_code == 403
    assert "linked to another person" in answer.get_data(as_text=True)
    assert not _signed_in(client)
    with app.app_context():
        subjects = db.session.scalars(sa.select(OidcIdentity.subject)).all()
        assert subjects == ["kari"]
    assert _sign_in(client, provider, "kari").status_code == 302


def test_a_provider_that_does_not_answer_in_time_gives_a_friendly_page(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    organisation = _set_up(app, provider)
    with app.app_context():
        factories.user("kari@fjordvik.example", org=_org(organisation), role="admin")
        db.session.commit()
    app.config["OIDC_HTTP_TIMEOUT"] = 1
    provider.admin("token-delay/2500")
    answer = _sign_in(client, provider, "kari")
    assert answer.status_code == 502
    assert "Try again later" in answer.get_data(as_text=True)
    assert not _signed_in(client)


@pytest.mark.parametrize("document", ["discovery", "token", "groups"])
def test_json_nested_deeper_than_can_be_read_gives_a_friendly_page(
    app: Flask, client: FlaskClient, provider: Provider, document: str
) -> None:
    """The provider's discovery document or token answer nested 50,000 levels, or a signed ID
    token whose claims nest 2,000 levels: Python's JSON reader gives up on them by recursion,
    and the person gets the provider's failure page, not a 500."""
    organisation = _set_up(app, provider, scopes="openid email groups", groups_claim="groups")
    with app.app_context():
        factories.user("kari@fjordvik.example", org=_org(organisation), role="admin")
        db.session.commit()
    provider.admin(f"deep/{document}")
    if document == "discovery":
        answer = client.get("/logg-inn/oidc/fjordvik")
    else:
        answer = _sign_in(client, provider, "kari")
    if document == "groups":
        assert answer.status_code == 400
        assert "could not be verified" in answer.get_data(as_text=True)
    else:
        assert answer.status_code == 502
        assert "Try again later" in answer.get_data(as_text=True)
    assert not _signed_in(client)


# --- joining from an invitation through the provider -------------------------------------------


def _invite(app: Flask, organisation_id: int, email: str) -> str:
    """A pending invitation to the quality group; the link's secret."""
    with app.app_context():
        _invitation, token = invitations.invite(
            _org(organisation_id),
            None,
            email=email,
            name="Ola",
            role="quality",
            representation="user_rep",
        )
        db.session.commit()
        return token


def _invitation_outcome(app: Flask) -> str | None:
    with app.app_context():
        return db.session.scalar(sa.select(Invitation.outcome))


def test_a_new_person_joins_from_an_invitation_through_the_provider(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    organisation = _set_up(app, provider)
    token = _invite(app, organisation, "ola@fjordvik.example")
    page = client.get(f"/invitasjon/{token}").get_data(as_text=True)
    start = f"/logg-inn/oidc/fjordvik?invitasjon={token}"
    assert f'href="{start}"' in page
    answer = client.get(start)
    assert answer.status_code == 302
    back = client.get(callback_path(provider.sign_in(answer.headers["Location"], "ola")))
    assert back.status_code == 302, back.get_data(as_text=True)
    assert _signed_in(client)
    with app.app_context():
        ola = db.session.scalar(sa.select(User).where(User.email == "ola@fjordvik.example"))
        assert ola is not None
        assert [(m.organisation_id, m.role) for m in ola.memberships] == [(organisation, "quality")]
        # No password was chosen: only the provider opens the account.
        assert ola.password_hash == "!"
    assert _invitation_outcome(app) == "accepted"
    # The link is spent.
    assert client.get(f"/invitasjon/{token}").status_code == 404


def test_an_invitation_to_another_address_is_not_taken_by_the_provider_s_person(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    organisation = _set_up(app, provider)
    token = _invite(app, organisation, "per@fjordvik.example")
    answer = client.get(f"/logg-inn/oidc/fjordvik?invitasjon={token}")
    back = client.get(callback_path(provider.sign_in(answer.headers["Location"], "ola")))
    assert back.status_code == 403
    assert "invitation link no longer works" in back.get_data(as_text=True)
    assert not _signed_in(client)
    assert _user(app, "ola@fjordvik.example") is None
    assert _user(app, "per@fjordvik.example") is None
    assert _invitation_outcome(app) is None


def test_an_existing_account_of_another_organisation_joins_through_its_invitation(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    organisation = _set_up(app, provider)
    with app.app_context():
        elsewhere = factories.organisation(name="Solvik kommune", slug="solvik")
        factories.user("ola@fjordvik.example", org=elsewhere, role="manager")
        db.session.commit()
    token = _invite(app, organisation, "ola@fjordvik.example")
    answer = client.get(f"/logg-inn/oidc/fjordvik?invitasjon={token}")
    back = client.get(callback_path(provider.sign_in(answer.headers["Location"], "ola")))
    assert back.status_code == 302
    with app.app_context():
        ola = db.session.scalar(sa.select(User).where(User.email == "ola@fjordvik.example"))
        assert ola is not None
        assert sorted(m.organisation.slug for m in ola.memberships) == ["fjordvik", "solvik"]
    assert _invitation_outcome(app) == "accepted"


def test_where_the_provider_is_required_an_invitation_offers_no_password(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    organisation = _set_up(app, provider, required=True)
    token = _invite(app, organisation, "ola@fjordvik.example")
    page = client.get(f"/invitasjon/{token}").get_data(as_text=True)
    assert "/logg-inn/oidc/fjordvik?invitasjon=" in page
    assert 'name="new_password"' not in page
    # Even a well-formed form (with its CSRF token from the join page of a provider that is not
    # required) creates nothing.
    csrf = csrf_token(client, "/logg-inn")
    answer = client.post(
        f"/invitasjon/{token}",
        data={
            "csrf_token": csrf,
            "name": "Ola",
            "new_password": "et-langt-passord",
            "confirm": "et-langt-passord",
        },
    )
    assert answer.status_code == 200
    assert _user(app, "ola@fjordvik.example") is None
    assert _invitation_outcome(app) is None
