"""One case: its page, handling it (status, measures, messages, notes, closing, reopening) and
blacking out personal data. Quality-group members see every case of their organisation,
managers the cases of their units; anyone else gets 404, also for a case id that exists."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from feedback import audit
from feedback.codes import show_code
from feedback.deviations import handling, lists, redaction, scope
from feedback.deviations.forms import (
    ActionForm,
    CaseForm,
    CloseForm,
    MeasureDoneForm,
    MeasureForm,
    MessageForm,
    NoteForm,
    RedactForm,
)
from feedback.deviations.pages import LABELS, case_access
from feedback.exceptions import NotFound
from feedback.extensions import db
from feedback.ids import parse_id
from feedback.models import Deviation, User
from feedback.models.base import today
from feedback.web.access import require_organisation, signed_in_user
from feedback.web.forms import Form, options, show_error
from feedback.web.helpers import save_or_show


def _scope() -> scope.Scope:
    return scope.required_scope(require_organisation())


def _case(case_id: str) -> Deviation:
    return scope.get_case(_scope(), case_id)


def _case_form(case: Deviation, form: CaseForm | None = None) -> CaseForm:
    if form is None:
        form = CaseForm(
            formdata=None,
            status=case.status if case.status != "closed" else "in_progress",
            severity=case.severity or "",
            handler=str(case.handler_id or ""),
            deadline=case.deadline,
        )
    people = scope.handlers(case.organisation, case)
    form.handler.choices = options([("", _("Nobody yet")), *((str(u.id), u.name) for u in people)])
    return form


#: The case's tabs, each its own address (templates/deviations/_case.html): the template and the
#: endpoint of each.
TABS = {
    "report": ("deviations/case.html", "deviations.show_case"),
    "handling": ("deviations/case_handling.html", "deviations.case_handling"),
    "measures": ("deviations/case_measures.html", "deviations.case_measures"),
    "history": ("deviations/case_history.html", "deviations.case_history"),
}


def _tab_url(case: Deviation, tab: str) -> str:
    return url_for(TABS[tab][1], case_id=case.id)


def _case_page(
    case: Deviation, status: int = 200, tab: str = "report", **forms: Form
) -> tuple[str, int]:
    user = signed_in_user()
    reads_text = _scope().reads_text(case)
    flagged = redaction.flagged(case) if reads_text else []
    html = render_template(
        TABS[tab][0],
        tab=tab,
        case=case,
        case_form=forms.get("case_form") or _case_form(case),
        measure_form=forms.get("measure_form") or MeasureForm(formdata=None),
        message_form=forms.get("message_form") or MessageForm(formdata=None),
        note_form=forms.get("note_form") or NoteForm(formdata=None),
        close_form=forms.get("close_form")
        or CloseForm(formdata=None, evaluation=case.closing_evaluation),
        redact_form=forms.get("redact_form") or RedactForm(formdata=None),
        action_form=forms.get("action_form") or ActionForm(formdata=None),
        done_form=forms.get("done_form") or MeasureDoneForm(formdata=None),
        flagged=flagged,
        reads_text=reads_text,
        sees_contact=scope.sees_contact(case, user),
        overdue=lists.is_overdue(case),
        today=today(),
        history=audit.history(f"deviation:{case.id}"),
        case_label=show_code(case.id),
        **LABELS,
    )
    return html, status


@case_access
def show_case(case_id: str) -> tuple[str, int]:
    """The first tab: the report and the messages with the reporter."""
    return _case_page(_case(case_id))


@case_access
def case_handling(case_id: str) -> tuple[str, int]:
    """The handling tab: status, severity, handler, deadline, internal notes and closing."""
    return _case_page(_case(case_id), tab="handling")


@case_access
def case_measures(case_id: str) -> tuple[str, int]:
    return _case_page(_case(case_id), tab="measures")


@case_access
def case_history(case_id: str) -> tuple[str, int]:
    return _case_page(_case(case_id), tab="history")


def _change(
    case: Deviation, form: Form, name: str, change: Callable[[], object], message: str, tab: str
) -> Response | tuple[str, int]:
    """Validate, apply and commit one change to a case, or show the case's tab with the
    problem."""
    if form.validate_on_submit():
        done = save_or_show(form, change, message, _tab_url(case, tab))
        if done is not None:
            return done
    return _case_page(case, 400, tab, **{name: form})


@case_access
def update_case(case_id: str) -> Response | tuple[str, int]:
    case = _case(case_id)
    form = _case_form(case, CaseForm())

    def change() -> None:
        # The form offered only people who may handle the case; the service checks again.
        handler_id = parse_id(form.handler.data)
        handling.update_case(
            case,
            signed_in_user(),
            status=form.status.data,
            severity=form.severity.data or None,
            handler=db.session.get(User, handler_id) if handler_id else None,
            deadline=form.deadline.data,
        )

    return _change(case, form, "case_form", change, _("The case was saved."), "handling")


@case_access
def add_measure(case_id: str) -> Response | tuple[str, int]:
    case = _case(case_id)
    form = MeasureForm()
    return _change(
        case,
        form,
        "measure_form",
        lambda: handling.add_measure(
            case,
            signed_in_user(),
            description=form.description.data,
            owner=form.owner.data,
            due=form.due.data,
        ),
        _("The measure was added."),
        "measures",
    )


@case_access
def mark_measure(case_id: str, measure_id: int) -> Response | tuple[str, int]:
    case = _case(case_id)
    measure = handling.get_measure(case, measure_id)
    form = MeasureDoneForm()
    return _change(
        case,
        form,
        "done_form",
        lambda: handling.set_measure_done(case, signed_in_user(), measure, form.done.data),
        _("The measure was updated."),
        "measures",
    )


@case_access
def send_message(case_id: str) -> Response | tuple[str, int]:
    case = _case(case_id)
    form = MessageForm()
    return _change(
        case,
        form,
        "message_form",
        lambda: handling.send_message(case, signed_in_user(), form.body.data),
        _("The message was sent. The reporter sees it with the receipt code."),
        "report",
    )


@case_access
def add_note(case_id: str) -> Response | tuple[str, int]:
    case = _case(case_id)
    form = NoteForm()
    return _change(
        case,
        form,
        "note_form",
        lambda: handling.add_note(case, signed_in_user(), form.note.data),
        _("The note was saved."),
        "handling",
    )


@case_access
def close_case(case_id: str) -> Response | tuple[str, int]:
    case = _case(case_id)
    form = CloseForm()
    return _change(
        case,
        form,
        "close_form",
        lambda: handling.close(case, signed_in_user(), form.evaluation.data),
        _("The case was closed."),
        "handling",
    )


@case_access
def reopen_case(case_id: str) -> Response | tuple[str, int]:
    case = _case(case_id)
    form = ActionForm()
    return _change(
        case,
        form,
        "action_form",
        lambda: handling.reopen(case, signed_in_user()),
        _("The case was reopened."),
        "handling",
    )


@case_access
def redact(case_id: str) -> Response | tuple[str, int]:
    case = _case(case_id)
    if not _scope().reads_text(case):
        raise NotFound()
    form = RedactForm()
    found = {item.finding.text for item in redaction.flagged(case)}
    pieces = [text for text in request.form.getlist("sladd") if text in found]
    if form.validate_on_submit():
        pieces += [form.other.data] if form.other.data else []
        if not pieces:
            show_error(form, "other", _("Choose what to black out, or write it."))
            return _case_page(case, 400, redact_form=form)
        count = redaction.redact(case, signed_in_user(), pieces)
        if count == 0:
            show_error(
                form, "other", _("That text is not in the report or the reporter's messages.")
            )
            return _case_page(case, 400, redact_form=form)
        db.session.commit()
        redaction.overwrite_freed_space()
        flash(
            ngettext(
                "%(num)d piece of text was blacked out.",
                "%(num)d pieces of text were blacked out.",
                count,
            ),
            "success",
        )
        return redirect(_tab_url(case, "report"))
    return _case_page(case, 400, redact_form=form)
