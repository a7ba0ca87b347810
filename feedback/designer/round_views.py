"""Designer pages about whole questionnaires: the list, create and import, one round's page with
its settings, status changes, new round, export, template and history, and the preview."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response as FlaskResponse
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from feedback import audit
from feedback.designer import lifecycle, review, services
from feedback.designer.approval import approval_state, can_approve
from feedback.designer.forms import (
    ActionForm,
    ImportForm,
    NewQuestionnaireForm,
    SettingsForm,
    StatusForm,
    TemplateForm,
)
from feedback.designer.permissions import EDITORS, edit_access, read_access
from feedback.designer.view_helpers import LABELS, act, overview_url, round_or_404
from feedback.extensions import db
from feedback.i18n import SUPPORTED_LOCALES
from feedback.models.base import today as local_today
from feedback.questionnaire import document as doc
from feedback.questionnaire import runtime
from feedback.results.suppression import shown_total
from feedback.web.access import has_role, require_organisation, signed_in_user
from feedback.web.forms import fill_text, show_error, text_of
from feedback.web.helpers import save_or_show

# --- list, create, import --------------------------------------------------------------------


@read_access
def index() -> str:
    organisation = require_organisation()
    return render_template(
        "designer/index.html", series_list=services.series_list(organisation), **LABELS
    )


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
            return redirect(overview_url(round_))
    return render_template("designer/new.html", form=form, templates=templates)


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
            return redirect(overview_url(round_))
    return render_template("designer/import.html", form=form, problems=problems)


# --- one round -------------------------------------------------------------------------------


def _round_page(round_id: int, template: str, tab: str) -> str:
    """A tab of one round's page (templates/designer/_round_head.html): each tab its own
    address, all with the same heading and what their parts need."""
    round_ = round_or_404(round_id)
    user = signed_in_user()
    approval = approval_state(round_)
    responses = services.response_count(round_)
    published = services.published_count(round_)
    k = round_.series.organisation.min_group_size
    return render_template(
        template,
        tab=tab,
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
        missing=review.missing_translations(round_),
        numbers=runtime.numbering(round_),
        choices=runtime.choices,
        changed_since_previous=review.changed_since_previous,
        action_form=ActionForm(),
        today=local_today(),
        events=audit.history(f"survey_round:{round_.id}") if tab == "history" else [],
        **LABELS,
    )


@read_access
def show_round(round_id: int) -> str:
    """The questions tab."""
    return _round_page(round_id, "designer/round.html", "questions")


@read_access
def round_texts(round_id: int) -> str:
    """The tab with the title, the texts and what lacks a translation."""
    return _round_page(round_id, "designer/texts.html", "texts")


@read_access
def round_approval(round_id: int) -> str:
    """The tab with the approval and the status, and the buttons that change them."""
    return _round_page(round_id, "designer/approval.html", "approval")


@read_access
def round_run(round_id: int) -> str:
    """The tab with the ways of answering (links, codes, kiosk, paper: feedback/fieldwork)."""
    return _round_page(round_id, "designer/run.html", "run")


@edit_access
def edit_settings(round_id: int) -> Response | str:
    round_ = round_or_404(round_id)
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
            url_for("designer.round_texts", round_id=round_.id),
        )
        if saved:
            return saved
    return render_template("designer/settings.html", round=round_, form=form)


@edit_access
def change_status(round_id: int) -> Response:
    round_ = round_or_404(round_id)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    user = signed_in_user()
    actions: dict[str, tuple[Callable[[], object], str]] = {
        "submit": (lambda: lifecycle.submit_for_approval(round_, user), _("Sent for approval.")),
        "draft": (lambda: lifecycle.back_to_draft(round_, user), _("Taken back to draft.")),
        "approve": (lambda: lifecycle.approve(round_, user), _("Your approval is recorded.")),
        "withdraw": (lambda: lifecycle.withdraw_approval(round_, user), _("Approval withdrawn.")),
        "open": (lambda: lifecycle.open_now(round_, user), _("The round is open.")),
        "close": (lambda: lifecycle.close(round_, user), _("The round is closed.")),
        "archive": (lambda: lifecycle.archive(round_, user), _("The round is archived.")),
    }
    if form.action.data not in actions:
        abort(400)
    change, message = actions[form.action.data]
    if form.action.data == "approve" and not can_approve(round_, user):
        abort(404)
    target = act(change, message, url_for("designer.round_approval", round_id=round_.id))
    if form.action.data == "close" and round_.status == "closed":
        # A closed round's results hold every answer: its final state is published now.
        from feedback.results import publish  # not at import: results import the designer

        publish.publish(round_id, force=True)
    return target


@edit_access
def start_new_round(round_id: int) -> Response:
    round_ = round_or_404(round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    copy = services.new_round(round_, signed_in_user())
    db.session.commit()
    flash(_("Round %(n)d was created from round %(m)d.", n=copy.number, m=round_.number), "success")
    return redirect(overview_url(copy))


@read_access
def export_round(round_id: int) -> FlaskResponse:
    round_ = round_or_404(round_id)
    text = doc.dumps(doc.export_round(round_))
    filename = f"sporreskjema-{round_.series_id}-runde-{round_.number}.json"
    return FlaskResponse(
        text,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@edit_access
def save_template(round_id: int) -> Response | str:
    round_ = round_or_404(round_id)
    form = TemplateForm()
    if request.method == "GET":
        form.name.data = round_.title.get("nb", "")
    if form.validate_on_submit():
        saved = save_or_show(
            form,
            lambda: services.save_template(round_, signed_in_user(), form.name.data or ""),
            _("Saved as a template. It is now offered when you make a new questionnaire."),
            overview_url(round_),
        )
        if saved:
            return saved
    return render_template("designer/template.html", round=round_, form=form)


@read_access
def round_history(round_id: int) -> str:
    """The history tab: who changed, approved, opened and closed the round."""
    return _round_page(round_id, "designer/history.html", "history")


# --- preview ---------------------------------------------------------------------------------


@read_access
def preview(round_id: int) -> str:
    """The questionnaire exactly as respondents see it, in any language; nothing is stored."""
    round_ = round_or_404(round_id)
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
            brand_organisation=round_.series.organisation,
            language_links={
                code: url_for("designer.preview", round_id=round_.id, sprak=code)
                for code in SUPPORTED_LOCALES
            },
            **runtime.page_view(round_, step),
        )
