"""The round lifecycle, step by step as the quality group takes it:
draft → awaiting_approval → open → closed → archived.

A round opens only when the organisation's approval rule is met (``approval``), on its open date
if it has one (``schedule`` opens and closes rounds by their dates). Services flush; views
commit.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from feedback.designer import schedule
from feedback.designer.approval import approval_state, can_approve
from feedback.designer.services import DesignerError, log_round
from feedback.extensions import db
from feedback.models import Approval, SurveyRound, User
from feedback.models.base import today as local_today


def submit_for_approval(round_: SurveyRound, actor: User | None) -> None:
    """A draft goes to the user representatives for approval."""
    if round_.status != "draft":
        raise DesignerError("", _l("Only a draft can be sent for approval."))
    if not round_.questions:
        raise DesignerError("", _l("Add at least one question before sending it for approval."))
    round_.status = "awaiting_approval"
    log_round(round_, actor, "round.submit")
    db.session.flush()


def back_to_draft(round_: SurveyRound, actor: User | None) -> None:
    """A round awaiting approval goes back to draft; its approvals go."""
    if round_.status != "awaiting_approval":
        raise DesignerError("", _l("Only a round awaiting approval can go back to draft."))
    round_.status = "draft"
    round_.approvals.clear()
    log_round(round_, actor, "round.back_to_draft")
    db.session.flush()


def approve(round_: SurveyRound, user: User) -> None:
    """A user representative approves; the round opens when that meets the rule."""
    if round_.status != "awaiting_approval":
        raise DesignerError("", _l("Only a round awaiting approval can be approved."))
    if not can_approve(round_, user):
        raise DesignerError(
            "", _l("Only the quality group's user representatives approve questionnaires.")
        )
    if any(a.user_id == user.id for a in round_.approvals):
        return  # a double click approves once
    round_.approvals.append(Approval(user=user))
    db.session.flush()
    log_round(round_, user, "round.approve")
    if approval_state(round_).met and schedule.may_open(round_, local_today()):
        schedule.open_round(round_, user)
    db.session.flush()


def withdraw_approval(round_: SurveyRound, user: User) -> None:
    """The user's own approval goes, while the round still awaits approval."""
    if round_.status != "awaiting_approval":
        raise DesignerError("", _l("The approval can only be withdrawn before the round opens."))
    mine = [a for a in round_.approvals if a.user_id == user.id]
    if mine:
        round_.approvals.remove(mine[0])
        log_round(round_, user, "round.withdraw_approval")
        db.session.flush()


def open_now(round_: SurveyRound, actor: User | None) -> None:
    """Open an approved round before its open date."""
    if round_.status != "awaiting_approval" or not approval_state(round_).met:
        raise DesignerError("", _l("The round can open only when it is approved."))
    round_.opens_on = local_today() if round_.opens_on else None
    schedule.open_round(round_, actor)
    db.session.flush()


def close(round_: SurveyRound, actor: User | None) -> None:
    """Close an open round by hand, before its closing date if it has one."""
    if round_.status != "open":
        raise DesignerError("", _l("Only an open round can be closed."))
    schedule.close_round(round_, actor)
    db.session.flush()


def archive(round_: SurveyRound, actor: User | None) -> None:
    """A closed round is put away."""
    if round_.status != "closed":
        raise DesignerError("", _l("Only a closed round can be archived."))
    round_.status = "archived"
    log_round(round_, actor, "round.archive")
    db.session.flush()
