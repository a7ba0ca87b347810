"""The case list and the statistics, for the quality group (every case) and managers (their
units' cases)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import render_template, request
from flask_babel import gettext as _

from feedback.admin.forms import unit_choices
from feedback.deviations import categories, lists, receiving, stats
from feedback.deviations.forms import FilterForm, PeriodForm
from feedback.deviations.pages import LABELS, case_access
from feedback.deviations.scope import Scope, required_scope
from feedback.i18n import localized
from feedback.ids import parse_id
from feedback.models.base import today
from feedback.vocabulary import DEVIATION_STATUS_LABELS, SEVERITY_LABELS
from feedback.web.access import require_organisation, signed_in_user
from feedback.web.forms import choice_values, options

#: The query parameters of the case list that its page links carry on.
FILTER_FIELDS = ("status", "unit", "category", "severity", "overdue", "mine")


def _scope() -> Scope:
    return required_scope(require_organisation())


def _filter_form(scope: Scope) -> tuple[FilterForm, lists.Filters]:
    form = FilterForm(request.args)
    organisation = scope.organisation
    units = [
        (unit, depth)
        for unit, depth in receiving.units_to_report(organisation)
        if scope.everything or unit.id in scope.unit_ids
    ]
    form.status.choices = options(
        [("", _("All")), ("open", _("Not closed")), *DEVIATION_STATUS_LABELS.items()]
    )
    form.unit.choices = options(
        [("", _("All")), *((str(i), name) for i, name in unit_choices(units))]
    )
    form.category.choices = options(
        [
            ("", _("All")),
            *(
                (str(c.id), localized(c.names))
                for c in categories.categories(organisation, active_only=False)
            ),
        ]
    )
    form.severity.choices = options(
        [("", _("All")), ("none", _("Not assessed")), *SEVERITY_LABELS.items()]
    )
    chosen = {
        name: request.args.get(name, "") for name in ("status", "unit", "category", "severity")
    }
    valid = {
        name: value if value in choice_values(getattr(form, name)) else ""
        for name, value in chosen.items()
    }
    filters = lists.Filters(
        status=valid["status"] or None,
        unit_id=int(valid["unit"]) if valid["unit"] else None,
        category_id=int(valid["category"]) if valid["category"] else None,
        severity=valid["severity"] or None,
        overdue=bool(form.overdue.data),
        mine=bool(form.mine.data),
    )
    return form, filters


@case_access
def cases() -> str:
    scope = _scope()
    form, filters = _filter_form(scope)
    listing = lists.list_cases(
        scope, filters, signed_in_user(), parse_id(request.args.get("side")) or 1
    )
    args = {k: v for k, v in request.args.items() if k in FILTER_FIELDS and v}
    return render_template(
        "deviations/cases.html",
        form=form,
        listing=listing,
        page_args=args,
        filtered=any(args.values()),
        is_overdue=lists.is_overdue,
        **LABELS,
    )


def _period(form: PeriodForm) -> tuple[date, date]:
    first, last = stats.default_period(today())
    if form.errors:
        return first, last
    return form.fra.data or first, form.til.data or last


@case_access
def statistics() -> tuple[str, int]:
    scope = _scope()
    form = PeriodForm(request.args)
    valid = form.validate() if request.args else True
    first, last = _period(form) if valid else _period(PeriodForm())
    if (last - first).days > 3660:
        first = last - timedelta(days=3660)
        form.fra.errors = [_("Choose at most ten years.")]
        valid = False
    numbers = stats.statistics_for(scope, first, last)
    html = render_template(
        "deviations/statistics.html",
        form=form,
        first=first,
        last=last,
        numbers=numbers,
        charts=stats.charts(scope, numbers),
        **LABELS,
    )
    return html, 200 if valid else 400
