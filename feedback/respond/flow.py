"""The questionnaire itself, whatever the way in (link, unit link, access code, kiosk): each
page shown at its own address, sent with POST and answered with a redirect (POST-redirect-GET),
the answers kept in a draft between pages, checked, and stored once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from feedback import form_tokens
from feedback.extensions import db
from feedback.i18n import SUPPORTED_LOCALES
from feedback.models import SurveyRound, Unit
from feedback.models.survey import NO_UNIT_CHOICE
from feedback.questionnaire import runtime
from feedback.respond import drafts, services
from feedback.web import public
from feedback.web.public import language_links, render_public

#: The unit question's form field.
UNIT_FIELD = services.UNIT_FIELD

TOO_OLD = _l(
    "The questionnaire had been open for a long time, so we could not send it. Your answers"
    " are kept: send them again."
)
UNREADABLE = _l("We could not read the form. Check your answers and send again.")
EXPIRED = _l(
    "The questionnaire had been left for a while, so the answers were deleted to keep them"
    " safe. You can start again here."
)
NOT_KEPT = _l(
    "We could not keep your answers just now. Wait a moment and press the button again; your"
    " answers on this page are kept."
)
NOT_SAVED = _l(
    "We could not save your answers just now. Nothing was stored. Wait a moment and press"
    " “Send in” again; your answers are kept."
)


@dataclass
class Mode:
    """How a respondent reached the questionnaire."""

    round: SurveyRound
    channel: str
    action: str
    thanks: str
    #: Fixed by the link, the kiosk or the code; None means "ask" when choose_unit.
    unit: Unit | None = None
    choose_unit: bool = False
    #: The units to choose from, when the respondent chooses.
    units: Sequence[Unit] = field(default_factory=list)
    kiosk: services.Kiosk | None = None
    kiosk_key: str | None = None
    code: str | None = None


# --- the questionnaire -------------------------------------------------------------------------


def answer(mode: Mode) -> Response | str | tuple[str, int]:
    """Show, check and store the questionnaire for any channel."""
    # Messages are made while the answers are checked, before the page is rendered: make
    # them in the respondent's chosen language, not the browser's.
    with force_locale(public.language()):
        return _answer_in_language(mode)


def _answer_in_language(mode: Mode) -> Response | str | tuple[str, int]:
    """A questionnaire is answered page by page, each page sent with POST and answered with a
    redirect to the next page's address, which carries the form token and the page number
    (POST-redirect-GET): Back and Forward then load page addresses, and each page shows the
    answers kept in its draft (respond.drafts). No answer is ever in an address."""
    round_ = mode.round
    language = public.language()
    if services.keep_schedule(round_):
        db.session.commit()
    is_open = round_.status == "open"
    if request.method == "GET" or "skjema" not in request.form:
        if not is_open:
            return _closed(round_)
        if request.method == "GET" and "skjema" in request.args:
            services.load_questionnaire(round_)
            return _show_page(mode, language, request.args["skjema"])
        return _start(mode, language)
    services.load_questionnaire(round_)
    form: MultiDict[str, str] = request.form
    token = services.read_form_token(round_, form.get("skjema"))
    if token.sent:
        return _already_sent(mode, language)
    if token.nonce is None and mode.kiosk:
        return redirect(url_for("respond.kiosk", key=mode.kiosk_key), code=303)
    if form.get("bytt") in SUPPORTED_LOCALES:
        form = MultiDict(form)
        form["nav"] = "stay"
    step = runtime.step(round_, form)
    unit, unit_problem = _chosen_unit(mode, form, step)
    if unit_problem:
        step = runtime.Step(0, step.answers, {**step.problems, UNIT_FIELD: str(unit_problem)})
    if token.nonce is None:
        step = _stay(step, TOO_OLD if token.expired else UNREADABLE)
        fresh = services.new_form_token(round_)
        return _render(mode, language, step, fresh, unit_value=form.get(UNIT_FIELD), status=400)
    if not (is_open and step.done) and services.is_used(token.nonce):
        # Sent in already (double-click, reload, replay), or a kiosk was reset: show nothing
        # of the answers. (Storing checks this itself, in its transaction.)
        return _already_sent(mode, language)
    if not is_open:
        step = _stay(step, services.closed_message(round_))
        return _render(
            mode, language, step, form["skjema"], unit_value=form.get(UNIT_FIELD), status=409
        )
    if step.problems:
        return _render(
            mode, language, step, form["skjema"], unit_value=form.get(UNIT_FIELD), status=400
        )
    if not step.done:
        return _keep_and_go(mode, language, step, form, token.nonce, token.age)
    try:
        services.store(
            round_,
            step.answers,
            unit=unit,
            channel=mode.channel,
            nonce=token.nonce,
            code=mode.code,
        )
        form_tokens.commit_sent("answers")
    except services.AlreadySent:
        return _already_sent(mode, language)
    except services.NotAccepted as refused:
        step = _stay(step, refused.message)
        return _render(
            mode, language, step, form["skjema"], unit_value=form.get(UNIT_FIELD), status=409
        )
    except services.StoreFailed:
        step = _stay(step, NOT_SAVED)
        return _render(
            mode, language, step, form["skjema"], unit_value=form.get(UNIT_FIELD), status=503
        )
    return redirect(f"{mode.thanks}?sprak={language}", code=303)


def _page_address(mode: Mode, token: str, index: int, language: str, **extra: str) -> str:
    """A questionnaire page's own address: the form token and the page (from 1), no answers."""
    query = urlencode({"skjema": token, "side": index + 1, "sprak": language, **extra})
    return f"{mode.action}?{query}"


def _start(mode: Mode, language: str, **extra: str) -> Response | tuple[str, int]:
    """A new questionnaire: a new form token, and a redirect to its first page's address. With
    an access code, the code is kept in the draft (never in an address)."""
    token = services.new_form_token(mode.round)
    if mode.code is not None:
        try:
            nonce = services.read_form_token(mode.round, token).nonce
            assert nonce is not None  # just made
            drafts.save(nonce, mode.round.id, drafts.Draft(code=mode.code))
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            current_app.logger.warning("a questionnaire's draft could not be saved")
            # Without its draft the page is shown here; its form carries the code.
            return _render(mode, language, runtime.Step(0, {}, {}), token)
    return redirect(_page_address(mode, token, 0, language, **extra), code=303)


def _show_page(mode: Mode, language: str, form_token: str) -> Response | tuple[str, int]:
    """A page's address (after a redirect, Back, Forward or a reload): the page with the
    answers kept in the draft. A questionnaire sent in or reset shows nothing of them."""
    round_ = mode.round
    token = services.read_form_token(round_, form_token)
    if token.sent:
        return _already_sent(mode, language)
    if token.nonce is None:
        return _start_again(mode, language)
    used, draft = drafts.read_unless_used(token.nonce, round_.id)
    if used:
        return _already_sent(mode, language)
    if drafts.is_expired(token.age):
        _forget(token.nonce)
        return _start_again(mode, language)
    wanted = (request.args.get("side", type=int) or 1) - 1
    if draft is None:
        if wanted != 0:
            return redirect(_page_address(mode, form_token, 0, language), code=303)
        draft = drafts.Draft()
    reached = min(draft.page, max(len(round_.pages) - 1, 0))
    index = min(max(wanted, 0), reached)
    if index != wanted or index != reached and not _has_questions(round_, index, draft):
        # Further on than the respondent has been, or a page the answers now skip.
        return redirect(_page_address(mode, form_token, reached, language), code=303)
    problems = {runtime.FORM_PROBLEM: str(EXPIRED)} if request.args.get("utlopt") else {}
    step = runtime.Step(index, draft.answers, problems)
    return _render(mode, language, step, form_token, unit_value=draft.unit)


def _has_questions(round_: SurveyRound, index: int, draft: drafts.Draft) -> bool:
    """The page shows a question, given the answers so far (the first page always counts)."""
    questions = round_.pages[index].questions if round_.pages else []
    return index == 0 or any(runtime.is_shown(q, draft.answers) for q in questions)


def _keep_and_go(
    mode: Mode,
    language: str,
    step: runtime.Step,
    form: MultiDict[str, str],
    nonce: str,
    age: float | None,
) -> Response | tuple[str, int]:
    """Keep the answers so far in the draft and send the browser to the page ``step`` points
    at (the next, the previous, or the same one in another language)."""
    token = form["skjema"]
    try:
        if drafts.is_expired(age):
            # Too old to keep a draft under: the form carries every answer, so they go on
            # under a new token, and the old one is used up.
            services.claim(nonce)
            nonce, token = _new_nonce(mode)
        draft = drafts.Draft(step.answers, step.index, form.get(UNIT_FIELD), mode.code)
        try:
            drafts.save(nonce, mode.round.id, draft)
            db.session.commit()
        except IntegrityError:  # the same page sent twice at once: the other one saved it
            db.session.rollback()
            drafts.save(nonce, mode.round.id, draft)
            db.session.commit()
    except services.AlreadySent:
        return _already_sent(mode, language)
    except (SQLAlchemyError, services.StoreFailed):
        db.session.rollback()
        current_app.logger.warning("a questionnaire's draft could not be saved")
        step = _stay(step, NOT_KEPT)
        return _render(
            mode, language, step, form["skjema"], unit_value=form.get(UNIT_FIELD), status=503
        )
    return redirect(_page_address(mode, token, step.index, language), code=303)


def _new_nonce(mode: Mode) -> tuple[str, str]:
    token = services.new_form_token(mode.round)
    nonce = services.read_form_token(mode.round, token).nonce
    assert nonce is not None  # just made
    return nonce, token


def _forget(nonce: str) -> None:
    try:
        drafts.delete(nonce)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()


def _start_again(mode: Mode, language: str) -> Response | tuple[str, int]:
    """An address whose form token is too old to have answers: a new questionnaire, with a
    polite word why it is empty (a code is asked for again)."""
    if mode.kiosk:
        return redirect(url_for("respond.kiosk", key=mode.kiosk_key), code=303)
    if mode.code is not None:
        return redirect(url_for("respond.code"), code=303)
    return _start(mode, language, utlopt="1")


def _already_sent(mode: Mode, language: str) -> Response:
    """Where a questionnaire that was sent in (or reset at a kiosk) goes: nothing of it shows."""
    if mode.kiosk:
        return redirect(url_for("respond.kiosk", key=mode.kiosk_key), code=303)
    return redirect(f"{mode.thanks}?sprak={language}", code=303)


def _stay(step: runtime.Step, message: object) -> runtime.Step:
    """The same page again with a message for the whole form, nothing lost."""
    return runtime.Step(
        step.index, step.answers, {**step.problems, runtime.FORM_PROBLEM: str(message)}
    )


def _chosen_unit(
    mode: Mode, form: MultiDict[str, str], step: runtime.Step
) -> tuple[Unit | None, object]:
    """The unit the answers are about, and a problem if the respondent must still choose."""
    if not mode.choose_unit:
        return mode.unit, None
    value = form.get(UNIT_FIELD, "")
    answered, unit = services.unit_answered(mode.units, value)
    if answered and services.code_needed(unit, mode.channel):
        # Chosen from a list, so never a code made for it: a codes-only unit asks for one.
        return None, services.CODES_ONLY
    if answered:
        return unit, None
    leaving_first = form.get("side", "0") == "0" and form.get("nav", "next") == "next"
    if leaving_first or step.done or value:
        return None, _l("Choose where you get help, or “I would rather not say”.")
    return None, None


def _closed(round_: SurveyRound) -> tuple[str, int]:
    html = render_public(
        "respond/closed.html",
        language_links("respond.by_link", token=round_.public_token),
        round=round_,
        message=services.closed_message(round_),
        brand_organisation=services.organisation_of(round_),
    )
    return html, 410 if round_.status in ("closed", "archived") else 403


def _render(
    mode: Mode,
    language: str,
    step: runtime.Step,
    token: str,
    *,
    unit_value: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    with force_locale(language):
        html = render_template(
            "respond/questionnaire.html",
            round=mode.round,
            preview=False,
            language=language,
            done=False,
            mode=mode,
            form_token=token,
            action=mode.action,
            units=mode.units if mode.choose_unit else [],
            unit_value=unit_value or "",
            no_unit=NO_UNIT_CHOICE,
            unit_problem=step.problems.get(UNIT_FIELD),
            public_page=True,
            hide_languages=True,
            brand_organisation=services.organisation_of(mode.round),
            **runtime.page_view(mode.round, step),
        )
    return html, status
