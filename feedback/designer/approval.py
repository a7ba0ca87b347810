"""Who approves a questionnaire and whether a round's approvals meet the organisation's rule
(a majority, all, or a set number of the quality group's user representatives)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import Membership, Organisation, SurveyRound, User


def user_representatives(organisation: Organisation) -> list[User]:
    """Active accounts that sit in the quality group as user representatives."""
    stmt = (
        sa.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organisation_id == organisation.id,
            Membership.role == "quality",
            Membership.representation == "user_rep",
            User.active.is_(True),
        )
        .distinct()
        .order_by(User.name)
    )
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class ApprovalState:
    """A round's approvals against the rule: who may approve, who has, how many are needed."""

    representatives: list[User]
    approved_by: list[User]
    needed: int

    @property
    def met(self) -> bool:
        return bool(self.representatives) and len(self.approved_by) >= self.needed

    def may_approve(self, user: User) -> bool:
        return any(u.id == user.id for u in self.representatives)

    @property
    def possible(self) -> bool:
        return bool(self.representatives) and self.needed <= len(self.representatives)


def approvals_needed(organisation: Organisation, representatives: int) -> int:
    """How many of ``representatives`` user representatives must approve under the rule."""
    if organisation.approval_rule == "all":
        return representatives
    if organisation.approval_rule == "count":
        return organisation.approval_count
    return representatives // 2 + 1


def approval_state(round_: SurveyRound) -> ApprovalState:
    """The round's approvals as they stand (only current user representatives count)."""
    organisation = round_.series.organisation
    representatives = user_representatives(organisation)
    ids = {u.id for u in representatives}
    approved_by = [a.user for a in round_.approvals if a.user_id in ids]
    return ApprovalState(
        representatives, approved_by, approvals_needed(organisation, len(representatives))
    )


def can_approve(round_: SurveyRound, user: User) -> bool:
    """The user is one of the user representatives who approve."""
    return approval_state(round_).may_approve(user)
