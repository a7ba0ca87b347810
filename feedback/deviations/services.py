"""Deviation reports: receiving them, receipt codes, case handling, retention and statistics.

Reporter actions (a new report, a reply) commit here, all or nothing, exactly once per form
token, like answers. Staff actions flush and leave the commit to the view.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from feedback import audit, mail, personal_data, ratelimit
from feedback.access import current_memberships
from feedback.admin.services import unit_tree
from feedback.exceptions import RuleBroken
from feedback.extensions import db
from feedback.form_tokens import StoreFailed, claim, one_time_token
from feedback.ids import parse_id
from feedback.maintenance import needs_rewrite
from feedback.models import (
    Deviation,
    DeviationCategory,
    DeviationMeasure,
    DeviationMessage,
    DeviationNote,
    DeviationNotice,
    Membership,
    Organisation,
    Unit,
    User,
)
from feedback.models.base import today
from feedback.models.deviation import DEFAULT_CATEGORIES, DEVIATION_STATUSES
from feedback.models.survey import random_token
from feedback.respond.services import normalise_code, show_code

RECEIPT_LENGTH = 16
CASE_ID_LENGTH = 8
#: Scope of the counters of wrong receipt codes (one per code prefix).
RECEIPT_SCOPE = "receipt"
#: Free text limits, in characters.
DESCRIPTION_MAX = 5000
SUGGESTION_MAX = 3000
MESSAGE_MAX = 3000
#: Statuses a handler sets directly; "closed" takes a closing evaluation.
OPEN_STATUSES = DEVIATION_STATUSES[:-1]
#: Form purposes of the one-time tokens.
REPORT_FORM = "deviation-report"
REPLY_FORM = "deviation-reply"


class CaseError(RuleBroken):
    """A change to a case that breaks a rule."""


# --- categories --------------------------------------------------------------------------------


def categories(organisation: Organisation, *, active_only: bool = True) -> list[DeviationCategory]:
    stmt = (
        sa.select(DeviationCategory)
        .where(DeviationCategory.organisation_id == organisation.id)
        .order_by(DeviationCategory.position, DeviationCategory.id)
    )
    if active_only:
        stmt = stmt.where(DeviationCategory.active.is_(True))
    return list(db.session.scalars(stmt))


def add_default_categories(organisation: Organisation) -> None:
    """Give a new organisation the default list of categories."""
    for position, names in enumerate(DEFAULT_CATEGORIES):
        db.session.add(
            DeviationCategory(organisation=organisation, names=dict(names), position=position)
        )


def get_category(organisation: Organisation, category_id: int) -> DeviationCategory:
    category = db.session.get(DeviationCategory, category_id)
    if category is None or category.organisation_id != organisation.id:
        abort(404)
    return category


def save_category(
    organisation: Organisation,
    actor: User,
    category: DeviationCategory | None,
    names: dict[str, str],
    active: bool,
) -> DeviationCategory:
    """Add a category (at the end of the list) or change one."""
    if not names.get("nb", "").strip():
        raise CaseError("names", _l("Write the name in bokmål."))
    if category is None:
        last = db.session.scalar(
            sa.select(sa.func.max(DeviationCategory.position)).where(
                DeviationCategory.organisation_id == organisation.id
            )
        )
        category = DeviationCategory(
            organisation_id=organisation.id, names=names, position=(last or 0) + 1, active=active
        )
        db.session.add(category)
        db.session.flush()
        audit.record(organisation, actor, "deviation_category.create", names["nb"])
        return category
    changes = audit.apply_changes(category, names=names, active=active)
    if changes:
        audit.record(organisation, actor, "deviation_category.update", names["nb"], changed=changes)
    return category


def move_category(
    organisation: Organisation, actor: User, category: DeviationCategory, step: int
) -> None:
    """Move a category one place up (-1) or down (+1) in the list."""
    ordered = categories(organisation, active_only=False)
    index = ordered.index(category)
    other = index + step
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered):
        item.position = position
    audit.record(
        organisation,
        actor,
        "deviation_category.move",
        category.names["nb"],
        position=[index + 1, other + 1],
    )


# --- receipt codes -----------------------------------------------------------------------------


#: What someone typed, as generated: lower case, no spaces or dashes (as for access codes).
normalise_receipt = normalise_code


def show_receipt(code: str) -> str:
    """XXXX-XXXX-XXXX-XXXX: groups of four are easy to read aloud and to type."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4)).upper()


def _bucket(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()[:3]


def _hash(code: str) -> str:
    return generate_password_hash(code, method=current_app.config["PASSWORD_HASH_METHOD"])


#: Compared against when no case is in the bucket, so an unknown code costs the same time as a
#: wrong one.
_DUMMY: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY:
        _DUMMY[method] = generate_password_hash("no-such-receipt", method=method)
    return _DUMMY[method]


def find_by_receipt(text: str) -> Deviation | None:
    """The case whose receipt code this is, else None (unknown and wrong codes alike)."""
    code = normalise_receipt(text)
    if len(code) != RECEIPT_LENGTH:
        check_password_hash(_dummy_hash(), code)
        return None
    candidates = list(
        db.session.scalars(
            sa.select(Deviation).where(
                Deviation.receipt_bucket == _bucket(code), Deviation.receipt_hash.is_not(None)
            )
        )
    )
    found = None
    for case in candidates:
        if case.receipt_hash and check_password_hash(case.receipt_hash, code):
            found = case
    if not candidates:
        check_password_hash(_dummy_hash(), code)
    return found


def receipt_limit() -> str:
    return str(current_app.config["RECEIPT_PREFIX_LIMIT"])


def receipt_group(text: str) -> str:
    """The counter a typed receipt code's failures count in (its prefix)."""
    return ratelimit.code_group(normalise_receipt(text), RECEIPT_LENGTH)


# --- receiving ---------------------------------------------------------------------------------


def units_to_report(organisation: Organisation) -> list[tuple[Unit, int]]:
    return unit_tree(organisation, active_only=True)


def unit_for_report(organisation: Organisation, value: str) -> Unit | None:
    """The unit chosen in the form, None for "do not know" (the form checked the choice)."""
    unit_id = parse_id(value)
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None or unit.organisation_id != organisation.id or not unit.active:
        return None
    return unit


def new_report_token(organisation: Organisation) -> str:
    return one_time_token(REPORT_FORM, organisation.id)


def new_reply_token(case: Deviation) -> str:
    return one_time_token(REPLY_FORM, case.id)


@dataclass
class NewReport:
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


def _queue_notice(case: Deviation, kind: str) -> None:
    if not mail.enabled(current_app.config):
        return
    if db.session.get(DeviationNotice, (case.id, kind)) is None:
        db.session.add(DeviationNotice(deviation_id=case.id, kind=kind))


def submit(organisation: Organisation, report: NewReport, nonce: str) -> tuple[Deviation, str]:
    """Store a new report, exactly once per form token; returns the case and its receipt code.

    Raises AlreadySent for a second sending of the same form and StoreFailed when the
    database fails. The code itself is not stored, only its slow hash.
    """
    # The slow hash first: the token's claim below starts the write transaction, which on
    # SQLite locks out other writers until the commit.
    code = random_token(RECEIPT_LENGTH)
    receipt_hash = _hash(code)
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
            receipt_bucket=_bucket(code),
            receipt_hash=receipt_hash,
        )
        db.session.add(case)
        db.session.flush()
        _queue_notice(case, "new_report")
        db.session.commit()
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


def _add_message(case: Deviation, body: str, author: User | None) -> DeviationMessage:
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
    """The reporter's answer in the thread: stored once per form token, handler notified."""
    claim(nonce)
    for attempt in range(3):
        try:
            _add_message(case, body, None)
            _queue_notice(case, "reply")
            db.session.commit()
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


# --- who sees what -----------------------------------------------------------------------------


@dataclass
class Scope:
    """The cases a signed-in person may see in their current organisation.

    Managers see their units' cases, but not the reporter's own words until the quality group
    has taken the case on (status past "received"): DESIGN.md rule 4, free text is read by the
    quality group first, so personal data can be blacked out before anyone else sees it.
    """

    organisation: Organisation
    #: Quality-group members see every case.
    everything: bool
    #: A manager's units and every unit below them.
    unit_ids: frozenset[int] = frozenset()

    def covers(self, case: Deviation) -> bool:
        if case.organisation_id != self.organisation.id:
            return False
        return self.everything or case.unit_id in self.unit_ids

    def reads_text(self, case: Deviation) -> bool:
        """Whether the reporter's own words (report and messages) are shown."""
        return self.everything or case.status != "received"

    def where(self) -> sa.ColumnElement[bool]:
        condition = Deviation.organisation_id == self.organisation.id
        if self.everything:
            return condition
        return sa.and_(condition, Deviation.unit_id.in_(self.unit_ids))


def _with_descendants(organisation: Organisation, unit_ids: Iterable[int]) -> frozenset[int]:
    chosen = set(unit_ids)
    for unit, _depth in unit_tree(organisation):
        if unit.parent_id in chosen:
            chosen.add(unit.id)
    return frozenset(chosen)


def scope_for(organisation: Organisation, memberships: Sequence[Membership]) -> Scope | None:
    """What these roles may see, or None when they may see no cases at all."""
    if any(m.role == "quality" for m in memberships):
        return Scope(organisation, everything=True)
    managed = [u.id for m in memberships if m.role == "manager" for u in m.units]
    if not managed:
        return None
    return Scope(organisation, everything=False, unit_ids=_with_descendants(organisation, managed))


def current_scope(organisation: Organisation) -> Scope | None:
    return scope_for(organisation, current_memberships())


def get_case(scope: Scope, case_id: str) -> Deviation:
    """The case, if this person may see it; 404 otherwise, also for ids that do not exist."""
    key = case_id.replace("-", "").lower()
    case = db.session.get(Deviation, key) if len(key) == CASE_ID_LENGTH else None
    if case is None or not scope.covers(case):
        abort(404)
    return case


def sees_contact(case: Deviation, user: User) -> bool:
    """A named reporter's contact details are for the case handler alone."""
    return case.handler_id is not None and case.handler_id == user.id


def handlers(organisation: Organisation, case: Deviation | None = None) -> list[User]:
    """Who may handle a case: quality-group members, and the managers of its unit."""
    memberships = db.session.scalars(
        sa.select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.organisation_id == organisation.id,
            Membership.role.in_(("quality", "manager")),
            User.active.is_(True),
        )
    )
    people: dict[int, User] = {}
    for membership in memberships:
        scope = scope_for(organisation, [membership])
        if scope is not None and (case is None or scope.covers(case)):
            people[membership.user_id] = membership.user
    return sorted(people.values(), key=lambda u: (u.name.lower(), u.id))


# --- lists -------------------------------------------------------------------------------------


def is_overdue(case: Deviation, current: date | None = None) -> bool:
    """Open past its deadline, or with a measure not done past its due date."""
    current = current or today()
    if case.status == "closed":
        return False
    if case.deadline is not None and case.deadline < current:
        return True
    return any(not m.done and m.due is not None and m.due < current for m in case.measures)


def _overdue_clause(current: date) -> sa.ColumnElement[bool]:
    late_measure = (
        sa.select(DeviationMeasure.id)
        .where(
            DeviationMeasure.deviation_id == Deviation.id,
            DeviationMeasure.done.is_(False),
            DeviationMeasure.due < current,
        )
        .exists()
    )
    return sa.and_(Deviation.status != "closed", sa.or_(Deviation.deadline < current, late_measure))


@dataclass
class Filters:
    status: str | None = None
    unit_id: int | None = None
    category_id: int | None = None
    severity: str | None = None
    #: "none" finds cases nobody has assessed yet.
    overdue: bool = False
    mine: bool = False


PAGE_SIZE = 50


@dataclass
class CasePage:
    cases: list[Deviation]
    total: int
    page: int
    pages: int


def _conditions(
    scope: Scope, filters: Filters, user: User, current: date
) -> list[sa.ColumnElement[bool]]:
    """What the filters ask for, within what this person may see."""
    conditions: list[sa.ColumnElement[bool]] = [scope.where()]
    if filters.status == "open":
        conditions.append(Deviation.status != "closed")
    elif filters.status:
        conditions.append(Deviation.status == filters.status)
    if filters.unit_id is not None:
        below = _with_descendants(scope.organisation, [filters.unit_id])
        conditions.append(Deviation.unit_id.in_(below))
    if filters.category_id is not None:
        conditions.append(Deviation.category_id == filters.category_id)
    if filters.severity == "none":
        conditions.append(Deviation.severity.is_(None))
    elif filters.severity:
        conditions.append(Deviation.severity == filters.severity)
    if filters.overdue:
        conditions.append(_overdue_clause(current))
    if filters.mine:
        conditions.append(Deviation.handler_id == user.id)
    return conditions


def count_cases(scope: Scope, filters: Filters, user: User, current: date | None = None) -> int:
    """How many cases the filters find (one COUNT, no cases loaded)."""
    conditions = _conditions(scope, filters, user, current or today())
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(Deviation).where(*conditions)) or 0
    )


def list_cases(
    scope: Scope, filters: Filters, user: User, page: int = 1, current: date | None = None
) -> CasePage:
    """Cases this person may see, overdue ones first, then newest first."""
    current = current or today()
    conditions = _conditions(scope, filters, user, current)
    total = count_cases(scope, filters, user, current)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    overdue_first = sa.case((_overdue_clause(current), 0), else_=1)
    stmt = (
        sa.select(Deviation)
        .where(*conditions)
        .options(
            selectinload(Deviation.measures),
            selectinload(Deviation.unit),
            selectinload(Deviation.category),
            selectinload(Deviation.handler),
        )
        .order_by(overdue_first, Deviation.received_on.desc(), Deviation.id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return CasePage(list(db.session.scalars(stmt)), total, page, pages)


# --- case handling -----------------------------------------------------------------------------


def _log(case: Deviation, actor: User, action: str, **details: Any) -> None:
    audit.record(
        case.organisation,
        actor,
        action,
        show_case_id(case.id),
        target=f"deviation:{case.id}",
        **details,
    )


#: Case ids read as XXXX-XXXX, like access codes.
show_case_id = show_code


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
        _log(case, actor, "deviation.update", **changes)


def add_measure(
    case: Deviation, actor: User, *, description: str, owner: str, due: date | None
) -> DeviationMeasure:
    _require_open(case)
    measure = DeviationMeasure(deviation=case, description=description, owner=owner, due=due)
    db.session.add(measure)
    db.session.flush()
    _log(
        case,
        actor,
        "deviation.measure_add",
        measure=measure.id,
        owner=owner,
        due=due.isoformat() if due else None,
    )
    return measure


def get_measure(case: Deviation, measure_id: int) -> DeviationMeasure:
    measure = db.session.get(DeviationMeasure, measure_id)
    if measure is None or measure.deviation_id != case.id:
        abort(404)
    return measure


def set_measure_done(case: Deviation, actor: User, measure: DeviationMeasure, done: bool) -> None:
    _require_open(case)
    if measure.done == done:
        return
    measure.done = done
    measure.done_on = today() if done else None
    _log(
        case,
        actor,
        "deviation.measure_done" if done else "deviation.measure_undone",
        measure=measure.id,
    )


def add_note(case: Deviation, actor: User, body: str) -> None:
    if case.anonymised_on is not None:
        raise CaseError("note", _l("The case was anonymised after the retention time."))
    db.session.add(DeviationNote(deviation=case, author_id=actor.id, body=body))
    db.session.flush()
    _log(case, actor, "deviation.note")


def send_message(case: Deviation, actor: User, body: str) -> None:
    """A message to the reporter, who reads it with the receipt code."""
    if case.receipt_hash is None:
        raise CaseError("body", _l("The reporter can no longer read messages on this case."))
    _add_message(case, body, actor)
    _log(case, actor, "deviation.message")


def close(case: Deviation, actor: User, evaluation: str) -> None:
    _require_open(case)
    if not case.measures:
        raise CaseError("evaluation", _l("A case needs at least one measure before it is closed."))
    if not evaluation.strip():
        raise CaseError("evaluation", _l("Write the closing evaluation."))
    case.status = "closed"
    case.closed_on = today()
    case.closing_evaluation = evaluation.strip()
    _log(case, actor, "deviation.close")


def reopen(case: Deviation, actor: User) -> None:
    if case.status != "closed":
        raise CaseError("", _l("The case is not closed."))
    if case.anonymised_on is not None:
        raise CaseError(
            "", _l("The case was anonymised after the retention time and stays closed.")
        )
    case.status = "in_progress"
    case.closed_on = None
    _log(case, actor, "deviation.reopen")


# --- personal data in free text ----------------------------------------------------------------


@dataclass
class Flagged:
    """Likely personal data found in one of the reporter's texts."""

    where: str
    finding: personal_data.Finding


def _reporter_texts(case: Deviation) -> list[tuple[str, str]]:
    texts = [("description", case.description), ("suggestion", case.suggestion)]
    texts += [(f"message:{m.position}", m.body) for m in case.messages if m.from_reporter]
    return texts


def flagged(case: Deviation) -> list[Flagged]:
    return [
        Flagged(where, finding)
        for where, text in _reporter_texts(case)
        for finding in personal_data.find(text)
    ]


def redact(case: Deviation, actor: User, pieces: Iterable[str]) -> int:
    """Remove these pieces of text wherever the reporter wrote them; returns how many went.

    The text is overwritten in the database (and on SQLite, with secure_delete, on disk).
    """
    chosen = [p for p in pieces if p.strip()]
    total = 0
    case.description, count = personal_data.redact(case.description, chosen)
    total += count
    case.suggestion, count = personal_data.redact(case.suggestion, chosen)
    total += count
    for message in case.messages:
        if message.from_reporter:
            message.body, count = personal_data.redact(message.body, chosen)
            total += count
    if total:
        _log(case, actor, "deviation.redact", count=total)
        # The old row versions keep the text in the tables' files until the rewrite.
        needs_rewrite("deviation", "deviation_message")
    return total


# --- retention ---------------------------------------------------------------------------------


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


# --- notifications -----------------------------------------------------------------------------


def _notice_recipients(notice: DeviationNotice) -> list[User]:
    case = notice.deviation
    people = handlers(case.organisation, case)
    if notice.kind == "reply" and case.handler in people:
        return [case.handler]
    return people


@dataclass
class _Digest:
    new: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)


def _mail_text(user: User, digest: _Digest) -> mail.Mail:
    # Staff read the notice in bokmål, the app's default; the text holds links only.
    base = current_app.config["PUBLIC_URL"]
    lines = [f"Hei, {user.name}.", ""]
    if digest.new:
        lines.append("Nye avviksmeldinger:" if len(digest.new) > 1 else "Ny avviksmelding:")
        lines += [f"{base}/avvik/saker/{case_id}" for case_id in digest.new]
        lines.append("")
    if digest.replies:
        lines.append("Melderen har svart i disse sakene:")
        lines += [f"{base}/avvik/saker/{case_id}" for case_id in digest.replies]
        lines.append("")
    lines += [
        "Logg inn for å lese. Av hensyn til personvernet står ikke innholdet i e-posten.",
        "",
        "Brukerstemmen",
    ]
    parts = []
    if digest.new:
        parts.append(f"{len(digest.new)} ny" if len(digest.new) == 1 else f"{len(digest.new)} nye")
    if digest.replies:
        parts.append(f"{len(digest.replies)} svar")
    return mail.Mail(user.email, "Avviksmeldinger: " + ", ".join(parts), "\n".join(lines))


def send_notices() -> int:
    """Mail staff about new reports and reporters' replies (one mail per person); returns
    how many mails went. Notices stay queued if the mail server fails (MailError)."""
    notices = list(db.session.scalars(sa.select(DeviationNotice)))
    digests: dict[int, tuple[User, _Digest]] = {}
    for notice in notices:
        for user in _notice_recipients(notice):
            digest = digests.setdefault(user.id, (user, _Digest()))[1]
            (digest.new if notice.kind == "new_report" else digest.replies).append(
                notice.deviation_id
            )
    mails = [_mail_text(user, digest) for user, digest in digests.values()]
    sent = mail.send(current_app.config, mails)
    for notice in notices:
        db.session.delete(notice)
    db.session.flush()
    return sent


def overwrite_freed_space() -> None:
    """After redaction or retention: on SQLite, move the write-ahead log into the database file
    (where secure_delete has overwritten the old text) and empty it, so the removed text is not
    left in the log. PostgreSQL keeps old row versions until VACUUM (autovacuum) reclaims them."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
