"""Deviation statistics: counts by month, category, unit, status and severity, and the median
time to close, as charts with data tables.

Only people who may read the cases themselves see these numbers (the quality group all, a
manager their units), so no small-group hiding is needed here as it is for survey answers.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from feedback.deviations.categories import categories
from feedback.deviations.receiving import units_to_report
from feedback.deviations.scope import Scope
from feedback.extensions import db
from feedback.i18n import localized
from feedback.models import Deviation
from feedback.models.deviation import DEVIATION_STATUSES, SEVERITIES
from feedback.results.charts.chart import Chart
from feedback.results.charts.formats import month_label
from feedback.vocabulary import DEVIATION_STATUS_LABELS, SEVERITY_LABELS


@dataclass
class Statistics:
    total: int
    by_month: list[tuple[date, int]]
    by_category: Counter[int]
    by_unit: Counter[int | None]
    by_status: Counter[str]
    by_severity: Counter[str | None]
    closed: int
    median_days_to_close: float | None


def default_period(current: date) -> tuple[date, date]:
    """The last twelve calendar months, this one included."""
    months = current.year * 12 + current.month - 1 - 11
    return date(months // 12, months % 12 + 1, 1), current


def month_starts(first: date, last: date) -> list[date]:
    months = []
    current = first.replace(day=1)
    while current <= last:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def _counts(scope: Scope, first: date, last: date, column: Any) -> Counter[Any]:
    """Cases received in the period, counted by one column in the database."""
    rows = db.session.execute(
        sa.select(column, sa.func.count())
        .where(scope.where(), Deviation.received_on >= first, Deviation.received_on <= last)
        .group_by(column)
    )
    return Counter({row[0]: row[1] for row in rows})


def statistics_for(scope: Scope, first: date, last: date) -> Statistics:
    """Counts of the cases received between two dates (both included), counted in the
    database; only the closed cases' two dates are read, for the median."""
    by_day = _counts(scope, first, last, Deviation.received_on)
    months: Counter[date] = Counter()
    for day, count in by_day.items():
        months[day.replace(day=1)] += count
    closed = db.session.execute(
        sa.select(Deviation.received_on, Deviation.closed_on).where(
            scope.where(),
            Deviation.received_on >= first,
            Deviation.received_on <= last,
            Deviation.closed_on.is_not(None),
        )
    ).all()
    durations = [(closed_on - received).days for received, closed_on in closed if closed_on]
    return Statistics(
        total=sum(by_day.values()),
        by_month=[(month, months[month]) for month in month_starts(first, last)],
        by_category=_counts(scope, first, last, Deviation.category_id),
        by_unit=_counts(scope, first, last, Deviation.unit_id),
        by_status=_counts(scope, first, last, Deviation.status),
        by_severity=_counts(scope, first, last, Deviation.severity),
        closed=len(durations),
        median_days_to_close=statistics.median(durations) if durations else None,
    )


def charts(scope: Scope, numbers: Statistics) -> list[Chart]:
    """The page's charts, each with the rows of its data table, labels in the reader's language."""
    count = _("Reports")
    organisation = scope.organisation
    by_category = [
        (localized(c.names), numbers.by_category[c.id])
        for c in categories(organisation, active_only=False)
        if c.active or numbers.by_category[c.id]
    ]
    units = [
        (unit.name, numbers.by_unit[unit.id])
        for unit, _depth in units_to_report(organisation)
        if (scope.everything or unit.id in scope.unit_ids)
    ]
    if scope.everything and numbers.by_unit[None]:
        units.append((_("Unit not given"), numbers.by_unit[None]))
    severities: list[tuple[str, int | float | None]] = [
        (str(SEVERITY_LABELS[s]), numbers.by_severity[s]) for s in SEVERITIES
    ]
    severities.append((_("Not assessed"), numbers.by_severity[None]))
    return [
        Chart(
            "chart-month",
            _("Reports by month"),
            _("Month"),
            count,
            [(month_label(m.year, m.month), n) for m, n in numbers.by_month],
            shape="bar",
        ),
        Chart(
            "chart-category",
            _("Reports by category"),
            _("Category"),
            count,
            by_category,
            shape="hbar",
        ),
        Chart("chart-unit", _("Reports by unit"), _("Unit"), count, units, shape="hbar"),
        Chart(
            "chart-status",
            _("Reports by status"),
            _("Status"),
            count,
            [(str(DEVIATION_STATUS_LABELS[s]), numbers.by_status[s]) for s in DEVIATION_STATUSES],
            shape="hbar",
        ),
        Chart(
            "chart-severity",
            _("Reports by severity"),
            _("Severity"),
            count,
            severities,
            shape="hbar",
        ),
    ]
