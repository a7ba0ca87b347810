"""Editing a questionnaire's pages and questions: add, change, move and delete, with every
condition kept pointing to an earlier question. Services flush; views commit."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from feedback.designer.services import DesignerError, ensure_editable, record_change
from feedback.extensions import db
from feedback.models import Question, SurveyPage, SurveyRound, User
from feedback.models.survey import clean_text
from feedback.questionnaire import document as doc

# --- pages -----------------------------------------------------------------------------------


def _renumber(items: list[Any]) -> None:
    for position, item in enumerate(items):
        item.position = position


def add_page(round_: SurveyRound, actor: User | None, title: dict[str, str]) -> SurveyPage:
    """A new, empty page at the end."""
    ensure_editable(round_)
    if len(round_.pages) >= doc.MAX_PAGES:
        raise DesignerError(
            "", _l("A questionnaire can have at most %(n)d pages.", n=doc.MAX_PAGES)
        )
    page = SurveyPage(title=clean_text(title), position=len(round_.pages))
    round_.pages.append(page)
    record_change(round_, actor, "page.add", page=len(round_.pages))
    return page


def update_page(page: SurveyPage, actor: User | None, title: dict[str, str]) -> None:
    """Change the page's title."""
    round_ = page.round
    ensure_editable(round_)
    title = clean_text(title)
    if title != page.title:
        page.title = title
        record_change(round_, actor, "page.update", page=round_.pages.index(page) + 1)


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
    """Up (``step`` -1) or down (+1) one place; conditions must still point back."""
    round_ = page.round
    ensure_editable(round_)
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
    record_change(round_, actor, "page.move", page=index + 1, to=new_index + 1)


def _dependents(questions: list[Question], round_: SurveyRound) -> list[Question]:
    ids = {q.id for q in questions}
    return [q for q in round_.questions if q.condition_question_id in ids and q.id not in ids]


def delete_page(page: SurveyPage, actor: User | None) -> None:
    """Delete the page and its questions (not the last page, nor one others depend on)."""
    round_ = page.round
    ensure_editable(round_)
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
    record_change(round_, actor, "page.delete", page=number, questions=len(page.questions))


# --- questions -------------------------------------------------------------------------------


def next_key(round_: SurveyRound) -> str:
    """The first free key of the form q<n> for a new question."""
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
    """A new question at the end of the page, from a question form's data."""
    round_ = page.round
    ensure_editable(round_)
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
    record_change(round_, actor, "question.add", key=question.key, kind=question.kind)
    return question


def update_question(
    question: Question,
    actor: User | None,
    data: dict[str, Any],
    *,
    page: SurveyPage | None = None,
    comparable: bool | None = None,
) -> None:
    """Change a question, and move it to ``page`` or mark it ``comparable`` if given."""
    round_ = question.round
    ensure_editable(round_)
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
        record_change(round_, actor, "question.update", key=question.key, fields=fields)


def move_question(question: Question, actor: User | None, step: int) -> None:
    """Up or down one place; past the edge of a page it moves to the next page."""
    round_ = question.round
    ensure_editable(round_)
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
    record_change(round_, actor, "question.move", key=question.key)


def delete_question(question: Question, actor: User | None) -> None:
    """Delete a question that no other question's condition depends on."""
    round_ = question.round
    ensure_editable(round_)
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
    record_change(round_, actor, "question.delete", key=key)


def reorder_questions(page: SurveyPage, actor: User | None, order: list[int]) -> None:
    """Put the page's questions in ``order`` (their ids, each once), as a drag and drop does;
    conditions must still point back."""
    round_ = page.round
    ensure_editable(round_)
    by_id = {q.id: q for q in page.questions}
    if len(order) != len(by_id) or set(order) != set(by_id):
        raise DesignerError(
            "",
            _l(
                "The new order must name every question on the page once. Reload the page and"
                " try again."
            ),
        )
    if order == [q.id for q in page.questions]:
        return
    questions = [by_id[i] for i in order]
    _renumber(questions)
    db.session.flush()
    db.session.expire(page, ["questions"])
    _check_order(round_)
    record_change(
        round_,
        actor,
        "question.move",
        page=round_.pages.index(page) + 1,
        order=[q.key for q in questions],
    )
