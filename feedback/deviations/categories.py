"""Deviation categories: each organisation's own list, in the order the report form shows it."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from feedback import audit
from feedback.exceptions import RuleBroken, get_or_404
from feedback.extensions import db
from feedback.models import DeviationCategory, Organisation, User
from feedback.models.deviation import DEFAULT_CATEGORIES


def categories(organisation: Organisation, *, active_only: bool = True) -> list[DeviationCategory]:
    """The organisation's categories in form order (only those in use, unless asked)."""
    stmt = (
        sa.select(DeviationCategory)
        .where(DeviationCategory.organisation_id == organisation.id)
        .order_by(DeviationCategory.position, DeviationCategory.id)
    )
    if active_only:
        stmt = stmt.where(DeviationCategory.active.is_(True))
    return list(db.session.scalars(stmt))


def add_default_categories(organisation: Organisation) -> None:
    """Give a new organisation the default list of categories."""
    for position, names in enumerate(DEFAULT_CATEGORIES):
        db.session.add(
            DeviationCategory(organisation=organisation, names=dict(names), position=position)
        )


def get_category(organisation: Organisation, category_id: int) -> DeviationCategory:
    """The organisation's category with this id, else NotFound."""
    return get_or_404(
        DeviationCategory, category_id, lambda c: c.organisation_id == organisation.id
    )


def save_category(
    organisation: Organisation,
    actor: User,
    category: DeviationCategory | None,
    names: dict[str, str],
    active: bool,
) -> DeviationCategory:
    """Add a category (at the end of the list) or change one."""
    if not names.get("nb", "").strip():
        raise RuleBroken("names", _l("Write the name in bokmål."))
    if category is None:
        last = db.session.scalar(
            sa.select(sa.func.max(DeviationCategory.position)).where(
                DeviationCategory.organisation_id == organisation.id
            )
        )
        category = DeviationCategory(
            organisation_id=organisation.id, names=names, position=(last or 0) + 1, active=active
        )
        db.session.add(category)
        db.session.flush()
        audit.record(organisation, actor, "deviation_category.create", names["nb"])
        return category
    changes = audit.apply_changes(category, names=names, active=active)
    if changes:
        audit.record(organisation, actor, "deviation_category.update", names["nb"], changed=changes)
    return category


def move_category(
    organisation: Organisation, actor: User, category: DeviationCategory, step: int
) -> None:
    """Move a category one place up (-1) or down (+1) in the list."""
    ordered = categories(organisation, active_only=False)
    index = ordered.index(category)
    other = index + step
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered):
        item.position = position
    audit.record(
        organisation,
        actor,
        "deviation_category.move",
        category.names["nb"],
        position=[index + 1, other + 1],
    )
