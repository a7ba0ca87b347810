"""Running counts (tallies) per round, unit, channel and value, kept with each response.

``response_rows`` works out what one response adds; storing (respond.writes) adds it in the
response's own transaction, so the counts and the stored answers can never disagree: both are
committed or neither. The rows are sorted, so two transactions that count at the same time on
PostgreSQL lock the same rows in the same order and never deadlock. ``rebuild`` counts a round
again from the stored answers (for tests, repairs and the command line).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from feedback.designer import document as doc
from feedback.models import Answer, AnswerTally, Question, Response, ResponseTally
from feedback.models.results import ANSWERED, NO_UNIT

DONT_KNOW = "dont_know"


def counts_value(question: Question, value: str) -> bool:
    """Whether a value gets its own tally row (free text is only counted as answered)."""
    return question.kind not in doc.TEXT_KINDS or value == DONT_KNOW


@dataclass(frozen=True)
class TallyRows:
    """What one response adds to the tallies, worked out before anything is written."""

    responses: list[dict[str, object]]
    answers: list[dict[str, object]]


def response_rows(
    round_id: int,
    unit_id: int | None,
    channel: str,
    answers: Iterable[tuple[Question, list[tuple[str, int | None]]]],
) -> TallyRows:
    """The tally rows for one response to the round, about the unit (None: not given), sent
    by the channel, with its answers ((question, [(value, number), …]))."""
    unit_key = unit_id or NO_UNIT
    rows: Counter[tuple[int, str, int | None]] = Counter()
    for question, values in answers:
        if not values:
            continue
        rows[(question.id, ANSWERED, None)] += 1
        for value, number in values:
            if counts_value(question, value):
                rows[(question.id, value, number)] += 1
    return TallyRows(
        [
            {
                "round_id": round_id,
                "unit_key": unit_key,
                "channel": channel,
                "n": 1,
            }
        ],
        [
            {
                "round_id": round_id,
                "question_id": question_id,
                "unit_key": unit_key,
                "channel": channel,
                "value": value,
                "number": number,
                "n": n,
            }
            for (question_id, value, number), n in sorted(
                rows.items(), key=lambda item: (item[0][0], item[0][1])
            )
        ],
    )


def rebuild(session: Session, round_id: int) -> None:
    """Count a round's responses and answers again from what is stored."""
    session.execute(sa.delete(ResponseTally).where(ResponseTally.round_id == round_id))
    session.execute(sa.delete(AnswerTally).where(AnswerTally.round_id == round_id))
    unit_key = sa.func.coalesce(Response.unit_id, NO_UNIT)
    session.execute(
        sa.insert(ResponseTally).from_select(
            ["round_id", "unit_key", "channel", "n"],
            sa.select(Response.round_id, unit_key, Response.channel, sa.func.count())
            .where(Response.round_id == round_id)
            .group_by(Response.round_id, unit_key, Response.channel),
        )
    )
    joined = sa.select().select_from(Answer).join(Response, Response.id == Answer.response_id)
    session.execute(
        sa.insert(AnswerTally).from_select(
            ["round_id", "question_id", "unit_key", "channel", "value", "number", "n"],
            joined.add_columns(
                Response.round_id,
                Answer.question_id,
                unit_key,
                Response.channel,
                sa.literal(ANSWERED),
                sa.null(),
                sa.func.count(sa.distinct(Answer.response_id)),
            )
            .where(Response.round_id == round_id)
            .group_by(Response.round_id, Answer.question_id, unit_key, Response.channel),
        )
    )
    session.execute(
        sa.insert(AnswerTally).from_select(
            ["round_id", "question_id", "unit_key", "channel", "value", "number", "n"],
            joined.join(Question, Question.id == Answer.question_id)
            .add_columns(
                Response.round_id,
                Answer.question_id,
                unit_key,
                Response.channel,
                Answer.value,
                sa.func.max(Answer.number),
                sa.func.count(),
            )
            .where(
                Response.round_id == round_id,
                sa.or_(Question.kind.not_in(doc.TEXT_KINDS), Answer.value == DONT_KNOW),
            )
            .group_by(
                Response.round_id, Answer.question_id, unit_key, Response.channel, Answer.value
            ),
        )
    )


def read(session: Session, round_id: int) -> Mapping[str, list[sa.Row[tuple[object, ...]]]]:
    """The round's tallies as sorted rows, to compare stored counts with rebuilt ones."""
    return {
        "responses": list(
            session.execute(
                sa.select(ResponseTally.unit_key, ResponseTally.channel, ResponseTally.n)
                .where(ResponseTally.round_id == round_id)
                .order_by(ResponseTally.unit_key, ResponseTally.channel)
            )
        ),
        "answers": list(
            session.execute(
                sa.select(
                    AnswerTally.question_id,
                    AnswerTally.unit_key,
                    AnswerTally.channel,
                    AnswerTally.value,
                    AnswerTally.number,
                    AnswerTally.n,
                )
                .where(AnswerTally.round_id == round_id)
                .order_by(
                    AnswerTally.question_id,
                    AnswerTally.unit_key,
                    AnswerTally.channel,
                    AnswerTally.value,
                )
            )
        ),
    }
