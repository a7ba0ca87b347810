"""Sign-in with an organisation's OpenID Connect provider: authorization code flow with PKCE.

The flow's secrets (state, nonce, PKCE verifier) live in the signed session cookie for ten
minutes. The ID token comes straight from the token endpoint and is still checked in full:
signature with the issuer's keys, iss, aud, azp, exp/iat, nonce and at_hash. A session started
here reaches only the organisation whose provider vouched for the person (web/access.py).
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from typing import Any

import requests
import sqlalchemy as sa
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from flask import current_app, session, url_for
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from feedback import audit
from feedback.auth import invitations, oidc_config
from feedback.auth.oidc_config import GroupRole, ProviderUnavailable
from feedback.exceptions import RuleBroken
from feedback.extensions import db
from feedback.models import (
    Invitation,
    Membership,
    OidcIdentity,
    OidcProvider,
    Organisation,
    Unit,
    User,
)

log = logging.getLogger(__name__)

_FLOW_KEY = "oidc_flow"
FLOW_MAX_SECONDS = 600
#: Only keys the provider publishes may sign: no "none", no shared-secret HMAC.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
#: The password of accounts created at an OpenID Connect sign-in: matches no password.
NO_PASSWORD = "!"  # noqa: S105 - not a hash, so no password matches it


class SignInFailed(Exception):
    """The sign-in did not happen; ``reason`` picks the message, nothing personal in it."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail


def redirect_uri(organisation: Organisation) -> str:
    """The address to register at the provider (from FEEDBACK_PUBLIC_URL, not the Host header)."""
    path = url_for("auth.oidc_callback", slug=organisation.slug)
    return current_app.config["PUBLIC_URL"] + path


def _client(provider: OidcProvider, organisation: Organisation) -> OAuth2Session:
    client = OAuth2Session(
        client_id=provider.client_id,
        client_secret=oidc_config.decrypt_secret(provider),
        scope=provider.scopes,
        redirect_uri=redirect_uri(organisation),
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name
        default_timeout=current_app.config["OIDC_HTTP_TIMEOUT"],
    )
    client.max_redirects = 0  # the token endpoint answers itself; a redirect is refused
    return client


def begin(
    organisation: Organisation, provider: OidcProvider, invitation_token: str | None = None
) -> str:
    """The provider's authorization address; state, nonce and verifier are kept in the session,
    and the secret of the invitation the person is answering, if any (a link they hold)."""
    try:
        metadata = oidc_config.discovery(provider.issuer)
        client = _client(provider, organisation)
    except ProviderUnavailable as exc:
        raise SignInFailed("provider", str(exc)) from exc
    verifier = secrets.token_urlsafe(64)
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    url, _state = client.create_authorization_url(
        metadata["authorization_endpoint"], state=state, code_verifier=verifier, nonce=nonce
    )
    client.close()
    session[_FLOW_KEY] = {
        "organisation_id": organisation.id,
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "started": int(time.time()),
        "invitation": invitation_token[:100] if invitation_token else None,
    }
    return str(url)


def complete(organisation: Organisation, provider: OidcProvider, args: dict[str, str]) -> User:
    """Check the provider's answer and return the person's account (created only by a group
    mapping); raises SignInFailed. The flow's secrets are used once."""
    flow = session.pop(_FLOW_KEY, None)
    if (
        not isinstance(flow, dict)
        or flow.get("organisation_id") != organisation.id
        or time.time() - flow.get("started", 0) > FLOW_MAX_SECONDS
    ):
        raise SignInFailed("flow", "no sign-in started here, or too long ago")
    if not hmac.compare_digest(str(flow["state"]), args.get("state", "")):
        raise SignInFailed("flow", "state does not match")
    if "error" in args:
        code = "".join(c for c in args["error"][:60] if c.isascii() and (c.isalnum() or c == "_"))
        raise SignInFailed("refused", f"provider answered error={code}")
    if "iss" in args and args["iss"] != provider.issuer:  # RFC 9207: no mix-up of providers
        raise SignInFailed("flow", "iss parameter names another issuer")
    claims = _id_token_claims(organisation, provider, args.get("code", ""), flow)
    user = _account(organisation, provider, claims, flow.get("invitation"))
    for rule in _granted(organisation, provider, claims):
        _grant(organisation, user, rule)
    return user


def _id_token_claims(
    organisation: Organisation, provider: OidcProvider, code: str, flow: dict[str, Any]
) -> dict[str, Any]:
    try:
        metadata = oidc_config.discovery(provider.issuer)
        client = _client(provider, organisation)
        try:
            token = client.fetch_token(
                metadata["token_endpoint"], code=code, code_verifier=flow["verifier"]
            )
        finally:
            client.close()
    except ProviderUnavailable as exc:
        raise SignInFailed("provider", str(exc)) from exc
    except (OAuthError, requests.RequestException, ValueError, RecursionError) as exc:
        # RecursionError: an answer nested deeper than json.loads reads by recursion.
        raise SignInFailed("provider", f"token request failed: {type(exc).__name__}") from exc
    raw = token.get("id_token")
    if not isinstance(raw, str):
        raise SignInFailed("token", "no ID token")
    try:
        try:
            decoded = _decode(raw, oidc_config.signing_keys(provider.issuer))
        except InvalidKeyIdError:
            # The provider rolled its keys over since we fetched them.
            decoded = _decode(raw, oidc_config.signing_keys(provider.issuer, refresh=True))
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            {
                "iss": {"essential": True, "value": provider.issuer},
                "aud": {"essential": True, "value": provider.client_id},
            },
            {
                "nonce": flow["nonce"],
                "client_id": provider.client_id,
                "access_token": token.get("access_token"),
            },
        )
        claims.validate(leeway=current_app.config["OIDC_CLOCK_SKEW_SECONDS"])
    except ProviderUnavailable as exc:
        raise SignInFailed("provider", str(exc)) from exc
    except (JoseError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise SignInFailed("token", f"ID token refused: {type(exc).__name__} {exc}"[:200]) from exc
    return dict(claims)


def _decode(raw: str, keys: dict[str, Any]) -> jwt.Token:
    key_set = KeySet.import_key_set(keys)  # type: ignore[arg-type]
    return jwt.decode(raw, key_set, registry=JWSRegistry(algorithms=ALGORITHMS))


def _email(provider: OidcProvider, claims: dict[str, Any]) -> str:
    email = claims.get(provider.email_claim)
    if not isinstance(email, str) or "@" not in email or len(email) > 254:
        raise SignInFailed("no_email", f"claim {provider.email_claim} missing or not an e-mail")
    # A provider that says the address is unverified is believed; one that says nothing is
    # trusted for its own users' addresses (Entra ID's preferred_username has no such claim).
    if "email_verified" in claims and claims["email_verified"] is not True:
        raise SignInFailed("no_email", "email_verified is not true")
    return email.strip().lower()


def _groups(provider: OidcProvider, claims: dict[str, Any]) -> set[str]:
    if not provider.groups_claim:
        return set()
    value = claims.get(provider.groups_claim)
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {str(item) for item in value}
    return set()


def _granted(
    organisation: Organisation, provider: OidcProvider, claims: dict[str, Any]
) -> list[GroupRole]:
    """The roles the person's groups at the provider give in this organisation."""
    groups = _groups(provider, claims)
    rules, _errors = oidc_config.parse_group_roles(provider.group_roles, organisation)
    return [rule for rule in rules if rule.group in groups]


def _account(
    organisation: Organisation,
    provider: OidcProvider,
    claims: dict[str, Any],
    invitation_token: str | None = None,
) -> User:
    """The person's account. Once signed in here, an account is tied to the provider's ``sub``
    (ASVS 10.5.2): an e-mail address later given to someone else at the provider does not open
    it. An account with a role here signs in; a group mapping may create a new account; an
    account that exists only in other organisations is never joined to this one here, unless
    the person came from this organisation's invitation to the address the provider vouches
    for: then the invitation is accepted (and the account made, for someone new)."""
    subject = str(claims["sub"])[:255]
    identity = db.session.scalar(
        sa.select(OidcIdentity).where(
            OidcIdentity.provider_id == provider.id, OidcIdentity.subject == subject
        )
    )
    if identity is not None:
        user = db.session.get(User, identity.user_id)
    else:
        email = _email(provider, claims)
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is not None and _tied_to_someone_else(provider, user):
            raise SignInFailed("identity", "e-mail of an account tied to another subject")
    if user is not None and not user.active:
        raise SignInFailed("no_role", "account deactivated")
    invitation = _invitation(organisation, invitation_token, user.email if user else email)
    if (
        user is not None
        and invitation is None
        and not any(m.organisation_id == organisation.id for m in user.memberships)
    ):
        raise SignInFailed("no_role", "account without a role in this organisation")
    if user is None:
        if invitation is None and not _granted(organisation, provider, claims):
            raise SignInFailed("no_role", "unknown e-mail and no group mapping")
        name = claims.get("name")
        user = User(
            email=email,
            name=name[:200] if isinstance(name, str) and name.strip() else email.split("@")[0],
            password_hash=NO_PASSWORD,
        )
        db.session.add(user)
        db.session.flush()
        audit.record(organisation, user, "oidc.account_create", email, target=f"user:{user.id}")
    if identity is None:
        db.session.add(OidcIdentity(provider_id=provider.id, user_id=user.id, subject=subject))
        db.session.flush()
    if invitation is not None:
        try:
            invitations.accept(invitation, user)
        except RuleBroken as exc:  # the role can no longer be given as offered
            raise SignInFailed("invitation", "the invitation's role cannot be given") from exc
    return user


def _invitation(organisation: Organisation, token: str | None, email: str) -> Invitation | None:
    """The pending invitation the person came from, if it is this organisation's and for the
    address the provider vouches for; any other invitation link is refused, not ignored."""
    if not token:
        return None
    invitation = invitations.find_by_token(token)
    if invitation is None or invitation.organisation_id != organisation.id:
        raise SignInFailed("invitation", "invitation gone, used or of another organisation")
    if invitation.email != email:
        raise SignInFailed("invitation", "invitation for another address")
    return invitation


def _tied_to_someone_else(provider: OidcProvider, user: User) -> bool:
    return (
        db.session.scalar(
            sa.select(OidcIdentity.id).where(
                OidcIdentity.provider_id == provider.id, OidcIdentity.user_id == user.id
            )
        )
        is not None
    )


def _grant(organisation: Organisation, user: User, rule: GroupRole) -> None:
    existing = next(
        (
            m
            for m in user.memberships
            if m.organisation_id == organisation.id and m.role == rule.role
        ),
        None,
    )
    units = (
        list(db.session.scalars(sa.select(Unit).where(Unit.id.in_(rule.unit_ids))))
        if rule.unit_ids
        else []
    )
    if existing is None:
        existing = Membership(
            organisation_id=organisation.id, role=rule.role, representation=rule.representation
        )
        user.memberships.append(existing)
    elif not any(unit not in existing.units for unit in units):
        return
    for unit in units:
        if unit not in existing.units:
            existing.units.append(unit)
    db.session.flush()
    audit.record(
        organisation,
        user,
        "oidc.role_from_group",
        user.email,
        target=f"user:{user.id}",
        role=rule.role,
        group=rule.group,
    )


def log_failure(organisation: Organisation | None, failure: SignInFailed) -> None:
    """Written to the log for the administrators: the reason, never who tried."""
    log.warning(
        "OpenID Connect sign-in refused for organisation %s: %s (%s)",
        organisation.slug if organisation else "?",
        failure.reason,
        failure.detail,
    )
