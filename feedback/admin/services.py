"""Units and accounts of one organisation (roles: feedback.auth.memberships). Services flush;
the view commits."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from feedback import audit
from feedback.auth import email_change, totp
from feedback.auth.services import (
    ADMIN_LINK_LIFETIME,
    end_all_sessions,
    issue_password_link,
    normalise_email,
)
from feedback.exceptions import Forbidden, NotFound, RuleBroken, get_or_404
from feedback.extensions import db
from feedback.models import Membership, Organisation, Unit, User


class AdminError(RuleBroken):
    """A request that breaks an administration rule."""


# --- units -----------------------------------------------------------------------------------


def unit_tree(organisation: Organisation, *, active_only: bool = False) -> list[tuple[Unit, int]]:
    """All units depth-first, each with its depth, siblings by name."""
    stmt = sa.select(Unit).where(Unit.organisation_id == organisation.id).order_by(Unit.name)
    if active_only:
        stmt = stmt.where(Unit.active.is_(True))
    units = list(db.session.scalars(stmt))
    children: dict[int | None, list[Unit]] = {}
    ids = {u.id for u in units}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in ids else None
        children.setdefault(parent, []).append(unit)
    ordered: list[tuple[Unit, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in children.get(parent, []):
            ordered.append((unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return ordered


def get_unit(organisation: Organisation, unit_id: int) -> Unit:
    """The organisation's unit, else NotFound (also for another organisation's unit)."""
    return get_or_404(Unit, unit_id, lambda u: u.organisation_id == organisation.id)


def _check_unit(
    organisation: Organisation, unit: Unit | None, name: str, parent_id: int | None
) -> None:
    clash = db.session.scalar(
        sa.select(Unit.id).where(
            Unit.organisation_id == organisation.id,
            sa.func.lower(Unit.name) == name.lower(),
            Unit.id != (unit.id if unit else -1),
        )
    )
    if clash is not None:
        raise AdminError("name", _l("There is already a unit with this name."))
    if parent_id is None:
        return
    parent = db.session.get(Unit, parent_id)
    if parent is None or parent.organisation_id != organisation.id:
        raise AdminError("parent_id", _l("Choose a unit from the list."))
    ancestor: Unit | None = parent
    while ancestor is not None:
        if unit is not None and ancestor.id == unit.id:
            raise AdminError(
                "parent_id", _l("A unit cannot be placed under itself or one of its own sub-units.")
            )
        ancestor = ancestor.parent


def create_unit(
    organisation: Organisation, actor: User | None, *, name: str, kind: str, parent_id: int | None
) -> Unit:
    _check_unit(organisation, None, name, parent_id)
    unit = Unit(organisation=organisation, name=name, kind=kind, parent_id=parent_id)
    db.session.add(unit)
    db.session.flush()
    audit.record(organisation, actor, "unit.create", name, kind=kind, parent_id=parent_id)
    return unit


def update_unit(
    organisation: Organisation,
    actor: User | None,
    unit: Unit,
    *,
    name: str,
    kind: str,
    parent_id: int | None,
    active: bool,
    people_served: int | None,
    codes_only: bool,
) -> None:
    _check_unit(organisation, unit, name, parent_id)
    changed = audit.apply_changes(
        unit,
        name=name,
        kind=kind,
        parent_id=parent_id,
        active=active,
        people_served=people_served,
        codes_only=codes_only,
    )
    if changed:
        db.session.flush()
        audit.record(organisation, actor, "unit.update", name, changed=changed)


# --- accounts and roles ----------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    user: User
    memberships: list[Membership]


def members(organisation: Organisation) -> list[Member]:
    """Every account with a role in the organisation, by name, with those roles."""
    rows = db.session.scalars(
        sa.select(Membership)
        .join(User)
        .where(Membership.organisation_id == organisation.id)
        .order_by(User.name, User.id, Membership.role)
    )
    grouped: dict[int, Member] = {}
    for membership in rows:
        grouped.setdefault(membership.user_id, Member(membership.user, [])).memberships.append(
            membership
        )
    return list(grouped.values())


def get_member(organisation: Organisation, user_id: int) -> Member:
    """The account and its roles here, else NotFound (accounts elsewhere are not visible)."""
    memberships = list(
        db.session.scalars(
            sa.select(Membership)
            .where(Membership.organisation_id == organisation.id, Membership.user_id == user_id)
            .order_by(Membership.role)
        )
    )
    if not memberships:
        raise NotFound()
    return Member(memberships[0].user, memberships)


def holds_roles_only_in(user: User, organisation: Organisation) -> bool:
    """True when every role the account holds is in this organisation (and it holds one).

    Only then may this organisation's administrators manage the account itself (password link,
    name, e-mail, active, second factor): an account with roles elsewhere belongs to its holder,
    and another organisation must not be able to lock them out or take it over.
    """
    organisation_ids = set(
        db.session.scalars(
            sa.select(Membership.organisation_id).where(Membership.user_id == user.id)
        )
    )
    return organisation_ids == {organisation.id}


def require_own_account(organisation: Organisation, user: User) -> None:
    """Forbidden unless the account holds roles in this organisation alone."""
    if not holds_roles_only_in(user, organisation):
        raise Forbidden()


def update_account(
    organisation: Organisation,
    actor: User | None,
    user: User,
    *,
    email: str,
    name: str,
    active: bool,
) -> str | None:
    """Name and active state change at once. A new e-mail address only is asked for: the link
    to confirm it goes to that address (returns its secret), and whether the address has an
    account already is neither looked at nor told here."""
    require_own_account(organisation, user)
    email = normalise_email(email)
    if actor is not None and user.id == actor.id and not active:
        raise AdminError("active", _l("You cannot deactivate your own account."))
    changed = audit.apply_changes(user, name=name, active=active)
    if changed:
        # A deactivation: the person's sessions end at once.
        if not active:
            end_all_sessions(user)
        db.session.flush()
        audit.record(
            organisation,
            actor,
            "account.update",
            user.email,
            target=f"user:{user.id}",
            changed=changed,
        )
    if email == user.email:
        return None
    return email_change.request_change(organisation, actor, user, email)


def send_password_link(organisation: Organisation, actor: User | None, user: User) -> str:
    """The secret of a new link for the person to choose a password (the administrator never
    sees a password; without a mail server they see this link once, to hand over)."""
    require_own_account(organisation, user)
    token = issue_password_link(user, ADMIN_LINK_LIFETIME)
    audit.record(organisation, actor, "account.password_link", user.email, target=f"user:{user.id}")
    return token


def reset_second_factor(organisation: Organisation, actor: User | None, user: User) -> None:
    """An administrator removes a person's authenticator app and recovery codes ("lost
    phone"): only for accounts that hold roles here alone, never one's own. The person's
    sessions end; with the policy on, they must set it up again after the password."""
    if not holds_roles_only_in(user, organisation):
        raise AdminError(
            "",
            _l(
                "The account also has roles in another organisation. Only the person can "
                "change its two-step sign-in."
            ),
        )
    if actor is not None and actor.id == user.id:
        raise AdminError("", _l("Use your own account page to change your two-step sign-in."))
    if not user.has_second_factor and user.totp_secret is None:
        raise AdminError("", _l("The account has no two-step sign-in to reset."))
    totp.remove(user)
    end_all_sessions(user)
    audit.record(organisation, actor, "account.reset_second_factor", user.email)


def members_count_for(organisation: Organisation, user_id: int) -> int:
    """How many roles the user still holds here."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Membership)
            .where(Membership.organisation_id == organisation.id, Membership.user_id == user_id)
        )
        or 0
    )


# --- organisation settings -------------------------------------------------------------------


def update_settings(
    organisation: Organisation,
    actor: User | None,
    *,
    name: str,
    min_group_size: int,
    approval_rule: str,
    approval_count: int,
    require_second_factor: bool | None = None,
) -> None:
    if require_second_factor is None:
        require_second_factor = organisation.require_second_factor
    changed = audit.apply_changes(
        organisation,
        name=name,
        min_group_size=min_group_size,
        approval_rule=approval_rule,
        approval_count=approval_count,
        require_second_factor=require_second_factor,
    )
    if changed:
        db.session.flush()
        audit.record(organisation, actor, "organisation.update", name, changed=changed)
