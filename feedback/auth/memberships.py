"""Who holds which role in which organisation: the rules for a role, granting and revoking it,
and leaving an organisation. Shared by the administrators' pages, invitations, OIDC sign-in and
one's own account. Services flush; views commit."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from feedback import audit
from feedback.exceptions import NotFound, RuleBroken
from feedback.extensions import db
from feedback.models import Membership, Organisation, Unit, User
from feedback.models.user import REPRESENTATIONS, ROLES


class MembershipError(RuleBroken):
    """A role change that breaks a rule (a manager without units, the last administrator)."""


def _resolve_units(organisation: Organisation, unit_ids: Sequence[int]) -> list[Unit]:
    wanted = set(unit_ids)
    units = list(
        db.session.scalars(
            sa.select(Unit).where(Unit.organisation_id == organisation.id, Unit.id.in_(wanted))
        )
    )
    if len(units) != len(wanted):
        raise MembershipError("unit_ids", _l("Choose units from the list."))
    return units


def check_role(
    organisation: Organisation, role: str, representation: str | None, unit_ids: Sequence[int]
) -> tuple[str | None, list[Unit]]:
    """The representation and units a role needs, checked; raises MembershipError."""
    if role not in ROLES:
        raise MembershipError("role", _l("Choose a role from the list."))
    if role == "quality" and representation not in REPRESENTATIONS:
        raise MembershipError("representation", _l("Choose what the member represents."))
    if role != "quality":
        representation = None
    units = _resolve_units(organisation, unit_ids) if role == "manager" else []
    if role == "manager" and not units:
        raise MembershipError(
            "unit_ids", _l("Choose at least one unit the manager is responsible for.")
        )
    return representation, units


def grant_role(
    organisation: Organisation,
    actor: User | None,
    user: User,
    *,
    role: str,
    representation: str | None,
    unit_ids: Sequence[int] = (),
) -> Membership:
    """Give the user a role here; managers need at least one unit."""
    representation, units = check_role(organisation, role, representation, unit_ids)
    if find_membership(organisation, user, role) is not None:
        raise MembershipError("role", _l("The account already has this role."))
    membership = Membership(
        user=user, organisation=organisation, role=role, representation=representation, units=units
    )
    db.session.add(membership)
    db.session.flush()
    audit.record(
        organisation,
        actor,
        "membership.grant",
        user.email,
        target=f"user:{user.id}",
        role=role,
        representation=representation,
        units=[u.name for u in units],
    )
    return membership


def find_membership(organisation: Organisation, user: User, role: str) -> Membership | None:
    """The user's membership with this role here, if any."""
    return db.session.scalar(
        sa.select(Membership).where(
            Membership.user_id == user.id,
            Membership.organisation_id == organisation.id,
            Membership.role == role,
        )
    )


def revoke_role(organisation: Organisation, actor: User | None, membership: Membership) -> None:
    """Take the role away (not the organisation's last administrator's)."""
    if membership.organisation_id != organisation.id:
        raise NotFound()
    if membership.role == "admin" and admin_count(organisation) <= 1:
        raise MembershipError("role", _l("The organisation must keep at least one administrator."))
    audit.record(
        organisation,
        actor,
        "membership.revoke",
        membership.user.email,
        target=f"user:{membership.user_id}",
        role=membership.role,
    )
    db.session.delete(membership)
    db.session.flush()


def admin_count(organisation: Organisation) -> int:
    """Active administrators of the organisation."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Membership)
            .join(User)
            .where(
                Membership.organisation_id == organisation.id,
                Membership.role == "admin",
                User.active.is_(True),
            )
        )
        or 0
    )


def leave_organisation(user: User, organisation: Organisation) -> None:
    """The person gives up every role they hold in the organisation (not its last admin)."""
    memberships = list(
        db.session.scalars(
            sa.select(Membership).where(
                Membership.user_id == user.id, Membership.organisation_id == organisation.id
            )
        )
    )
    if not memberships:
        raise NotFound()
    if any(m.role == "admin" for m in memberships) and admin_count(organisation) <= 1:
        raise MembershipError(
            "organisation",
            _l(
                "You are the last administrator of %(name)s. Give someone else the role first.",
                name=organisation.name,
            ),
        )
    audit.record(
        organisation,
        user,
        "membership.leave",
        user.email,
        target=f"user:{user.id}",
        roles=sorted(m.role for m in memberships),
    )
    for membership in memberships:
        db.session.delete(membership)
    db.session.flush()
