"""Friendly error pages in the user's language. No stack trace ever reaches a browser."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, render_template, request, url_for
from flask.sansio.app import App
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from feedback.database import is_database_unavailable
from feedback.exceptions import DomainError, status_of
from feedback.i18n import current_language
from feedback.web import public

log = logging.getLogger(__name__)

#: Title and explanation per status, in plain language.
MESSAGES = {
    400: (
        _l("Something was wrong with the request"),
        _l("The page could not handle what was sent. Go back and try again."),
    ),
    403: (
        _l("You do not have access to this page"),
        _l(
            "Your account does not have a role that gives access here. "
            "Ask an administrator in your organisation if you think this is wrong."
        ),
    ),
    404: (
        _l("We could not find the page"),
        _l("The address may be mistyped, or the page may have been moved or removed."),
    ),
    409: (
        _l("This has already changed"),
        _l(
            "What you tried to do is no longer possible: it has changed since. "
            "Go back and look again."
        ),
    ),
    405: (
        _l("This action is not possible here"),
        _l("The page does not accept this kind of request. Go back and try again."),
    ),
    413: (
        _l("Too much was sent"),
        _l("What you sent was larger than we accept. Shorten the text or send fewer files."),
    ),
    429: (
        _l("Too many attempts"),
        _l("There have been too many attempts in a short time. Wait a few minutes and try again."),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l("The error has been logged. Try again in a little while."),
    ),
    503: (
        _l("The service is temporarily unavailable"),
        _l("We could not reach the database just now. Wait a little and try again."),
    ),
}

CSRF_MESSAGE = (
    _l("The form had expired"),
    _l(
        "For your safety, forms stop working after a while or when opened in another window. "
        "Go back, reload the page and send the form again."
    ),
)


KEPT_MESSAGE = _l("What you wrote is kept on this page. Wait a little and press “Send again”.")
SEND_AGAIN = _l("Send again")


@dataclass(frozen=True)
class IdleReset:
    """Go here after this many seconds (a meta refresh, so it works without JavaScript)."""

    seconds: int
    url: str


def answer_errors_under(app: App, prefix: str, handler: Callable[[HTTPException], Any]) -> None:
    """Let an area answer the errors under its own addresses itself, also for addresses that
    match no view (the API answers in JSON). Called by that area's blueprint module."""
    app.extensions.setdefault("error_prefixes", {})[prefix] = handler


def reset_error_pages_with(app: App, idle_reset: Callable[[], IdleReset | None]) -> None:
    """An area whose pages must clear themselves says when and where (on a shared kiosk tablet
    an error page must not keep one person's answers on the screen for the next)."""
    app.extensions["error_idle_reset"] = idle_reset


def _idle_reset() -> IdleReset | None:
    provider = current_app.extensions.get("error_idle_reset")
    return provider() if provider is not None else None


@dataclass
class Resend:
    """A POST that failed while the database was away, to be sent again from the error page:
    the same address and the same fields (with their one-time or CSRF token), so nothing typed
    is lost and no JavaScript is needed."""

    action: str
    fields: list[tuple[str, str]]


def _resend() -> Resend | None:
    """What the failed request posted, or None when there is nothing to keep.

    Only form fields are kept, never uploaded files. A form with a password is not written
    back into a page at all: a password must stay where it was typed.
    """
    if request.method != "POST":
        return None
    try:
        fields = list(request.form.items(multi=True))
    except HTTPException:  # the body could not be read (too large, cut off): nothing to keep
        return None
    if not fields or any("password" in name.lower() for name, _value in fields):
        return None
    query = request.query_string.decode("latin-1")
    action = request.script_root + request.path + (f"?{query}" if query else "")
    return Resend(action, fields)


def render_error(
    status: int,
    title: object = None,
    message: object = None,
    resend: Resend | None = None,
    idle_reset: IdleReset | None = None,
) -> tuple[str, int]:
    default_title, default_message = MESSAGES.get(status, MESSAGES[500])
    title, message = title or default_title, message or default_message
    try:
        html = render_template(
            "errors/error.html",
            status=status,
            title=title,
            message=message,
            resend=resend,
            idle_reset=idle_reset,
            kept_message=KEPT_MESSAGE,
            send_again=SEND_AGAIN,
            # Switching language by a link would drop what is kept in the page.
            hide_languages=resend is not None,
        )
    except Exception:
        # The page itself failed (for instance the database is down while loading the user):
        # answer with a bare page rather than a second traceback.
        log.exception("error page %s could not be rendered", status)
        html = _bare_page(status, title, message, resend, idle_reset)
    return html, status


def _bare_page(
    status: int,
    title: object,
    message: object,
    resend: Resend | None,
    idle_reset: IdleReset | None = None,
) -> str:
    """The error page without the layout, for when the layout itself cannot be rendered. It
    keeps the posted fields just as the full page does."""
    try:
        stylesheet = Markup('<link rel="stylesheet" href="{}">').format(
            url_for("static", filename="css/app.css")
        )
    except Exception:  # no address could be built: the page works without the stylesheet
        stylesheet = Markup("")
    kept = Markup("")
    if resend is not None:
        inputs = Markup("").join(
            Markup('<input type="hidden" name="{}" value="{}">').format(name, value)
            for name, value in resend.fields
        )
        kept = Markup(
            '<p>{}</p><form method="post" action="{}">{}'
            '<button type="submit" class="ds-button" data-variant="primary">{}</button></form>'
        ).format(str(KEPT_MESSAGE), resend.action, inputs, str(SEND_AGAIN))
    refresh = Markup("")
    if idle_reset is not None:
        refresh = Markup('<meta http-equiv="refresh" content="{};url={}">').format(
            idle_reset.seconds, idle_reset.url
        )
    return Markup(
        '<!doctype html><html lang="{}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<title>{}</title>{}{}</head><body><main id="main" class="wrap">'
        "<h1>{}</h1><p>{}</p>{}</main></body></html>"
    ).format(current_language(), str(title), stylesheet, refresh, str(title), str(message), kept)


def _handle_http(error: HTTPException) -> ResponseReturnValue:
    for prefix, handler in current_app.extensions.get("error_prefixes", {}).items():
        if request.path.startswith(prefix):
            return handler(error)  # type: ignore[no-any-return]
    status = error.code or 500
    return render_error(status if status in MESSAGES else 400 if status < 500 else 500)


def _handle_domain(error: DomainError) -> ResponseReturnValue:
    """A service said no: the same answer as abort() with the matching status would give."""
    return _handle_http(default_exceptions[status_of(error)]())


def _handle_csrf(error: CSRFError) -> tuple[str, int]:
    return render_error(400, *CSRF_MESSAGE)


def _handle_unexpected(error: Exception) -> ResponseReturnValue:
    original = getattr(error, "original_exception", None) or error
    if is_database_unavailable(original):
        log.error("database unavailable: %s", type(original).__name__)
        return _database_unavailable()
    log.exception("unhandled error", exc_info=original)
    return render_error(500)


def _database_unavailable() -> ResponseReturnValue:
    """A passing fault: what was posted comes back in the page, ready to be sent again, in
    the language of the form it came from. The page must not stay in any cache."""
    resend = _resend()
    with force_locale(public.language() if resend else current_language()):
        html, status = render_error(503, resend=resend, idle_reset=_idle_reset())
    return html, status, {"Cache-Control": "no-store"}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(DomainError, _handle_domain)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(InternalServerError, _handle_unexpected)
    app.register_error_handler(Exception, _handle_unexpected)
