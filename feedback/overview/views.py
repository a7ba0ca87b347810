"""The manager overview page."""

from __future__ import annotations

from flask import render_template

from feedback.evaluation.services import is_overdue
from feedback.models.base import today
from feedback.overview.services import dashboard_for
from feedback.results import readers
from feedback.results.charts.formats import decimal, mean_text
from feedback.results.selection import units_of
from feedback.web.access import current_memberships, login_required, signed_in_user


@login_required
def index() -> str:
    scope = readers.current_scope()
    units = units_of(scope.organisation)
    current = today()
    board = dashboard_for(scope, units, current, signed_in_user(), current_memberships())
    return render_template(
        "overview/index.html",
        board=board,
        scope=scope,
        k=scope.organisation.min_group_size,
        today=current,
        is_overdue=is_overdue,
        mean_text=mean_text,
        decimal=decimal,
    )
