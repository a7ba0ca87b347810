"""Who may read which results: the quality group everything of its organisation, a manager the
organisation's totals and the units they lead (with the units below them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import abort

from feedback.access import current_memberships, require_organisation
from feedback.extensions import db
from feedback.models import Membership, Organisation, SurveyRound, SurveySeries
from feedback.results.selection import Units, units_of

#: Rounds with results to read.
RESULT_STATUSES = ("open", "closed", "archived")


@dataclass
class ResultsScope:
    organisation: Organisation
    #: The quality group: every unit, free text, raw responses.
    everything: bool
    #: The units a manager leads, with the units below them.
    unit_ids: frozenset[int] = field(default_factory=frozenset)
    #: The units a manager leads (without those below).
    led: tuple[int, ...] = ()

    def may_see_unit(self, unit_id: int | None) -> bool:
        """Totals (no unit) are for everyone with a scope; a unit for those who lead it."""
        return unit_id is None or self.everything or unit_id in self.unit_ids


def scope_for(
    organisation: Organisation, memberships: Sequence[Membership], units: Units | None = None
) -> ResultsScope | None:
    if any(m.role == "quality" for m in memberships):
        return ResultsScope(organisation, everything=True)
    led = [u.id for m in memberships if m.role == "manager" for u in m.units]
    if not led:
        return None
    units = units or units_of(organisation)
    below: set[int] = set()
    for unit in led:
        below |= units.subtree(unit)
    return ResultsScope(organisation, False, frozenset(below), tuple(dict.fromkeys(led)))


def current_scope() -> ResultsScope:
    """The signed-in person's scope here; 404 when they may read no results (the pages are
    not theirs to know about)."""
    scope = scope_for(require_organisation(), current_memberships())
    if scope is None:
        abort(404)
    return scope


def rounds_with_results(organisation: Organisation) -> list[SurveyRound]:
    """Rounds that have been open, newest series first, then by round number (newest first)."""
    return list(
        db.session.scalars(
            sa.select(SurveyRound)
            .join(SurveySeries, SurveySeries.id == SurveyRound.series_id)
            .where(
                SurveySeries.organisation_id == organisation.id,
                SurveyRound.status.in_(RESULT_STATUSES),
            )
            .order_by(SurveyRound.opened_at.desc().nulls_last(), SurveyRound.id.desc())
        )
    )


def get_round(scope: ResultsScope, round_id: int) -> SurveyRound:
    """The round if it is this organisation's and has results; 404 otherwise."""
    round_ = db.session.get(SurveyRound, round_id)
    if (
        round_ is None
        or round_.series.organisation_id != scope.organisation.id
        or round_.status not in RESULT_STATUSES
    ):
        abort(404)
    return round_
