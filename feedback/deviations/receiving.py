"""Receiving reports and reporters' replies, exactly once per form token, like answers.

The functions here flush; the request edge commits, all or nothing (feedback.report.views).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from feedback.admin.services import unit_tree
from feedback.deviations.notices import queue_notice
from feedback.deviations.receipts import RECEIPT_LENGTH, receipt_bucket, receipt_hash
from feedback.deviations.scope import CASE_ID_LENGTH
from feedback.extensions import db
from feedback.form_tokens import StoreFailed, claim, one_time_token
from feedback.ids import parse_id
from feedback.models import (
    Deviation,
    DeviationCategory,
    DeviationMessage,
    Organisation,
    Unit,
    User,
)
from feedback.models.base import today
from feedback.models.survey import random_token

#: Free text limits, in characters.
DESCRIPTION_MAX = 5000
SUGGESTION_MAX = 3000
MESSAGE_MAX = 3000
#: Form purposes of the one-time tokens.
REPORT_FORM = "deviation-report"
REPLY_FORM = "deviation-reply"


def units_to_report(organisation: Organisation) -> list[tuple[Unit, int]]:
    """The units a report can be about (those in use), as a tree: (unit, depth)."""
    return unit_tree(organisation, active_only=True)


def unit_for_report(organisation: Organisation, value: str) -> Unit | None:
    """The unit chosen in the form, None for "do not know" (the form checked the choice)."""
    unit_id = parse_id(value)
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None or unit.organisation_id != organisation.id or not unit.active:
        return None
    return unit


def new_report_token(organisation: Organisation) -> str:
    """The one-time token of a report form for this organisation."""
    return one_time_token(REPORT_FORM, organisation.id)


def new_reply_token(case: Deviation) -> str:
    """The one-time token of a reply form on this case's status page."""
    return one_time_token(REPLY_FORM, case.id)


@dataclass
class NewReport:
    """What the report form holds, checked."""

    reporter_kind: str
    unit: Unit | None
    event_date: date
    category: DeviationCategory
    description: str
    suggestion: str = ""
    reporter_name: str | None = None
    reporter_contact: str | None = None


def _new_case_id() -> str:
    while True:
        case_id = random_token(CASE_ID_LENGTH)
        if db.session.get(Deviation, case_id) is None:
            return case_id


def submit(organisation: Organisation, report: NewReport, nonce: str) -> tuple[Deviation, str]:
    """Store a new report, exactly once per form token; returns the case and its receipt code.
    The caller commits.

    Raises AlreadySent for a second sending of the same form and StoreFailed when the
    database fails (the session is rolled back then). The code itself is not stored, only its
    slow hash.
    """
    # The slow hash first: the token's claim below starts the write transaction, which on
    # SQLite locks out other writers until the commit.
    code = random_token(RECEIPT_LENGTH)
    hashed = receipt_hash(code)
    received = today()
    claim(nonce)
    try:
        case = Deviation(
            id=_new_case_id(),
            organisation_id=organisation.id,
            unit_id=report.unit.id if report.unit else None,
            category_id=report.category.id,
            reporter_kind=report.reporter_kind,
            event_date=report.event_date,
            received_on=received,
            description=report.description,
            suggestion=report.suggestion,
            reporter_name=report.reporter_name or None,
            reporter_contact=report.reporter_contact or None,
            deadline=received + timedelta(days=current_app.config["DEVIATION_DEADLINE_DAYS"]),
            receipt_bucket=receipt_bucket(code),
            receipt_hash=hashed,
        )
        db.session.add(case)
        db.session.flush()
        queue_notice(case, "new_report")
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.warning("a report could not be stored: %s", type(error).__name__)
        raise StoreFailed() from error
    return case, code


def _next_position(case: Deviation) -> int:
    last = db.session.scalar(
        sa.select(sa.func.max(DeviationMessage.position)).where(
            DeviationMessage.deviation_id == case.id
        )
    )
    return (last or 0) + 1


def add_message(case: Deviation, body: str, author: User | None) -> DeviationMessage:
    """A message in the case's thread: from the reporter (no author) or from staff."""
    message = DeviationMessage(
        deviation_id=case.id,
        position=_next_position(case),
        from_reporter=author is None,
        author_id=author.id if author else None,
        body=body,
        sent_on=today(),
    )
    db.session.add(message)
    db.session.flush()
    return message


def reporter_reply(case: Deviation, body: str, nonce: str) -> None:
    """The reporter's answer in the thread: stored once per form token, handler notified.
    The caller commits. Raises AlreadySent and StoreFailed as ``submit`` does."""
    claim(nonce)
    for attempt in range(3):
        try:
            add_message(case, body, None)
            queue_notice(case, "reply")
            return
        except IntegrityError as error:
            # Two messages took the same place in the thread at once: take the next one.
            db.session.rollback()
            if attempt == 2:
                raise StoreFailed() from error
            claim(nonce)
        except SQLAlchemyError as error:
            db.session.rollback()
            current_app.logger.warning("a reply could not be stored: %s", type(error).__name__)
            raise StoreFailed() from error
