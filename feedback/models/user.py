"""Staff accounts and their roles per organisation. Respondents never have accounts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.models.base import Base, in_list, utcnow
from feedback.models.organisation import Organisation, Unit

#: admin: organisation, units, accounts. quality: member of the kvalitetsgruppe.
#: manager: leder for one or more units.
ROLES = ("admin", "quality", "manager")
#: What a quality-group member represents.
REPRESENTATIONS = ("user_rep", "relative_rep", "professional")


membership_unit = sa.Table(
    "membership_unit",
    Base.metadata,
    sa.Column(
        "membership_id",
        sa.ForeignKey("membership.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("unit_id", sa.ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    __tablename__ = "user_account"
    __table_args__ = (
        sa.CheckConstraint(
            "totp_enabled_at IS NULL OR totp_secret IS NOT NULL", name="totp_on_has_secret"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Login name; stored lowercased.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: werkzeug hash (scrypt).
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: Disabled accounts cannot sign in; existing sessions end at the next request.
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.text("true"))
    #: Set when an administrator chose the password; the user must pick a new one.
    must_change_password: Mapped[bool] = mapped_column(
        default=False, server_default=sa.text("false")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    #: The TOTP key, encrypted with a key derived from SECRET_KEY (feedback.auth.totp). Set
    #: while enrolling too; None when the account has no authenticator app.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(200))
    #: When the person confirmed the authenticator app with a code; None means TOTP is off.
    totp_enabled_at: Mapped[datetime | None]
    #: The last TOTP time step accepted, so a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    sessions: Mapped[list[StaffSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enabled_at is not None

    # Flask-Login protocol.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # The session cookie names a StaffSession, never this id (auth.services.start_session).
        return str(self.id)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Membership(Base):
    """One role a user holds in one organisation."""

    __tablename__ = "membership"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "organisation_id", "role"),
        sa.CheckConstraint(in_list("role", ROLES), name="known_role"),
        sa.CheckConstraint(
            "(role = 'quality' AND representation IS NOT NULL)"
            " OR (role <> 'quality' AND representation IS NULL)",
            name="representation_for_quality_only",
        ),
        sa.CheckConstraint(
            "representation IS NULL OR " + in_list("representation", REPRESENTATIONS),
            name="known_representation",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    #: One of ROLES.
    role: Mapped[str] = mapped_column(sa.String(20))
    #: One of REPRESENTATIONS for quality-group members, else None.
    representation: Mapped[str | None] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship()
    #: The units a manager answers for (empty for other roles).
    units: Mapped[list[Unit]] = relationship(secondary=membership_unit, order_by=Unit.name)

    def __repr__(self) -> str:
        return f"<Membership {self.user_id}@{self.organisation_id} {self.role}>"


class StaffSession(Base):
    """One sign-in of a staff member: what the session cookie names. Deleting the row ends the
    session at the browser's next request, wherever that browser is."""

    __tablename__ = "staff_session"
    __table_args__ = (sa.CheckConstraint("length(token_hash) = 64", name="sha256_hex"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 (hex) of the random token in the cookie; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    #: When the person signed in; FEEDBACK_SESSION_MAX_HOURS counts from here. No client
    #: address or user agent is kept.
    signed_in_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    user: Mapped[User] = relationship(back_populates="sessions")

    def __repr__(self) -> str:
        return f"<StaffSession {self.id} of {self.user_id}>"


#: How an invitation ended: taken, turned down by the person, or withdrawn by the organisation.
INVITATION_OUTCOMES = ("accepted", "declined", "withdrawn")

invitation_unit = sa.Table(
    "invitation_unit",
    Base.metadata,
    sa.Column(
        "invitation_id",
        sa.ForeignKey("invitation.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("unit_id", sa.ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True),
)


class Invitation(Base):
    """An organisation's offer of a role to whoever holds an e-mail address.

    Nothing changes for the person until they open the mailed link and accept: a new person
    chooses their own name and password there, someone with an account signs in first.
    """

    __tablename__ = "invitation"
    __table_args__ = (
        sa.CheckConstraint(in_list("role", ROLES), name="known_role"),
        sa.CheckConstraint(
            "(role = 'quality' AND representation IS NOT NULL)"
            " OR (role <> 'quality' AND representation IS NULL)",
            name="representation_for_quality_only",
        ),
        sa.CheckConstraint(
            "representation IS NULL OR " + in_list("representation", REPRESENTATIONS),
            name="known_representation",
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR " + in_list("outcome", INVITATION_OUTCOMES), name="known_outcome"
        ),
        sa.CheckConstraint("(outcome IS NULL) = (closed_at IS NULL)", name="closed_with_outcome"),
        sa.CheckConstraint("expires_at > created_at", name="expires_after_creation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    #: Who may take it; stored lowercased. Not linked to an account: the inviting
    #: organisation must not learn whether one exists.
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    #: The administrator's suggestion for a new account's name (the person may change it;
    #: an existing account keeps its own).
    name: Mapped[str] = mapped_column(sa.String(200))
    #: One of ROLES, and REPRESENTATIONS for the quality group.
    role: Mapped[str] = mapped_column(sa.String(20))
    representation: Mapped[str | None] = mapped_column(sa.String(20))
    #: SHA-256 of the mailed link's secret; the secret itself is never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: After this the link no longer works; a resend gives a new link and a new time.
    expires_at: Mapped[datetime]
    #: When and how it ended (both empty while pending).
    closed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(sa.String(20))

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship()
    #: The units a manager will answer for.
    units: Mapped[list[Unit]] = relationship(secondary=invitation_unit, order_by=Unit.name)

    def __repr__(self) -> str:
        return f"<Invitation {self.id}@{self.organisation_id} {self.role}>"


class PasswordLink(Base):
    """A single-use, expiring link to choose a new password, mailed to the account's owner."""

    __tablename__ = "password_link"
    __table_args__ = (sa.CheckConstraint("expires_at > created_at", name="expires_after_creation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 of the mailed link's secret.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    user: Mapped[User] = relationship()


class RecoveryCode(Base):
    """A single-use code for signing in without the authenticator app; deleted when used."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    #: werkzeug hash (the password method) of the code; the code itself is shown once only.
    code_hash: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="recovery_codes")


class EmailChange(Base):
    """A requested new sign-in address, waiting for its owner to open the mailed link.

    The address changes only then, so nobody learns from the request whether the address
    already has an account. One per account: a new request replaces the old.
    """

    __tablename__ = "email_change"
    __table_args__ = (
        sa.CheckConstraint("expires_at > created_at", name="expires_after_creation"),
        sa.CheckConstraint("new_email = lower(new_email)", name="lowercased"),
        sa.CheckConstraint("length(token_hash) = 64", name="sha256_hex"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The account whose address changes; one pending change per account.
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    #: The address asked for, lowercased; the link is mailed here.
    new_email: Mapped[str] = mapped_column(sa.String(254))
    #: SHA-256 of the mailed link's secret; the secret itself is never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: Who asked: an administrator of the account's only organisation, or the person.
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: After this the link no longer works.
    expires_at: Mapped[datetime]

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<EmailChange {self.id} of {self.user_id}>"
