"""Who may read which results: the quality group everything of its organisation, a manager the
organisation's totals and the units they lead (with the units below them).

Everyone else gets 404 (``NotFound``): these pages are not theirs to know about."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from feedback.exceptions import NotFound, get_or_404
from feedback.extensions import db
from feedback.models import Membership, Organisation, SurveyRound, SurveySeries
from feedback.results.selection import Units, units_of
from feedback.web.access import current_memberships, require_organisation, role_required

#: Rounds with results to read.
RESULT_STATUSES = ("open", "closed", "archived")

#: The view guard of the results pages: signed in with a results role here; anyone else gets
#: 404, also someone with no organisation.
results_access = role_required("quality", "manager", denied=404)


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
        raise NotFound()
    return scope


def require_quality_group(scope: ResultsScope) -> ResultsScope:
    """The scope, for what only the quality group does or reads; 404 for managers, as for
    everyone else."""
    if not scope.everything:
        raise NotFound()
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
    return get_or_404(
        SurveyRound,
        round_id,
        lambda r: r.series.organisation_id == scope.organisation.id and r.status in RESULT_STATUSES,
    )
