"""Counting a round's answers in the database, for a selection.

Without an answer filter every number comes from the tallies (``feedback.results.tally``): a few
thousand rows however many responses there are. With a filter on a choice question's answer the
answers are counted with GROUP BY, kept per published snapshot (``tally.kept``). What may be
shown of the counts is ``suppression.allowed``'s to decide.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from feedback.extensions import db
from feedback.models import Answer, AnswerTally, Question, Response, ResponseTally, SurveyRound
from feedback.models.results import ANSWERED, NO_UNIT
from feedback.questionnaire.registry import free_text_kinds, question_type
from feedback.questionnaire.runtime import DONT_KNOW
from feedback.results import tally
from feedback.results.selection import Selection, Units
from feedback.results.suppression import CHOSE, DID_NOT_CHOOSE, NO_ANSWER, Cell


@dataclass
class Counts:
    """What the database gave for one round and selection, before anything is held back."""

    #: Respondents per cell, whole round.
    cells: dict[Cell, int]
    #: Respondents who answered each question, per cell, whole round.
    question_cells: dict[int, dict[Cell, int]]
    #: Answers per question and value within the selection: value -> (count, number).
    values: dict[int, dict[str, tuple[int, int | None]]]


def _unit_key() -> sa.ColumnElement[int]:
    return sa.func.coalesce(Response.unit_id, NO_UNIT)


def _tally_conditions(
    table: type[ResponseTally] | type[AnswerTally], selection: Selection, units: Units
) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if selection.unit_id is not None:
        conditions.append(table.unit_key.in_(sorted(units.subtree(selection.unit_id))))
    if selection.channel is not None:
        conditions.append(table.channel == selection.channel)
    return conditions


def count(round_: SurveyRound, selection: Selection, units: Units) -> Counts:
    """Count a round's answers for a selection, in the database."""
    question = filter_question(round_, selection)
    if question is None:
        return count_from_tallies(round_, selection, units)
    return _count_with_filter(round_, selection, units, question)


def filter_question(round_: SurveyRound, selection: Selection) -> Question | None:
    if selection.question_id is None:
        return None
    question = db.session.get(Question, selection.question_id)
    if (
        question is None
        or question.round_id != round_.id
        or not question_type(question).filters_results
    ):
        return None
    return question


def count_from_tallies(round_: SurveyRound, selection: Selection, units: Units) -> Counts:
    session = db.session
    cells: dict[Cell, int] = {}
    for unit_key, channel, n in session.execute(
        sa.select(ResponseTally.unit_key, ResponseTally.channel, ResponseTally.n).where(
            ResponseTally.round_id == round_.id
        )
    ):
        cells[(unit_key, channel, None)] = int(n)
    question_cells: dict[int, dict[Cell, int]] = defaultdict(dict)
    for question_id, unit_key, channel, n in session.execute(
        sa.select(
            AnswerTally.question_id, AnswerTally.unit_key, AnswerTally.channel, AnswerTally.n
        ).where(AnswerTally.round_id == round_.id, AnswerTally.value == ANSWERED)
    ):
        question_cells[question_id][(unit_key, channel, None)] = int(n)
    values: dict[int, dict[str, tuple[int, int | None]]] = defaultdict(dict)
    for question_id, value, number, n in session.execute(
        sa.select(
            AnswerTally.question_id,
            AnswerTally.value,
            sa.func.max(AnswerTally.number),
            sa.func.sum(AnswerTally.n),
        )
        .where(
            AnswerTally.round_id == round_.id,
            AnswerTally.value != ANSWERED,
            *_tally_conditions(AnswerTally, selection, units),
        )
        .group_by(AnswerTally.question_id, AnswerTally.value)
    ):
        values[question_id][value] = (int(n), number)
    return Counts(cells, dict(question_cells), dict(values))


def _version(round_: SurveyRound) -> int:
    """Names the round's published snapshot: it changes with every publication."""
    return tally.published_total(db.session(), round_.id)


def _count_with_filter(
    round_: SurveyRound, selection: Selection, units: Units, question: Question
) -> Counts:
    version = _version(round_)
    value = selection.value if question_type(question).several else None
    cells, question_cells = tally.kept(
        ("cells", round_.id, question.id, value, version),
        lambda: filter_cells(round_, question, value),
    )
    values = tally.kept(
        ("values", round_.id, question.id, selection, version),
        lambda: _filter_values(round_, selection, units, question),
    )
    return Counts(cells, question_cells, values)


def _filter_join(question: Question, value: str | None) -> tuple[Any, Any, sa.ColumnElement[str]]:
    chosen = aliased(Answer)
    join_on = sa.and_(chosen.response_id == Response.id, chosen.question_id == question.id)
    if question_type(question).several:
        join_on = sa.and_(join_on, chosen.value == value)
        cell_of: sa.ColumnElement[str] = sa.case(
            (chosen.value.is_(None), DID_NOT_CHOOSE), else_=CHOSE
        )
    else:
        cell_of = sa.func.coalesce(chosen.value, NO_ANSWER)
    return chosen, join_on, cell_of


def counted(round_: SurveyRound, published: bool | None = True) -> sa.ColumnElement[bool]:
    """The responses of a round that readers see (published), that wait for the next
    publication (False), or both (None)."""
    condition = Response.round_id == round_.id
    if published is None:
        return condition
    return sa.and_(condition, Response.published.is_(published))


def filter_cells(
    round_: SurveyRound, question: Question, value: str | None, published: bool | None = True
) -> tuple[dict[Cell, int], dict[int, dict[Cell, int]]]:
    """The whole round's cells, with the filter question's answer, for people and per question
    (of the published responses, the waiting ones, or both)."""
    session = db.session
    unit_key = _unit_key()
    chosen, join_on, cell_of = _filter_join(question, value)
    cells: dict[Cell, int] = {}
    for key, channel, cell, n in session.execute(
        sa.select(unit_key, Response.channel, cell_of, sa.func.count())
        .select_from(Response)
        .outerjoin(chosen, join_on)
        .where(counted(round_, published))
        .group_by(unit_key, Response.channel, cell_of)
    ):
        cells[(key, channel, cell)] = cells.get((key, channel, cell), 0) + int(n)

    # Each answered question has exactly one answer at position 0 (multiple choice has more
    # positions), so counting those rows counts respondents without a costly DISTINCT.
    question_cells: dict[int, dict[Cell, int]] = defaultdict(dict)
    for question_id, key, channel, cell, n in session.execute(
        sa.select(Answer.question_id, unit_key, Response.channel, cell_of, sa.func.count())
        .select_from(Answer)
        .join(Response, Response.id == Answer.response_id)
        .outerjoin(chosen, join_on)
        .where(counted(round_, published), Answer.position == 0)
        .group_by(Answer.question_id, unit_key, Response.channel, cell_of)
    ):
        question_cells[question_id][(key, channel, cell)] = int(n)
    return cells, dict(question_cells)


def _filter_values(
    round_: SurveyRound, selection: Selection, units: Units, question: Question
) -> dict[int, dict[str, tuple[int, int | None]]]:
    """Answers per question and value among those who gave the filter answer."""
    unit_key = _unit_key()
    chosen, join_on, _cell = _filter_join(question, selection.value)
    conditions = [counted(round_)]
    if selection.unit_id is not None:
        conditions.append(unit_key.in_(sorted(units.subtree(selection.unit_id))))
    if selection.channel is not None:
        conditions.append(Response.channel == selection.channel)
    wanted = (
        chosen.value.is_not(None)
        if question_type(question).several
        else chosen.value == selection.value
    )
    counted_kinds = free_text_kinds()
    values: dict[int, dict[str, tuple[int, int | None]]] = defaultdict(dict)
    for question_id, value, number, n in db.session.execute(
        sa.select(Answer.question_id, Answer.value, sa.func.max(Answer.number), sa.func.count())
        .select_from(Answer)
        .join(Response, Response.id == Answer.response_id)
        .join(Question, Question.id == Answer.question_id)
        .join(chosen, join_on)
        .where(
            *conditions,
            wanted,
            sa.or_(Question.kind.not_in(counted_kinds), Answer.value == DONT_KNOW),
        )
        .group_by(Answer.question_id, Answer.value)
    ):
        values[question_id][value] = (int(n), number)
    return dict(values)
