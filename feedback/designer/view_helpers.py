"""What the designer's view modules share: the labels their templates read, the round of the
URL, the round page's address, a button's change, and the request hook that keeps the rounds'
schedule."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from feedback.designer import schedule, services
from feedback.designer.forms import QUESTION_KIND_LABELS
from feedback.designer.permissions import READERS
from feedback.exceptions import RuleBroken
from feedback.extensions import db
from feedback.models import SurveyRound
from feedback.models.survey import TEXT_LANGUAGES
from feedback.vocabulary import APPROVAL_RULE_LABELS, AUDIT_LABELS, ROUND_STATUS_LABELS
from feedback.web.access import has_role, require_organisation

LABELS = {
    "status_labels": ROUND_STATUS_LABELS,
    "kind_labels": QUESTION_KIND_LABELS,
    "rule_labels": APPROVAL_RULE_LABELS,
    "audit_labels": AUDIT_LABELS,
    "language_codes": TEXT_LANGUAGES,
}


def keep_schedule() -> None:
    """Open and close rounds whose dates have come before anyone looks at them."""
    if (
        current_user.is_authenticated
        and has_role(*READERS)
        and schedule.apply_schedule(require_organisation())
    ):
        db.session.commit()


def round_or_404(round_id: int) -> SurveyRound:
    """The current organisation's round of the URL, else the 404 page."""
    return services.get_round(require_organisation(), round_id)


def overview_url(round_: SurveyRound, anchor: str = "") -> str:
    """The round's page, at ``anchor`` if given."""
    return url_for("designer.show_round", round_id=round_.id) + (f"#{anchor}" if anchor else "")


def act(change: Callable[[], object], message: str, target: str) -> Response:
    """A button's change: commit and confirm, or roll back and say why."""
    try:
        change()
    except RuleBroken as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(target)
