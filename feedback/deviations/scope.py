"""Who sees which cases: the quality group every case of the organisation, a manager the cases
of their units and the units below them; and who may handle a case."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from feedback.admin.services import unit_tree
from feedback.exceptions import NotFound
from feedback.extensions import db
from feedback.models import Deviation, Membership, Organisation, User
from feedback.web.access import current_memberships

#: Case ids are XXXX-XXXX, like access codes.
CASE_ID_LENGTH = 8


@dataclass
class Scope:
    """The cases a signed-in person may see in their current organisation.

    Managers see their units' cases, but not the reporter's own words until the quality group
    has taken the case on (status past "received"): docs/design.md rule 4, free text is read by the
    quality group first, so personal data can be blacked out before anyone else sees it.
    """

    organisation: Organisation
    #: Quality-group members see every case.
    everything: bool
    #: A manager's units and every unit below them.
    unit_ids: frozenset[int] = frozenset()

    def covers(self, case: Deviation) -> bool:
        if case.organisation_id != self.organisation.id:
            return False
        return self.everything or case.unit_id in self.unit_ids

    def reads_text(self, case: Deviation) -> bool:
        """Whether the reporter's own words (report and messages) are shown."""
        return self.everything or case.status != "received"

    def where(self) -> sa.ColumnElement[bool]:
        condition = Deviation.organisation_id == self.organisation.id
        if self.everything:
            return condition
        return sa.and_(condition, Deviation.unit_id.in_(self.unit_ids))


def with_descendants(organisation: Organisation, unit_ids: Iterable[int]) -> frozenset[int]:
    """These units and every unit below them."""
    chosen = set(unit_ids)
    for unit, _depth in unit_tree(organisation):
        if unit.parent_id in chosen:
            chosen.add(unit.id)
    return frozenset(chosen)


def scope_for(organisation: Organisation, memberships: Sequence[Membership]) -> Scope | None:
    """What these roles may see, or None when they may see no cases at all."""
    if any(m.role == "quality" for m in memberships):
        return Scope(organisation, everything=True)
    managed = [u.id for m in memberships if m.role == "manager" for u in m.units]
    if not managed:
        return None
    return Scope(organisation, everything=False, unit_ids=with_descendants(organisation, managed))


def current_scope(organisation: Organisation) -> Scope | None:
    """What the signed-in person's roles in this organisation may see (see ``scope_for``)."""
    return scope_for(organisation, current_memberships())


def required_scope(organisation: Organisation) -> Scope:
    """What the signed-in person may see here; NotFound when it is no case at all."""
    scope = current_scope(organisation)
    if scope is None:
        raise NotFound()
    return scope


def get_case(scope: Scope, case_id: str) -> Deviation:
    """The case, if this person may see it; NotFound otherwise, also for ids that do not
    exist (XXXX-XXXX as shown, or as stored)."""
    key = case_id.replace("-", "").lower()
    case = db.session.get(Deviation, key) if len(key) == CASE_ID_LENGTH else None
    if case is None or not scope.covers(case):
        raise NotFound()
    return case


def sees_contact(case: Deviation, user: User) -> bool:
    """A named reporter's contact details are for the case handler alone."""
    return case.handler_id is not None and case.handler_id == user.id


def handlers(organisation: Organisation, case: Deviation | None = None) -> list[User]:
    """Who may handle a case: quality-group members, and the managers of its unit."""
    memberships = db.session.scalars(
        sa.select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.organisation_id == organisation.id,
            Membership.role.in_(("quality", "manager")),
            User.active.is_(True),
        )
    )
    people: dict[int, User] = {}
    for membership in memberships:
        scope = scope_for(organisation, [membership])
        if scope is not None and (case is None or scope.covers(case)):
            people[membership.user_id] = membership.user
    return sorted(people.values(), key=lambda u: (u.name.lower(), u.id))
