"""Free-text answers: read by the quality group first, checked for likely personal data, and
redacted in the database where the group decides (docs/design.md rule 4).

Managers read free text only after the group has released a round's texts, and never an answer
still flagged as likely personal data. A text is a key to its author: listed under a channel or
answer filter, whether it is there or not tells the author's way of answering and each of their
choices. So managers read texts only for the whole round or a unit (with the units below) that
passes the results' small-group test, never under a channel or answer filter; the quality group,
which reads raw data anyway, keeps every filter.

Answers are listed in a stable random order: by a keyed hash (HMAC with the app's secret key) of
the answer's place, so the order is the same on every page load but says nothing about when an
answer came in, and can not be matched with the order of another list (the random response ids,
or the raw export's rows, which are shuffled with another key).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from feedback import personal_data
from feedback.extensions import db
from feedback.ids import parse_id
from feedback.maintenance import needs_rewrite
from feedback.models import Answer, Evaluation, Question, Response, SurveyRound
from feedback.models.results import NO_UNIT
from feedback.models.survey import DONT_KNOW
from feedback.questionnaire.registry import question_type
from feedback.results.counting import counted
from feedback.results.selection import Selection, Units

#: Answers shown per question and page.
PAGE_SIZE = 50


@dataclass
class TextAnswer:
    response_id: str
    question_id: int
    position: int
    text: str
    findings: list[personal_data.Finding]

    @property
    def flagged(self) -> bool:
        return bool(self.findings)

    @property
    def key(self) -> str:
        """What a redaction form sends back to name this answer."""
        return f"{self.response_id}:{self.question_id}:{self.position}"


def may_read(selection: Selection, *, for_quality_group: bool) -> bool:
    """Whether texts are listed for this selection: for anyone but the quality group only the
    whole round or a unit (the caller has checked that the selection passes k)."""
    return for_quality_group or not {"channel", "answer"} & set(selection.filters)


def order_key(purpose: str, *parts: object) -> bytes:
    """A stable random sort key: an HMAC with the app's secret key of what to sort, kept apart
    per purpose so that two lists never share an order."""
    message = "\x1f".join([purpose, *(str(p) for p in parts)]).encode()
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, message, hashlib.sha256).digest()


def released(round_: SurveyRound) -> bool:
    evaluation = db.session.get(Evaluation, round_.id)
    return bool(evaluation and evaluation.texts_released)


def text_answers(
    round_: SurveyRound,
    question: Question,
    selection: Selection,
    units: Units,
    *,
    for_quality_group: bool,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> tuple[list[TextAnswer], int]:
    """A page of a text question's answers within a selection, and how many there are, in a
    stable random order.

    For anyone but the quality group: nothing until released, nothing under a channel or answer
    filter, and never a flagged answer."""
    if not question_type(question).free_text:
        return [], 0
    if not for_quality_group and not (
        released(round_) and may_read(selection, for_quality_group=False)
    ):
        return [], 0
    rows = [_text_answer(question, *row) for row in _text_rows(round_, question, selection, units)]
    if not for_quality_group:
        # Others never see a flagged answer, and only the text says whether it is flagged.
        rows = [r for r in rows if not r.flagged]
    rows.sort(key=lambda a: order_key("text", round_.id, a.question_id, a.response_id, a.position))
    return rows[offset : offset + limit], len(rows)


def _text_rows(
    round_: SurveyRound, question: Question, selection: Selection, units: Units
) -> list[tuple[str, int, str]]:
    """(response id, position, text) of a question's written answers within a selection: the
    one query here that reads answers."""
    stmt = (
        sa.select(Answer.response_id, Answer.position, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Answer.question_id == question.id,
            counted(round_),
            Answer.value != DONT_KNOW,
        )
    )
    if selection.unit_id is not None:
        stmt = stmt.where(
            sa.func.coalesce(Response.unit_id, NO_UNIT).in_(
                sorted(units.subtree(selection.unit_id))
            )
        )
    if selection.channel is not None:
        stmt = stmt.where(Response.channel == selection.channel)
    if selection.question_id is not None and selection.value is not None:
        chosen = aliased(Answer)
        stmt = stmt.where(
            sa.exists().where(
                chosen.response_id == Response.id,
                chosen.question_id == selection.question_id,
                chosen.value == selection.value,
            )
        )
    return [(str(r), int(p), str(v)) for r, p, v in db.session.execute(stmt)]


def _text_answer(question: Question, response_id: str, position: int, value: str) -> TextAnswer:
    return TextAnswer(response_id, question.id, position, value, personal_data.find(value))


def redact(round_: SurveyRound, key: str, *, whole: bool) -> bool:
    """Redact an answer in the database: its flagged pieces, or all of it. False if the key
    names no text answer of this round."""
    response_id, _, rest = key.partition(":")
    question_part, _, position_part = rest.partition(":")
    question_id = parse_id(question_part)
    # Positions count from 0; past that they are bounded as ids are.
    position = 0 if position_part == "0" else parse_id(position_part)
    if question_id is None or position is None:
        return False
    answer = db.session.get(Answer, (response_id[:32], question_id, position))
    if (
        answer is None
        or answer.question.round_id != round_.id
        or not question_type(answer.question).free_text
    ):
        return False
    if whole:
        answer.value = personal_data.REDACTED
    else:
        answer.value, _count = personal_data.redact(
            answer.value, [f.text for f in personal_data.find(answer.value)]
        )
    # The old row version keeps the text in the table's files until the rewrite.
    needs_rewrite("answer")
    db.session.flush()
    return True
