"""Case handling: status, severity, handler and deadline, measures, notes, messages to the
reporter, closing and reopening. Every change is in the audit log under the case."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from feedback import audit
from feedback.codes import show_code
from feedback.deviations.receiving import add_message
from feedback.deviations.scope import handlers
from feedback.exceptions import RuleBroken, get_or_404
from feedback.extensions import db
from feedback.models import Deviation, DeviationMeasure, DeviationNote, User
from feedback.models.base import today
from feedback.models.deviation import DEVIATION_STATUSES

#: Statuses a handler sets directly; "closed" takes a closing evaluation.
OPEN_STATUSES = DEVIATION_STATUSES[:-1]


class CaseError(RuleBroken):
    """A change to a case that breaks a rule."""


def log(case: Deviation, actor: User, action: str, **details: Any) -> None:
    """Record a change to the case in the audit log, under the case (its history)."""
    audit.record(
        case.organisation,
        actor,
        action,
        show_code(case.id),
        target=f"deviation:{case.id}",
        **details,
    )


def _require_open(case: Deviation) -> None:
    if case.status == "closed":
        raise CaseError("", _l("The case is closed. Reopen it to change it."))


def update_case(
    case: Deviation,
    actor: User,
    *,
    status: str,
    severity: str | None,
    handler: User | None,
    deadline: date | None,
) -> None:
    """Change status, severity, handler and deadline of an open case."""
    _require_open(case)
    if status not in OPEN_STATUSES:
        raise CaseError("status", _l("Close the case with a closing evaluation below."))
    if status == "measures_taken" and not case.measures:
        raise CaseError("status", _l("Add at least one measure first."))
    if handler is not None and handler.id not in {u.id for u in handlers(case.organisation, case)}:
        raise CaseError("handler", _l("Choose someone who can see this case."))
    changes = audit.apply_changes(
        case, status=status, severity=severity, handler_id=handler.id if handler else None
    )
    changes.update(audit.apply_changes(case, deadline=deadline))
    if "deadline" in changes:
        changes["deadline"] = [d.isoformat() if d else None for d in changes["deadline"]]
    if "handler_id" in changes:
        old = db.session.get(User, changes["handler_id"][0]) if changes["handler_id"][0] else None
        changes["handler"] = [old.name if old else None, handler.name if handler else None]
        del changes["handler_id"]
    if changes:
        log(case, actor, "deviation.update", **changes)


def add_measure(
    case: Deviation, actor: User, *, description: str, owner: str, due: date | None
) -> DeviationMeasure:
    """A measure so it does not happen again, with who is responsible and when it is due."""
    _require_open(case)
    measure = DeviationMeasure(deviation=case, description=description, owner=owner, due=due)
    db.session.add(measure)
    db.session.flush()
    log(
        case,
        actor,
        "deviation.measure_add",
        measure=measure.id,
        owner=owner,
        due=due.isoformat() if due else None,
    )
    return measure


def get_measure(case: Deviation, measure_id: int) -> DeviationMeasure:
    """The case's measure with this id, else NotFound."""
    return get_or_404(DeviationMeasure, measure_id, lambda m: m.deviation_id == case.id)


def set_measure_done(case: Deviation, actor: User, measure: DeviationMeasure, done: bool) -> None:
    """Mark a measure done (today) or not done."""
    _require_open(case)
    if measure.done == done:
        return
    measure.done = done
    measure.done_on = today() if done else None
    log(
        case,
        actor,
        "deviation.measure_done" if done else "deviation.measure_undone",
        measure=measure.id,
    )


def add_note(case: Deviation, actor: User, body: str) -> None:
    """An internal note, read by staff who see the case, never by the reporter."""
    if case.anonymised_on is not None:
        raise CaseError("note", _l("The case was anonymised after the retention time."))
    db.session.add(DeviationNote(deviation=case, author_id=actor.id, body=body))
    db.session.flush()
    log(case, actor, "deviation.note")


def send_message(case: Deviation, actor: User, body: str) -> None:
    """A message to the reporter, who reads it with the receipt code."""
    if case.receipt_hash is None:
        raise CaseError("body", _l("The reporter can no longer read messages on this case."))
    add_message(case, body, actor)
    log(case, actor, "deviation.message")


def close(case: Deviation, actor: User, evaluation: str) -> None:
    """Close the case with its closing evaluation; it needs at least one measure."""
    _require_open(case)
    if not case.measures:
        raise CaseError("evaluation", _l("A case needs at least one measure before it is closed."))
    if not evaluation.strip():
        raise CaseError("evaluation", _l("Write the closing evaluation."))
    case.status = "closed"
    case.closed_on = today()
    case.closing_evaluation = evaluation.strip()
    log(case, actor, "deviation.close")


def reopen(case: Deviation, actor: User) -> None:
    """Reopen a closed case, unless the retention time has anonymised it."""
    if case.status != "closed":
        raise CaseError("", _l("The case is not closed."))
    if case.anonymised_on is not None:
        raise CaseError(
            "", _l("The case was anonymised after the retention time and stays closed.")
        )
    case.status = "in_progress"
    case.closed_on = None
    log(case, actor, "deviation.reopen")
