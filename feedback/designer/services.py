"""Questionnaire design, user-led approval and the round lifecycle. Services flush; views commit.

Lifecycle: draft → awaiting_approval → open → closed → archived.
- A round opens only when the organisation's approval rule is met, on its open date if it has one.
- Any change to the questionnaire after an approval removes all approvals; an open round that is
  changed (possible only before the first response) goes back to awaiting approval.
- Questions lock at the first response, and in closed and archived rounds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask_babel import lazy_gettext as _l

from feedback import audit
from feedback.designer.library import builtin_templates
from feedback.exceptions import RuleBroken
from feedback.extensions import db
from feedback.models import (
    Approval,
    Membership,
    Organisation,
    Question,
    Response,
    SurveyPage,
    SurveyRound,
    SurveySeries,
    SurveyTemplate,
    User,
)
from feedback.models.base import today as local_today
from feedback.models.base import utcnow
from feedback.models.survey import TEXT_LANGUAGES, clean_text
from feedback.questionnaire import document as doc

#: Statuses in which the questionnaire itself may change (if nobody has answered yet).
EDITABLE_STATUSES = ("draft", "awaiting_approval", "open")


class DesignerError(RuleBroken):
    """A questionnaire change that breaks a rule."""


class ImportFailed(Exception):
    """A document that cannot be imported; ``problems`` names every reason."""

    def __init__(self, problems: list[doc.Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def _target(round_: SurveyRound) -> str:
    return f"survey_round:{round_.id}"


def round_name(round_: SurveyRound) -> str:
    return f"{round_.title.get('nb', '')} ({round_.number})"


def _log(round_: SurveyRound, actor: User | None, action: str, **details: Any) -> None:
    audit.record(
        round_.series.organisation,
        actor,
        action,
        round_name(round_),
        target=_target(round_),
        **details,
    )


# --- finding ---------------------------------------------------------------------------------


def series_list(organisation: Organisation) -> list[SurveySeries]:
    """The organisation's series, newest first, each with its rounds."""
    stmt = (
        sa.select(SurveySeries)
        .where(SurveySeries.organisation_id == organisation.id)
        .order_by(SurveySeries.created_at.desc(), SurveySeries.id.desc())
    )
    return list(db.session.scalars(stmt))


def get_round(organisation: Organisation, round_id: int) -> SurveyRound:
    """The organisation's round, else 404 (also for another organisation's round)."""
    round_ = db.session.get(SurveyRound, round_id)
    if round_ is None or round_.series.organisation_id != organisation.id:
        abort(404)
    return round_


def get_page(round_: SurveyRound, page_id: int) -> SurveyPage:
    page = db.session.get(SurveyPage, page_id)
    if page is None or page.round_id != round_.id:
        abort(404)
    return page


def get_question(round_: SurveyRound, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.round_id != round_.id:
        abort(404)
    return question


def response_count(round_: SurveyRound) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Response).where(Response.round_id == round_.id)
        )
        or 0
    )


def published_count(round_: SurveyRound) -> int:
    """Responses in the round's published results (the count readers see)."""
    from feedback.results import tally  # not at import: results import the designer

    return tally.published_total(db.session(), round_.id)


def is_locked(round_: SurveyRound, responses: int | None = None) -> bool:
    """True when the questions may no longer change (``responses``: the count, if known)."""
    if round_.status not in EDITABLE_STATUSES:
        return True
    return (response_count(round_) if responses is None else responses) > 0


def _ensure_editable(round_: SurveyRound) -> None:
    if round_.status not in EDITABLE_STATUSES:
        raise DesignerError(
            "", _l("This round is closed. To change the questions, start a new round.")
        )
    if response_count(round_) > 0:
        raise DesignerError(
            "",
            _l(
                "The questions are locked because people have answered. To change them, start"
                " a new round."
            ),
        )


def _changed(round_: SurveyRound, actor: User | None, action: str, **details: Any) -> None:
    """Record a change to the questionnaire: approvals go, an open round waits for new ones."""
    round_.changed_at = utcnow()
    _log(round_, actor, action, **details)
    if round_.approvals:
        names = [a.user.name for a in round_.approvals]
        round_.approvals.clear()
        _log(round_, actor, "round.approvals_reset", approved_by=names)
    if round_.status == "open":
        round_.status = "awaiting_approval"
        round_.opened_at = None
        _log(round_, actor, "round.back_to_approval")
    db.session.flush()


# --- creating --------------------------------------------------------------------------------


def create_round(
    organisation: Organisation, actor: User | None, document: dict[str, Any], *, source: str
) -> SurveyRound:
    """A new series whose first round holds the (checked) document's questionnaire."""
    problems = doc.check_document(document)
    if problems:
        raise ImportFailed(problems)
    series = SurveySeries(organisation=organisation)
    round_ = SurveyRound(series=series, number=1, status="draft")
    db.session.add(series)
    doc.fill_round(round_, document)
    db.session.flush()
    _log(round_, actor, "round.create", source=source)
    return round_


def import_round(organisation: Organisation, actor: User | None, raw: bytes) -> SurveyRound:
    """Create a questionnaire from an uploaded JSON file; ImportFailed names every problem."""
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise ImportFailed(
            [doc.Problem("", "file", _l("The file is not readable JSON text (UTF-8)."))]
        ) from None
    except RecursionError:
        # json.loads reads nested lists and objects by recursion; past about 1,000 levels it
        # gives up. check_document refuses far less deep documents with the same message.
        raise ImportFailed([doc.too_deep()]) from None
    return create_round(organisation, actor, document, source="import")


def new_round(round_: SurveyRound, actor: User | None) -> SurveyRound:
    """The next round of the series with the questionnaire copied unchanged."""
    series = round_.series
    number = max(r.number for r in series.rounds) + 1
    copy = SurveyRound(series=series, number=number, status="draft", previous_id=round_.id)
    db.session.add(copy)
    doc.fill_round(copy, doc.export_round(round_))
    earlier = {q.key: q for q in round_.questions}
    for question in copy.questions:
        previous = earlier.get(question.key)
        if previous is not None:
            question.previous = previous
            question.comparable = True
    db.session.add(copy)
    db.session.flush()
    _log(copy, actor, "round.create", source="round", previous=round_.number)
    return copy


# --- templates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateChoice:
    #: "builtin:<name>" or "own:<id>".
    ident: str
    name: str
    document: dict[str, Any]


def template_choices(organisation: Organisation) -> list[TemplateChoice]:
    """Built-in templates first, then the organisation's own, by name."""
    choices = [
        TemplateChoice(f"builtin:{t.name}", str(t.label), t.document) for t in builtin_templates()
    ]
    own = db.session.scalars(
        sa.select(SurveyTemplate)
        .where(SurveyTemplate.organisation_id == organisation.id)
        .order_by(SurveyTemplate.name)
    )
    choices += [TemplateChoice(f"own:{t.id}", t.name, t.document) for t in own]
    return choices


def save_template(round_: SurveyRound, actor: User | None, name: str) -> SurveyTemplate:
    organisation = round_.series.organisation
    clash = db.session.scalar(
        sa.select(SurveyTemplate.id).where(
            SurveyTemplate.organisation_id == organisation.id,
            sa.func.lower(SurveyTemplate.name) == name.lower(),
        )
    )
    if clash is not None:
        raise DesignerError("name", _l("There is already a template with this name."))
    template = SurveyTemplate(
        organisation_id=organisation.id,
        name=name,
        document=doc.export_round(round_),
        created_by_id=actor.id if actor else None,
    )
    db.session.add(template)
    db.session.flush()
    _log(round_, actor, "template.save", name=name)
    return template


# --- texts and dates -------------------------------------------------------------------------


def update_settings(
    round_: SurveyRound,
    actor: User | None,
    *,
    title: dict[str, str],
    intro: dict[str, str],
    thanks: dict[str, str],
    opens_on: date | None,
    closes_on: date | None,
) -> None:
    """Change the round's texts (a change to the questionnaire) and its dates (not one)."""
    if round_.status == "archived":
        raise DesignerError("", _l("An archived round cannot be changed."))
    if opens_on and closes_on and closes_on < opens_on:
        raise DesignerError(
            "closes_on", _l("The closing date must be on or after the opening date.")
        )
    texts = {"title": clean_text(title), "intro": clean_text(intro), "thanks": clean_text(thanks)}
    changed_texts = [k for k, v in texts.items() if getattr(round_, k) != v]
    if changed_texts:
        _ensure_editable(round_)
        for key, value in texts.items():
            setattr(round_, key, value)
        _changed(round_, actor, "round.update", fields=changed_texts)
    if (opens_on, closes_on) != (round_.opens_on, round_.closes_on):
        if round_.status in ("closed", "archived") and opens_on != round_.opens_on:
            raise DesignerError("opens_on", _l("A closed round cannot get a new opening date."))
        _log(
            round_,
            actor,
            "round.dates",
            opens_on=opens_on.isoformat() if opens_on else None,
            closes_on=closes_on.isoformat() if closes_on else None,
        )
        round_.opens_on, round_.closes_on = opens_on, closes_on
        db.session.flush()


# --- pages -----------------------------------------------------------------------------------


def _renumber(items: list[Any]) -> None:
    for position, item in enumerate(items):
        item.position = position


def add_page(round_: SurveyRound, actor: User | None, title: dict[str, str]) -> SurveyPage:
    _ensure_editable(round_)
    if len(round_.pages) >= doc.MAX_PAGES:
        raise DesignerError(
            "", _l("A questionnaire can have at most %(n)d pages.", n=doc.MAX_PAGES)
        )
    page = SurveyPage(title=clean_text(title), position=len(round_.pages))
    round_.pages.append(page)
    _changed(round_, actor, "page.add", page=len(round_.pages))
    return page


def update_page(page: SurveyPage, actor: User | None, title: dict[str, str]) -> None:
    round_ = page.round
    _ensure_editable(round_)
    title = clean_text(title)
    if title != page.title:
        page.title = title
        _changed(round_, actor, "page.update", page=round_.pages.index(page) + 1)


def _check_order(round_: SurveyRound) -> None:
    """Every condition still points to an earlier question after a move."""
    seen: set[int] = set()
    for question in round_.questions:
        target = question.condition_question
        if target is not None and target.id not in seen:
            raise DesignerError(
                "",
                _l(
                    "This move would put question “%(key)s” before the question its condition"
                    " depends on. Remove the condition first, or move the other question too.",
                    key=question.key,
                ),
            )
        seen.add(question.id)


def move_page(page: SurveyPage, actor: User | None, step: int) -> None:
    round_ = page.round
    _ensure_editable(round_)
    pages = list(round_.pages)
    index = pages.index(page)
    new_index = index + step
    if not 0 <= new_index < len(pages):
        return
    pages.insert(new_index, pages.pop(index))
    _renumber(pages)
    db.session.flush()
    db.session.expire(round_, ["pages"])
    _check_order(round_)
    _changed(round_, actor, "page.move", page=index + 1, to=new_index + 1)


def _dependents(questions: list[Question], round_: SurveyRound) -> list[Question]:
    ids = {q.id for q in questions}
    return [q for q in round_.questions if q.condition_question_id in ids and q.id not in ids]


def delete_page(page: SurveyPage, actor: User | None) -> None:
    round_ = page.round
    _ensure_editable(round_)
    if len(round_.pages) == 1:
        raise DesignerError("", _l("A questionnaire needs at least one page."))
    dependents = _dependents(list(page.questions), round_)
    if dependents:
        raise DesignerError(
            "",
            _l(
                "Question “%(key)s” on another page depends on a question on this page. Remove"
                " that condition first.",
                key=dependents[0].key,
            ),
        )
    number = round_.pages.index(page) + 1
    for question in page.questions:  # self-references inside the page go first
        question.condition_question = None
        question.condition_value = None
    db.session.flush()
    round_.pages.remove(page)
    _renumber(round_.pages)
    _changed(round_, actor, "page.delete", page=number, questions=len(page.questions))


# --- questions -------------------------------------------------------------------------------


def next_key(round_: SurveyRound) -> str:
    taken = {q.key for q in round_.questions}
    number = len(taken) + 1
    while f"q{number}" in taken:
        number += 1
    return f"q{number}"


def questions_before(
    round_: SurveyRound, page: SurveyPage, question: Question | None
) -> list[Question]:
    """The questions a respondent meets before ``question`` (or before the end of ``page``)."""
    before: list[Question] = []
    for current_page in round_.pages:
        for current in current_page.questions:
            if current is question:
                return before
            before.append(current)
        if current_page is page and question is None:
            return before
    return before


def _raise_first(problems: list[doc.Problem]) -> None:
    if problems:
        raise DesignerError(problems[0].field, problems[0].message)


def check_question(
    round_: SurveyRound, page: SurveyPage, question: Question | None, data: dict[str, Any]
) -> list[doc.Problem]:
    """Every problem with a question form's data at its place in the round."""
    earlier = doc.documents_in(questions_before(round_, page, question))
    problems = doc.check_question(data, earlier)
    if question is not None:
        options_used = {
            q.condition_value for q in round_.questions if q.condition_question_id == question.id
        }
        still = set(doc.answer_values(data))
        for value in sorted(v for v in options_used if v is not None and v not in still):
            problems.append(
                doc.Problem(
                    "",
                    "options",
                    _l(
                        "Another question is shown only after the answer “%(value)s”, so it"
                        " cannot be removed. Change that condition first.",
                        value=value,
                    ),
                )
            )
    return problems


def add_question(page: SurveyPage, actor: User | None, data: dict[str, Any]) -> Question:
    round_ = page.round
    _ensure_editable(round_)
    if len(round_.questions) >= doc.MAX_QUESTIONS:
        raise DesignerError(
            "", _l("A questionnaire can have at most %(n)d questions.", n=doc.MAX_QUESTIONS)
        )
    data = {**data, "key": next_key(round_)}
    _raise_first(check_question(round_, page, None, data))
    by_key = {q.key: q for q in round_.questions}
    question = Question(round=round_, position=len(page.questions))
    doc.apply_question(question, data, by_key)
    page.questions.append(question)
    _changed(round_, actor, "question.add", key=question.key, kind=question.kind)
    return question


def update_question(
    question: Question,
    actor: User | None,
    data: dict[str, Any],
    *,
    page: SurveyPage | None = None,
    comparable: bool | None = None,
) -> None:
    round_ = question.round
    _ensure_editable(round_)
    data = {**data, "key": question.key, "type": question.kind}
    target_page = page or question.page
    if target_page is not question.page:
        # Check the condition as if the question were at the end of the target page.
        before = [q for q in questions_before(round_, target_page, None) if q is not question]
        problems = doc.check_question(data, doc.documents_in(before))
    else:
        problems = check_question(round_, question.page, question, data)
    _raise_first(problems)
    before_doc = doc.question_document(question)
    by_key = {q.key: q for q in round_.questions}
    doc.apply_question(question, data, by_key)
    fields = sorted(k for k in set(before_doc) | set(data) if before_doc.get(k) != data.get(k))
    if target_page is not question.page:
        question.page.questions.remove(question)
        question.position = len(target_page.questions)
        target_page.questions.append(question)
        db.session.flush()
        _check_order(round_)
        fields.append("page")
    if (
        comparable is not None
        and question.previous_id is not None
        and comparable != question.comparable
    ):
        question.comparable = comparable
        fields.append("comparable")
    if fields:
        _changed(round_, actor, "question.update", key=question.key, fields=fields)


def move_question(question: Question, actor: User | None, step: int) -> None:
    """Up or down one place; past the edge of a page it moves to the next page."""
    round_ = question.round
    _ensure_editable(round_)
    page = question.page
    siblings = list(page.questions)
    index = siblings.index(question)
    new_index = index + step
    pages = list(round_.pages)
    page_index = pages.index(page)
    if 0 <= new_index < len(siblings):
        siblings.insert(new_index, siblings.pop(index))
        _renumber(siblings)
    else:
        other_index = page_index + (1 if step > 0 else -1)
        if not 0 <= other_index < len(pages):
            return
        other = pages[other_index]
        page.questions.remove(question)
        if step > 0:
            other.questions.insert(0, question)
        else:
            other.questions.append(question)
        _renumber(page.questions)
        _renumber(other.questions)
    db.session.flush()
    for p in pages:
        db.session.expire(p, ["questions"])
    _check_order(round_)
    _changed(round_, actor, "question.move", key=question.key)


def delete_question(question: Question, actor: User | None) -> None:
    round_ = question.round
    _ensure_editable(round_)
    dependents = _dependents([question], round_)
    if dependents:
        raise DesignerError(
            "",
            _l(
                "Question “%(key)s” is shown only after an answer to this question. Remove that"
                " condition first.",
                key=dependents[0].key,
            ),
        )
    page = question.page
    key = question.key
    page.questions.remove(question)
    _renumber(page.questions)
    _changed(round_, actor, "question.delete", key=key)


# --- approval and lifecycle --------------------------------------------------------------------


def user_representatives(organisation: Organisation) -> list[User]:
    """Active accounts that sit in the quality group as user representatives."""
    stmt = (
        sa.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organisation_id == organisation.id,
            Membership.role == "quality",
            Membership.representation == "user_rep",
            User.active.is_(True),
        )
        .distinct()
        .order_by(User.name)
    )
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class ApprovalState:
    representatives: list[User]
    approved_by: list[User]
    needed: int

    @property
    def met(self) -> bool:
        return bool(self.representatives) and len(self.approved_by) >= self.needed

    def may_approve(self, user: User) -> bool:
        return any(u.id == user.id for u in self.representatives)

    @property
    def possible(self) -> bool:
        return bool(self.representatives) and self.needed <= len(self.representatives)


def approvals_needed(organisation: Organisation, representatives: int) -> int:
    if organisation.approval_rule == "all":
        return representatives
    if organisation.approval_rule == "count":
        return organisation.approval_count
    return representatives // 2 + 1


def approval_state(round_: SurveyRound) -> ApprovalState:
    organisation = round_.series.organisation
    representatives = user_representatives(organisation)
    ids = {u.id for u in representatives}
    approved_by = [a.user for a in round_.approvals if a.user_id in ids]
    return ApprovalState(
        representatives, approved_by, approvals_needed(organisation, len(representatives))
    )


def can_approve(round_: SurveyRound, user: User) -> bool:
    return approval_state(round_).may_approve(user)


def submit_for_approval(round_: SurveyRound, actor: User | None) -> None:
    if round_.status != "draft":
        raise DesignerError("", _l("Only a draft can be sent for approval."))
    if not round_.questions:
        raise DesignerError("", _l("Add at least one question before sending it for approval."))
    round_.status = "awaiting_approval"
    _log(round_, actor, "round.submit")
    db.session.flush()


def back_to_draft(round_: SurveyRound, actor: User | None) -> None:
    if round_.status != "awaiting_approval":
        raise DesignerError("", _l("Only a round awaiting approval can go back to draft."))
    round_.status = "draft"
    round_.approvals.clear()
    _log(round_, actor, "round.back_to_draft")
    db.session.flush()


def _open(round_: SurveyRound, actor: User | None, *, scheduled: bool = False) -> None:
    round_.status = "open"
    round_.opened_at = utcnow()
    _log(round_, actor, "round.open", scheduled=scheduled)


def _opens_now(round_: SurveyRound, today: date) -> bool:
    return round_.opens_on is None or round_.opens_on <= today


def approve(round_: SurveyRound, user: User) -> None:
    """A user representative approves; the round opens when that meets the rule."""
    if round_.status != "awaiting_approval":
        raise DesignerError("", _l("Only a round awaiting approval can be approved."))
    if not can_approve(round_, user):
        raise DesignerError(
            "", _l("Only the quality group's user representatives approve questionnaires.")
        )
    if any(a.user_id == user.id for a in round_.approvals):
        return  # a double click approves once
    round_.approvals.append(Approval(user=user))
    db.session.flush()
    _log(round_, user, "round.approve")
    if approval_state(round_).met and _opens_now(round_, local_today()):
        _open(round_, user)
    db.session.flush()


def withdraw_approval(round_: SurveyRound, user: User) -> None:
    if round_.status != "awaiting_approval":
        raise DesignerError("", _l("The approval can only be withdrawn before the round opens."))
    mine = [a for a in round_.approvals if a.user_id == user.id]
    if mine:
        round_.approvals.remove(mine[0])
        _log(round_, user, "round.withdraw_approval")
        db.session.flush()


def open_now(round_: SurveyRound, actor: User | None) -> None:
    """Open an approved round before its open date."""
    if round_.status != "awaiting_approval" or not approval_state(round_).met:
        raise DesignerError("", _l("The round can open only when it is approved."))
    round_.opens_on = local_today() if round_.opens_on else None
    _open(round_, actor)
    db.session.flush()


def close(round_: SurveyRound, actor: User | None) -> None:
    if round_.status != "open":
        raise DesignerError("", _l("Only an open round can be closed."))
    round_.status = "closed"
    round_.closed_at = utcnow()
    _log(round_, actor, "round.close", scheduled=False)
    db.session.flush()


def archive(round_: SurveyRound, actor: User | None) -> None:
    if round_.status != "closed":
        raise DesignerError("", _l("Only a closed round can be archived."))
    round_.status = "archived"
    _log(round_, actor, "round.archive")
    db.session.flush()


def apply_schedule(organisation: Organisation | None = None, today: date | None = None) -> int:
    """Open approved rounds whose date has come and close rounds whose date has passed."""
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
            _open(round_, None, scheduled=True)
            changed += 1
    for round_ in due_to_close:
        round_.status = "closed"
        round_.closed_at = utcnow()
        _log(round_, None, "round.close", scheduled=True)
        changed += 1
    if changed:
        db.session.flush()
    return changed


# --- reading aids ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MissingText:
    where: str
    what: str
    languages: tuple[str, ...]
    question_id: int | None = None
    page_id: int | None = None


def _missing(text: dict[str, str]) -> tuple[str, ...]:
    if not text.get("nb"):
        return ()
    return tuple(lang for lang in TEXT_LANGUAGES if not text.get(lang))


def missing_translations(round_: SurveyRound) -> list[MissingText]:
    """Texts that have bokmål but lack nynorsk or English, in reading order."""
    found: list[MissingText] = []
    settings = str(_l("Title and texts"))
    for field, label in (
        ("title", _l("Title")),
        ("intro", _l("Introduction")),
        ("thanks", _l("Thank-you text")),
    ):
        languages = _missing(getattr(round_, field))
        if languages:
            found.append(MissingText(settings, str(label), languages))
    number = 0
    for page_number, page in enumerate(round_.pages, start=1):
        page_where = str(_l("Page %(n)d", n=page_number))
        languages = _missing(page.title)
        if languages:
            found.append(MissingText(page_where, str(_l("Page title")), languages, page_id=page.id))
        for question in page.questions:
            number += 1
            where = str(_l("Question %(n)d", n=number))
            texts = [
                (_l("Question text"), question.text),
                (_l("Help text"), question.help),
                (_l("Label at the low end"), question.low_label),
                (_l("Label at the high end"), question.high_label),
            ] + [
                (_l("Answer option “%(label)s”", label=o.label.get("nb", "")), o.label)
                for o in question.options
            ]
            for label, text in texts:
                languages = _missing(text)
                if languages:
                    found.append(MissingText(where, str(label), languages, question_id=question.id))
    return found


def changed_since_previous(question: Question) -> bool:
    """The question differs from the one it was copied from (so it may not compare)."""
    if question.previous is None:
        return False
    mine = doc.question_document(question)
    theirs = doc.question_document(question.previous)
    mine.pop("condition", None)
    theirs.pop("condition", None)
    return mine != theirs


#: For other parts of the app that record something about a round in its history.
log_round = _log
