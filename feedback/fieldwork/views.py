"""Pages for running a round: public links and posters, kiosk start, access codes, the paper
version, paper data entry and the live fieldwork count."""

from __future__ import annotations

import segno
from flask import abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import logout_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from feedback import form_tokens
from feedback.codes import show_code
from feedback.designer import services as designer
from feedback.designer.forms import ActionForm
from feedback.designer.permissions import edit_access, read_access
from feedback.extensions import db
from feedback.fieldwork import services
from feedback.fieldwork.forms import CodeAccessForm, CodesForm, KioskForm
from feedback.i18n import SUPPORTED_LOCALES
from feedback.ids import parse_id
from feedback.models import SurveyRound, Unit
from feedback.questionnaire import runtime
from feedback.respond import services as respond
from feedback.respond.texts import answering_minutes
from feedback.results import padding
from feedback.results.readers import ResultsScope, scope_for
from feedback.vocabulary import CHANNEL_LABELS
from feedback.web.access import current_memberships, require_organisation, signed_in_user

#: Rounds whose links, posters and codes make sense (not drafts or archived ones).
RUNNING = ("awaiting_approval", "open")


def _round(round_id: int) -> SurveyRound:
    return designer.get_round(require_organisation(), round_id)


def _running(round_id: int) -> SurveyRound:
    round_ = _round(round_id)
    if round_.status not in RUNNING:
        flash(
            _("Links, posters, kiosks and codes are ready once the round is sent for approval."),
            "info",
        )
        abort(redirect(url_for("designer.show_round", round_id=round_.id)))
    return round_


def _print_language(name: str = "sprak") -> str:
    """Printed material is in the language asked for (?sprak=), else bokmål."""
    language = request.args.get(name, "nb")
    return language if language in SUPPORTED_LOCALES else "nb"


def qr_svg(url: str) -> Markup:
    """A QR code as inline SVG, made here: no image service is asked (docs/design.md rule 5)."""
    svg = segno.make(url, error="m").svg_inline(scale=4, omitsize=True, svgclass="qr")
    # segno writes only path data from the URL it encodes, never the URL text itself.
    return Markup(svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1))  # noqa: S704


def public_url(round_: SurveyRound, unit: Unit | None = None) -> str:
    if unit is None:
        return url_for("respond.by_link", token=round_.public_token, _external=True)
    return url_for(
        "respond.by_unit_link", token=round_.public_token, unit_id=unit.id, _external=True
    )


# --- links and posters -------------------------------------------------------------------------


@read_access
def links(round_id: int) -> str:
    round_ = _running(round_id)
    units = respond.units_to_choose(round_)
    k = round_.series.organisation.min_group_size
    return render_template(
        "fieldwork/links.html",
        round=round_,
        general=public_url(round_),
        unit_links=[(unit, public_url(round_, unit)) for unit in units],
        suggestions=padding.codes_only_suggestions(units, k),
        action_form=ActionForm(),
        # The language the poster links open in (?plakatsprak=; ?sprak= is the page's own).
        poster_language=_print_language("plakatsprak"),
    )


@edit_access
def codes_only(round_id: int, unit_id: int) -> Response:
    """Turn "answers only with codes" on or off for a unit (one click from the links page)."""
    round_ = _running(round_id)
    unit = respond.unit_of(round_, unit_id)
    if unit is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    on = request.form.get("bare_kode") == "1"
    if services.set_codes_only(round_, unit, on, signed_in_user()):
        db.session.commit()
    flash(
        _(
            "%(unit)s now takes responses with one-time codes only. Make one-time codes for"
            " the unit under One-time codes.",
            unit=unit.name,
        )
        if on
        else _("%(unit)s takes responses by link again.", unit=unit.name),
        "success",
    )
    return redirect(url_for("fieldwork.links", round_id=round_.id))


@read_access
def poster(round_id: int, unit_id: int | None = None) -> str:
    round_ = _running(round_id)
    unit = None
    if unit_id is not None:
        unit = respond.unit_of(round_, unit_id)
        if unit is None:
            abort(404)
    language = _print_language()
    url = public_url(round_, unit)
    with force_locale(language):
        return render_template(
            "fieldwork/poster.html",
            round=round_,
            unit=unit,
            url=url,
            qr=qr_svg(url),
            language=language,
            code_url=url_for("respond.code", _external=True) if round_.requires_code else None,
            minutes=answering_minutes(round_),
            print_page=True,
            brand_organisation=respond.organisation_of(round_),
        )


# --- kiosk -------------------------------------------------------------------------------------


@edit_access
def kiosk(round_id: int) -> Response | str:
    round_ = _running(round_id)
    units = respond.units_to_choose(round_)
    form = KioskForm().setup(units)
    address = None
    if form.validate_on_submit():
        unit = respond.unit_of(round_, int(form.unit.data)) if form.unit.data else None
        key = respond.kiosk_key(round_, unit, form.idle_seconds.data)
        designer.log_round(
            round_,
            signed_in_user(),
            "round.kiosk",
            unit=unit.name if unit else None,
            idle_seconds=form.idle_seconds.data,
        )
        db.session.commit()
        address = url_for("respond.kiosk", key=key, _external=True)
        if request.form.get("where") == "here":
            # A shared tablet must not stay signed in as a member of the group.
            logout_user()
            session.clear()
            return redirect(url_for("respond.kiosk", key=key), code=303)
    return render_template(
        "fieldwork/kiosk.html",
        round=round_,
        form=form,
        address=address,
        qr=qr_svg(address) if address else None,
    )


# --- access codes ------------------------------------------------------------------------------


@edit_access
def codes(round_id: int) -> Response | str:
    round_ = _running(round_id)
    units = respond.units_to_choose(round_)
    form = CodesForm().setup(units)
    access_form = CodeAccessForm(requires_code=round_.requires_code)
    if form.validate_on_submit():
        unit = respond.unit_of(round_, int(form.unit.data)) if form.unit.data else None
        batch = services.make_codes(round_, form.count.data, unit)
        designer.log_round(
            round_,
            signed_in_user(),
            "round.codes",
            batch=batch,
            count=form.count.data,
            unit=unit.name if unit else None,
        )
        db.session.commit()
        flash(
            _("%(n)d codes were made. Print the cards now or later.", n=form.count.data), "success"
        )
        return redirect(url_for("fieldwork.code_cards", round_id=round_.id, batch=batch))
    return render_template(
        "fieldwork/codes.html",
        round=round_,
        form=form,
        access_form=access_form,
        batches=services.code_batches(round_),
        k=respond.organisation_of(round_).min_group_size,
    )


@edit_access
def code_access(round_id: int) -> Response:
    round_ = _running(round_id)
    form = CodeAccessForm()
    if form.validate_on_submit() and form.requires_code.data != round_.requires_code:
        round_.requires_code = bool(form.requires_code.data)
        designer.log_round(
            round_, signed_in_user(), "round.code_access", requires_code=round_.requires_code
        )
        db.session.commit()
        flash(
            _("Now only people with a one-time code can answer.")
            if round_.requires_code
            else _("Now everyone with the link can answer."),
            "success",
        )
    return redirect(url_for("fieldwork.codes", round_id=round_.id))


@edit_access
def code_cards(round_id: int, batch: int) -> str:
    round_ = _round(round_id)
    codes = services.batch_codes(round_, batch)
    if not codes:
        abort(404)
    language = _print_language()
    entry = url_for("respond.code", _external=True)
    cards = [(show_code(c.code), qr_svg(f"{entry}#{show_code(c.code)}")) for c in codes]
    with force_locale(language):
        return render_template(
            "fieldwork/cards.html",
            round=round_,
            batch=batch,
            cards=cards,
            entry=entry,
            unit=codes[0].unit,
            language=language,
            print_page=True,
            brand_organisation=respond.organisation_of(round_),
        )


# --- paper -------------------------------------------------------------------------------------


@read_access
def paper(round_id: int) -> str:
    round_ = _round(round_id)
    language = _print_language()
    with force_locale(language):
        return render_template(
            "fieldwork/paper.html",
            round=round_,
            language=language,
            questions=runtime.all_questions(round_, {}, {}),
            choices=runtime.choices,
            dont_know_label=runtime.DONT_KNOW_LABEL,
            print_page=True,
            brand_organisation=respond.organisation_of(round_),
        )


@edit_access
def enter_paper(round_id: int) -> Response | str | tuple[str, int]:
    """Type in paper questionnaires, one after another, from the keyboard."""
    round_ = _round(round_id)
    if round_.status not in ("open", "closed"):
        flash(_("Paper answers can be entered while the round is open or closed."), "info")
        return redirect(url_for("designer.show_round", round_id=round_.id))
    units = respond.units_to_choose(round_)
    unit_value = request.values.get("enhet", "")
    answers: runtime.Answers = {}
    problems: dict[str, str] = {}
    form = ActionForm()
    token = respond.new_form_token(round_)
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        token = request.form.get("skjema", "")
        answers, problems = runtime.read_paper(round_, request.form)
        unit = respond.unit_of(round_, parse_id(unit_value))
        if unit_value and unit is None:
            problems["enhet"] = _("Choose from the list.")
        nonce = respond.read_form_token(round_, token).nonce
        if nonce is None:
            problems[runtime.FORM_PROBLEM] = _(
                "The form had expired. Check the answers and save again."
            )
            token = respond.new_form_token(round_)
        elif not answers and not problems:
            problems[runtime.FORM_PROBLEM] = _(
                "The questionnaire is empty. Type at least one answer."
            )
        if not problems:
            try:
                respond.store(round_, answers, unit=unit, channel="paper", nonce=nonce or "")
                form_tokens.commit_sent("a paper form")
            except respond.AlreadySent:
                pass
            except respond.StoreFailed:
                problems[runtime.FORM_PROBLEM] = _(
                    "The answers could not be saved just now. Nothing was stored. Try again."
                )
            if not problems:
                # The count of this sitting, kept in the person's own session: the round's
                # count changes only with a publication of results (feedback.results.publish).
                entered = session.get("paper_entered", {})
                key = str(round_.id)
                entered[key] = entered.get(key, 0) + 1
                session["paper_entered"] = entered
                flash(
                    ngettext(
                        "Saved. You have entered %(num)d paper questionnaire this time.",
                        "Saved. You have entered %(num)d paper questionnaires this time.",
                        entered[key],
                    ),
                    "success",
                )
                return redirect(
                    url_for("fieldwork.enter_paper", round_id=round_.id, enhet=unit_value)
                )
        status = 400
    html = render_template(
        "fieldwork/entry.html",
        round=round_,
        form=form,
        form_token=token,
        units=units,
        unit_value=unit_value,
        problems=problems,
        form_problem=problems.get(runtime.FORM_PROBLEM),
        unit_problem=problems.get("enhet"),
        shown=runtime.all_questions(round_, answers, problems),
        choices=runtime.choices,
        dont_know=runtime.DONT_KNOW,
        dont_know_label=runtime.DONT_KNOW_LABEL,
    )
    return html, status


# --- fieldwork count ---------------------------------------------------------------------------


@read_access
def counts(round_id: int) -> str:
    round_ = _round(round_id)
    return render_template(
        "fieldwork/counts.html",
        round=round_,
        work=services.fieldwork(round_, _scope()),
        channel_labels=CHANNEL_LABELS,
    )


@read_access
def counts_json(round_id: int) -> Response:
    return jsonify(services.as_json(services.fieldwork(_round(round_id), _scope())))


def _scope() -> ResultsScope | None:
    """The reader's results scope: what of the count they may see (None: the total only)."""
    return scope_for(require_organisation(), current_memberships())
