"""Running counts (tallies) per round, unit, channel and value: the published snapshot of a
round's results.

A response is stored waiting (``Response.published`` false). ``count_waiting`` adds the round's
waiting responses to the tallies and marks them published, in the publication's transaction
(feedback.results.publish decides when), so the tallies and the published responses can never
disagree: both change in one commit or neither. ``rebuild`` counts a round's published
responses again from the stored answers (for tests, repairs and the command line).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from feedback.models import Answer, AnswerTally, Question, Response, ResponseTally
from feedback.models.results import ANSWERED, NO_UNIT
from feedback.models.survey import DONT_KNOW
from feedback.questionnaire.registry import free_text_kinds, question_type


def counts_value(question: Question, value: str) -> bool:
    """Whether a value gets its own tally row (free text is only counted as answered)."""
    return not question_type(question).free_text or value == DONT_KNOW


def _unit_key() -> sa.ColumnElement[int]:
    return sa.func.coalesce(Response.unit_id, NO_UNIT)


def _counted(round_id: int, published: bool) -> dict[str, sa.Select[tuple[object, ...]]]:
    """The tally rows of a round's published or waiting responses, as SELECTs."""
    unit_key = _unit_key()
    mine = sa.and_(Response.round_id == round_id, Response.published.is_(published))
    joined = sa.select().select_from(Answer).join(Response, Response.id == Answer.response_id)
    return {
        "responses": sa.select(Response.round_id, unit_key, Response.channel, sa.func.count())
        .where(mine)
        .group_by(Response.round_id, unit_key, Response.channel),
        "answered": joined.add_columns(
            Response.round_id,
            Answer.question_id,
            unit_key,
            Response.channel,
            sa.literal(ANSWERED),
            sa.null(),
            sa.func.count(sa.distinct(Answer.response_id)),
        )
        .where(mine)
        .group_by(Response.round_id, Answer.question_id, unit_key, Response.channel),
        "values": joined.join(Question, Question.id == Answer.question_id)
        .add_columns(
            Response.round_id,
            Answer.question_id,
            unit_key,
            Response.channel,
            Answer.value,
            sa.func.max(Answer.number),
            sa.func.count(),
        )
        .where(mine, sa.or_(Question.kind.not_in(free_text_kinds()), Answer.value == DONT_KNOW))
        .group_by(Response.round_id, Answer.question_id, unit_key, Response.channel, Answer.value),
    }


_RESPONSE_COLUMNS = ["round_id", "unit_key", "channel", "n"]
_ANSWER_COLUMNS = ["round_id", "question_id", "unit_key", "channel", "value", "number", "n"]


def count_waiting(session: Session, round_id: int) -> int:
    """Add the round's waiting responses to its tallies and mark them published; returns how
    many there were. The caller holds the round so that no response is stored meanwhile
    (feedback.results.publish takes care of that)."""
    selects = _counted(round_id, published=False)
    responses = session.execute(selects["responses"]).all()
    if not responses:
        return 0
    answers = [*session.execute(selects["answered"]), *session.execute(selects["values"])]
    _add(session, ResponseTally, _RESPONSE_COLUMNS, responses)
    _add(session, AnswerTally, _ANSWER_COLUMNS, answers)
    session.execute(
        sa.update(Response)
        .where(Response.round_id == round_id, Response.published.is_(False))
        .values(published=True)
    )
    return sum(int(str(row[-1])) for row in responses)


def _add(
    session: Session,
    table: type[ResponseTally] | type[AnswerTally],
    columns: list[str],
    rows: Sequence[sa.Row[tuple[object, ...]]],
) -> None:
    """Add counts to tally rows, making the rows that are new. Sorted by key, so two
    publications of the same round lock rows in the same order."""
    if not rows:
        return
    keys = [column.name for column in sa.inspect(table).primary_key]  # type: ignore[attr-defined]
    values = sorted(
        (dict(zip(columns, row, strict=True)) for row in rows),
        key=lambda v: tuple(str(v[key]) for key in keys),
    )
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=keys, set_={"n": table.n + statement.excluded.n}
        )
    )


def published_total(session: Session, round_id: int) -> int:
    """Responses in the round's published results. It changes only with a publication, and
    every publication raises it, so it also names the snapshot readers see."""
    return int(
        session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(ResponseTally.n), 0)).where(
                ResponseTally.round_id == round_id
            )
        )
        or 0
    )


def rebuild(session: Session, round_id: int) -> None:
    """Count a round's published responses and answers again from what is stored."""
    session.execute(sa.delete(ResponseTally).where(ResponseTally.round_id == round_id))
    session.execute(sa.delete(AnswerTally).where(AnswerTally.round_id == round_id))
    selects = _counted(round_id, published=True)
    session.execute(sa.insert(ResponseTally).from_select(_RESPONSE_COLUMNS, selects["responses"]))
    session.execute(sa.insert(AnswerTally).from_select(_ANSWER_COLUMNS, selects["answered"]))
    session.execute(sa.insert(AnswerTally).from_select(_ANSWER_COLUMNS, selects["values"]))


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


T = TypeVar("T")
#: What is counted from a round's published responses (a choice filter's counts, the padding
#: warnings' responses per unit and day) is kept per app for a while: the key holds the
#: round's published total, which changes with every publication, so a kept count is never
#: older than the snapshot readers see.
KEPT_SIZE = 64
_kept_lock = threading.Lock()


def kept(key: tuple[object, ...], compute: Callable[[], T]) -> T:
    """``compute()``, or what it gave for the same key lately (at most KEPT_SIZE keys)."""
    cache: OrderedDict[tuple[object, ...], object] = current_app.extensions.setdefault(
        "results_kept_counts", OrderedDict()
    )
    with _kept_lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]  # type: ignore[return-value]
    value = compute()
    with _kept_lock:
        cache[key] = value
        while len(cache) > KEPT_SIZE:
            cache.popitem(last=False)
    return value
