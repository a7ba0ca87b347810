"""Case handling and statistics for the quality group and managers; categories for admins.

Quality-group members see every case of their organisation, managers the cases of their units;
anyone else gets 404, also for a case id that exists.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from feedback import audit
from feedback.access import require_organisation, role_required, signed_in_user
from feedback.admin.forms import unit_choices
from feedback.deviations import bp, services, stats
from feedback.deviations.forms import (
    ActionForm,
    CaseForm,
    CategoryForm,
    CloseForm,
    FilterForm,
    MeasureDoneForm,
    MeasureForm,
    MessageForm,
    NoteForm,
    PeriodForm,
    RedactForm,
)
from feedback.extensions import db
from feedback.forms import Form, choice_values, fill_text, options, show_error, text_of
from feedback.i18n import localized
from feedback.ids import parse_id
from feedback.models import Deviation, User
from feedback.models.base import today
from feedback.views import save_or_show
from feedback.vocabulary import (
    AUDIT_LABELS,
    DEVIATION_STATUS_LABELS,
    REPORTER_KIND_LABELS,
    SEVERITY_LABELS,
)

case_access = role_required("quality", "manager", denied=404)
admin_access = role_required("admin", denied=404)

#: Names of the details the audit log keeps about a case change.
CHANGE_LABELS = {
    "status": _l("Status"),
    "severity": _l("Severity"),
    "handler": _l("Case handler"),
    "deadline": _l("Deadline"),
    "owner": _l("Responsible"),
    "due": _l("Due"),
    "count": _l("Number"),
}

PERSONAL_DATA_LABELS = {
    "national_id": _l("National identity number"),
    "phone": _l("Phone number"),
    "email": _l("E-mail address"),
}


def show_value(key: str, value: object) -> str:
    """A value from the audit log as people read it."""
    if value is None or value == "":
        return "–"
    if key == "status" and value in DEVIATION_STATUS_LABELS:
        return str(DEVIATION_STATUS_LABELS[str(value)])
    if key == "severity" and value in SEVERITY_LABELS:
        return str(SEVERITY_LABELS[str(value)])
    if key in ("deadline", "due") and isinstance(value, str):
        try:
            return format_date(date.fromisoformat(value), "short")
        except ValueError:
            return value
    return str(value)


LABELS = {
    "show_case_id": services.show_case_id,
    "change_labels": CHANGE_LABELS,
    "pd_labels": PERSONAL_DATA_LABELS,
    "show_value": show_value,
    "status_labels": DEVIATION_STATUS_LABELS,
    "severity_labels": SEVERITY_LABELS,
    "kind_labels": REPORTER_KIND_LABELS,
    "audit_labels": AUDIT_LABELS,
}


#: The query parameters of the case list that its page links carry on.
FILTER_FIELDS = ("status", "unit", "category", "severity", "overdue", "mine")


def _scope() -> services.Scope:
    scope = services.current_scope(require_organisation())
    if scope is None:
        abort(404)
    return scope


def _case(case_id: str) -> Deviation:
    return services.get_case(_scope(), case_id)


# --- the list ----------------------------------------------------------------------------------


def _filter_form(scope: services.Scope) -> tuple[FilterForm, services.Filters]:
    form = FilterForm(request.args)
    organisation = scope.organisation
    units = [
        (unit, depth)
        for unit, depth in services.units_to_report(organisation)
        if scope.everything or unit.id in scope.unit_ids
    ]
    form.status.choices = options(
        [("", _("All")), ("open", _("Not closed")), *DEVIATION_STATUS_LABELS.items()]
    )
    form.unit.choices = options(
        [("", _("All")), *((str(i), name) for i, name in unit_choices(units))]
    )
    form.category.choices = options(
        [
            ("", _("All")),
            *(
                (str(c.id), localized(c.names))
                for c in services.categories(organisation, active_only=False)
            ),
        ]
    )
    form.severity.choices = options(
        [("", _("All")), ("none", _("Not assessed")), *SEVERITY_LABELS.items()]
    )
    chosen = {
        name: request.args.get(name, "") for name in ("status", "unit", "category", "severity")
    }
    valid = {
        name: value if value in choice_values(getattr(form, name)) else ""
        for name, value in chosen.items()
    }
    filters = services.Filters(
        status=valid["status"] or None,
        unit_id=int(valid["unit"]) if valid["unit"] else None,
        category_id=int(valid["category"]) if valid["category"] else None,
        severity=valid["severity"] or None,
        overdue=bool(form.overdue.data),
        mine=bool(form.mine.data),
    )
    return form, filters


@bp.route("/saker")
@case_access
def cases() -> str:
    scope = _scope()
    form, filters = _filter_form(scope)
    listing = services.list_cases(
        scope, filters, signed_in_user(), parse_id(request.args.get("side")) or 1
    )
    args = {k: v for k, v in request.args.items() if k in FILTER_FIELDS and v}
    return render_template(
        "deviations/cases.html",
        form=form,
        listing=listing,
        page_args=args,
        filtered=any(args.values()),
        is_overdue=services.is_overdue,
        **LABELS,
    )


# --- one case ----------------------------------------------------------------------------------


def _case_form(case: Deviation, form: CaseForm | None = None) -> CaseForm:
    if form is None:
        form = CaseForm(
            formdata=None,
            status=case.status if case.status != "closed" else "in_progress",
            severity=case.severity or "",
            handler=str(case.handler_id or ""),
            deadline=case.deadline,
        )
    people = services.handlers(case.organisation, case)
    form.handler.choices = options([("", _("Nobody yet")), *((str(u.id), u.name) for u in people)])
    return form


def _case_page(case: Deviation, status: int = 200, **forms: Form) -> tuple[str, int]:
    user = signed_in_user()
    reads_text = _scope().reads_text(case)
    flagged = services.flagged(case) if reads_text else []
    html = render_template(
        "deviations/case.html",
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
        sees_contact=services.sees_contact(case, user),
        overdue=services.is_overdue(case),
        today=today(),
        history=audit.history(f"deviation:{case.id}"),
        case_label=services.show_case_id(case.id),
        **LABELS,
    )
    return html, status


@bp.route("/saker/<case_id>")
@case_access
def show_case(case_id: str) -> tuple[str, int]:
    return _case_page(_case(case_id))


def _change(
    case: Deviation, form: Form, name: str, change: Callable[[], object], message: str, anchor: str
) -> Response | tuple[str, int]:
    """Validate, apply and commit one change to a case, or show the case with the problem."""
    target = url_for("deviations.show_case", case_id=case.id) + anchor
    if form.validate_on_submit():
        done = save_or_show(form, change, message, target)
        if done is not None:
            return done
    return _case_page(case, 400, **{name: form})


@bp.route("/saker/<case_id>/behandling", methods=["POST"])
@case_access
def update_case(case_id: str) -> Response | tuple[str, int]:
    case = _case(case_id)
    form = _case_form(case, CaseForm())

    def change() -> None:
        # The form offered only people who may handle the case; the service checks again.
        handler_id = parse_id(form.handler.data)
        services.update_case(
            case,
            signed_in_user(),
            status=form.status.data,
            severity=form.severity.data or None,
            handler=db.session.get(User, handler_id) if handler_id else None,
            deadline=form.deadline.data,
        )

    return _change(case, form, "case_form", change, _("The case was saved."), "#handling")


@bp.route("/saker/<case_id>/tiltak", methods=["POST"])
@case_access
def add_measure(case_id: str) -> Response | tuple[str, int]:
    case = _case(case_id)
    form = MeasureForm()
    return _change(
        case,
        form,
        "measure_form",
        lambda: services.add_measure(
            case,
            signed_in_user(),
            description=form.description.data,
            owner=form.owner.data,
            due=form.due.data,
        ),
        _("The measure was added."),
        "#measures",
    )


@bp.route("/saker/<case_id>/tiltak/<id:measure_id>", methods=["POST"])
@case_access
def mark_measure(case_id: str, measure_id: int) -> Response | tuple[str, int]:
    case = _case(case_id)
    measure = services.get_measure(case, measure_id)
    form = MeasureDoneForm()
    return _change(
        case,
        form,
        "done_form",
        lambda: services.set_measure_done(case, signed_in_user(), measure, form.done.data),
        _("The measure was updated."),
        "#measures",
    )


@bp.route("/saker/<case_id>/melding", methods=["POST"])
@case_access
def send_message(case_id: str) -> Response | tuple[str, int]:
    case = _case(case_id)
    form = MessageForm()
    return _change(
        case,
        form,
        "message_form",
        lambda: services.send_message(case, signed_in_user(), form.body.data),
        _("The message was sent. The reporter sees it with the receipt code."),
        "#thread",
    )


@bp.route("/saker/<case_id>/notat", methods=["POST"])
@case_access
def add_note(case_id: str) -> Response | tuple[str, int]:
    case = _case(case_id)
    form = NoteForm()
    return _change(
        case,
        form,
        "note_form",
        lambda: services.add_note(case, signed_in_user(), form.note.data),
        _("The note was saved."),
        "#notes",
    )


@bp.route("/saker/<case_id>/lukk", methods=["POST"])
@case_access
def close_case(case_id: str) -> Response | tuple[str, int]:
    case = _case(case_id)
    form = CloseForm()
    return _change(
        case,
        form,
        "close_form",
        lambda: services.close(case, signed_in_user(), form.evaluation.data),
        _("The case was closed."),
        "",
    )


@bp.route("/saker/<case_id>/gjenapne", methods=["POST"])
@case_access
def reopen_case(case_id: str) -> Response | tuple[str, int]:
    case = _case(case_id)
    form = ActionForm()
    return _change(
        case,
        form,
        "action_form",
        lambda: services.reopen(case, signed_in_user()),
        _("The case was reopened."),
        "",
    )


@bp.route("/saker/<case_id>/sladd", methods=["POST"])
@case_access
def redact(case_id: str) -> Response | tuple[str, int]:
    case = _case(case_id)
    if not _scope().reads_text(case):
        abort(404)
    form = RedactForm()
    found = {item.finding.text for item in services.flagged(case)}
    pieces = [text for text in request.form.getlist("sladd") if text in found]
    if form.validate_on_submit():
        pieces += [form.other.data] if form.other.data else []
        if not pieces:
            show_error(form, "other", _("Choose what to black out, or write it."))
            return _case_page(case, 400, redact_form=form)
        count = services.redact(case, signed_in_user(), pieces)
        if count == 0:
            show_error(
                form, "other", _("That text is not in the report or the reporter's messages.")
            )
            return _case_page(case, 400, redact_form=form)
        db.session.commit()
        services.overwrite_freed_space()
        flash(
            ngettext(
                "%(num)d piece of text was blacked out.",
                "%(num)d pieces of text were blacked out.",
                count,
            ),
            "success",
        )
        return redirect(url_for("deviations.show_case", case_id=case.id) + "#report")
    return _case_page(case, 400, redact_form=form)


# --- statistics --------------------------------------------------------------------------------


def _period(form: PeriodForm) -> tuple[date, date]:
    first, last = stats.default_period(today())
    if form.errors:
        return first, last
    return form.fra.data or first, form.til.data or last


@bp.route("/statistikk")
@case_access
def statistics() -> tuple[str, int]:
    scope = _scope()
    form = PeriodForm(request.args)
    valid = form.validate() if request.args else True
    first, last = _period(form) if valid else _period(PeriodForm())
    if (last - first).days > 3660:
        first = last - timedelta(days=3660)
        form.fra.errors = [_("Choose at most ten years.")]
        valid = False
    numbers = stats.statistics_for(scope, first, last)
    html = render_template(
        "deviations/statistics.html",
        form=form,
        first=first,
        last=last,
        numbers=numbers,
        charts=stats.charts(scope, numbers),
        **LABELS,
    )
    return html, 200 if valid else 400


# --- categories (administrators) ---------------------------------------------------------------


@bp.route("/kategorier", methods=["GET", "POST"])
@admin_access
def categories() -> Response | str | tuple[str, int]:
    organisation = require_organisation()
    form = CategoryForm()
    if request.method == "POST":
        if form.validate_on_submit():
            done = save_or_show(
                form,
                lambda: services.save_category(
                    organisation, signed_in_user(), None, text_of(form.names), form.active.data
                ),
                _("The category was added."),
                url_for("deviations.categories"),
            )
            if done is not None:
                return done
        return _categories_page(form), 400
    return _categories_page(form)


def _categories_page(form: CategoryForm) -> str:
    organisation = require_organisation()
    return render_template(
        "deviations/categories.html",
        form=form,
        categories=services.categories(organisation, active_only=False),
        move_form=ActionForm(),
    )


@bp.route("/kategorier/<id:category_id>", methods=["GET", "POST"])
@admin_access
def edit_category(category_id: int) -> Response | str | tuple[str, int]:
    organisation = require_organisation()
    category = services.get_category(organisation, category_id)
    form = CategoryForm()
    if request.method == "GET":
        fill_text(form.names, category.names)
        form.active.data = category.active
        return render_template("deviations/category.html", form=form, category=category)
    if form.validate_on_submit():
        done = save_or_show(
            form,
            lambda: services.save_category(
                organisation, signed_in_user(), category, text_of(form.names), form.active.data
            ),
            _("The category was saved."),
            url_for("deviations.categories"),
        )
        if done is not None:
            return done
    return render_template("deviations/category.html", form=form, category=category), 400


@bp.route("/kategorier/<id:category_id>/flytt", methods=["POST"])
@admin_access
def move_category(category_id: int) -> Response:
    organisation = require_organisation()
    category = services.get_category(organisation, category_id)
    form = ActionForm()
    if form.validate_on_submit():
        step = -1 if request.form.get("retning") == "opp" else 1
        services.move_category(organisation, signed_in_user(), category, step)
        db.session.commit()
    return redirect(url_for("deviations.categories") + f"#category-{category.id}")
