"""Results of a round: per question (its answers, the spread, the mean with its interval), per
unit and per channel, held back where groups are small.

The answers are counted by ``counting``; what may be shown is decided by ``suppression``
(``allowed``, row and tree suppression), which holds every rule that hides a number.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import Question, ResponseTally, SurveyRound, Unit
from feedback.models.survey import DONT_KNOW
from feedback.questionnaire import runtime
from feedback.questionnaire.registry import question_type
from feedback.results import counting, padding
from feedback.results.selection import Selection, Units, units_of
from feedback.results.suppression import (
    UnitRow,
    allowed,
    channel_row,
    open_ends,
    selected,
    suppress_tree,
    tree_of,
    unit_rows,
)

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


def same_bins(results: Iterable[QuestionResult], k: int) -> None:
    """Number and date questions side by side: bin every shown group over the same range, so
    that the rows of the table (and the bars) mean the same for each group. The range comes
    from ``open_ends`` over each number's largest count in any one group: never more than the
    people who gave it, so at least k people lie beyond each end whoever is in the groups."""
    shown = [r for r in results if r.shown and question_type(r.question).binned]
    most: dict[int, int] = {}
    for result in shown:
        for number, count in result.numbers.items():
            most[number] = max(most.get(number, 0), count)
    ends = open_ends(most, k)
    for result in shown:
        rows = question_type(result.question).bin_rows(result.numbers, *ends) if ends else []
        result.bars = _bars(rows, result.valid or 1)


def question_result(
    question: Question,
    number: int,
    values: Mapping[str, tuple[int, int | None]],
    n: int,
    shown: bool,
    k: int,
    language: str | None = None,
) -> QuestionResult:
    """One question's numbers within a selection (nothing in it when not shown)."""
    if not shown:
        return QuestionResult(question, number, shown=False)
    dont_know = values.get(DONT_KNOW, (0, None))[0]
    result = QuestionResult(question, number, True, n=n, valid=n - dont_know, dont_know=dont_know)
    kind = question_type(question)
    result.numbers = kind.numbers(values)
    if kind.binned:
        ends = open_ends(result.numbers, k)
        rows = kind.bin_rows(result.numbers, *ends) if ends else []
    else:
        rows = kind.rows(question, values, language)
    result.bars = _bars(rows, result.valid or 1)
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
    counts = counting.count(round_, selection, units)
    filter_question = counting.filter_question(round_, selection)
    if selection.question_id is not None and filter_question is None:
        selection = selection.without_answer()
    held = padding.held_units(round_)
    shown = allowed(counts.cells, selection, units, k, filter_question, held)
    n = selected(counts.cells, selection, units, filter_question) if shown else None
    numbering = runtime.numbering(round_)
    questions = []
    for question in round_.questions:
        cells = counts.question_cells.get(question.id, {})
        answered = selected(cells, selection, units, filter_question)
        question_shown = shown and allowed(cells, selection, units, k, filter_question, held)
        questions.append(
            question_result(
                question,
                numbering.get(question.id, 0),
                counts.values.get(question.id, {}),
                answered,
                question_shown,
                k,
                language,
            )
        )
    return RoundResults(round_, selection, k, shown, n, questions)


# --- responses per unit and channel ---------------------------------------------------------


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


def total_held_back(round_: SurveyRound, units: Units, k: int) -> bool:
    """The round's total is held back: units held back for padding hold all that could be
    shown (see suppression.suppress_tree)."""
    held = padding.held_units(round_)
    if not held:
        return False
    counts, parent = tree_of(_own_counts(round_), units)
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


def unit_names(units: Iterable[Unit]) -> dict[int, str]:
    return {u.id: u.name for u in units}
