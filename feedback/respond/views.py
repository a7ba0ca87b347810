"""Public pages for respondents: the questionnaire by link, unit link, access code or kiosk,
the thank-you page and the privacy page. No login, no cookie, no client address."""

from __future__ import annotations

from flask import abort, current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from feedback import form_tokens, ratelimit
from feedback.extensions import db
from feedback.models import AccessCode, SurveyRound, Unit
from feedback.respond import drafts, services
from feedback.respond.flow import Mode, answer
from feedback.web import public
from feedback.web.errors import IdleReset
from feedback.web.public import language_links, render_public

CODE_SCOPE = "access-code"
#: A kiosk's pages: their error pages clear themselves after the kiosk's idle time.
KIOSK_ENDPOINTS = frozenset({"respond.kiosk", "respond.kiosk_thanks", "respond.kiosk_reset"})


def kiosk_error_reset() -> IdleReset | None:
    """On a kiosk, an error page clears itself after the kiosk's idle time, like the
    questionnaire does: to the reset address, which burns the form's token."""
    if request.endpoint not in KIOSK_ENDPOINTS:
        return None
    key = (request.view_args or {}).get("key")
    seconds = services.kiosk_idle_seconds(key) if isinstance(key, str) else None
    if seconds is None:
        return None
    # A sent form carries its token; a questionnaire page's address too.
    token = request.values.get("skjema")
    return IdleReset(seconds, url_for("respond.kiosk_reset", key=key, skjema=token or None))


def _open_today(round_: SurveyRound) -> bool:
    """Open for answers today, after the schedule (committed here if a date has passed)."""
    if services.keep_schedule(round_):
        db.session.commit()
    return round_.status == "open"


def _questionnaire_or_404(token: str) -> services.Questionnaire:
    """The round behind the link, with its pages when this request shows or checks one (a
    page's address, or a page sent in): then in the same query."""
    shows_page = "skjema" in (request.form if request.method == "POST" else request.args)
    found = services.questionnaire(token, with_pages=shows_page)
    if found is None:
        abort(404)
    return found


# --- links -------------------------------------------------------------------------------------


def by_link(token: str) -> Response | str | tuple[str, int]:
    found = _questionnaire_or_404(token)
    round_, units = found.round, found.units
    mode = Mode(
        round_,
        "link",
        url_for("respond.by_link", token=token),
        url_for("respond.thanks", token=token),
        unit=units[0] if len(units) == 1 else None,
        choose_unit=len(units) > 1,
        units=units,
    )
    if round_.requires_code or services.code_needed(mode.unit, "link"):
        return _code_needed(round_, codes_only=not round_.requires_code)
    return answer(mode)


def by_unit_link(token: str, unit_id: int) -> Response | str | tuple[str, int]:
    found = _questionnaire_or_404(token)
    round_ = found.round
    unit = next((u for u in found.units if u.id == unit_id), None)
    if unit is None:
        abort(404)
    if round_.requires_code or services.code_needed(unit, "unit_link"):
        return _code_needed(round_, codes_only=not round_.requires_code)
    mode = Mode(
        round_,
        "unit_link",
        url_for("respond.by_unit_link", token=token, unit_id=unit_id),
        url_for("respond.thanks", token=token),
        unit=unit,
    )
    return answer(mode)


def thanks(token: str) -> str:
    round_ = _questionnaire_or_404(token).round
    return render_public(
        "respond/thanks.html",
        language_links("respond.thanks", token=token),
        round=round_,
        brand_organisation=services.organisation_of(round_),
    )


# --- access codes ------------------------------------------------------------------------------


def _code_needed(round_: SurveyRound, *, codes_only: bool = False) -> str:
    """The code page for a round that needs a code, or (``codes_only``) for a unit that takes
    answers only with a code made for it."""
    return render_public(
        "respond/code.html",
        language_links("respond.code"),
        round=round_,
        typed="",
        error=None,
        codes_only=services.CODES_ONLY if codes_only else None,
        brand_organisation=services.organisation_of(round_),
    )


def code() -> Response | str | tuple[str, int]:
    """Enter a one-time code from a card; a valid code opens its round's questionnaire."""
    typed = (request.form.get("kode") or "").strip()[:40]
    error = None
    if request.method == "POST":
        found = services.find_code(typed)
        limit, group = services.code_limit(), services.code_group(typed)
        if not typed:
            error = _l("Write the code from your card.")
        elif not ratelimit.take(CODE_SCOPE, group, limit):
            error = _l("There have been too many wrong codes. Wait a few minutes and try again.")
        elif found is None:  # counted above
            error = _l("We do not know this code. Check that you typed it as on the card.")
        else:
            ratelimit.give_back(CODE_SCOPE, group, limit)  # a real code is no guess
            if found.used:
                error = _l("This code has already been used. Each code works once.")
            elif not _open_today(found.round):
                error = services.closed_message(found.round)
            else:
                return answer(_code_mode(found.code, found.round, found.unit))
    html = render_public(
        "respond/code.html", language_links("respond.code"), round=None, typed=typed, error=error
    )
    return html, (400 if error else 200)


def _code_mode(code: str, round_: SurveyRound, unit: Unit | None) -> Mode:
    units = services.units_to_choose(round_)
    if unit is None and len(units) == 1:
        unit = units[0]
    return Mode(
        round_,
        "code",
        url_for("respond.by_code"),
        url_for("respond.thanks", token=round_.public_token),
        unit=unit,
        choose_unit=unit is None and len(units) > 1,
        units=units,
        code=code,
    )


def by_code() -> Response | str | tuple[str, int]:
    """The questionnaire's pages for someone who started with a code. A page's address finds
    the code in the questionnaire's draft; a sent page carries it in its form."""
    form_token = request.values.get("skjema")
    round_id = form_tokens.scope_of(services.ANSWERING, form_token)
    round_ = db.session.get(SurveyRound, round_id) if isinstance(round_id, int) else None
    if round_ is not None:
        # A double-click on "Send in" arrives after the first click used the code; Back after
        # sending comes to a page of a questionnaire sent in.
        token = services.read_form_token(round_, form_token)
        if token.sent or token.nonce is not None and services.is_used(token.nonce):
            thanks = url_for("respond.thanks", token=round_.public_token)
            return redirect(f"{thanks}?sprak={public.language()}", code=303)
    if form_token is None:
        found = None  # a questionnaire with a code starts at /kode
    elif request.method == "GET":
        found = _code_of_draft(round_, form_token)
    else:
        found = services.find_code(request.form.get("kode", ""))
    if found is None or found.used:
        return redirect(url_for("respond.code"), code=303)
    return answer(_code_mode(found.code, found.round, found.unit))


def _code_of_draft(round_: SurveyRound | None, form_token: str | None) -> AccessCode | None:
    """The access code kept in the draft of the questionnaire this form token is for."""
    token = services.read_form_token(round_, form_token) if round_ is not None else None
    if round_ is None or token is None or token.nonce is None:
        return None
    draft = drafts.read(token.nonce, round_.id)
    return services.find_code(draft.code) if draft is not None and draft.code else None


# --- kiosk -------------------------------------------------------------------------------------


def _kiosk_or_404(key: str) -> services.Kiosk:
    kiosk = services.read_kiosk(key)
    if kiosk is None:
        abort(404)
    return kiosk


def kiosk(key: str) -> Response | str | tuple[str, int]:
    kiosk = _kiosk_or_404(key)
    if services.code_needed(kiosk.unit, "kiosk"):
        return _code_needed(kiosk.round, codes_only=True)
    units = services.units_to_choose(kiosk.round)
    mode = Mode(
        kiosk.round,
        "kiosk",
        url_for("respond.kiosk", key=key),
        url_for("respond.kiosk_thanks", key=key),
        unit=kiosk.unit,
        choose_unit=kiosk.unit is None and len(units) > 1,
        units=units,
        kiosk=kiosk,
        kiosk_key=key,
    )
    return answer(mode)


def kiosk_thanks(key: str) -> str:
    kiosk = _kiosk_or_404(key)
    return render_public(
        "respond/thanks.html",
        None,
        round=kiosk.round,
        kiosk=kiosk,
        start=url_for("respond.kiosk", key=key),
        brand_organisation=services.organisation_of(kiosk.round),
    )


def kiosk_reset(key: str) -> Response:
    """End the current person's questionnaire: its token is burnt, so Back, history or a
    reload cannot bring the answers back. GET serves the idle refresh of a kiosk without
    JavaScript."""
    kiosk = _kiosk_or_404(key)
    token = services.read_form_token(kiosk.round, request.values.get("skjema"))
    if token.nonce:
        services.burn(token.nonce)
        form_tokens.commit_sent("a kiosk reset")
    return redirect(url_for("respond.kiosk", key=key), code=303)


# --- privacy -----------------------------------------------------------------------------------


def privacy() -> str:
    return render_public(
        "respond/privacy.html",
        language_links("respond.privacy"),
        retention_days=current_app.config["DEVIATION_RETENTION_DAYS"],
    )
