"""Friendly error pages in the user's language. No stack trace ever reaches a browser."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError

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


def render_error(status: int, title: object = None, message: object = None) -> tuple[str, int]:
    default_title, default_message = MESSAGES.get(status, MESSAGES[500])
    try:
        html = render_template(
            "errors/error.html",
            status=status,
            title=title or default_title,
            message=message or default_message,
        )
    except Exception:
        # The page itself failed (for instance the database is down while loading the user):
        # answer with a bare page rather than a second traceback.
        log.exception("error page %s could not be rendered", status)
        html = (
            f"<!doctype html><html lang='nb'><meta charset='utf-8'><title>{status}</title>"
            f"<h1>{escape(str(title or default_title))}</h1>"
            f"<p>{escape(str(message or default_message))}</p></html>"
        )
    return html, status


def _handle_http(error: HTTPException) -> ResponseReturnValue:
    if request.path.startswith("/api/"):
        # Addresses under the API that match no view (404, 405) are answered in JSON too.
        from feedback.api.errors import http_error

        return http_error(error)
    status = error.code or 500
    return render_error(status if status in MESSAGES else 400 if status < 500 else 500)


def _handle_csrf(error: CSRFError) -> tuple[str, int]:
    return render_error(400, *CSRF_MESSAGE)


def _handle_unexpected(error: Exception) -> tuple[str, int]:
    original = getattr(error, "original_exception", None) or error
    if _is_database_unavailable(original):
        log.error("database unavailable: %s", type(original).__name__)
        return render_error(503)
    log.exception("unhandled error", exc_info=original)
    return render_error(500)


def _is_database_unavailable(error: BaseException) -> bool:
    """Connection lost, server down, disk full or read-only: a passing fault, not a bug."""
    from sqlalchemy import exc

    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, exc.OperationalError | exc.InterfaceError)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(InternalServerError, _handle_unexpected)
    app.register_error_handler(Exception, _handle_unexpected)
