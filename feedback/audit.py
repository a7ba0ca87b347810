"""Recording staff decisions in the audit log."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import AuditEvent, Membership, Organisation, User


def record(
    organisation: Organisation | None,
    actor: User | None,
    action: str,
    subject: str,
    *,
    target: str | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the session (the caller commits with the change itself)."""
    event = AuditEvent(
        organisation_id=organisation.id if organisation else None,
        actor_id=actor.id if actor else None,
        action=action,
        subject=subject[:300],
        target=target,
        details=details,
    )
    db.session.add(event)
    return event


def organisations_of(user: User) -> list[Organisation]:
    """The organisations where the person holds a role, in a fixed order."""
    return list(
        db.session.scalars(
            sa.select(Organisation)
            .where(
                Organisation.id.in_(
                    sa.select(Membership.organisation_id).where(Membership.user_id == user.id)
                )
            )
            .order_by(Organisation.id)
        )
    )


def record_for_person(user: User, action: str, **details: Any) -> None:
    """A change the person made to their own account, in the audit log of each organisation
    where they hold a role (each one's administrators see it); with none, without one."""
    organisations: list[Organisation | None] = list(organisations_of(user))
    for organisation in organisations or [None]:
        record(organisation, user, action, user.email, target=f"user:{user.id}", **details)


def apply_changes(target: object, **values: Any) -> dict[str, list[Any]]:
    """Set attributes on a model and return what changed as {name: [old, new]} for the log."""
    changed = {}
    for name, value in values.items():
        old = getattr(target, name)
        if old != value:
            changed[name] = [old, value]
            setattr(target, name, value)
    return changed


def recent(organisation: Organisation, limit: int = 200) -> list[AuditEvent]:
    stmt = (
        sa.select(AuditEvent)
        .where(AuditEvent.organisation_id == organisation.id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def history(target: str) -> list[AuditEvent]:
    """Every event about one object ("kind:id"), oldest first."""
    stmt = (
        sa.select(AuditEvent)
        .where(AuditEvent.target == target)
        .order_by(AuditEvent.created_at, AuditEvent.id)
    )
    return list(db.session.scalars(stmt))
