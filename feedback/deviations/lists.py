"""The case list: filters, overdue cases first, pages of PAGE_SIZE."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from feedback.deviations.scope import Scope, with_descendants
from feedback.extensions import db
from feedback.models import Deviation, DeviationMeasure, User
from feedback.models.base import today


def is_overdue(case: Deviation, current: date | None = None) -> bool:
    """Open past its deadline, or with a measure not done past its due date."""
    current = current or today()
    if case.status == "closed":
        return False
    if case.deadline is not None and case.deadline < current:
        return True
    return any(not m.done and m.due is not None and m.due < current for m in case.measures)


def _overdue_clause(current: date) -> sa.ColumnElement[bool]:
    late_measure = (
        sa.select(DeviationMeasure.id)
        .where(
            DeviationMeasure.deviation_id == Deviation.id,
            DeviationMeasure.done.is_(False),
            DeviationMeasure.due < current,
        )
        .exists()
    )
    return sa.and_(Deviation.status != "closed", sa.or_(Deviation.deadline < current, late_measure))


@dataclass
class Filters:
    """What the case list is narrowed to ("open" status: every status but closed)."""

    status: str | None = None
    unit_id: int | None = None
    category_id: int | None = None
    #: "none" finds cases nobody has assessed yet.
    severity: str | None = None
    overdue: bool = False
    mine: bool = False


PAGE_SIZE = 50


@dataclass
class CasePage:
    """One page of the case list, and how many there are."""

    cases: list[Deviation]
    total: int
    page: int
    pages: int


def _conditions(
    scope: Scope, filters: Filters, user: User, current: date
) -> list[sa.ColumnElement[bool]]:
    """What the filters ask for, within what this person may see."""
    conditions: list[sa.ColumnElement[bool]] = [scope.where()]
    if filters.status == "open":
        conditions.append(Deviation.status != "closed")
    elif filters.status:
        conditions.append(Deviation.status == filters.status)
    if filters.unit_id is not None:
        below = with_descendants(scope.organisation, [filters.unit_id])
        conditions.append(Deviation.unit_id.in_(below))
    if filters.category_id is not None:
        conditions.append(Deviation.category_id == filters.category_id)
    if filters.severity == "none":
        conditions.append(Deviation.severity.is_(None))
    elif filters.severity:
        conditions.append(Deviation.severity == filters.severity)
    if filters.overdue:
        conditions.append(_overdue_clause(current))
    if filters.mine:
        conditions.append(Deviation.handler_id == user.id)
    return conditions


def count_cases(scope: Scope, filters: Filters, user: User, current: date | None = None) -> int:
    """How many cases the filters find (one COUNT, no cases loaded)."""
    conditions = _conditions(scope, filters, user, current or today())
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(Deviation).where(*conditions)) or 0
    )


def list_cases(
    scope: Scope, filters: Filters, user: User, page: int = 1, current: date | None = None
) -> CasePage:
    """Cases this person may see, overdue ones first, then newest first."""
    current = current or today()
    conditions = _conditions(scope, filters, user, current)
    total = count_cases(scope, filters, user, current)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    overdue_first = sa.case((_overdue_clause(current), 0), else_=1)
    stmt = (
        sa.select(Deviation)
        .where(*conditions)
        .options(
            selectinload(Deviation.measures),
            selectinload(Deviation.unit),
            selectinload(Deviation.category),
            selectinload(Deviation.handler),
        )
        .order_by(overdue_first, Deviation.received_on.desc(), Deviation.id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return CasePage(list(db.session.scalars(stmt)), total, page, pages)
