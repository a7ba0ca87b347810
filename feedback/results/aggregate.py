"""Results of a round, counted in the database and held back where groups are small.

A *selection* narrows a round to a unit (with the units below it), a channel and the people who
gave one answer to a choice question. Without a choice filter every number comes from the
tallies (``feedback.results.tally``): a few thousand rows however many responses there are. With
a choice filter the answers are counted with GROUP BY in the database.

Small groups (DESIGN.md rule 3). The whole round is cut into *cells*: unit (the unit's own
answers) × channel × the filter question's answer. Whether a selection is shown depends on those
cells for the whole round, never on who is looking, so two people can not combine what they see:

- the selection must hold 0 or at least k answers;
- each of its parts alone must survive row suppression (``suppression.py``): the unit within the
  unit tree, the channel among channels, the answer among the question's answers (with "no
  answer" as one of them), so that no hidden group follows from a total minus its siblings;
- two or more filters together are shown only when every non-empty cell of the round (unit ×
  channel, and × answer with an answer filter) has at least k answers, so no hidden group
  follows from combining filters either; this holds for an empty crossing too, since a shown
  zero is also something to subtract.

The same test runs per question with the number who answered that question, so a question few
people answered (a follow-up question, say) is hidden on its own. Within a group that is shown,
the spread of answers is shown (that is what a result is).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from feedback.admin.services import unit_tree
from feedback.extensions import db
from feedback.models import (
    Answer,
    AnswerTally,
    Organisation,
    Question,
    Response,
    ResponseTally,
    SurveyRound,
    Unit,
)
from feedback.models.results import ANSWERED, NO_UNIT
from feedback.questionnaire import runtime
from feedback.questionnaire.registry import free_text_kinds, question_type
from feedback.results import padding, tally
from feedback.results.suppression import TreeResult, suppress_row, suppress_tree

DONT_KNOW = runtime.DONT_KNOW

#: Cell of a respondent with no answer to the filter question.
NO_ANSWER = ""
#: Cells of a multiple-choice filter: chose the value, or did not.
CHOSE, DID_NOT_CHOOSE = "1", "0"

T = TypeVar("T")

Cell = tuple[int, str, str | None]  # (unit_key, channel, filter cell)


@dataclass(frozen=True)
class Selection:
    """Which answers of a round to count. Empty: all of them."""

    unit_id: int | None = None
    channel: str | None = None
    question_id: int | None = None
    value: str | None = None

    @property
    def filters(self) -> tuple[str, ...]:
        """Which parts narrow the round: "unit", "channel", "answer"."""
        parts = []
        if self.unit_id is not None:
            parts.append("unit")
        if self.channel is not None:
            parts.append("channel")
        if self.question_id is not None and self.value is not None:
            parts.append("answer")
        return tuple(parts)

    def without_answer(self) -> Selection:
        return Selection(self.unit_id, self.channel)


@dataclass
class Units:
    """The organisation's unit tree, as the results need it."""

    names: dict[int, str]
    parent: dict[int, int | None]
    depth: dict[int, int]
    order: list[int]

    def subtree(self, unit_id: int) -> set[int]:
        chosen = {unit_id}
        for unit in self.order:  # depth-first: parents come before children
            if self.parent.get(unit) in chosen:
                chosen.add(unit)
        return chosen

    def children(self, unit_id: int | None) -> list[int]:
        return [u for u in self.order if self.parent.get(u) == unit_id]


def units_of(organisation: Organisation) -> Units:
    tree = unit_tree(organisation)
    return Units(
        names={u.id: u.name for u, _d in tree},
        parent={u.id: u.parent_id for u, _d in tree},
        depth={u.id: d for u, d in tree},
        order=[u.id for u, _d in tree],
    )


# --- which groups may be shown -------------------------------------------------------------


def _filter_cell(selection: Selection, question: Question | None) -> str | None:
    if selection.question_id is None or question is None:
        return None
    if question_type(question).several:
        return CHOSE
    return selection.value


def allowed(
    cells: Mapping[Cell, int],
    selection: Selection,
    units: Units,
    k: int,
    filter_question: Question | None = None,
    held: frozenset[int] = frozenset(),
) -> bool:
    """Whether a selection may be shown, judged from the whole round's cells (see module).
    ``held``: units held back for padding (padding.held_units), hidden in the unit tree."""
    return Judge(cells, units, k, filter_question, held).allowed(selection)


class Judge:
    """``allowed`` for any number of selections over the same cells: what row and tree
    suppression hide is worked out once, the first time a selection needs it."""

    def __init__(
        self,
        cells: Mapping[Cell, int],
        units: Units,
        k: int,
        filter_question: Question | None = None,
        held: frozenset[int] = frozenset(),
    ) -> None:
        self.cells = cells
        self.units = units
        self.k = k
        self.filter_question = filter_question
        self.held = held
        self.total = sum(cells.values())
        self._tree: TreeResult | None = None
        self._rows: dict[int, tuple[set[str | None], bool]] = {}
        self._small_cell = any(0 < count < k for count in cells.values())

    def tree(self) -> TreeResult:
        """The unit tree's suppression (each unit's own answers), with the held units."""
        if self._tree is None:
            self._tree = _unit_tree(self.cells, self.units, self.k, self.held)
        return self._tree

    def row(self, index: int) -> tuple[set[str | None], bool]:
        """What row suppression hides among channels (index 1) or filter answers (index 2)."""
        if index not in self._rows:
            row: dict[str | None, int] = defaultdict(int)
            for cell, count in self.cells.items():
                row[cell[index]] += count  # type: ignore[index]
            self._rows[index] = suppress_row(row, self.k)
        return self._rows[index]

    def allowed(self, selection: Selection) -> bool:
        k = self.k
        if self.total == 0:
            return True  # nothing to show, and "nobody answered" discloses no one
        if self.total < k:
            return False
        if self.held and self.tree().total_hidden:
            return False
        n = _selected(self.cells, selection, self.units, self.filter_question)
        filters = selection.filters
        # An empty crossing of two filters goes through the checks below like any other:
        # "nobody at Tunet chose B" with "3 chose B" puts all three at the other unit, and
        # that unit's number minus 3 is then a group that may be small.
        if n == 0 and len(filters) < 2:
            return True
        if 0 < n < k:
            return False
        if "unit" in filters and selection.unit_id in self.tree().hidden_units:
            return False
        wanted_cell = _filter_cell(selection, self.filter_question)
        for name, index, wanted in (
            ("channel", 1, selection.channel),
            ("answer", 2, wanted_cell),
        ):
            if name in filters:
                hidden, total_hidden = self.row(index)
                if total_hidden or wanted in hidden:
                    return False
        # Two or more filters: every cell of the round must hold 0 or k, not only the crossing
        # of the filters chosen: with an answer filter the visible "unit × answer" and
        # "channel × answer" numbers together (and a shown zero) can give away a small
        # "unit × channel × answer" cell.
        return len(filters) < 2 or not self._small_cell


def _unit_tree(cells: Mapping[Cell, int], units: Units, k: int, held: frozenset[int]) -> TreeResult:
    """The unit tree's suppression for a round's cells (each unit's own answers)."""
    own: dict[int, int] = defaultdict(int)
    for (unit_key, _c, _a), count in cells.items():
        own[unit_key] += count
    for unit in units.order:
        own.setdefault(unit, 0)
    parent = {u: units.parent.get(u) for u in own}
    return suppress_tree(own, parent, k, held)


# --- counting ---------------------------------------------------------------------------------


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
    filter_question = _filter_question(round_, selection)
    if filter_question is None:
        return _count_from_tallies(round_, selection, units)
    return _count_with_filter(round_, selection, units, filter_question)


def _filter_question(round_: SurveyRound, selection: Selection) -> Question | None:
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


def _count_from_tallies(round_: SurveyRound, selection: Selection, units: Units) -> Counts:
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
        lambda: _filter_cells(round_, question, value),
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


def _filter_cells(
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


# --- results per question ---------------------------------------------------------------------

#: The 97.5 % quantiles of Student's t (two-sided 95 %) for 1–30 degrees of freedom.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


#: The 97.5 % quantile of the standard normal distribution.
_Z975 = 1.959963984540054


def t975(degrees: int) -> float:
    """Student's t for a two-sided 95 % interval. Beyond the table, the Cornish–Fisher expansion
    around the normal quantile (within 0.0001 of the exact value from 30 degrees on); plain 1.96
    there would make intervals of 30–100 answers up to 4 % too narrow."""
    if degrees < 1:
        return math.nan
    if degrees <= len(_T975):
        return _T975[degrees - 1]
    z = _Z975
    return (
        z
        + (z**3 + z) / 4 / degrees
        + (5 * z**5 + 16 * z**3 + 3 * z) / 96 / degrees**2
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384 / degrees**3
    )


@dataclass(frozen=True)
class Mean:
    value: float
    low: float
    high: float
    n: int


def mean_of(pairs: Iterable[tuple[int, int]]) -> Mean | None:
    """Mean with a 95 % confidence interval (Student's t) of (number, count) pairs.

    Sums are exact integers, so a million answers give the same mean as a few."""
    n = total = squares = 0
    for number, count in pairs:
        n += count
        total += number * count
        squares += number * number * count
    if n == 0:
        return None
    mean = total / n
    if n == 1:
        return Mean(mean, mean, mean, 1)
    variance = max(0.0, (squares - total * total / n) / (n - 1))
    half = t975(n - 1) * math.sqrt(variance / n)
    return Mean(mean, mean - half, mean + half, n)


@dataclass
class Bar:
    """One answer value: its label, how many gave it and its share (of those who answered)."""

    value: str
    label: str
    count: int
    share: float


@dataclass
class QuestionResult:
    question: Question
    number: int
    #: False: too few answered this question here ("for få svar til å vise").
    shown: bool
    #: Everyone who answered, "vet ikke" included.
    n: int = 0
    #: Those who gave a real answer (n minus "vet ikke").
    valid: int = 0
    dont_know: int = 0
    bars: list[Bar] = field(default_factory=list)
    mean: Mean | None = None
    #: Number questions: how many gave each number (for bins shared between groups).
    numbers: dict[int, int] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def is_text(self) -> bool:
        return question_type(self.question).free_text

    @property
    def dont_know_share(self) -> float:
        return self.dont_know / self.n if self.n else 0.0


def _bars(rows: Iterable[tuple[str, str, int]], base: int) -> list[Bar]:
    """A question type's result rows as bars, with each one's share of ``base``."""
    return [Bar(value, label, count, count / base) for value, label, count in rows]


def same_bins(results: Iterable[QuestionResult]) -> None:
    """Number questions side by side: bin every shown group over the same range, so that the
    rows of the table (and the bars) mean the same for each group."""
    shown = [r for r in results if r.shown and question_type(r.question).binned]
    found = [number for r in shown for number in r.numbers]
    if not found:
        return
    low, high = min(found), max(found)
    for result in shown:
        rows = question_type(result.question).bin_rows(result.numbers, low, high)
        result.bars = _bars(rows, result.valid or 1)


def question_result(
    question: Question,
    number: int,
    values: Mapping[str, tuple[int, int | None]],
    n: int,
    shown: bool,
    language: str | None = None,
) -> QuestionResult:
    """One question's numbers within a selection (nothing in it when not shown)."""
    if not shown:
        return QuestionResult(question, number, shown=False)
    dont_know = values.get(DONT_KNOW, (0, None))[0]
    result = QuestionResult(question, number, True, n=n, valid=n - dont_know, dont_know=dont_know)
    kind = question_type(question)
    result.numbers = kind.numbers(values)
    result.bars = _bars(kind.rows(question, values, language), result.valid or 1)
    if kind.has_mean:
        result.mean = mean_of(
            (as_number, count)
            for value, (count, as_number) in values.items()
            if value != DONT_KNOW and as_number is not None
        )
    return result


@dataclass
class RoundResults:
    round: SurveyRound
    selection: Selection
    k: int
    #: False: the selection itself is hidden (too few, or derivable).
    shown: bool
    #: Respondents in the selection (None when hidden).
    n: int | None
    questions: list[QuestionResult]


def round_results(
    round_: SurveyRound,
    selection: Selection,
    units: Units | None = None,
    language: str | None = None,
) -> RoundResults:
    """Everything the results page shows for a round and selection, held back where small."""
    organisation = round_.series.organisation
    k = organisation.min_group_size
    units = units or units_of(organisation)
    counts = count(round_, selection, units)
    filter_question = _filter_question(round_, selection)
    if selection.question_id is not None and filter_question is None:
        selection = selection.without_answer()
    held = padding.held_units(round_)
    shown = allowed(counts.cells, selection, units, k, filter_question, held)
    n = _selected(counts.cells, selection, units, filter_question) if shown else None
    numbering = runtime.numbering(round_)
    questions = []
    for question in round_.questions:
        cells = counts.question_cells.get(question.id, {})
        answered = _selected(cells, selection, units, filter_question)
        question_shown = shown and allowed(cells, selection, units, k, filter_question, held)
        questions.append(
            question_result(
                question,
                numbering.get(question.id, 0),
                counts.values.get(question.id, {}),
                answered,
                question_shown,
                language,
            )
        )
    return RoundResults(round_, selection, k, shown, n, questions)


def _selected(
    cells: Mapping[Cell, int], selection: Selection, units: Units, question: Question | None
) -> int:
    wanted_units = units.subtree(selection.unit_id) if selection.unit_id is not None else None
    wanted_cell = _filter_cell(selection, question)
    return sum(
        n
        for (unit_key, channel, cell), n in cells.items()
        if (wanted_units is None or unit_key in wanted_units)
        and (selection.channel is None or channel == selection.channel)
        and (wanted_cell is None or cell == wanted_cell)
    )


# --- responses per unit and channel ---------------------------------------------------------


@dataclass
class UnitRow:
    unit_id: int
    name: str
    depth: int
    #: None when held back.
    n: int | None
    #: Held back for padding (the unit itself, not one hidden around it).
    held: bool = False


def responses_per_unit(round_: SurveyRound, units: Units, k: int) -> list[UnitRow]:
    """Responses per unit (each with the units below it), as the unit tree shows them, with
    units held back for padding (padding.held_units) hidden."""
    return unit_rows(_own_counts(round_), units, k, padding.held_units(round_))


def _own_counts(round_: SurveyRound) -> dict[int, int]:
    """Each unit's own published responses (NO_UNIT for none given)."""
    own: dict[int, int] = defaultdict(int)
    for unit_key, n in db.session.execute(
        sa.select(ResponseTally.unit_key, sa.func.sum(ResponseTally.n))
        .where(ResponseTally.round_id == round_.id)
        .group_by(ResponseTally.unit_key)
    ):
        own[unit_key] = int(n)
    return own


def _tree_of(own: Mapping[int, int], units: Units) -> tuple[dict[int, int], dict[int, int | None]]:
    """Every unit's own count (0 where none) and its parent, for suppress_tree."""
    counts: dict[int, int] = defaultdict(int, own)
    for unit in units.order:
        counts.setdefault(unit, 0)
    return counts, {u: units.parent.get(u) for u in counts}


def unit_rows(
    own: Mapping[int, int], units: Units, k: int, held: frozenset[int] = frozenset()
) -> list[UnitRow]:
    """Each unit's number (with the units below it) from each unit's own answers (``NO_UNIT``
    for none given), held back by tree suppression, with ``held`` units held back for
    padding."""
    counts, parent = _tree_of(own, units)
    hidden = suppress_tree(counts, parent, k, held).hidden_units
    rows = []
    for unit in units.order:
        n = sum(counts[u] for u in units.subtree(unit))
        shown = None if unit in hidden else n
        rows.append(UnitRow(unit, units.names[unit], units.depth[unit], shown, unit in held))
    return rows


def total_held_back(round_: SurveyRound, units: Units, k: int) -> bool:
    """The round's total is held back: units held back for padding hold all that could be
    shown (see suppression.suppress_tree)."""
    held = padding.held_units(round_)
    if not held:
        return False
    counts, parent = _tree_of(_own_counts(round_), units)
    return suppress_tree(counts, parent, k, held).total_hidden


def responses_per_channel(round_: SurveyRound, k: int) -> list[tuple[str, int | None]]:
    row: dict[str, int] = defaultdict(int)
    for channel, n in db.session.execute(
        sa.select(ResponseTally.channel, sa.func.sum(ResponseTally.n))
        .where(ResponseTally.round_id == round_.id)
        .group_by(ResponseTally.channel)
    ):
        row[channel] = int(n)
    return channel_row(row, k)


def channel_row(row: Mapping[str, int], k: int) -> list[tuple[str, int | None]]:
    """Responses per channel, held back by row suppression."""
    hidden, total_hidden = suppress_row(row, k)
    return [
        (channel, None if total_hidden or channel in hidden else n)
        for channel, n in sorted(row.items())
    ]


def unit_names(units: Iterable[Unit]) -> dict[int, str]:
    return {u.id: u.name for u in units}
