"""Deviation reports (avviksmeldinger): the report, its case handling and its anonymous thread.

What an anonymous reporter leaves behind is the report itself with the date it came in, the
reporter's messages with their dates, and a slow hash of the receipt code. No time of day, no
client address and no sequential id: case ids are random, and reporter actions are not written
to the audit log (staff actions are, with time and person).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.models.base import Base, in_list, utcnow
from feedback.models.organisation import Organisation, Unit
from feedback.models.survey import NO_ROWID, LocalText
from feedback.models.user import User

REPORTER_KINDS = ("service_user", "relative", "employee", "other")
#: In the order a case moves through them; a closed case may be reopened.
DEVIATION_STATUSES = ("received", "in_progress", "measures_taken", "closed")
SEVERITIES = ("low", "medium", "high", "critical")
#: Why a reporter's case was queued for an e-mail to staff.
NOTICE_REASONS = ("new_report", "reply")

#: Categories every new organisation starts with; administrators may rename, add and retire.
DEFAULT_CATEGORIES: tuple[dict[str, str], ...] = (
    {"nb": "Brukermedvirkning", "nn": "Brukarmedverknad", "en": "User involvement"},
    {
        "nb": "Behandling og oppfølging",
        "nn": "Behandling og oppfølging",
        "en": "Treatment and follow-up",
    },
    {"nb": "Tvang og rettigheter", "nn": "Tvang og rettar", "en": "Coercion and rights"},
    {
        "nb": "Taushetsplikt og personvern",
        "nn": "Teieplikt og personvern",
        "en": "Confidentiality and privacy",
    },
    {"nb": "Legemidler", "nn": "Legemiddel", "en": "Medicines"},
    {
        "nb": "Fysisk miljø og sikkerhet",
        "nn": "Fysisk miljø og tryggleik",
        "en": "Physical environment and safety",
    },
    {"nb": "Vold og trusler", "nn": "Vald og truslar", "en": "Violence and threats"},
    {"nb": "Tilgjengelighet", "nn": "Tilgjenge", "en": "Accessibility"},
    {"nb": "Annet", "nn": "Anna", "en": "Other"},
)


class DeviationCategory(Base):
    """One entry in an organisation's list of what a report can be about."""

    __tablename__ = "deviation_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    #: The name in nb (required), nn and en.
    names: Mapped[dict[str, str]] = mapped_column(LocalText)
    #: Order in the public form (lowest first).
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Retired categories keep their reports but are not offered any more.
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.text("true"))

    organisation: Mapped[Organisation] = relationship()


class Deviation(Base):
    """A deviation report and the case that follows it up."""

    __tablename__ = "deviation"
    __table_args__ = (
        sa.CheckConstraint(in_list("reporter_kind", REPORTER_KINDS), name="known_reporter_kind"),
        sa.CheckConstraint(in_list("status", DEVIATION_STATUSES), name="known_status"),
        sa.CheckConstraint(
            "severity IS NULL OR " + in_list("severity", SEVERITIES), name="known_severity"
        ),
        sa.CheckConstraint(
            "(status = 'closed') = (closed_on IS NOT NULL)", name="closed_on_when_closed"
        ),
        sa.CheckConstraint(
            "status <> 'closed' OR closing_evaluation IS NOT NULL",
            name="closed_with_evaluation",
        ),
        sa.CheckConstraint(
            "(receipt_hash IS NULL) = (receipt_bucket IS NULL)", name="receipt_hash_and_bucket"
        ),
        NO_ROWID,
    )

    #: Random (8 letters), so ids say nothing about order and cannot be guessed.
    id: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    #: Where it happened; None when the reporter did not know or would not say.
    unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("unit.id", ondelete="SET NULL"), index=True
    )
    category_id: Mapped[int] = mapped_column(
        sa.ForeignKey("deviation_category.id", ondelete="RESTRICT"), index=True
    )
    #: One of REPORTER_KINDS.
    reporter_kind: Mapped[str] = mapped_column(sa.String(20))
    #: When it happened, as the reporter gave it.
    event_date: Mapped[date]
    #: The date only (docs/design.md rule 1): no time of day.
    received_on: Mapped[date] = mapped_column(index=True)
    #: What happened; emptied by retention.
    description: Mapped[str] = mapped_column(sa.Text)
    suggestion: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: Given only if the reporter chose to; only the handler sees them.
    reporter_name: Mapped[str | None] = mapped_column(sa.String(200))
    reporter_contact: Mapped[str | None] = mapped_column(sa.String(254))

    #: One of DEVIATION_STATUSES.
    status: Mapped[str] = mapped_column(
        sa.String(20), default="received", server_default="received"
    )
    #: One of SEVERITIES once someone has assessed it.
    severity: Mapped[str | None] = mapped_column(sa.String(20))
    handler_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    deadline: Mapped[date | None]
    #: The quality group's assessment when closing: required to close.
    closing_evaluation: Mapped[str | None] = mapped_column(sa.Text)
    closed_on: Mapped[date | None]
    #: Set when retention has removed the report's text and contact details.
    anonymised_on: Mapped[date | None]

    #: The first 3 hex digits of SHA-256 of the receipt code: narrows a lookup to a handful of
    #: cases, and leaves 67 of the code's 79 bits to the slow hash.
    receipt_bucket: Mapped[str | None] = mapped_column(sa.String(3), index=True)
    #: Salted scrypt hash of the receipt code (werkzeug); None once access has ended.
    receipt_hash: Mapped[str | None] = mapped_column(sa.String(255))

    organisation: Mapped[Organisation] = relationship()
    unit: Mapped[Unit | None] = relationship()
    category: Mapped[DeviationCategory] = relationship()
    handler: Mapped[User | None] = relationship()
    messages: Mapped[list[DeviationMessage]] = relationship(
        back_populates="deviation",
        cascade="all, delete-orphan",
        order_by="DeviationMessage.position",
    )
    notes: Mapped[list[DeviationNote]] = relationship(
        back_populates="deviation", cascade="all, delete-orphan", order_by="DeviationNote.id"
    )
    measures: Mapped[list[DeviationMeasure]] = relationship(
        back_populates="deviation", cascade="all, delete-orphan", order_by="DeviationMeasure.id"
    )

    def __repr__(self) -> str:
        return f"<Deviation {self.id} {self.status}>"


class DeviationMessage(Base):
    """A message in the anonymous thread between the reporter and the case handler."""

    __tablename__ = "deviation_message"
    __table_args__ = (NO_ROWID,)

    deviation_id: Mapped[str] = mapped_column(
        sa.ForeignKey("deviation.id", ondelete="CASCADE"), primary_key=True
    )
    #: 1, 2, 3 … within the case: the order of the thread and nothing more.
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    from_reporter: Mapped[bool]
    #: The staff member who wrote it; None for the reporter (and deleted accounts).
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(sa.Text)
    #: Date only, like the report.
    sent_on: Mapped[date]

    deviation: Mapped[Deviation] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()


class DeviationNote(Base):
    """An internal note: staff only, never shown to the reporter."""

    __tablename__ = "deviation_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    deviation_id: Mapped[str] = mapped_column(
        sa.ForeignKey("deviation.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    deviation: Mapped[Deviation] = relationship(back_populates="notes")
    author: Mapped[User | None] = relationship()


class DeviationMeasure(Base):
    """A measure (tiltak): what will be done, who answers for it, by when, and whether it is."""

    __tablename__ = "deviation_measure"

    id: Mapped[int] = mapped_column(primary_key=True)
    deviation_id: Mapped[str] = mapped_column(
        sa.ForeignKey("deviation.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(sa.Text)
    #: A person or a role, e.g. "Leder, Solsikken bofellesskap".
    owner: Mapped[str] = mapped_column(sa.String(200))
    due: Mapped[date | None]
    done: Mapped[bool] = mapped_column(default=False, server_default=sa.text("false"))
    done_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    deviation: Mapped[Deviation] = relationship(back_populates="measures")


class DeviationNotice(Base):
    """A pending e-mail to staff about a reporter's action, sent by ``flask send-notices``.

    Reporter actions are queued, not mailed at once, so the mail's time does not tell when the
    report was written. No time is stored; several replies on one case make one notice.
    """

    __tablename__ = "deviation_notice"
    __table_args__ = (
        sa.CheckConstraint(in_list("kind", NOTICE_REASONS), name="known_kind"),
        NO_ROWID,
    )

    deviation_id: Mapped[str] = mapped_column(
        sa.ForeignKey("deviation.id", ondelete="CASCADE"), primary_key=True
    )
    #: Why the group is told: one of NOTICE_REASONS (the column is called "kind").
    reason: Mapped[str] = mapped_column("kind", sa.String(20), primary_key=True)

    deviation: Mapped[Deviation] = relationship()

    @property
    def is_reply(self) -> bool:
        """The reporter wrote in the case's thread (else: a new report arrived)."""
        return self.reason == "reply"
