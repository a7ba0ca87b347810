"""Audit log of staff decisions ("who decided what"). Never used for respondents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.models.base import Base, utcnow
from feedback.models.user import User


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    #: The staff member who acted; None for the command line or a deleted account.
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    #: Dotted verb, e.g. "unit.create", "membership.grant".
    action: Mapped[str] = mapped_column(sa.String(60))
    #: Human-readable object, e.g. the unit or account name at the time.
    subject: Mapped[str] = mapped_column(sa.String(300))
    #: What the event is about, as "kind:id" (e.g. "survey_round:7"), for per-object history.
    target: Mapped[str | None] = mapped_column(sa.String(60), index=True)
    #: Extra facts about the change (old and new values).
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()
