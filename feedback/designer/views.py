"""Designer pages: list, create, import, edit, approve, run and preview questionnaires."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response as FlaskResponse
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from feedback import audit
from feedback.access import has_role, require_organisation, role_required, signed_in_user
from feedback.designer import bp, services
from feedback.designer.forms import (
    QUESTION_KIND_LABELS,
    ActionForm,
    ImportForm,
    KindForm,
    MoveForm,
    NewQuestionnaireForm,
    PageForm,
    QuestionForm,
    SettingsForm,
    StatusForm,
    TemplateForm,
    fill_text,
    text_of,
)
from feedback.exceptions import RuleBroken
from feedback.extensions import db
from feedback.forms import show_error
from feedback.i18n import SUPPORTED_LOCALES, localized
from feedback.models import Question, SurveyRound
from feedback.models.survey import TEXT_LANGUAGES
from feedback.questionnaire import document as doc
from feedback.questionnaire import runtime
from feedback.questionnaire.registry import question_type
from feedback.results.suppression import shown_total
from feedback.views import save_or_show
from feedback.vocabulary import (
    APPROVAL_RULE_LABELS,
    AUDIT_LABELS,
    ROUND_STATUS_LABELS,
)

EDITORS = ("quality", "admin")
READERS = ("quality", "admin", "manager")

LABELS = {
    "status_labels": ROUND_STATUS_LABELS,
    "kind_labels": QUESTION_KIND_LABELS,
    "rule_labels": APPROVAL_RULE_LABELS,
    "audit_labels": AUDIT_LABELS,
    "language_codes": TEXT_LANGUAGES,
}

edit_access = role_required(*EDITORS, denied=404)
read_access = role_required(*READERS, denied=404)


@bp.before_request
def keep_schedule() -> None:
    """Open and close rounds whose dates have come before anyone looks at them."""
    if (
        current_user.is_authenticated
        and has_role(*READERS)
        and services.apply_schedule(require_organisation())
    ):
        db.session.commit()


def _round(round_id: int) -> SurveyRound:
    return services.get_round(require_organisation(), round_id)


def _overview(round_: SurveyRound, anchor: str = "") -> str:
    return url_for("designer.show_round", round_id=round_.id) + (f"#{anchor}" if anchor else "")


def _act(change: Callable[[], object], message: str, target: str) -> Response:
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


# --- list, create, import --------------------------------------------------------------------


@bp.route("/")
@read_access
def index() -> str:
    organisation = require_organisation()
    return render_template(
        "designer/index.html", series_list=services.series_list(organisation), **LABELS
    )


@bp.route("/nytt", methods=["GET", "POST"])
@edit_access
def new_questionnaire() -> Response | str:
    organisation = require_organisation()
    templates = services.template_choices(organisation)
    form = NewQuestionnaireForm()
    form.set_templates([(t.ident, t.name) for t in templates])
    if form.validate_on_submit():
        chosen = next((t for t in templates if t.ident == form.template.data), None)
        document = chosen.document if chosen else doc.blank_document({"nb": form.title.data})
        if chosen and form.title.data:
            document = {**document, "title": {"nb": form.title.data}}
        try:
            round_ = services.create_round(
                organisation, signed_in_user(), document, source=form.template.data
            )
        except services.ImportFailed as failed:
            # A saved template from an older version may no longer pass the checks.
            form.form_errors.extend(str(p) for p in failed.problems)
        else:
            db.session.commit()
            flash(_("The questionnaire was created as a draft."), "success")
            return redirect(_overview(round_))
    return render_template("designer/new.html", form=form, templates=templates)


@bp.route("/importer", methods=["GET", "POST"])
@edit_access
def import_questionnaire() -> Response | str:
    organisation = require_organisation()
    form = ImportForm()
    problems: list[doc.Problem] = []
    if form.validate_on_submit():
        # The app's MAX_CONTENT_LENGTH (1 MiB) already refuses larger uploads with a 413 page.
        try:
            round_ = services.import_round(organisation, signed_in_user(), form.file.data.read())
        except services.ImportFailed as failed:
            problems = failed.problems
            show_error(
                form, "file", _("The file cannot be imported. Correct the problems listed below.")
            )
        else:
            db.session.commit()
            flash(_("The questionnaire was imported as a draft."), "success")
            return redirect(_overview(round_))
    return render_template("designer/import.html", form=form, problems=problems)


# --- one round -------------------------------------------------------------------------------


@bp.route("/<id:round_id>")
@read_access
def show_round(round_id: int) -> str:
    round_ = _round(round_id)
    user = signed_in_user()
    approval = services.approval_state(round_)
    responses = services.response_count(round_)
    published = services.published_count(round_)
    k = round_.series.organisation.min_group_size
    return render_template(
        "designer/round.html",
        round=round_,
        locked=services.is_locked(round_, responses),
        can_edit=has_role(*EDITORS),
        can_approve=approval.may_approve(user),
        has_approved=any(a.user_id == user.id for a in round_.approvals),
        approval=approval,
        responses=responses,
        # The count readers see is the published results' (feedback.results.publish); the
        # quality group reads it whole, others a total of 0 or at least k (rule 3).
        shown_responses=published if has_role("quality") else shown_total(published, k),
        k=k,
        missing=services.missing_translations(round_),
        numbers=runtime.numbering(round_),
        choices=runtime.choices,
        changed_since_previous=services.changed_since_previous,
        action_form=ActionForm(),
        today=services.local_today(),
        **LABELS,
    )


@bp.route("/<id:round_id>/innstillinger", methods=["GET", "POST"])
@edit_access
def edit_settings(round_id: int) -> Response | str:
    round_ = _round(round_id)
    form = SettingsForm()
    if request.method == "GET":
        for name in ("title", "intro", "thanks"):
            fill_text(form[name], getattr(round_, name))
        form.opens_on.data, form.closes_on.data = round_.opens_on, round_.closes_on
    if form.validate_on_submit():
        saved = save_or_show(
            form,
            lambda: services.update_settings(
                round_,
                signed_in_user(),
                title=text_of(form.title),
                intro=text_of(form.intro),
                thanks=text_of(form.thanks),
                opens_on=form.opens_on.data,
                closes_on=form.closes_on.data,
            ),
            _("The changes were saved."),
            _overview(round_),
        )
        if saved:
            return saved
    return render_template("designer/settings.html", round=round_, form=form)


@bp.route("/<id:round_id>/status", methods=["POST"])
@edit_access
def change_status(round_id: int) -> Response:
    round_ = _round(round_id)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    user = signed_in_user()
    actions: dict[str, tuple[Callable[[], object], str]] = {
        "submit": (lambda: services.submit_for_approval(round_, user), _("Sent for approval.")),
        "draft": (lambda: services.back_to_draft(round_, user), _("Taken back to draft.")),
        "approve": (lambda: services.approve(round_, user), _("Your approval is recorded.")),
        "withdraw": (lambda: services.withdraw_approval(round_, user), _("Approval withdrawn.")),
        "open": (lambda: services.open_now(round_, user), _("The round is open.")),
        "close": (lambda: services.close(round_, user), _("The round is closed.")),
        "archive": (lambda: services.archive(round_, user), _("The round is archived.")),
    }
    if form.action.data not in actions:
        abort(400)
    change, message = actions[form.action.data]
    if form.action.data == "approve" and not services.can_approve(round_, user):
        abort(404)
    target = _act(change, message, _overview(round_, "status"))
    if form.action.data == "close" and round_.status == "closed":
        # A closed round's results hold every answer: its final state is published now.
        from feedback.results import publish  # not at import: results import the designer

        publish.publish(round_id, force=True)
    return target


@bp.route("/<id:round_id>/ny-runde", methods=["POST"])
@edit_access
def start_new_round(round_id: int) -> Response:
    round_ = _round(round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    copy = services.new_round(round_, signed_in_user())
    db.session.commit()
    flash(_("Round %(n)d was created from round %(m)d.", n=copy.number, m=round_.number), "success")
    return redirect(_overview(copy))


@bp.route("/<id:round_id>/eksport")
@read_access
def export_round(round_id: int) -> FlaskResponse:
    round_ = _round(round_id)
    text = doc.dumps(doc.export_round(round_))
    filename = f"sporreskjema-{round_.series_id}-runde-{round_.number}.json"
    return FlaskResponse(
        text,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/<id:round_id>/mal", methods=["GET", "POST"])
@edit_access
def save_template(round_id: int) -> Response | str:
    round_ = _round(round_id)
    form = TemplateForm()
    if request.method == "GET":
        form.name.data = round_.title.get("nb", "")
    if form.validate_on_submit():
        saved = save_or_show(
            form,
            lambda: services.save_template(round_, signed_in_user(), form.name.data or ""),
            _("Saved as a template. It is now offered when you make a new questionnaire."),
            _overview(round_),
        )
        if saved:
            return saved
    return render_template("designer/template.html", round=round_, form=form)


@bp.route("/<id:round_id>/logg")
@read_access
def round_history(round_id: int) -> str:
    round_ = _round(round_id)
    events = audit.history(f"survey_round:{round_.id}")
    return render_template("designer/history.html", round=round_, events=events, **LABELS)


# --- pages -----------------------------------------------------------------------------------


@bp.route("/<id:round_id>/sider", methods=["POST"])
@edit_access
def add_page(round_id: int) -> Response:
    round_ = _round(round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _act(
        lambda: services.add_page(round_, signed_in_user(), {}),
        _("A new page was added at the end."),
        _overview(round_, f"page-{len(round_.pages) + 1}"),
    )


@bp.route("/<id:round_id>/sider/<id:page_id>", methods=["GET", "POST"])
@edit_access
def edit_page(round_id: int, page_id: int) -> Response | str:
    round_ = _round(round_id)
    page = services.get_page(round_, page_id)
    form = PageForm()
    if request.method == "GET":
        fill_text(form.title, page.title)
    if form.validate_on_submit():
        saved = save_or_show(
            form,
            lambda: services.update_page(page, signed_in_user(), text_of(form.title)),
            _("The page was saved."),
            _overview(round_, f"page-{page.id}"),
        )
        if saved:
            return saved
    number = round_.pages.index(page) + 1
    return render_template("designer/page.html", round=round_, page=page, number=number, form=form)


@bp.route("/<id:round_id>/sider/<id:page_id>/flytt", methods=["POST"])
@edit_access
def move_page(round_id: int, page_id: int) -> Response:
    round_ = _round(round_id)
    page = services.get_page(round_, page_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    return _act(
        lambda: services.move_page(page, signed_in_user(), form.step),
        _("The page was moved."),
        _overview(round_, f"page-{page.id}"),
    )


@bp.route("/<id:round_id>/sider/<id:page_id>/slett", methods=["GET", "POST"])
@edit_access
def delete_page(round_id: int, page_id: int) -> Response | str:
    round_ = _round(round_id)
    page = services.get_page(round_, page_id)
    form = ActionForm()
    if form.validate_on_submit():
        return _act(
            lambda: services.delete_page(page, signed_in_user()),
            _("The page was deleted."),
            _overview(round_),
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


@bp.route("/<id:round_id>/sider/<id:page_id>/nytt-sporsmal", methods=["GET", "POST"])
@edit_access
def add_question(round_id: int, page_id: int) -> Response | str:
    round_ = _round(round_id)
    page = services.get_page(round_, page_id)
    kind = request.args.get("type", "")
    if kind not in QUESTION_KIND_LABELS:
        kind_form = KindForm(request.args if "type" in request.args else None)
        if "type" in request.args:
            kind_form.validate()
        return render_template("designer/kind.html", round=round_, page=page, form=kind_form)
    form = QuestionForm()
    before = services.questions_before(round_, page, None)
    form.setup(kind, _condition_choices(round_, before), None)
    del form.comparable  # a new question has nothing to compare with
    if request.method == "GET":
        form.fill_defaults()
    saved = _save_question(
        form,
        None,
        lambda data: services.add_question(page, signed_in_user(), data),
        _("The question was added."),
        _overview(round_, f"page-{page.id}"),
    )
    if saved:
        return saved
    return render_template(
        "designer/question.html", round=round_, page=page, question=None, form=form, **LABELS
    )


@bp.route("/<id:round_id>/sporsmal/<id:question_id>", methods=["GET", "POST"])
@edit_access
def edit_question(round_id: int, question_id: int) -> Response | str:
    round_ = _round(round_id)
    question = services.get_question(round_, question_id)
    form = QuestionForm()
    before = services.questions_before(round_, question.page, question)
    form.setup(question.kind, _condition_choices(round_, before), _page_choices(round_))
    if question.previous_id is None:
        del form.comparable
    if request.method == "GET":
        form.load(question)

    def change(data: dict[str, Any]) -> None:
        page = services.get_page(round_, form.page_id.data)
        comparable = form.comparable.data if form.comparable is not None else None
        services.update_question(question, signed_in_user(), data, page=page, comparable=comparable)

    saved = _save_question(
        form,
        question,
        change,
        _("The question was saved."),
        _overview(round_, f"question-{question.id}"),
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


@bp.route("/<id:round_id>/sporsmal/<id:question_id>/flytt", methods=["POST"])
@edit_access
def move_question(round_id: int, question_id: int) -> Response:
    round_ = _round(round_id)
    question = services.get_question(round_, question_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    return _act(
        lambda: services.move_question(question, signed_in_user(), form.step),
        _("The question was moved."),
        _overview(round_, f"question-{question.id}"),
    )


@bp.route("/<id:round_id>/sporsmal/<id:question_id>/slett", methods=["GET", "POST"])
@edit_access
def delete_question(round_id: int, question_id: int) -> Response | str:
    round_ = _round(round_id)
    question = services.get_question(round_, question_id)
    form = ActionForm()
    if form.validate_on_submit():
        return _act(
            lambda: services.delete_question(question, signed_in_user()),
            _("The question was deleted."),
            _overview(round_, f"page-{question.page_id}"),
        )
    return render_template(
        "designer/delete.html",
        round=round_,
        form=form,
        heading=_("Delete question %(n)d?", n=runtime.numbering(round_)[question.id]),
        warning=localized(question.text, "nb"),
    )


# --- preview ---------------------------------------------------------------------------------


@bp.route("/<id:round_id>/forhandsvis", methods=["GET", "POST"])
@read_access
def preview(round_id: int) -> str:
    """The questionnaire exactly as respondents see it, in any language; nothing is stored."""
    round_ = _round(round_id)
    language = request.values.get("sprak", "nb")
    if language not in SUPPORTED_LOCALES:
        language = "nb"
    form = ActionForm()
    step = runtime.Step(0, {}, {})
    if request.method == "POST" and form.validate_on_submit() and round_.pages:
        step = runtime.step(round_, request.form)
    with force_locale(language):
        return render_template(
            "respond/questionnaire.html",
            round=round_,
            preview=True,
            language=language,
            done=step.done,
            form=form,
            action=url_for("designer.preview", round_id=round_.id, sprak=language),
            public_page=True,
            language_links={
                code: url_for("designer.preview", round_id=round_.id, sprak=code)
                for code in SUPPORTED_LOCALES
            },
            **runtime.page_view(round_, step),
        )
