"""Language choice and locale-aware formatting."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from datetime import timedelta
from urllib.parse import unquote, urlsplit

from flask import Flask, has_request_context, request
from flask_babel import force_locale, get_locale

#: Bokmål first: it is the default and the fallback for every text.
SUPPORTED_LOCALES = ("nb", "nn", "en")
DEFAULT_LOCALE = "nb"
#: Each language named in itself, as a switcher should.
LANGUAGE_NAMES = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}
#: Remembers an explicit choice. It holds only the language code, the same for everyone who
#: chose it, so it cannot tell people apart.
LANGUAGE_COOKIE = "sprak"
LANGUAGE_COOKIE_AGE = timedelta(days=365)
#: Browsers send "no" for Norwegian without saying which written form.
_ALIASES = {"no": "nb", "nob": "nb", "nno": "nn"}


def match_language(header_values: list[str]) -> str | None:
    """The first supported language in an Accept-Language list (already in quality order)."""
    for value in header_values:
        primary = value.strip().lower().replace("_", "-").split("-")[0]
        primary = _ALIASES.get(primary, primary)
        if primary in SUPPORTED_LOCALES:
            return primary
    return None


def select_locale() -> str:
    if not has_request_context():  # the command line speaks bokmål
        return DEFAULT_LOCALE
    return locale_for(request.cookies.get(LANGUAGE_COOKIE), request.accept_languages)


def locale_for(cookie: str | None, accepted: Iterable[tuple[str, float]]) -> str:
    """The language from the language cookie, else the browser's Accept-Language list."""
    if cookie in SUPPORTED_LOCALES:
        return cookie
    return match_language([value for value, _quality in accepted]) or DEFAULT_LOCALE


#: Unicode categories never part of a return address: control and format characters, line and
#: paragraph separators. Browsers drop tabs and newlines from URLs ("/\t/evil" becomes
#: "//evil"), and werkzeug refuses a newline in a header (a 500 before this check).
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def _unsafe_characters(text: str) -> bool:
    return any(unicodedata.category(char) in _UNSAFE_CATEGORIES for char in text)


def safe_next(target: str | None, fallback: str) -> str:
    """A local path to go back to; anything pointing elsewhere, or holding a control character
    (also percent-encoded), becomes the fallback."""
    if not target:
        return fallback
    decoded = unquote(target)
    for text in (target, decoded):
        if (
            not text.startswith("/")
            or text.startswith("//")
            or "\\" in text
            or _unsafe_characters(text)
        ):
            return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LOCALE


def localized(text: Mapping[str, str] | None, language: str | None = None) -> str:
    """A questionnaire text in the reader's language, else in bokmål (the required one)."""
    if not text:
        return ""
    return text.get(language or current_language()) or text.get(DEFAULT_LOCALE, "")


def in_all_languages(message: object) -> dict[str, str]:
    """A catalog message (lazy_gettext) in every supported language, e.g. default labels."""
    result = {}
    for language in SUPPORTED_LOCALES:
        with force_locale(language):
            result[language] = str(message)
    return result


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localized"] = localized

    @app.context_processor
    def language_context() -> dict[str, object]:
        return {
            "current_language": current_language(),
            "language_names": LANGUAGE_NAMES,
            "supported_languages": SUPPORTED_LOCALES,
        }
