"""The quality group's evaluation of a round, its action plan (action points) and managers'
answers to the points."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.models.base import Base, in_list, utcnow
from feedback.models.organisation import Unit
from feedback.models.survey import SurveyRound
from feedback.models.user import User

ACTION_STATUSES = ("planned", "in_progress", "done", "dropped")


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
