"""The manager overview (/leder): own units' latest results and trends, open and overdue
action points, deviation statistics.

A manager sees the units they lead; a quality-group member sees the top-level units. Every
number comes from the same suppressed results as the results pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from feedback.deviations import lists as deviations
from feedback.deviations import stats as deviation_stats
from feedback.deviations.scope import scope_for
from feedback.evaluation import services as evaluation
from feedback.i18n import current_language
from feedback.models import ActionPoint, Membership, SurveyRound, User
from feedback.questionnaire.registry import question_type
from feedback.results import padding, readers
from feedback.results.aggregate import Mean, round_results
from feedback.results.comparison import series_rounds
from feedback.results.selection import Selection, Units


@dataclass
class MeanRow:
    text: dict[str, str]
    unit: Mean | None
    everyone: Mean | None
    previous: Mean | None

    @property
    def change(self) -> float | None:
        if self.unit is None or self.previous is None:
            return None
        return self.unit.value - self.previous.value


@dataclass
class UnitSummary:
    unit_id: int
    name: str
    #: Responses in the latest round (None: too few to show).
    n: int | None
    rows: list[MeanRow] = field(default_factory=list)
    #: The unit, or one below it, is held back for padding (results.padding).
    held: bool = False


@dataclass
class DeviationSummary:
    open: int
    overdue: int
    received: int
    median_days_to_close: float | None
    first: date
    last: date


@dataclass
class Dashboard:
    latest: SurveyRound | None
    previous: SurveyRound | None
    units: list[UnitSummary]
    action_points: list[ActionPoint]
    deviations: DeviationSummary | None


def _means(results: object) -> dict[int, Mean | None]:
    return {
        q.question.id: (q.mean if q.shown else None)
        for q in results.questions  # type: ignore[attr-defined]
        if question_type(q.question).has_mean
    }


def _open_action_points(scope: readers.ResultsScope) -> list[ActionPoint]:
    return evaluation.open_action_points(
        scope.organisation, None if scope.everything else set(scope.unit_ids)
    )


def dashboard_for(
    scope: readers.ResultsScope,
    units: Units,
    current: date,
    user: User,
    memberships: Sequence[Membership],
) -> Dashboard:
    """The overview for this reader: ``scope`` for the results, ``user`` and ``memberships``
    for the deviation cases they may see, ``current`` the day."""
    rounds = readers.rounds_with_results(scope.organisation)
    latest = rounds[0] if rounds else None
    shown_units = list(scope.led) if not scope.everything else units.children(None)
    summaries: list[UnitSummary] = []
    previous: SurveyRound | None = None
    if latest is not None:
        language = current_language()
        earlier = series_rounds(latest)[:-1]
        previous = earlier[-1] if earlier else None
        everyone = _means(round_results(latest, Selection(), units, language))
        held = padding.held_units(latest)
        for unit_id in shown_units:
            results = round_results(latest, Selection(unit_id), units, language)
            means = _means(results)
            before: dict[int, Mean | None] = {}
            if previous is not None:
                before = _means(round_results(previous, Selection(unit_id), units, language))
            rows = []
            for question in latest.questions:
                if not question_type(question).has_mean:
                    continue
                earlier_id = (
                    question.previous_id if question.comparable and question.previous_id else None
                )
                rows.append(
                    MeanRow(
                        question.text,
                        means.get(question.id),
                        everyone.get(question.id),
                        before.get(earlier_id) if earlier_id else None,
                    )
                )
            summaries.append(
                UnitSummary(
                    unit_id,
                    units.names[unit_id],
                    results.n,
                    rows,
                    bool(held & units.subtree(unit_id)),
                )
            )

    case_scope = scope_for(scope.organisation, memberships)
    deviation_summary = None
    if case_scope is not None:
        first, last = deviation_stats.default_period(current)
        numbers = deviation_stats.statistics_for(case_scope, first, last)
        open_cases = deviations.count_cases(
            case_scope, deviations.Filters(status="open"), user, current
        )
        overdue = deviations.count_cases(
            case_scope, deviations.Filters(status="open", overdue=True), user, current
        )
        deviation_summary = DeviationSummary(
            open_cases, overdue, numbers.total, numbers.median_days_to_close, first, last
        )
    return Dashboard(latest, previous, summaries, _open_action_points(scope), deviation_summary)
