"""The evaluation page of a round: the group's assessment and the action plan, with managers'
answers. The quality group writes; managers read, answer and set the status of the points of
their units. Everyone else, and anyone asking for a point that is not theirs, gets 404, as for
the results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from feedback.admin.forms import unit_choices
from feedback.evaluation import services
from feedback.evaluation.forms import (
    AnswerForm,
    DeleteForm,
    EvaluationForm,
    PointForm,
    StatusForm,
)
from feedback.ids import parse_id
from feedback.models import ActionPoint, SurveyRound
from feedback.models.base import today
from feedback.results import readers
from feedback.vocabulary import AUDIT_LABELS, ROLE_LABELS
from feedback.web.access import login_required, signed_in_user
from feedback.web.forms import Form
from feedback.web.helpers import save_or_show

Page = tuple[str, int]


def labels() -> dict[str, object]:
    """A context processor: the labels and checks of the evaluation templates."""
    return {
        "point_status_labels": services.STATUS_LABELS,
        "audit_labels": AUDIT_LABELS,
        "is_overdue": services.is_overdue,
    }


def _round(round_id: int) -> tuple[readers.ResultsScope, SurveyRound]:
    scope = readers.current_scope()
    return scope, readers.get_round(scope, round_id)


def _group_round(round_id: int) -> tuple[readers.ResultsScope, SurveyRound]:
    """Pages only the quality group uses: 404 for managers, as for everyone else."""
    scope, round_ = _round(round_id)
    return readers.require_quality_group(scope), round_


def _back(round_: SurveyRound, point: ActionPoint | None = None) -> str:
    anchor = f"#punkt-{point.id}" if point else ""
    return url_for("evaluation.edit", round_id=round_.id) + anchor


# --- the evaluation page -------------------------------------------------------------------------


def _evaluation_form(round_: SurveyRound) -> EvaluationForm:
    evaluation = services.get_evaluation(round_)
    if evaluation is None:
        return EvaluationForm(formdata=None)
    return EvaluationForm(
        formdata=None,
        assessment=evaluation.assessment,
        public_summary=evaluation.public_summary,
        published=evaluation.published,
        texts_released=evaluation.texts_released,
    )


def _page(
    scope: readers.ResultsScope,
    round_: SurveyRound,
    status: int = 200,
    evaluation_form: EvaluationForm | None = None,
    forms: dict[str, Form] | None = None,
) -> Page:
    """The evaluation page; ``forms`` holds a sent form with its problems, by its prefix."""
    forms = forms or {}
    points = services.visible_points(scope, round_)
    answer_forms = {
        p.id: forms.get(f"svar-{p.id}") or AnswerForm(formdata=None, prefix=f"svar-{p.id}")
        for p in points
    }
    status_forms = {
        p.id: forms.get(f"status-{p.id}")
        or StatusForm(formdata=None, prefix=f"status-{p.id}", status=p.status)
        for p in points
    }
    html = render_template(
        "evaluation/edit.html",
        round=round_,
        scope=scope,
        evaluation=services.get_evaluation(round_),
        form=evaluation_form or _evaluation_form(round_),
        points=points,
        answer_forms=answer_forms,
        status_forms=status_forms,
        history=services.history(round_, points) if scope.everything else [],
        today=today(),
    )
    return html, status


@login_required
def edit(round_id: int) -> Response | Page:
    scope, round_ = _round(round_id)
    if request.method == "GET":
        return _page(scope, round_)
    readers.require_quality_group(scope)
    form = EvaluationForm()
    if form.validate_on_submit():
        data = services.EvaluationData(
            assessment=form.assessment.data or "",
            public_summary=form.public_summary.data or "",
            published=bool(form.published.data),
            texts_released=bool(form.texts_released.data),
        )
        done = save_or_show(
            form,
            lambda: services.save_evaluation(scope.organisation, signed_in_user(), round_, data),
            _("The evaluation was saved."),
            _back(round_),
        )
        if done is not None:
            return done
    return _page(scope, round_, 400, evaluation_form=form)


def _on_point(
    round_id: int,
    point_id: int,
    name: str,
    form_class: type[AnswerForm] | type[StatusForm],
    save: Callable[[readers.ResultsScope, ActionPoint, Any], object],
    message: str,
) -> Response | Page:
    """A manager's (or the group's) form on one action point: answer it, or set its status."""
    scope, round_ = _round(round_id)
    point = services.get_point(scope, round_, point_id)
    prefix = f"{name}-{point.id}"
    form = form_class(prefix=prefix)
    if form.validate_on_submit():
        done = save_or_show(form, lambda: save(scope, point, form), message, _back(round_, point))
        if done is not None:
            return done
    return _page(scope, round_, 400, forms={prefix: form})


@login_required
def answer_point(round_id: int, point_id: int) -> Response | Page:
    return _on_point(
        round_id,
        point_id,
        "svar",
        AnswerForm,
        lambda scope, point, form: services.add_answer(
            scope.organisation, signed_in_user(), point, form.body.data
        ),
        _("Your answer was saved."),
    )


@login_required
def set_point_status(round_id: int, point_id: int) -> Response | Page:
    return _on_point(
        round_id,
        point_id,
        "status",
        StatusForm,
        lambda scope, point, form: services.set_status(
            scope.organisation, signed_in_user(), point, form.status.data
        ),
        _("The status was saved."),
    )


# --- adding, changing and deleting points (the quality group) ------------------------------------


def _point_form(scope: readers.ResultsScope, point: ActionPoint | None, *, sent: bool) -> PointForm:
    organisation = scope.organisation
    units = services.unit_options(organisation, point.unit if point else None)
    owners = services.owner_options(organisation, point.owner if point else None)
    kwargs: dict[str, object] = {
        "units": [(str(i), name) for i, name in unit_choices(units)],
        "owners": [(str(user.id), _owner_label(user.name, roles)) for user, roles in owners],
    }
    if sent:
        return PointForm(**kwargs)  # type: ignore[arg-type]
    if point is None:
        return PointForm(formdata=None, status="planned", **kwargs)  # type: ignore[arg-type]
    return PointForm(
        formdata=None,
        title=point.title,
        description=point.description,
        unit=str(point.unit_id or ""),
        owner=str(point.owner_id or ""),
        due_on=point.due_on,
        status=point.status,
        published=point.published,
        **kwargs,  # type: ignore[arg-type]
    )


def _owner_label(name: str, roles: list[str]) -> str:
    if not roles:
        return name
    return f"{name} ({', '.join(str(ROLE_LABELS[r]) for r in roles)})"


def _point_data(form: PointForm) -> services.PointData:
    return services.PointData(
        title=form.title.data or "",
        description=form.description.data or "",
        unit_id=parse_id(form.unit.data),
        owner_id=parse_id(form.owner.data),
        due_on=form.due_on.data,
        status=form.status.data,
        published=bool(form.published.data),
    )


def _point_page(
    round_: SurveyRound, form: PointForm, point: ActionPoint | None, status: int = 200
) -> Page:
    html = render_template(
        "evaluation/point.html",
        round=round_,
        form=form,
        point=point,
        history=services.history(round_, [point]) if point else [],
    )
    return html, status


@login_required
def new_point(round_id: int) -> Response | Page:
    scope, round_ = _group_round(round_id)
    form = _point_form(scope, None, sent=request.method == "POST")
    if request.method == "GET":
        return _point_page(round_, form, None)
    if form.validate_on_submit():
        done = save_or_show(
            form,
            lambda: services.add_point(
                scope.organisation, signed_in_user(), round_, _point_data(form)
            ),
            _("The action point was added."),
            _back(round_) + "#tiltak",
        )
        if done is not None:
            return done
    return _point_page(round_, form, None, 400)


@login_required
def edit_point(round_id: int, point_id: int) -> Response | Page:
    scope, round_ = _group_round(round_id)
    point = services.get_point(scope, round_, point_id)
    form = _point_form(scope, point, sent=request.method == "POST")
    if request.method == "GET":
        return _point_page(round_, form, point)
    if form.validate_on_submit():
        done = save_or_show(
            form,
            lambda: services.update_point(
                scope.organisation, signed_in_user(), point, _point_data(form)
            ),
            _("The action point was saved."),
            _back(round_, point),
        )
        if done is not None:
            return done
    return _point_page(round_, form, point, 400)


@login_required
def delete_point(round_id: int, point_id: int) -> Response | Page:
    scope, round_ = _group_round(round_id)
    point = services.get_point(scope, round_, point_id)
    form = DeleteForm()
    if request.method == "POST" and form.validate_on_submit():
        done = save_or_show(
            form,
            lambda: services.delete_point(scope.organisation, signed_in_user(), point),
            _("The action point was deleted."),
            _back(round_) + "#tiltak",
        )
        if done is not None:
            return done
    status = 400 if request.method == "POST" else 200
    html = render_template("evaluation/delete.html", round=round_, point=point, form=form)
    return html, status
