"""Personal API tokens: creating, listing and revoking them, and finding who a presented token
speaks for.

A token acts as its user in one organisation, with the roles the user holds there *now*: when
the account is made inactive or the role is taken away, the token stops working at once. Only
a hash of the token is stored; the token itself is shown to its owner once, when it is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import abort
from flask_babel import lazy_gettext as _l

from feedback import audit
from feedback.exceptions import RuleBroken
from feedback.extensions import db
from feedback.models import ApiToken, Membership, Organisation, User
from feedback.models.base import utcnow
from feedback.models.results import TOKEN_PREFIX, hash_api_token, new_api_token

#: Roles whose holders may make and use tokens: those who may read results and deviations.
API_ROLES = ("quality", "manager")
#: A person rarely needs more than a few; the cap keeps forgotten tokens from piling up.
MAX_ACTIVE_TOKENS = 20
#: How much of the token is kept to tell tokens apart: the prefix and four random characters.
HINT_LENGTH = len(TOKEN_PREFIX) + 4
NAME_LENGTH = 100


def tokens_of(user: User, organisation: Organisation) -> list[ApiToken]:
    """The user's tokens in this organisation, active ones first, newest first."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.organisation_id == organisation.id)
            .order_by(
                ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc()
            )
        )
    )


def _active(user: User, organisation: Organisation) -> list[ApiToken]:
    return [t for t in tokens_of(user, organisation) if t.revoked_at is None]


def create_token(user: User, organisation: Organisation, name: str) -> tuple[ApiToken, str]:
    """A new token for the user here; returns it with the secret, which is never stored."""
    name = name.strip()
    active = _active(user, organisation)
    if any(t.name.casefold() == name.casefold() for t in active):
        raise RuleBroken("name", _l("You already have an active key with this name."))
    if len(active) >= MAX_ACTIVE_TOKENS:
        raise RuleBroken(
            "name",
            _l(
                "You have %(count)d active keys, the most allowed. Revoke one you no longer use.",
                count=MAX_ACTIVE_TOKENS,
            ),
        )
    secret = new_api_token()
    token = ApiToken(
        user_id=user.id,
        organisation_id=organisation.id,
        name=name,
        token_hash=hash_api_token(secret),
        hint=secret[:HINT_LENGTH],
    )
    db.session.add(token)
    db.session.flush()
    audit.record(organisation, user, "api_token.create", name, target=f"api_token:{token.id}")
    return token, secret


def get_token(user: User, organisation: Organisation, token_id: int) -> ApiToken:
    """One of the user's own tokens in this organisation; 404 for anyone else's."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.organisation_id != organisation.id:
        abort(404)
    return token


def revoke_token(token: ApiToken, user: User) -> bool:
    """Stop the token from working; False when it already was revoked."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit.record(
        token.organisation, user, "api_token.revoke", token.name, target=f"api_token:{token.id}"
    )
    db.session.flush()
    return True


# --- authentication ----------------------------------------------------------------------------


@dataclass
class ApiClient:
    """Who a request to the API speaks for."""

    token: ApiToken
    user: User
    organisation: Organisation
    #: The user's memberships in the token's organisation (at least one API role among them).
    memberships: Sequence[Membership]


def authenticate(secret: str, current: date) -> ApiClient | None:
    """The client behind a presented token, or None when it is unknown, revoked, its user is
    inactive or no longer holds an API role in the token's organisation. Notes the day of use."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == hash_api_token(secret))
    )
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    memberships = list(
        db.session.scalars(
            sa.select(Membership).where(
                Membership.user_id == token.user_id,
                Membership.organisation_id == token.organisation_id,
            )
        )
    )
    if not any(m.role in API_ROLES for m in memberships):
        return None
    if token.last_used_on != current:
        # The date only (never the time), and one write a day at most.
        token.last_used_on = current
        db.session.flush()
    return ApiClient(token, token.user, token.organisation, memberships)
