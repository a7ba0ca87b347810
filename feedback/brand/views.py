"""The logo and the theme stylesheet, and what the page header needs to show them.

These answer the respondents' pages too: they read no session, set no cookie, and their
addresses are not logged (feedback.logs, under /merke)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, url_for

from feedback.brand import services, theme
from feedback.models import Organisation

#: A year: the address changes with the content.
MAX_AGE = 31536000
#: The logo is shown by <img>, where nothing runs; this keeps it so when opened on its own.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


@dataclass(frozen=True)
class Brand:
    """What the header, posters and reports show of an organisation."""

    name: str
    logo_url: str | None
    theme_url: str | None
    #: The same theme cut to what the respondents' sheet uses (their pages stay under 30 KB).
    respond_theme_url: str | None = None


def brand_of(organisation: Organisation | None) -> Brand | None:
    """The organisation's name, logo and theme addresses (None: no organisation, the app's)."""
    if organisation is None:
        return None
    logo_url = theme_url = respond_theme_url = None
    if organisation.logo_hash:
        logo_url = url_for(
            "brand.logo", organisation_id=organisation.id, fingerprint=organisation.logo_hash
        )
    if organisation.accent_colour:
        fingerprint = theme.fingerprint(organisation.accent_colour)
        theme_url = url_for(
            "brand.theme_css", organisation_id=organisation.id, fingerprint=fingerprint
        )
        respond_theme_url = url_for(
            "brand.respond_theme_css", organisation_id=organisation.id, fingerprint=fingerprint
        )
    return Brand(organisation.public_name, logo_url, theme_url, respond_theme_url)


def _cacheable(response: Response) -> Response:
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.cache_control.immutable = True
    return response


def logo(organisation_id: int, fingerprint: str) -> Response:
    organisation = services.organisation_with_logo(organisation_id, fingerprint)
    response = Response(organisation.logo, mimetype=organisation.logo_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if organisation.logo_type == "image/svg+xml":
        response.headers["Content-Security-Policy"] = SVG_POLICY
    return _cacheable(response)


def theme_css(organisation_id: int, fingerprint: str) -> Response:
    accent = services.accent_of(organisation_id, fingerprint)
    return _cacheable(Response(theme.stylesheet(accent), mimetype="text/css"))


def respond_theme_css(organisation_id: int, fingerprint: str) -> Response:
    accent = services.accent_of(organisation_id, fingerprint)
    sheet = theme.stylesheet(accent, only=theme.respond_properties())
    return _cacheable(Response(sheet, mimetype="text/css"))
