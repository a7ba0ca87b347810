"""Organisations (municipalities, health trusts) and their units (tjenestesteder)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.models.base import Base, in_list, utcnow

#: Kinds of unit; labels live in feedback.vocabulary.
UNIT_KINDS = (
    "housing",
    "activity_centre",
    "act_team",
    "substance_team",
    "outpatient",
    "service_area",
    "other",
)

#: The content types a logo may have.
LOGO_TYPES = ("image/png", "image/svg+xml")

#: How many user representatives must approve a round before it opens.
APPROVAL_RULES = ("majority", "all", "count")

DEFAULT_MIN_GROUP_SIZE = 5
#: docs/design.md rule 3: no organisation may show groups smaller than this.
LOWEST_MIN_GROUP_SIZE = 3


class Organisation(Base):
    __tablename__ = "organisation"
    __table_args__ = (
        sa.CheckConstraint(
            f"min_group_size >= {LOWEST_MIN_GROUP_SIZE}", name="min_group_size_at_least_3"
        ),
        sa.CheckConstraint(in_list("approval_rule", APPROVAL_RULES), name="known_approval_rule"),
        sa.CheckConstraint("approval_count >= 1", name="approval_count_positive"),
        sa.CheckConstraint(
            f"logo_type IS NULL OR {in_list('logo_type', LOGO_TYPES)}", name="known_logo_type"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Display name, e.g. "Fjordvik kommune".
    name: Mapped[str] = mapped_column(sa.String(200))
    #: Short lowercase identifier used in public links and the CLI.
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    #: Smallest number of answers any result may show (k in docs/design.md rule 3).
    min_group_size: Mapped[int] = mapped_column(
        default=DEFAULT_MIN_GROUP_SIZE, server_default=str(DEFAULT_MIN_GROUP_SIZE)
    )
    #: One of APPROVAL_RULES: a majority of, all of, or approval_count user representatives.
    approval_rule: Mapped[str] = mapped_column(
        sa.String(20), default="majority", server_default="majority"
    )
    #: Used by the "count" rule.
    approval_count: Mapped[int] = mapped_column(default=2, server_default="2")
    #: Administrators and everyone who reads deviation cases must sign in with a second factor
    #: (TOTP). On by default: new organisations are safe until someone decides otherwise.
    require_second_factor: Mapped[bool] = mapped_column(
        default=True, server_default=sa.text("true")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    #: The name shown to the public and at the top of pages; None: ``name``.
    display_name: Mapped[str | None] = mapped_column(sa.String(200))
    #: The accent colour, ``#rrggbb`` (checked for contrast in feedback.brand.theme); None: the
    #: app's own colours.
    accent_colour: Mapped[str | None] = mapped_column(sa.String(7))
    #: The logo (PNG, or an SVG sanitised by feedback.brand.logos); loaded only when served.
    logo: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    #: The logo's content type, one of LOGO_TYPES; None when there is no logo.
    logo_type: Mapped[str | None] = mapped_column(sa.String(20))
    #: SHA-256 of the logo, in its address: a new logo gets a new address (cache busting).
    logo_hash: Mapped[str | None] = mapped_column(sa.String(64))

    units: Mapped[list[Unit]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Unit.name"
    )

    @property
    def public_name(self) -> str:
        """The name the public and the pages' header see."""
        return self.display_name or self.name

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class Unit(Base):
    """A service location (tjenestested); units form a tree inside one organisation."""

    __tablename__ = "unit"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "name"),
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        sa.CheckConstraint(in_list("kind", UNIT_KINDS), name="known_kind"),
        sa.CheckConstraint(
            "people_served IS NULL OR people_served >= 0", name="people_served_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    #: The unit above this one; None for a top-level unit. Same organisation (checked in
    #: feedback.admin.services, which also refuses cycles).
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("unit.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    #: One of UNIT_KINDS.
    kind: Mapped[str] = mapped_column(sa.String(30), default="other", server_default="other")
    #: Inactive units keep their history but take no new answers or reports.
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.text("true"))
    #: How many people the unit offers a service to; None when not known. More responses than
    #: this, or a unit this small, is a sign of padding (feedback.results.padding).
    people_served: Mapped[int | None]
    #: Answers about this unit are taken only with an access code made for it (and on paper,
    #: entered by the quality group): no link, unit link or kiosk can pad it.
    codes_only: Mapped[bool] = mapped_column(default=False, server_default=sa.text("false"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="units")
    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.name")

    def __repr__(self) -> str:
        return f"<Unit {self.name!r}>"
