"""The quality group's evaluation of a round and its action plan, and managers' answers (what
the public page "Dette sa dere – dette gjør vi" shows is in ``feedback.published``).

Who does what: the quality group writes the evaluation and every action point. Managers read
the evaluation, and for the action points about their units (a unit they lead or one below it)
and those about the whole organisation they write answers and set the status; nothing else.
Services flush; the view commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from feedback import audit
from feedback.admin.services import unit_tree
from feedback.exceptions import RuleBroken, get_or_404
from feedback.extensions import db
from feedback.models import (
    ActionAnswer,
    ActionPoint,
    Evaluation,
    Membership,
    Organisation,
    SurveyRound,
    SurveySeries,
    Unit,
    User,
)
from feedback.models.base import utcnow
from feedback.models.evaluation import ACTION_STATUSES
from feedback.results.readers import ResultsScope
from feedback.web.forms import CHOOSE_FROM_LIST

#: Text limits, in characters.
TITLE_MAX = 200
DESCRIPTION_MAX = 4000
ASSESSMENT_MAX = 20000
SUMMARY_MAX = 5000
ANSWER_MAX = 4000
#: Statuses of points still to be worked on.
OPEN_STATUSES = ("planned", "in_progress")
#: Who may be responsible for an action point.
OWNER_ROLES = ("quality", "manager")

STATUS_LABELS = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    # TRANSLATORS: an action point the group decided not to carry out.
    "dropped": _l("Dropped"),
}


class EvaluationError(RuleBroken):
    """A change to the evaluation or the action plan that breaks a rule."""


def is_overdue(point: ActionPoint, today: date) -> bool:
    """Past its due date and still open."""
    return point.due_on is not None and point.due_on < today and point.status in OPEN_STATUSES


# --- the evaluation ------------------------------------------------------------------------------


def get_evaluation(round_: SurveyRound) -> Evaluation | None:
    return db.session.get(Evaluation, round_.id)


@dataclass
class EvaluationData:
    assessment: str
    public_summary: str
    published: bool
    texts_released: bool


def save_evaluation(
    organisation: Organisation, actor: User, round_: SurveyRound, data: EvaluationData
) -> Evaluation:
    """Write (or change) the group's evaluation of a round."""
    if data.published and not data.public_summary.strip():
        raise EvaluationError(
            "public_summary", _l("Write the summary for the public page before you publish it.")
        )
    evaluation = get_evaluation(round_)
    created = evaluation is None
    if evaluation is None:
        evaluation = Evaluation(
            round_id=round_.id,
            assessment="",
            public_summary="",
            published=False,
            texts_released=False,
        )
        db.session.add(evaluation)
    changes = audit.apply_changes(
        evaluation,
        assessment=data.assessment,
        public_summary=data.public_summary,
        published=data.published,
        texts_released=data.texts_released,
    )
    if not changes and not created:
        return evaluation
    evaluation.changed_at = utcnow()
    evaluation.changed_by_id = actor.id
    db.session.flush()
    # The texts themselves are on the page; the log says which were changed.
    details: dict[str, Any] = {
        "texts": [name for name in ("assessment", "public_summary") if name in changes]
    }
    for name in ("published", "texts_released"):
        if name in changes:
            details[name] = changes[name]
    audit.record(
        organisation,
        actor,
        "evaluation.update",
        _round_subject(round_),
        target=f"evaluation:{round_.id}",
        **details,
    )
    return evaluation


def _round_subject(round_: SurveyRound) -> str:
    return f"{round_.title.get('nb', '')} ({round_.number})"


# --- action points -------------------------------------------------------------------------------


def action_points(round_: SurveyRound) -> list[ActionPoint]:
    """The round's action plan: by due date (none last), then in the order written."""
    return list(
        db.session.scalars(
            sa.select(ActionPoint)
            .where(ActionPoint.round_id == round_.id)
            .options(
                selectinload(ActionPoint.unit),
                selectinload(ActionPoint.owner),
                selectinload(ActionPoint.answers).selectinload(ActionAnswer.author),
            )
            .order_by(ActionPoint.due_on.asc().nulls_last(), ActionPoint.id)
        )
    )


def may_answer(scope: ResultsScope, point: ActionPoint) -> bool:
    """The quality group; a manager of the point's unit (or a unit above it); for a point about
    the whole organisation, every manager."""
    return scope.everything or point.unit_id is None or point.unit_id in scope.unit_ids


def visible_points(scope: ResultsScope, round_: SurveyRound) -> list[ActionPoint]:
    """The points this person sees: all for the group, a manager's own for a manager."""
    return [p for p in action_points(round_) if may_answer(scope, p)]


def get_point(scope: ResultsScope, round_: SurveyRound, point_id: int) -> ActionPoint:
    """The round's point if this person may see it; 404 otherwise."""
    return get_or_404(
        ActionPoint, point_id, lambda p: p.round_id == round_.id and may_answer(scope, p)
    )


def open_action_points(organisation: Organisation, unit_ids: set[int] | None) -> list[ActionPoint]:
    """Planned and ongoing points of the organisation's rounds, by due date (none last).

    ``unit_ids`` None: all of them; else the points about these units and those about the
    whole organisation (which every manager answers)."""
    stmt = (
        sa.select(ActionPoint)
        .join(SurveyRound, SurveyRound.id == ActionPoint.round_id)
        .join(SurveySeries, SurveySeries.id == SurveyRound.series_id)
        .where(
            SurveySeries.organisation_id == organisation.id,
            ActionPoint.status.in_(OPEN_STATUSES),
        )
        .options(selectinload(ActionPoint.unit), selectinload(ActionPoint.owner))
        .order_by(ActionPoint.due_on.asc().nulls_last(), ActionPoint.id)
    )
    if unit_ids is not None:
        stmt = stmt.where(
            sa.or_(ActionPoint.unit_id.is_(None), ActionPoint.unit_id.in_(sorted(unit_ids)))
        )
    return list(db.session.scalars(stmt))


def unit_options(organisation: Organisation, current: Unit | None = None) -> list[tuple[Unit, int]]:
    """Units to choose for a point: the active ones in tree order, and the point's own unit
    even if it has been made inactive since."""
    return [
        (unit, depth)
        for unit, depth in unit_tree(organisation)
        if unit.active or (current is not None and unit.id == current.id)
    ]


def owner_options(
    organisation: Organisation, current: User | None = None
) -> list[tuple[User, list[str]]]:
    """Who may be responsible: active quality-group members and managers, by name, each with
    their roles; the point's present owner is kept even if no longer one of them."""
    rows = db.session.execute(
        sa.select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organisation_id == organisation.id,
            Membership.role.in_(OWNER_ROLES),
            User.active.is_(True),
        )
        .order_by(User.name, User.id, Membership.role)
    )
    people: dict[int, tuple[User, list[str]]] = {}
    for user, role in rows:
        people.setdefault(user.id, (user, []))[1].append(role)
    if current is not None and current.id not in people:
        people[current.id] = (current, [])
    return list(people.values())


@dataclass
class PointData:
    title: str
    description: str
    unit_id: int | None
    owner_id: int | None
    due_on: date | None
    status: str
    published: bool


def _checked(
    organisation: Organisation, data: PointData, point: ActionPoint | None
) -> tuple[Unit | None, User | None]:
    """The unit and owner chosen, if they may be chosen (the form offered only those)."""
    if not data.title.strip():
        raise EvaluationError("title", _l("Write a title."))
    if data.status not in ACTION_STATUSES:
        raise EvaluationError("status", CHOOSE_FROM_LIST)
    unit = None
    if data.unit_id is not None:
        current_unit = point.unit if point else None
        if data.unit_id not in {u.id for u, _d in unit_options(organisation, current_unit)}:
            raise EvaluationError("unit", CHOOSE_FROM_LIST)
        unit = db.session.get(Unit, data.unit_id)
    owner = None
    if data.owner_id is not None:
        current_owner = point.owner if point else None
        if data.owner_id not in {u.id for u, _r in owner_options(organisation, current_owner)}:
            raise EvaluationError("owner", CHOOSE_FROM_LIST)
        owner = db.session.get(User, data.owner_id)
    return unit, owner


def _described(unit: Unit | None, owner: User | None, data: PointData) -> dict[str, Any]:
    """What the log keeps about a point: names, not ids, so it reads the same later."""
    return {
        "title": data.title,
        "unit": unit.name if unit else None,
        "owner": owner.name if owner else None,
        "due": data.due_on.isoformat() if data.due_on else None,
        "status": data.status,
        "published": data.published,
    }


def _same(point: ActionPoint, data: PointData) -> bool:
    return (
        point.title == data.title
        and point.description == data.description
        and point.unit_id == data.unit_id
        and point.owner_id == data.owner_id
        and point.due_on == data.due_on
        and point.status == data.status
        and point.published == data.published
    )


def add_point(
    organisation: Organisation, actor: User, round_: SurveyRound, data: PointData
) -> ActionPoint:
    """Add a point to the round's action plan. The same point sent twice (a double-click) is
    stored once; another point with the same title is refused."""
    unit, owner = _checked(organisation, data, None)
    for existing in action_points(round_):
        if existing.title.casefold() == data.title.casefold():
            if _same(existing, data):
                return existing
            raise EvaluationError(
                "title", _l("The action plan already has a point with this title.")
            )
    point = ActionPoint(
        round_id=round_.id,
        title=data.title,
        description=data.description,
        unit_id=unit.id if unit else None,
        owner_id=owner.id if owner else None,
        due_on=data.due_on,
        status=data.status,
        published=data.published,
    )
    db.session.add(point)
    db.session.flush()
    audit.record(
        organisation,
        actor,
        "action_point.create",
        data.title,
        target=f"action_point:{point.id}",
        round=round_.id,
        **_described(unit, owner, data),
    )
    return point


def update_point(
    organisation: Organisation, actor: User, point: ActionPoint, data: PointData
) -> None:
    """Change every part of a point (the quality group)."""
    unit, owner = _checked(organisation, data, point)
    for existing in action_points(point.round):
        if existing.id != point.id and existing.title.casefold() == data.title.casefold():
            raise EvaluationError(
                "title", _l("The action plan already has a point with this title.")
            )
    before = _described(point.unit, point.owner, _data_of(point))
    changed_text = point.description != data.description
    audit.apply_changes(
        point,
        title=data.title,
        description=data.description,
        unit_id=unit.id if unit else None,
        owner_id=owner.id if owner else None,
        due_on=data.due_on,
        status=data.status,
        published=data.published,
    )
    after = _described(unit, owner, data)
    changes: dict[str, Any] = {
        name: [before[name], after[name]] for name in after if before[name] != after[name]
    }
    if changed_text:
        changes["texts"] = ["description"]
    if not changes:
        return
    point.changed_at = utcnow()
    db.session.flush()
    audit.record(
        organisation,
        actor,
        "action_point.update",
        data.title,
        target=f"action_point:{point.id}",
        **changes,
    )


def _data_of(point: ActionPoint) -> PointData:
    return PointData(
        point.title,
        point.description,
        point.unit_id,
        point.owner_id,
        point.due_on,
        point.status,
        point.published,
    )


def set_status(organisation: Organisation, actor: User, point: ActionPoint, status: str) -> None:
    """Set only the status (managers of the point's units, and the group)."""
    if status not in ACTION_STATUSES:
        raise EvaluationError("status", CHOOSE_FROM_LIST)
    if point.status == status:
        return
    old = point.status
    point.status = status
    point.changed_at = utcnow()
    db.session.flush()
    audit.record(
        organisation,
        actor,
        "action_point.status",
        point.title,
        target=f"action_point:{point.id}",
        status=[old, status],
    )


def delete_point(organisation: Organisation, actor: User, point: ActionPoint) -> None:
    """Remove a point and its answers; the log keeps that it was there."""
    audit.record(
        organisation,
        actor,
        "action_point.delete",
        point.title,
        target=f"action_point:{point.id}",
        round=point.round_id,
        answers=len(point.answers),
        **_described(point.unit, point.owner, _data_of(point)),
    )
    db.session.delete(point)
    db.session.flush()


def add_answer(
    organisation: Organisation, actor: User, point: ActionPoint, body: str
) -> ActionAnswer:
    """A manager's (or the group's) answer to a point. The same answer sent twice in a row by
    the same person (a double-click) is stored once."""
    if not body.strip():
        raise EvaluationError("body", _l("Write your answer."))
    last = point.answers[-1] if point.answers else None
    if last is not None and last.author_id == actor.id and last.body == body:
        return last
    answer = ActionAnswer(action_point_id=point.id, author_id=actor.id, body=body)
    db.session.add(answer)
    point.answers.append(answer)
    db.session.flush()
    audit.record(
        organisation,
        actor,
        "action_point.answer",
        point.title,
        target=f"action_point:{point.id}",
        answer=answer.id,
    )
    return answer


def history(round_: SurveyRound, points: Iterable[ActionPoint]) -> list[Any]:
    """The log of the evaluation and of these points, oldest first."""
    events = audit.history(f"evaluation:{round_.id}")
    for point in points:
        events += audit.history(f"action_point:{point.id}")
    return sorted(events, key=lambda e: (e.created_at, e.id))
