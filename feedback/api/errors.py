"""Errors of the API, answered in JSON: {"error": code, "message": text}, and for bad query
parameters one message per parameter. No stack trace ever reaches a client."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Response, jsonify
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, default_exceptions

from feedback.api.parameters import BadParameters
from feedback.database import is_database_unavailable
from feedback.exceptions import DomainError, status_of

log = logging.getLogger(__name__)

#: Sent with every 401, as RFC 6750 asks.
REALM = 'Bearer realm="Brukerstemmen API"'

#: Machine-readable code per status.
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}


def _message(status: int) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("Send a valid personal API key in the Authorization header: Bearer <key>."),
        403: _("Your key does not give access to this."),
        404: _("Not found, or not yours to read."),
        405: _("The API only reads: use GET."),
        429: _("Too many requests with this key. Wait a little and try again."),
        500: _("Something went wrong on our side. The error has been logged."),
        503: _("The database could not be reached just now. Try again in a little while."),
    }
    return messages.get(status, messages[500 if status >= 500 else 400])


def error_response(
    status: int,
    message: str | None = None,
    *,
    parameters: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, object] = {
        "error": CODES.get(status, "server_error" if status >= 500 else "bad_request"),
        "message": message or _message(status),
    }
    if parameters:
        body["parameters"] = dict(parameters)
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def unauthorized(invalid_token: bool) -> Response:
    challenge = f'{REALM}, error="invalid_token"' if invalid_token else REALM
    return error_response(401, headers={"WWW-Authenticate": challenge})


def http_error(error: HTTPException) -> Response:
    """Any HTTP error (404, 405, …) inside the API, also for addresses that do not exist."""
    status = error.code or 500
    headers = {}
    valid = getattr(error, "valid_methods", None)
    if status == 405 and valid:
        headers["Allow"] = ", ".join(valid)
    return error_response(status, headers=headers)


def bad_parameters(error: BadParameters) -> Response:
    """Query parameters that do not make sense: 400 with one message per parameter."""
    return error_response(400, parameters=error.problems)


def domain_error(error: DomainError) -> Response:
    """A service said no (``feedback.exceptions``): the status it stands for, in JSON."""
    status = status_of(error)
    return http_error(default_exceptions[status]())


def unexpected_error(error: Exception) -> Response:
    original = getattr(error, "original_exception", None) or error
    if is_database_unavailable(original):
        log.error("database unavailable: %s", type(original).__name__)
        return error_response(503)
    log.exception("unhandled error in the API", exc_info=original)
    return error_response(500)
