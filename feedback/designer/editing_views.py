"""Designer pages that edit a questionnaire's pages and questions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, render_template, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from feedback.designer import editing, services
from feedback.designer.forms import (
    QUESTION_KIND_LABELS,
    ActionForm,
    KindForm,
    MoveForm,
    PageForm,
    QuestionForm,
    ReorderForm,
)
from feedback.designer.permissions import edit_access
from feedback.designer.view_helpers import LABELS, act, overview_url, round_or_404
from feedback.i18n import localized
from feedback.models import Question, SurveyRound
from feedback.questionnaire import runtime
from feedback.questionnaire.registry import question_type
from feedback.web.access import signed_in_user
from feedback.web.forms import fill_text, text_of
from feedback.web.helpers import save_or_show

# --- pages -----------------------------------------------------------------------------------


@edit_access
def add_page(round_id: int) -> Response:
    round_ = round_or_404(round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return act(
        lambda: editing.add_page(round_, signed_in_user(), {}),
        _("A new page was added at the end."),
        overview_url(round_, f"page-{len(round_.pages) + 1}"),
    )


@edit_access
def edit_page(round_id: int, page_id: int) -> Response | str:
    round_ = round_or_404(round_id)
    page = services.get_page(round_, page_id)
    form = PageForm()
    if request.method == "GET":
        fill_text(form.title, page.title)
    if form.validate_on_submit():
        saved = save_or_show(
            form,
            lambda: editing.update_page(page, signed_in_user(), text_of(form.title)),
            _("The page was saved."),
            overview_url(round_, f"page-{page.id}"),
        )
        if saved:
            return saved
    number = round_.pages.index(page) + 1
    return render_template("designer/page.html", round=round_, page=page, number=number, form=form)


@edit_access
def move_page(round_id: int, page_id: int) -> Response:
    round_ = round_or_404(round_id)
    page = services.get_page(round_, page_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    return act(
        lambda: editing.move_page(page, signed_in_user(), form.step),
        _("The page was moved."),
        overview_url(round_, f"page-{page.id}"),
    )


@edit_access
def delete_page(round_id: int, page_id: int) -> Response | str:
    round_ = round_or_404(round_id)
    page = services.get_page(round_, page_id)
    form = ActionForm()
    if form.validate_on_submit():
        return act(
            lambda: editing.delete_page(page, signed_in_user()),
            _("The page was deleted."),
            overview_url(round_),
        )
    number = round_.pages.index(page) + 1
    return render_template(
        "designer/delete.html",
        round=round_,
        form=form,
        heading=_("Delete page %(n)d?", n=number),
        warning=_(
            "The page and its %(count)d questions will be deleted.", count=len(page.questions)
        ),
    )


# --- questions -------------------------------------------------------------------------------


def _condition_choices(round_: SurveyRound, before: list[Question]) -> list[tuple[str, str]]:
    numbers = runtime.numbering(round_)
    result = []
    for question in before:
        if not question_type(question).condition_target:
            continue
        text = localized(question.text, "nb")
        short = text if len(text) <= 60 else text[:57] + "…"
        for value, label in runtime.choices(question, "nb"):
            result.append(
                (f"{question.key}={value}", f"{numbers[question.id]}. {short} → «{label}»")
            )
    return result


def _page_choices(round_: SurveyRound) -> list[tuple[int, str]]:
    return [
        (page.id, _("Page %(n)d", n=n) + (f": {page.title['nb']}" if page.title.get("nb") else ""))
        for n, page in enumerate(round_.pages, start=1)
    ]


def _save_question(
    form: QuestionForm,
    question: Question | None,
    change: Callable[[dict[str, Any]], object],
    message: str,
    target: str,
) -> Response | None:
    """Validate the form, turn it into a question document and save it like any other form."""
    if not form.validate_on_submit():
        return None
    data = form.to_document(question)
    if data is None:
        return None
    return save_or_show(form, lambda: change(data), message, target)


@edit_access
def add_question(round_id: int, page_id: int) -> Response | str:
    round_ = round_or_404(round_id)
    page = services.get_page(round_, page_id)
    kind = request.args.get("type", "")
    if kind not in QUESTION_KIND_LABELS:
        kind_form = KindForm(request.args if "type" in request.args else None)
        if "type" in request.args:
            kind_form.validate()
        return render_template("designer/kind.html", round=round_, page=page, form=kind_form)
    form = QuestionForm()
    before = editing.questions_before(round_, page, None)
    form.setup(kind, _condition_choices(round_, before), None)
    del form.comparable  # a new question has nothing to compare with
    if request.method == "GET":
        form.fill_defaults()
    saved = _save_question(
        form,
        None,
        lambda data: editing.add_question(page, signed_in_user(), data),
        _("The question was added."),
        overview_url(round_, f"page-{page.id}"),
    )
    if saved:
        return saved
    return render_template(
        "designer/question.html", round=round_, page=page, question=None, form=form, **LABELS
    )


@edit_access
def edit_question(round_id: int, question_id: int) -> Response | str:
    round_ = round_or_404(round_id)
    question = services.get_question(round_, question_id)
    form = QuestionForm()
    before = editing.questions_before(round_, question.page, question)
    form.setup(question.kind, _condition_choices(round_, before), _page_choices(round_))
    if question.previous_id is None:
        del form.comparable
    if request.method == "GET":
        form.load(question)

    def change(data: dict[str, Any]) -> None:
        page = services.get_page(round_, form.page_id.data)
        comparable = form.comparable.data if form.comparable is not None else None
        editing.update_question(question, signed_in_user(), data, page=page, comparable=comparable)

    saved = _save_question(
        form,
        question,
        change,
        _("The question was saved."),
        overview_url(round_, f"question-{question.id}"),
    )
    if saved:
        return saved
    return render_template(
        "designer/question.html",
        round=round_,
        page=question.page,
        question=question,
        form=form,
        number=runtime.numbering(round_)[question.id],
        **LABELS,
    )


@edit_access
def move_question(round_id: int, question_id: int) -> Response:
    round_ = round_or_404(round_id)
    question = services.get_question(round_, question_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    return act(
        lambda: editing.move_question(question, signed_in_user(), form.step),
        _("The question was moved."),
        overview_url(round_, f"question-{question.id}"),
    )


@edit_access
def reorder_questions(round_id: int, page_id: int) -> Response:
    round_ = round_or_404(round_id)
    page = services.get_page(round_, page_id)
    form = ReorderForm()
    if not form.validate_on_submit():
        abort(400)
    return act(
        lambda: editing.reorder_questions(page, signed_in_user(), form.ids),
        _("The questions were put in the new order."),
        overview_url(round_, f"page-{page.id}"),
    )


@edit_access
def delete_question(round_id: int, question_id: int) -> Response | str:
    round_ = round_or_404(round_id)
    question = services.get_question(round_, question_id)
    form = ActionForm()
    if form.validate_on_submit():
        return act(
            lambda: editing.delete_question(question, signed_in_user()),
            _("The question was deleted."),
            overview_url(round_, f"page-{question.page_id}"),
        )
    return render_template(
        "designer/delete.html",
        round=round_,
        form=form,
        heading=_("Delete question %(n)d?", n=runtime.numbering(round_)[question.id]),
        warning=localized(question.text, "nb"),
    )
