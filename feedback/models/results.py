"""Results: running counts per round (tallies), the group's evaluation with action points and
managers' answers, and personal API tokens.

Tallies hold, per round, how many responses and answers came in per unit, channel and value.
They are kept up to date in the same transaction that stores a response, so results are read
from a few thousand rows instead of every answer (DESIGN.md: "pre-aggregated counts"). They hold
counts only: no time, no order, nothing about one respondent.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.models.base import Base, in_list, utcnow
from feedback.models.organisation import Organisation, Unit
from feedback.models.survey import NO_ROWID, SurveyRound
from feedback.models.user import User

#: unit_key for responses without a unit ("not given").
NO_UNIT = 0
#: AnswerTally.value for "answered this question at all" (one per respondent).
ANSWERED = "*"

ACTION_STATUSES = ("planned", "in_progress", "done", "dropped")
#: Why a unit's results may be padded (feedback.results.padding): more responses than people
#: served, or one day with unusually many responses.
PADDING_REASONS = ("population", "spike")


class ResponseTally(Base):
    """How many responses a round got per unit and channel."""

    __tablename__ = "response_tally"
    #: No hidden rowid telling which combination came in first.
    __table_args__ = NO_ROWID

    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_round.id", ondelete="CASCADE"), primary_key=True
    )
    #: The unit's id, or NO_UNIT. Units are never deleted (only made inactive), so no key.
    unit_key: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    n: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class AnswerTally(Base):
    """How many answers a question got per unit, channel and value.

    ``value`` is the option value, the number as text, "dont_know", or ANSWERED: the number of
    respondents who answered the question at all (multiple choice gives several values each).
    Free text is counted as ANSWERED (and "dont_know") only.
    """

    __tablename__ = "answer_tally"
    __table_args__ = NO_ROWID

    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_round.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    unit_key: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    #: The value as a number (scales, faces, numbers), for means.
    number: Mapped[int | None] = mapped_column(sa.BigInteger)
    n: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class Evaluation(Base):
    """The quality group's assessment of a round, and what it tells the public."""

    __tablename__ = "evaluation"

    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_round.id", ondelete="CASCADE"), primary_key=True
    )
    #: The group's own assessment (for staff).
    assessment: Mapped[str] = mapped_column(sa.Text, default="")
    #: A plain-language summary for "Dette sa dere – dette gjør vi".
    public_summary: Mapped[str] = mapped_column(sa.Text, default="")
    #: Shown on the public page when True.
    published: Mapped[bool] = mapped_column(default=False, server_default=sa.text("false"))
    #: The group has read (and redacted) the free text: managers may now read what is not
    #: flagged as likely personal data.
    texts_released: Mapped[bool] = mapped_column(default=False, server_default=sa.text("false"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )

    round: Mapped[SurveyRound] = relationship()
    changed_by: Mapped[User | None] = relationship()


class PaddingCheck(Base):
    """The quality group has looked at a padding warning: the unit is shown again.

    A check holds for the count it was made at: more responses than that (on that day, for a
    spike) raise the warning again, so padding after a check is caught too.
    """

    __tablename__ = "padding_check"
    __table_args__ = (sa.CheckConstraint(in_list("reason", PADDING_REASONS), name="known_reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_round.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"))
    #: One of PADDING_REASONS.
    reason: Mapped[str] = mapped_column(sa.String(20))
    #: The day of a spike; None for "more responses than people served".
    day: Mapped[date | None]
    #: The unit's responses (that day, for a spike) when it was checked.
    responses: Mapped[int]
    checked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)

    checked_by: Mapped[User | None] = relationship()


class ActionPoint(Base):
    """One point of the action plan (handlingsplan) that follows a round."""

    __tablename__ = "action_point"
    __table_args__ = (sa.CheckConstraint(in_list("status", ACTION_STATUSES), name="known_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_round.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: The unit it is about (None: the whole organisation); its managers answer it.
    unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("unit.id", ondelete="SET NULL"), index=True
    )
    #: Who is responsible (ansvarlig).
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    due_on: Mapped[date | None]
    #: One of ACTION_STATUSES.
    status: Mapped[str] = mapped_column(sa.String(20), default="planned")
    #: Shown on the public page "Dette sa dere – dette gjør vi".
    published: Mapped[bool] = mapped_column(default=False, server_default=sa.text("false"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    round: Mapped[SurveyRound] = relationship()
    unit: Mapped[Unit | None] = relationship()
    owner: Mapped[User | None] = relationship()
    answers: Mapped[list[ActionAnswer]] = relationship(
        back_populates="action_point",
        cascade="all, delete-orphan",
        order_by="ActionAnswer.created_at",
    )


class ActionAnswer(Base):
    """A manager's answer to an action point."""

    __tablename__ = "action_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_point_id: Mapped[int] = mapped_column(
        sa.ForeignKey("action_point.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    action_point: Mapped[ActionPoint] = relationship(back_populates="answers")
    author: Mapped[User | None] = relationship()


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
