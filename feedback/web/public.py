"""Shared by the public pages (answering, deviation reports): language from the form or the
address instead of a cookie, and no caching."""

from __future__ import annotations

from typing import Any

from flask import g, render_template, request, url_for
from flask_babel import force_locale
from werkzeug.wrappers import Response

from feedback.i18n import SUPPORTED_LOCALES, select_locale


def never_store(response: Response) -> Response:
    """What someone wrote must not stay in any cache or come back with the Back button."""
    response.headers["Cache-Control"] = "no-store"
    return response


def language() -> str:
    """The language chosen in the form ("bytt" is a language button, "sprak" the current one),
    else the usual choice (cookie, browser). Worked out once per request."""
    known: str | None = g.get("public_language")
    if known is None:
        known = g.public_language = _language()
    return known


def _language() -> str:
    for chosen in (request.values.get("bytt"), request.values.get("sprak")):
        if chosen in SUPPORTED_LOCALES:
            return chosen
    return select_locale()


def language_links(endpoint: str, **values: Any) -> dict[str, str]:
    return {code: url_for(endpoint, **values, sprak=code) for code in SUPPORTED_LOCALES}


def render_public(template: str, links: dict[str, str] | None, **context: Any) -> str:
    """A public page in the visitor's language, with language links (or none)."""
    chosen = language()
    with force_locale(chosen):
        return render_template(
            template,
            language=chosen,
            public_page=True,
            language_links=links,
            hide_languages=links is None,
            **context,
        )
