"""Public pages: report a deviation, get a receipt code, follow the case up with it.

No login, no session and no cookie: the form carries a signed one-time token instead of a CSRF
token, and the receipt code travels only in POST bodies, never in an address. What a reporter
sends is committed here, all or nothing, exactly once per form token.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import redirect, request, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from feedback import ratelimit
from feedback.admin.forms import unit_choices
from feedback.codes import show_code
from feedback.deviations import categories, receipts, receiving
from feedback.exceptions import NotFound
from feedback.extensions import db
from feedback.form_tokens import AlreadySent, StoreFailed, commit_sent, read_one_time_token
from feedback.i18n import localized
from feedback.models import Deviation, Organisation
from feedback.report.forms import NO_SUCH_CODE, ReceiptForm, ReplyForm, ReportForm
from feedback.vocabulary import DEVIATION_STATUS_EXPLAINED, DEVIATION_STATUS_LABELS
from feedback.web import public
from feedback.web.public import language_links, render_public

#: What a public view returns: a page, or a page with its status (and headers).
Page = str | tuple[str, int] | tuple[str, int, dict[str, str]]

NOT_SAVED = _l(
    "We could not save the report just now. Nothing was stored. Wait a moment and press"
    " “Send report” again; what you wrote is kept."
)
TOO_OLD = _l("The form had been open for a long time. Check what you wrote and send it again.")
TOO_MANY = _l("There have been too many wrong codes. Wait a few minutes and try again.")


def _organisation_or_404(slug: str) -> Organisation:
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise NotFound()
    return organisation


def choose() -> Response | str:
    organisations = list(db.session.scalars(sa.select(Organisation).order_by(Organisation.name)))
    if len(organisations) == 1:
        return redirect(
            url_for("report.new", slug=organisations[0].slug, sprak=public.language()), code=303
        )
    return render_public(
        "report/choose.html",
        language_links("report.choose"),
        organisations=organisations,
    )


def _report_form(organisation: Organisation) -> ReportForm:
    units = [(str(i), name) for i, name in unit_choices(receiving.units_to_report(organisation))]
    cats = [(str(c.id), localized(c.names)) for c in categories.categories(organisation)]
    return ReportForm(request.form if request.method == "POST" else None, units=units, cats=cats)


def new(slug: str) -> Response | Page:
    organisation = _organisation_or_404(slug)
    with force_locale(public.language()):
        return _new_report(organisation)


def _new_report(organisation: Organisation) -> Page:
    form = _report_form(organisation)
    if request.method == "GET":
        form.skjema.data = receiving.new_report_token(organisation)
        return _form_page(organisation, form, 200)
    token = read_one_time_token(receiving.REPORT_FORM, organisation.id, form.skjema.data)
    if not form.validate():
        if token.nonce is None:  # keep the token the page had, unless it is no good
            form.skjema.data = receiving.new_report_token(organisation)
        return _form_page(organisation, form, 400)
    if token.nonce is None:
        form.skjema.data = receiving.new_report_token(organisation)
        form.form_errors.append(str(TOO_OLD if token.expired else NOT_SAVED))
        return _form_page(organisation, form, 400)
    report = receiving.NewReport(
        reporter_kind=form.reporter_kind.data,
        unit=receiving.unit_for_report(organisation, form.unit.data),
        event_date=form.event_date.data,
        category=categories.get_category(organisation, int(form.category.data)),
        description=form.description.data,
        suggestion=form.suggestion.data or "",
        reporter_name=form.reporter_name.data or None,
        reporter_contact=form.reporter_contact.data or None,
    )
    try:
        case, code = receiving.submit(organisation, report, token.nonce)
        commit_sent("a report")
    except AlreadySent:
        return _public("report/already_sent.html", organisation=organisation), 409
    except StoreFailed:
        form.form_errors.append(str(NOT_SAVED))
        return _form_page(organisation, form, 503)
    return _public(
        "report/receipt.html",
        organisation=organisation,
        code=show_code(code),
        named=bool(case.reporter_name or case.reporter_contact),
    )


def _public(template: str, **context: Any) -> str:
    """A page after a POST: no language links (they would lose the page). The organisation's
    logo and name head it when the page is about one organisation."""
    context.setdefault("brand_organisation", context.get("organisation"))
    return render_public(template, None, **context)


def _form_page(organisation: Organisation, form: ReportForm, status: int) -> tuple[str, int]:
    html = render_public(
        "report/report.html",
        language_links("report.new", slug=organisation.slug),
        organisation=organisation,
        brand_organisation=organisation,
        form=form,
    )
    return html, status


# --- following up with the receipt code ---------------------------------------------------------
#
# Two addresses: /avvik/oppfolging, which names no organisation (the page is the app's own until
# a valid code has opened a case, then the case's organisation heads it), and
# /avvik/<slug>/oppfolging, the organisation's own, linked from its form and receipt (headed by
# that organisation, which its address names anyway). There a code opens only that
# organisation's cases: another organisation's code is answered exactly as a wrong one, so the
# page never shows whose it is.


def _case_by_code(code: str, organisation: Organisation | None) -> tuple[Deviation | None, Any]:
    """The case for a typed receipt code, or None and what to say (and the status, and the
    seconds to wait). Wrong codes count per code prefix: guessing is slowed down where it
    happens, and a valid code with another prefix still opens its case. On an organisation's
    page a case of another organisation is not found (and counts as a wrong code)."""
    limit = receipts.receipt_limit()
    group = receipts.receipt_group(code)
    if not ratelimit.take(receipts.RECEIPT_SCOPE, group, limit):
        wait = ratelimit.seconds_until_reset(receipts.RECEIPT_SCOPE, group, limit)
        return None, (TOO_MANY, 429, wait)
    case = receipts.find_by_receipt(code)
    if case is not None and organisation is not None and case.organisation_id != organisation.id:
        case = None
    if case is None:
        return None, (NO_SUCH_CODE, 400, None)  # counted above
    ratelimit.give_back(receipts.RECEIPT_SCOPE, group, limit)
    return case, None


def follow_up(slug: str | None = None) -> Response | Page:
    organisation = _organisation_or_404(slug) if slug is not None else None
    with force_locale(public.language()):
        form = ReceiptForm(request.form if request.method == "POST" else None)
        if request.method == "GET" or not form.validate():
            status = 400 if request.method == "POST" else 200
            return _code_page(organisation, form, status)
        case, problem = _case_by_code(form.kode.data, organisation)
        if case is None:
            message, status, wait = problem
            form.kode.errors = [str(message)]
            return _code_page(organisation, form, status, wait)
        return _status_page(organisation, case, form.kode.data, ReplyForm(formdata=None))


def _code_page(
    organisation: Organisation | None, form: ReceiptForm, status: int, wait: int | None = None
) -> tuple[str, int, dict[str, str]]:
    if organisation is None:
        links = language_links("report.follow_up")
    else:
        links = language_links("report.follow_up_at", slug=organisation.slug)
    html = render_public(
        "report/follow_up.html",
        links,
        form=form,
        organisation=organisation,
        brand_organisation=organisation,
    )
    headers = {"Retry-After": str(wait)} if wait else {}
    return html, status, headers


def _status_page(
    organisation: Organisation | None,
    case: Deviation,
    code: str,
    form: ReplyForm,
    status: int = 200,
    sent: bool = False,
) -> tuple[str, int]:
    """The case, once a valid code opened it: headed by the case's organisation."""
    form.kode.data = code
    form.skjema.data = receiving.new_reply_token(case)
    html = _public(
        "report/status.html",
        case=case,
        organisation=organisation,
        brand_organisation=case.organisation,
        form=form,
        sent=sent,
        messages=case.messages,
        status_labels=DEVIATION_STATUS_LABELS,
        status_explained=DEVIATION_STATUS_EXPLAINED,
    )
    return html, status


def reply(slug: str | None = None) -> Response | Page:
    organisation = _organisation_or_404(slug) if slug is not None else None
    with force_locale(public.language()):
        form = ReplyForm(request.form)
        case, problem = _case_by_code(form.kode.data or "", organisation)
        if case is None:
            message, status, wait = problem
            code_form = ReceiptForm(formdata=None)
            code_form.kode.errors = [str(message)]
            return _code_page(organisation, code_form, status, wait)
        if not form.validate():
            return _status_page(organisation, case, form.kode.data, form, 400)
        token = read_one_time_token(receiving.REPLY_FORM, case.id, form.skjema.data)
        if token.nonce is None:
            form.body.errors = [str(TOO_OLD if token.expired else NOT_SAVED)]
            return _status_page(organisation, case, form.kode.data, form, 400)
        try:
            receiving.reporter_reply(case, form.body.data, token.nonce)
            commit_sent("a reply")
        except AlreadySent:
            pass  # a double-click: the first one stored it
        except StoreFailed:
            form.body.errors = [str(NOT_SAVED)]
            return _status_page(organisation, case, form.kode.data, form, 503)
        db.session.refresh(case)
        return _status_page(organisation, case, form.kode.data, ReplyForm(formdata=None), sent=True)
