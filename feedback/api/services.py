"""Who a presented API token speaks for (making, listing and revoking tokens is
``feedback.api_keys``).

A token acts as its user in one organisation, with the roles the user holds there *now*: when
the account is made inactive or the role is taken away, the token stops working at once. Only
a hash of the token is stored; the token itself is shown to its owner once, when it is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import ApiToken, Membership, Organisation, User
from feedback.models.api import TOKEN_PREFIX, hash_api_token

#: Roles whose holders may make and use tokens: those who may read results and deviations.
API_ROLES = ("quality", "manager")


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
