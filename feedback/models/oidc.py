"""Sign-in with an organisation's OpenID Connect provider: one configuration per organisation."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.models.base import Base, utcnow
from feedback.models.organisation import Organisation

DEFAULT_SCOPES = "openid email profile"


class OidcProvider(Base):
    """The identity provider whose staff sign-in an organisation trusts (Entra ID, ID-porten …)."""

    __tablename__ = "oidc_provider"
    __table_args__ = (
        sa.CheckConstraint("NOT required OR enabled", name="required_only_when_enabled"),
        sa.CheckConstraint("email_claim <> ''", name="email_claim_not_empty"),
        sa.CheckConstraint("scopes LIKE '%openid%'", name="scopes_with_openid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), unique=True
    )
    #: Shown on the sign-in button, e.g. "Fjordvik kommune (Entra ID)".
    display_name: Mapped[str] = mapped_column(sa.String(120))
    #: Issuer identifier; the discovery document is read from <issuer>/.well-known/….
    issuer: Mapped[str] = mapped_column(sa.String(500))
    client_id: Mapped[str] = mapped_column(sa.String(255))
    #: Client secret encrypted with a key derived from SECRET_KEY (feedback.auth.oidc_config).
    client_secret_encrypted: Mapped[str] = mapped_column(sa.Text)
    #: Scopes asked for, space-separated; always with openid (Entra ID: "openid email profile";
    #: providers that give groups only on request add theirs, e.g. "groups").
    scopes: Mapped[str] = mapped_column(
        sa.String(300), default=DEFAULT_SCOPES, server_default=DEFAULT_SCOPES
    )
    #: The ID token claim that holds the e-mail address (Entra ID: often preferred_username).
    email_claim: Mapped[str] = mapped_column(
        sa.String(100), default="email", server_default="email"
    )
    #: The ID token claim that lists the person's groups; empty: no group mapping.
    groups_claim: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    #: Lines "group = role[:detail]" as the administrator wrote them (validated when saved).
    group_roles: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: Shown on the sign-in page and usable.
    enabled: Mapped[bool] = mapped_column(default=False, server_default=sa.text("false"))
    #: Staff of this organisation may not reach it with a password session.
    required: Mapped[bool] = mapped_column(default=False, server_default=sa.text("false"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()

    def __repr__(self) -> str:
        return f"<OidcProvider {self.organisation_id} {self.issuer}>"


class OidcIdentity(Base):
    """Which person at a provider (its ``sub``, never reassigned) an account was first signed in
    as: an e-mail address the provider later gives someone else does not open the account."""

    __tablename__ = "oidc_identity"
    __table_args__ = (
        sa.UniqueConstraint("provider_id", "subject"),
        sa.UniqueConstraint("provider_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("oidc_provider.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    #: The ID token's ``sub`` at this provider.
    subject: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
