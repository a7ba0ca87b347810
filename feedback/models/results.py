"""Results: running counts per round (tallies) and the quality group's checks of padding
warnings.

Tallies hold, per round, how many responses and answers came in per unit, channel and value.
They are brought up to date when answers are published (feedback.results.publish), so results
are read from a few thousand rows instead of every answer (docs/design.md: "pre-aggregated
counts"). They hold counts only: no time, no order, nothing about one respondent.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.models.base import Base, in_list, utcnow
from feedback.models.survey import NO_ROWID
from feedback.models.user import User

#: unit_key for responses without a unit ("not given").
NO_UNIT = 0
#: AnswerTally.value for "answered this question at all" (one per respondent).
ANSWERED = "*"

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
