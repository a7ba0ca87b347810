"""The retention time: cases closed longer ago are anonymised (or deleted), so what the
reporter wrote and the receipt access end."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from feedback.extensions import db
from feedback.maintenance import needs_rewrite
from feedback.models import Deviation, DeviationNotice
from feedback.models.base import today


def apply_retention(current: date | None = None) -> int:
    """Anonymise or delete cases closed longer ago than the retention time; returns how many.

    Anonymising keeps what statistics need (unit, category, kind of reporter, dates, severity,
    status, the measures and the closing evaluation) and removes the reporter's text, contact
    details, the thread, internal notes and the receipt code, so receipt access ends.
    """
    days = int(current_app.config["DEVIATION_RETENTION_DAYS"])
    limit = (current or today()) - timedelta(days=days)
    expired = list(
        db.session.scalars(
            sa.select(Deviation).where(
                Deviation.status == "closed",
                Deviation.closed_on < limit,
                Deviation.anonymised_on.is_(None),
            )
        )
    )
    for case in expired:
        if current_app.config["DEVIATION_RETENTION_ACTION"] == "delete":
            db.session.delete(case)
            continue
        case.description = ""
        case.suggestion = ""
        case.reporter_name = None
        case.reporter_contact = None
        case.receipt_bucket = None
        case.receipt_hash = None
        case.anonymised_on = current or today()
        case.messages.clear()
        case.notes.clear()
        db.session.execute(
            sa.delete(DeviationNotice).where(DeviationNotice.deviation_id == case.id)
        )
    if expired:
        # The old row versions keep the removed text in the tables' files until the rewrite.
        needs_rewrite("deviation", "deviation_message", "deviation_note", "deviation_measure")
    db.session.flush()
    return len(expired)
