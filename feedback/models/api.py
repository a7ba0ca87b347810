"""Personal API tokens for the read-only API: only a hash of each token is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.models.base import Base, utcnow
from feedback.models.organisation import Organisation
from feedback.models.user import User

#: What a token looks like: a fixed prefix (so secret scanners know it), then 32 random bytes.
TOKEN_PREFIX = "bst_"  # noqa: S105 - a public marker, not a secret


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_api_token(token: str) -> str:
    """Tokens carry 256 random bits, so a plain SHA-256 is enough (no guessing to slow down)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ApiToken(Base):
    """A personal token for the read-only API. Only its hash is stored; it acts as its user in
    one organisation with that user's roles there."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    #: The user's name for it ("Power BI", "rapport").
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The first characters, shown so people can tell their tokens apart.
    hint: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_on: Mapped[date | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()
