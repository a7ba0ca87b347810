"""Query parameters of the API, checked one by one: every problem is named at its parameter
(answered as 400), nothing wrong is ever passed on to a query."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from flask_babel import gettext as _

from feedback.deviations.stats import default_period
from feedback.exceptions import NotFound
from feedback.ids import parse_id
from feedback.models import SurveyRound
from feedback.models.survey import CHANNELS
from feedback.questionnaire import runtime
from feedback.questionnaire.registry import question_type
from feedback.results.readers import ResultsScope
from feedback.results.selection import Selection, Units

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: Deviation statistics cover at most this many days (about ten years): a month per row.
MAX_PERIOD_DAYS = 3660
#: Dates outside these years cannot hold a deviation report (and keep date sums in range).
FIRST_YEAR, LAST_YEAR = 1900, 2999


class BadParameters(Exception):
    """One message per parameter that is wrong."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__(", ".join(problems))
        self.problems = dict(problems)


def _given(args: Mapping[str, str], name: str) -> str | None:
    """A parameter's value; empty counts as not given, as in the results page's filter."""
    value = args.get(name)
    return value if value else None


def selection(
    args: Mapping[str, str], round_: SurveyRound, scope: ResultsScope, units: Units
) -> Selection:
    """The selection the parameters ask for. A unit of the organisation that the reader does
    not lead is answered with 404, as on the results pages."""
    problems: dict[str, str] = {}
    unit_id = question_id = None
    unit, channel = _given(args, "unit"), _given(args, "channel")
    question, value = _given(args, "question"), _given(args, "value")
    if unit is not None:
        unit_id = parse_id(unit)
        if unit_id is None:
            problems["unit"] = _("Give the id of a unit (a whole number).")
        elif unit_id not in units.names:
            problems["unit"] = _("There is no unit with this id in the organisation.")
            unit_id = None
    if channel is not None and channel not in CHANNELS:
        problems["channel"] = _("Use one of: %(values)s.", values=", ".join(CHANNELS))
    if question is not None:
        question_id = parse_id(question)
        found = next((q for q in round_.questions if q.id == question_id), None)
        if question_id is None:
            problems["question"] = _("Give the id of a question (a whole number).")
        elif found is None:
            problems["question"] = _("The round has no question with this id.")
        elif not question_type(found).filters_results:
            problems["question"] = _(
                "Only single choice, multiple choice and yes/no questions can filter results."
            )
        elif value is None:
            problems["value"] = _("Give the answer to filter on together with the question.")
        elif value not in {v for v, _label in runtime.choices(found)}:
            problems["value"] = _("The question has no answer with this value.")
    elif value is not None:
        problems["value"] = _("Give the question together with the answer to filter on.")
    if problems:
        raise BadParameters(problems)
    if not scope.may_see_unit(unit_id):
        raise NotFound()
    return Selection(unit_id=unit_id, channel=channel, question_id=question_id, value=value)


def _date(args: Mapping[str, str], name: str, problems: dict[str, str]) -> date | None:
    value = _given(args, name)
    if value is None:
        return None
    try:
        day = date.fromisoformat(value) if _DATE.fullmatch(value) else None
    except ValueError:
        day = None
    if day is None:
        problems[name] = _("Write the date as YYYY-MM-DD, for example 2026-01-31.")
    elif not FIRST_YEAR <= day.year <= LAST_YEAR:
        problems[name] = _(
            "Give a date between %(first)s and %(last)s.",
            first=f"{FIRST_YEAR}-01-01",
            last=f"{LAST_YEAR}-12-31",
        )
        day = None
    return day


def period(args: Mapping[str, str], current: date) -> tuple[date, date]:
    """The first and last day asked for; the last twelve months when not given."""
    problems: dict[str, str] = {}
    first, last = _date(args, "from", problems), _date(args, "to", problems)
    if problems:
        raise BadParameters(problems)
    default_first, default_last = default_period(current)
    first = first or (default_period(last)[0] if last else default_first)
    last = last or max(first, default_last)
    if last < first:
        raise BadParameters({"to": _("The end date must be on or after the start date.")})
    if (last - first).days > MAX_PERIOD_DAYS:
        raise BadParameters({"to": _("The period can be at most ten years.")})
    return first, last
