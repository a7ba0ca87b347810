"""What the results pages show per question (a figure and its table), units side by side, and
the trend across the rounds of a series for the questions the group marked as comparable."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from feedback.extensions import db
from feedback.i18n import current_language, localized
from feedback.models import Question, ResponseTally, SurveyRound
from feedback.questionnaire.registry import question_type
from feedback.results.aggregate import Mean, QuestionResult, round_results, same_bins
from feedback.results.charts import figures
from feedback.results.charts.base import Figure
from feedback.results.readers import RESULT_STATUSES, ResultsScope
from feedback.results.selection import Selection, Units


@dataclass
class Block:
    """One question: its groups (one, or several side by side) and their figure."""

    question: Question
    groups: Sequence[tuple[str, QuestionResult]]
    figure: Figure | None

    @property
    def title(self) -> str:
        return localized(self.question.text)

    @property
    def has_mean(self) -> bool:
        return question_type(self.question).has_mean

    @property
    def is_text(self) -> bool:
        return question_type(self.question).free_text

    @property
    def several(self) -> bool:
        """People could choose more than one answer (shares add up to more than 100 %)."""
        return question_type(self.question).several

    @property
    def spread_held_back(self) -> bool:
        """Typed numbers or dates whose spread is not shown: fewer than 2k answers leave no
        open first and last rows of k each (``suppression.open_ends``)."""
        return (
            question_type(self.question).binned
            and any(r.shown and r.valid for _name, r in self.groups)
            and not self.labels
        )

    @property
    def labels(self) -> list[str]:
        for _name, result in self.groups:
            if result.shown and result.bars:
                return [b.label for b in result.bars]
        return []


def block(first: QuestionResult, groups: Sequence[tuple[str, QuestionResult]]) -> Block:
    question = first.question
    fig_id = f"q{question.id}"
    title = localized(question.text)
    kind = question_type(question)
    figure: Figure | None
    if kind.figure == "diverging":
        figure = figures.diverging(fig_id, title, groups)
    elif kind.figure == "bars":
        figure = figures.bars(fig_id, title, groups)
    elif kind.figure == "distribution" and len(groups) == 1:
        figure = figures.distribution(fig_id, title, first, str(kind.axis_title))
    elif kind.figure == "distribution":
        figure = figures.trend(
            fig_id,
            title,
            [(name, r.mean if r.shown else None) for name, r in groups],
            _("Mean"),
        )
    else:
        figure = None
    return Block(question, groups, figure if figure and figure.has_data else None)


def totals(rounds: Sequence[SurveyRound]) -> dict[int, int]:
    """Responses per round (counts of whole rounds are shown when at least k, as everywhere)."""
    if not rounds:
        return {}
    return {
        round_id: int(n)
        for round_id, n in db.session.execute(
            sa.select(ResponseTally.round_id, sa.func.sum(ResponseTally.n))
            .where(ResponseTally.round_id.in_([r.id for r in rounds]))
            .group_by(ResponseTally.round_id)
        )
    }


def series_rounds(round_: SurveyRound) -> list[SurveyRound]:
    """The series' rounds with results, up to and including this one, oldest first."""
    return [
        r for r in round_.series.rounds if r.status in RESULT_STATUSES and r.number <= round_.number
    ]


def unit_groups(scope: ResultsScope, units: Units, unit_id: int | None) -> list[int]:
    """Which units to put side by side: the units below the chosen one (or the top level);
    for a manager without a chosen unit, the units they lead."""
    if unit_id is None and not scope.everything:
        return list(scope.led)
    chosen = units.children(unit_id)
    if unit_id is not None:
        chosen = [unit_id, *chosen]
    return [u for u in chosen if scope.may_see_unit(u)]


@dataclass
class Compared:
    names: list[str]
    #: Responses per group (None: held back).
    sizes: list[int | None]
    blocks: list[Block]


def compare_units(
    round_: SurveyRound, units: Units, unit_ids: Sequence[int], channel: str | None
) -> Compared:
    language = current_language()
    names = [_("All units")] + [units.names[u] for u in unit_ids]
    results = [round_results(round_, Selection(None, channel), units, language)]
    results += [round_results(round_, Selection(u, channel), units, language) for u in unit_ids]
    blocks = []
    for index, question in enumerate(round_.questions):
        if question_type(question).free_text:
            continue
        groups = [(name, r.questions[index]) for name, r in zip(names, results, strict=True)]
        if question_type(question).binned:
            same_bins(
                (result for _name, result in groups), round_.series.organisation.min_group_size
            )
        blocks.append(block(results[0].questions[index], groups))
    return Compared(names, [r.n for r in results], blocks)


@dataclass
class TrendLine:
    question: Question
    #: (round label, mean or None when hidden or missing)
    points: list[tuple[str, Mean | None]]
    figure: Figure | None


def chain(question: Question) -> list[Question]:
    """The question and its comparable forerunners, newest first."""
    found = [question]
    while found[-1].comparable and found[-1].previous is not None:
        found.append(found[-1].previous)
    return found


def scale_range(question: Question) -> tuple[float, float] | None:
    """The ends of a question's scale, with a little room for the interval's whiskers."""
    return question_type(question).scale_range(question)


def trend(round_: SurveyRound, units: Units, selection: Selection) -> list[TrendLine]:
    """Mean per round for each comparable question with a mean, across the series' rounds."""
    rounds = series_rounds(round_)
    language = current_language()
    selection = Selection(selection.unit_id, selection.channel)
    by_round = {r.id: round_results(r, selection, units, language) for r in rounds}
    lines = []
    for question in round_.questions:
        if not question_type(question).has_mean:
            continue
        earlier = {q.round_id: q.id for q in chain(question)}
        if len(earlier) < 2:
            continue
        points: list[tuple[str, Mean | None]] = []
        for r in rounds:
            label = _("Round %(number)s", number=r.number)
            mean = None
            if r.id in earlier:
                found = next(
                    (q for q in by_round[r.id].questions if q.question.id == earlier[r.id]), None
                )
                mean = found.mean if found and found.shown else None
            points.append((label, mean))
        figure = figures.trend(
            f"t{question.id}",
            localized(question.text),
            points,
            _("Mean with 95 % interval"),
            scale_range(question),
        )
        lines.append(TrendLine(question, points, figure if figure.has_data else None))
    return lines
