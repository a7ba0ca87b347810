"""Bookkeeping for ``flask schedule``'s rewrites of the anonymous tables (feedback.maintenance).

Neither table holds anything about a respondent: table names, step names and dates of runs.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from feedback.models.base import Base


class PendingRewrite(Base):
    """An anonymous table the next ``flask schedule`` run rewrites whole: a redaction or
    retention removed text from it (old row versions keep the text in the table's files until
    then), or its daily reorder is due. The row goes in the same transaction as the change."""

    __tablename__ = "pending_rewrite"

    table_name: Mapped[str] = mapped_column(sa.String(63), primary_key=True)


class MaintenanceRun(Base):
    """The date a recurring step of ``flask schedule`` last ran to the end."""

    __tablename__ = "maintenance_run"

    #: "recent" (rows of the current date rewritten) or "reorder" (whole tables queued).
    step: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    done_on: Mapped[date]
