"""What the public page "Dette sa dere – dette gjør vi" shows: per organisation, the rounds
whose evaluation the quality group published, with the action points it chose to show.

Nothing internal leaves here: not the assessment, not unpublished points, no owner, and no
number of responses below the organisation's smallest group.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from feedback.exceptions import NotFound
from feedback.extensions import db
from feedback.models import ActionPoint, Evaluation, Organisation, SurveyRound, SurveySeries
from feedback.models.base import NORWAY
from feedback.results.comparison import totals
from feedback.results.readers import RESULT_STATUSES


@dataclass
class PublishedRound:
    round: SurveyRound
    closes_on: date | None
    #: Responses to the round; None when fewer than k (docs/design.md rule 3).
    responses: int | None
    summary: str
    points: list[ActionPoint]


def organisation_by_slug(slug: str) -> Organisation:
    """The organisation with this address; 404 when there is none."""
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise NotFound()
    return organisation


def published_rounds(organisation: Organisation) -> list[PublishedRound]:
    """Rounds whose evaluation the group published, newest first, with the published points.

    Nothing internal leaves here: not the assessment, not unpublished points; the template
    shows no owner."""
    rows = list(
        db.session.execute(
            sa.select(SurveyRound, Evaluation.public_summary)
            .join(Evaluation, Evaluation.round_id == SurveyRound.id)
            .join(SurveySeries, SurveySeries.id == SurveyRound.series_id)
            .where(
                SurveySeries.organisation_id == organisation.id,
                SurveyRound.status.in_(RESULT_STATUSES),
                Evaluation.published.is_(True),
            )
            .order_by(SurveyRound.opened_at.desc().nulls_last(), SurveyRound.id.desc())
        )
    )
    if not rows:
        return []
    rounds = [round_ for round_, _summary in rows]
    counts = totals(rounds)
    k = organisation.min_group_size
    points: dict[int, list[ActionPoint]] = {r.id: [] for r in rounds}
    for point in db.session.scalars(
        sa.select(ActionPoint)
        .where(ActionPoint.round_id.in_(list(points)), ActionPoint.published.is_(True))
        .options(selectinload(ActionPoint.unit))
        .order_by(ActionPoint.due_on.asc().nulls_last(), ActionPoint.id)
    ):
        points[point.round_id].append(point)
    published = []
    for round_, summary in rows:
        n = counts.get(round_.id, 0)
        closed = round_.closed_at.astimezone(NORWAY).date() if round_.closed_at else None
        closes = round_.closes_on or closed
        published.append(
            PublishedRound(round_, closes, n if n >= k else None, summary, points[round_.id])
        )
    return published
