"""Published snapshots of a round's results: no difference over time (docs/design.md rule 3).

Suppression holds within one moment. But a reader who looks twice, before and after one new
response, would read that response's answers as the difference between two views. So readers
never see responses as they come in: a response is stored waiting, and readers see the round's
*published* responses only (the tallies, and every query that counts answers, take published
responses only). A publication takes every waiting response of a round at once, and only when
the difference it makes passes the same test a selection must pass to be shown
(``aggregate.Judge``): for every selection a reader can ask for (unit, channel, an answer to a
choice question, and their crossings) and every question in it that the new snapshot shows,
what the waiting responses add is 0 or a group that may itself be shown, and no hidden part of
it follows from the other parts. Otherwise readers keep the last snapshot, marked with its date,
and the waiting responses wait for more.

``flask schedule`` (run hourly) publishes what may be published. When a round closes (by hand,
or on its date at the next run), its final state is published once, whatever the difference:
the round is over, and its results must hold every answer. What a reader can then learn is the
difference between the last snapshot and the final one; docs/results-over-time.md says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from feedback.extensions import db
from feedback.models import Answer, Question, Response, SurveyRound
from feedback.models.base import today
from feedback.models.results import NO_UNIT
from feedback.models.survey import CHANNELS
from feedback.questionnaire import runtime
from feedback.questionnaire.registry import question_type
from feedback.results import tally
from feedback.results.counting import count_from_tallies, counted, filter_cells
from feedback.results.selection import Selection, Units, units_of
from feedback.results.suppression import Cell, Judge

#: Rounds whose waiting responses are published as soon as they may be.
OPEN_STATUSES = ("open",)

#: PostgreSQL errors after which a round is left for the next run: another publication or a
#: rewrite changed the same rows (serialization failure), lock not available, deadlock.
_BUSY = frozenset({"40001", "55P03", "40P01"})


@dataclass(frozen=True)
class Outcome:
    round_id: int
    #: Responses the publication took (0: nothing was published).
    published: int
    #: Responses still waiting (the difference would not pass); -1: the round was busy, or
    #: more responses came in during the check, and it waits for the next run.
    waiting: int


CellsByQuestion = dict[int, dict[Cell, int]]


def _add(*parts: dict[Cell, int]) -> dict[Cell, int]:
    total: dict[Cell, int] = defaultdict(int)
    for part in parts:
        for cell, n in part.items():
            total[cell] += n
    return dict(total)


def _waiting_cells(round_: SurveyRound) -> tuple[dict[Cell, int], CellsByQuestion]:
    """People and answers per question of the round's waiting responses, per unit and channel."""
    unit_key = sa.func.coalesce(Response.unit_id, NO_UNIT)
    waiting = counted(round_, published=False)
    cells: dict[Cell, int] = {
        (int(key), str(channel), None): int(n)
        for key, channel, n in db.session.execute(
            sa.select(unit_key, Response.channel, sa.func.count())
            .where(waiting)
            .group_by(unit_key, Response.channel)
        )
    }
    questions: CellsByQuestion = defaultdict(dict)
    # One answer per answered question has position 0: counting those counts respondents.
    for question_id, key, channel, n in db.session.execute(
        sa.select(Answer.question_id, unit_key, Response.channel, sa.func.count())
        .select_from(Answer)
        .join(Response, Response.id == Answer.response_id)
        .where(waiting, Answer.position == 0)
        .group_by(Answer.question_id, unit_key, Response.channel)
    ):
        questions[int(question_id)][(int(key), str(channel), None)] = int(n)
    return cells, dict(questions)


def _selections(units: Units, filters: Iterable[tuple[int, str]]) -> Iterator[Selection]:
    """Every selection a reader can ask for, by unit, channel and (optionally) one answer."""
    answers: list[tuple[int | None, str | None]] = [(None, None), *filters]
    for unit_id in (None, *units.order):
        for channel in (None, *CHANNELS):
            for question_id, value in answers:
                yield Selection(unit_id, channel, question_id, value)


def _passes(
    new: tuple[dict[Cell, int], CellsByQuestion],
    waiting: tuple[dict[Cell, int], CellsByQuestion],
    selections: Iterable[Selection],
    units: Units,
    k: int,
    filter_question: Question | None = None,
    thorough: bool = False,
) -> bool:
    """Whether every selection and question the new snapshot shows changes by a group that
    passes the rule itself. ``thorough`` goes on after the first that does not (to measure
    what the check costs at most)."""
    new_cells, new_questions = new
    waiting_cells, waiting_questions = waiting
    shown_new = Judge(new_cells, units, k, filter_question)
    shown_waiting = Judge(waiting_cells, units, k, filter_question)
    per_question = [
        (
            Judge(cells, units, k, filter_question),
            Judge(waiting_questions.get(question_id, {}), units, k, filter_question),
        )
        for question_id, cells in new_questions.items()
    ]
    passes = True
    for selection in selections:
        if not shown_new.allowed(selection):
            continue
        if not shown_waiting.allowed(selection):
            passes = False
        for question_new, question_waiting in per_question:
            if question_new.allowed(selection) and not question_waiting.allowed(selection):
                passes = False
        if not passes and not thorough:
            return False
    return passes


def difference_passes(
    round_: SurveyRound, units: Units | None = None, *, thorough: bool = False
) -> bool:
    """Whether publishing the round's waiting responses now changes nothing a reader can see
    by a group that the small-group rule would hide (see module). ``thorough``: every check
    runs even after one fails (bench/results.py measures the most the check costs)."""
    k = round_.series.organisation.min_group_size
    units = units or units_of(round_.series.organisation)
    waiting = _waiting_cells(round_)
    if not waiting[0]:
        return True
    published = count_from_tallies(round_, Selection(), units)
    new = (
        _add(published.cells, waiting[0]),
        {
            question_id: _add(
                published.question_cells.get(question_id, {}),
                waiting[1].get(question_id, {}),
            )
            for question_id in {*published.question_cells, *waiting[1]}
        },
    )
    passes = _passes(new, waiting, _selections(units, ()), units, k, thorough=thorough)
    if not passes and not thorough:
        return False
    for question in round_.questions:
        kind = question_type(question)
        if not kind.filters_results:
            continue
        # A multiple-choice question's cells depend on the value chosen; the others' cells
        # hold every answer at once.
        values = runtime.values_of(question)
        groups = [[v] for v in values] if kind.several else [values]
        for group in groups:
            cell_value = group[0] if kind.several else None
            both = filter_cells(round_, question, cell_value, published=None)
            only_waiting = filter_cells(round_, question, cell_value, published=False)
            selections = _selections(units, [(question.id, v) for v in group])
            if not _passes(both, only_waiting, selections, units, k, question, thorough):
                if not thorough:
                    return False
                passes = False
    return passes


def waiting_count(round_: SurveyRound) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Response).where(counted(round_, False))
        )
        or 0
    )


def publish(round_id: int, *, force: bool = False) -> Outcome:
    """Publish a round's waiting responses if the difference passes, or always with ``force``
    (a closed round's final state, demo data). Commits what the session holds first.

    Two transactions, each seeing one state of the responses (REPEATABLE READ on PostgreSQL,
    a read snapshot on SQLite): the check only reads, so respondents never wait for it; then
    the round is held, and if its waiting responses are still the ones checked (responses
    are only ever added, so the same number is the same responses), they are counted into the
    tallies and marked. If more came in meanwhile, the round waits for the next run."""
    session = db.session
    try:
        _begin()
        round_ = session.get(SurveyRound, round_id)
        if round_ is None:
            session.rollback()
            return Outcome(round_id, 0, 0)
        checked = waiting_count(round_)
        passes = checked > 0 and (force or difference_passes(round_))
        session.rollback()
        if not passes:
            return Outcome(round_id, 0, checked)
        _begin()
        round_ = _take(round_id)
        if round_ is None or waiting_count(round_) != checked:
            session.rollback()
            return Outcome(round_id, 0, -1)
        taken = tally.count_waiting(session(), round_id)
        round_.results_published_on = today()
        session.commit()
    except OperationalError as error:
        session.rollback()
        if getattr(error.orig, "sqlstate", None) not in _BUSY:
            raise
        return Outcome(round_id, 0, -1)
    return Outcome(round_id, taken, 0)


def _begin() -> None:
    """End the session's transaction and start one that sees one state of the responses."""
    session = db.session
    session.commit()
    if db.engine.dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _take(round_id: int) -> SurveyRound | None:
    """Hold the round for one publication at a time. On PostgreSQL FOR NO KEY UPDATE queues a
    second publication of the round but not respondents (storing a response takes only a KEY
    SHARE lock on its round, by its foreign key). SQLite has one writer at a time: a first
    write takes the lock, and respondents wait for the publication (see bench/README.md)."""
    session = db.session
    if db.engine.dialect.name != "postgresql":
        session.execute(
            sa.update(SurveyRound)
            .where(SurveyRound.id == round_id)
            .values(results_published_on=SurveyRound.results_published_on)
            .execution_options(synchronize_session=False)
        )
    return session.scalars(
        sa.select(SurveyRound)
        .where(SurveyRound.id == round_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one_or_none()


def publish_due() -> list[Outcome]:
    """What ``flask schedule`` publishes, each round in a transaction of its own: each open
    round whose difference passes, and the final state of each round that is no longer open
    and still has waiting responses. Commits."""
    session = db.session
    session.commit()
    rounds = session.execute(
        sa.select(SurveyRound.id, SurveyRound.status)
        .where(SurveyRound.id.in_(sa.select(Response.round_id).where(~Response.published)))
        .order_by(SurveyRound.id)
    ).all()
    session.commit()
    return [publish(round_id, force=status not in OPEN_STATUSES) for round_id, status in rounds]
