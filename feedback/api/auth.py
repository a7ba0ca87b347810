"""Who is asking: the bearer token of each API request, checked before every API view.

The API never reads the session cookie: a request speaks for the token's user in the token's
organisation, kept in ``g`` for the request only. Requests are limited per token.
"""

from __future__ import annotations

import math
import time

from flask import Response, current_app, g, request
from limits import parse

from feedback.api import errors, services
from feedback.deviations import scope as deviations
from feedback.exceptions import NotFound
from feedback.extensions import db, limiter
from feedback.models.base import today
from feedback.results import readers
from feedback.results.readers import ResultsScope

#: Views anyone may read: the description of the API.
PUBLIC_ENDPOINTS = frozenset({"api.index", "api.openapi"})
#: Requests allowed per token and window, unless API_RATE_LIMIT says otherwise.
DEFAULT_RATE_LIMIT = "600 per minute"


def _seconds_blocked(token_hash: str) -> int | None:
    """Count this request against the token's limit; the seconds to wait when it is used up."""
    limit = parse(current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT))
    # The prefix keeps deployments that share one Redis apart; the hash is no secret.
    key = f"{current_app.config['RATELIMIT_KEY_PREFIX']}/api:{token_hash[:32]}"
    if limiter.limiter.hit(limit, key):
        return None
    reset = limiter.limiter.get_window_stats(limit, key).reset_time
    return max(1, math.ceil(reset - time.time()))


def authenticate_request() -> Response | None:
    """Before each API view: 401 without a working token, 429 past the limit.

    A before-request hook, so the request's edge: it commits the day of use itself (once a day
    per token at most), before the view runs."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return errors.unauthorized(invalid_token=False)
    client = services.authenticate(secret.strip(), today())
    if client is None:
        db.session.rollback()
        return errors.unauthorized(invalid_token=True)
    db.session.commit()  # the day of use, if it changed
    wait = _seconds_blocked(client.token.token_hash)
    if wait is not None:
        return errors.error_response(429, headers={"Retry-After": str(wait)})
    g.api_client = client
    return None


def client() -> services.ApiClient:
    found: services.ApiClient = g.api_client
    return found


def results_scope() -> ResultsScope:
    """The results the token's user may read; 404 when none (a manager without units)."""
    found = client()
    scope = readers.scope_for(found.organisation, found.memberships)
    if scope is None:
        raise NotFound()
    return scope


def deviation_scope() -> deviations.Scope:
    """The deviation cases the token's user may see; 404 when none."""
    found = client()
    scope = deviations.scope_for(found.organisation, found.memberships)
    if scope is None:
        raise NotFound()
    return scope
