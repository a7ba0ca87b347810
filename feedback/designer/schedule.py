"""A round's schedule, applied in one place: an approved round opens on its opening date and an
open round closes after its closing date. ``apply_schedule`` does both (flushing, never
committing) for ``flask schedule``, the designer's pages and the respondent's link alike; the
other functions are the rules it applies.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from feedback.designer.approval import approval_state
from feedback.designer.services import log_round
from feedback.extensions import db
from feedback.models import Organisation, SurveyRound, SurveySeries, User
from feedback.models.base import today as local_today
from feedback.models.base import utcnow


def may_open(round_: SurveyRound, today: date) -> bool:
    """The round has no opening date, or it has come."""
    return round_.opens_on is None or round_.opens_on <= today


def past_closing(closes_on: date | None, today: date) -> bool:
    """The closing date has passed: the round takes no more answers, whatever its status says."""
    return closes_on is not None and closes_on < today


def is_due(round_: SurveyRound, today: date) -> bool:
    """The round's dates say it should open or close today and it has not yet."""
    return (round_.status == "open" and past_closing(round_.closes_on, today)) or (
        round_.status == "awaiting_approval"
        and round_.opens_on is not None
        and may_open(round_, today)
    )


def open_round(round_: SurveyRound, actor: User | None, *, scheduled: bool = False) -> None:
    """The round opens for answers (by hand, on approval, or by its date)."""
    round_.status = "open"
    round_.opened_at = utcnow()
    log_round(round_, actor, "round.open", scheduled=scheduled)


def close_round(round_: SurveyRound, actor: User | None, *, scheduled: bool = False) -> None:
    """The round closes (by hand or by its date)."""
    round_.status = "closed"
    round_.closed_at = utcnow()
    log_round(round_, actor, "round.close", scheduled=scheduled)


def apply_schedule(organisation: Organisation | None = None, today: date | None = None) -> int:
    """Open approved rounds whose date has come and close rounds whose date has passed (of one
    organisation, or all); the number of rounds changed. Flushes; the caller commits."""
    today = today or local_today()
    stmt = sa.select(SurveyRound).join(SurveySeries)
    if organisation is not None:
        stmt = stmt.where(SurveySeries.organisation_id == organisation.id)
    due_to_open = db.session.scalars(
        stmt.where(SurveyRound.status == "awaiting_approval", SurveyRound.opens_on <= today)
    ).all()
    due_to_close = db.session.scalars(
        stmt.where(SurveyRound.status == "open", SurveyRound.closes_on < today)
    ).all()
    changed = 0
    for round_ in due_to_open:
        if approval_state(round_).met:
            open_round(round_, None, scheduled=True)
            changed += 1
    for round_ in due_to_close:
        close_round(round_, None, scheduled=True)
        changed += 1
    if changed:
        db.session.flush()
    return changed


def keep_current(round_: SurveyRound, today: date | None = None) -> bool:
    """Apply the schedule to the round's organisation if the round's own dates call for it (a
    cheap check first, for a page that shows one round); true if anything changed."""
    today = today or local_today()
    if not is_due(round_, today):
        return False
    return apply_schedule(round_.series.organisation, today) > 0
