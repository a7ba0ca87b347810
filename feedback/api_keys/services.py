"""Personal API keys (tokens): making, listing and revoking them.

A token acts as its user in one organisation, with the roles the user holds there *now*. Only a
hash of the token is stored; the token itself is shown to its owner once, when it is made.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from feedback import audit
from feedback.exceptions import RuleBroken, get_or_404
from feedback.extensions import db
from feedback.models import ApiToken, Organisation, User
from feedback.models.api import TOKEN_PREFIX, hash_api_token, new_api_token
from feedback.models.base import utcnow

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
    return get_or_404(
        ApiToken,
        token_id,
        lambda t: t.user_id == user.id and t.organisation_id == organisation.id,
    )


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
