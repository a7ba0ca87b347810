"""Logging that never records who sent a request or at what time of day (docs/design.md rule 1).

Two kinds of address are never logged as they are:

* secret links (an invitation, a link to choose a new password, to confirm an e-mail address):
  the secret is replaced by ``*``, since whoever reads the log could use a link not yet opened;
* the public pages of respondents and anonymous reporters (answering a questionnaire by link,
  unit link, access code or kiosk, and reporting a deviation or following one up by receipt
  code). A log line is written when the request is answered, and a log collector (journald, a
  container runtime) stamps it with the time of day: a line per page sent in would record when
  each answer was given, its page number and unit. These requests are not logged at all unless
  ``FEEDBACK_LOG_PUBLIC_REQUESTS=masked``, which logs them as ``POST /s/* 303``: which part of
  the service, with no token, page, unit, organisation or query string.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

from flask import Flask

#: Addresses opened by a secret (an invitation, a link to choose a new password).
_SECRET_PATH = re.compile(r"/(invitasjon|passord|epost)/[^/\s?\"]+")

#: The first part of every public address of respondents (blueprint "respond"), reporters
#: (blueprint "report", under /avvik) and the organisation's logo and theme their pages load
#: (blueprint "brand", /merke). tests/platform/test_logs.py checks this against the URL map.
_PUBLIC_ROOTS = frozenset({"s", "kode", "kiosk", "personvern", "merke"})
#: Under /avvik the case handlers' pages (blueprint "deviations") are not public; every other
#: address there is (the report form of each organisation is /avvik/<slug>).
_REPORT_ROOT = "avvik"
_STAFF_UNDER_REPORT_ROOT = frozenset({"saker", "statistikk", "kategorier"})

#: An address in a line of text: an optional scheme and host, the path, the query string.
_ADDRESS = re.compile(
    r"""(?<![^\s"'(<\[])
    (?P<origin>[a-z][a-z0-9+.\-]*://[^/\s"'?#]*)?
    (?P<path>/[^\s"'?#]*)
    (?P<query>\?[^\s"'#]*)?
    (?P<fragment>\#[^\s"']*)?""",
    re.IGNORECASE | re.VERBOSE,
)


def _segments(path: str) -> list[str]:
    # As routed: percent-escapes decoded, repeated slashes merged (werkzeug redirects them).
    return [part for part in unquote(path).split("/") if part]


def is_public_path(path: str) -> bool:
    """True if the path (without query string) is a public page of a respondent or reporter."""
    parts = _segments(path)
    if not parts:
        return False
    if parts[0] in _PUBLIC_ROOTS:
        return True
    return parts[0] == _REPORT_ROOT and (
        len(parts) == 1 or parts[1] not in _STAFF_UNDER_REPORT_ROOT
    )


def masked_public_path(path: str) -> str:
    """What may be logged of a public path: its first part only, as ``/s/*``."""
    parts = _segments(path)
    return f"/{parts[0]}/*" if parts else "/*"


def _mask_address(match: re.Match[str]) -> str:
    path = match.group("path")
    if is_public_path(path):
        return f"{match.group('origin') or ''}{masked_public_path(path)}"
    return match.group()


def mask_secret_paths(text: str) -> str:
    """The text with the secret of every secret-link address replaced by ``*``, and every
    public address (with its query string) replaced by its masked form (``/s/*``)."""
    return _SECRET_PATH.sub(r"/\1/*", _ADDRESS.sub(_mask_address, text))


def names_public_path(text: str) -> bool:
    """True if the text holds the address of a public page."""
    return any(is_public_path(m.group("path")) for m in _ADDRESS.finditer(text))


# werkzeug's request line: '127.0.0.1 - - [22/Nov/2026 11:18:42] "GET / HTTP/1.1" 200 -'
_PREFIX = re.compile(r"^\S+ - - \[[^\]]*\] ")


class StripClientFilter(logging.Filter):
    """Removes the client address and timestamp from werkzeug's request log lines, and the
    secrets of secret-link addresses; drops the lines of public requests (or masks them when
    ``public_requests`` is "masked")."""

    def __init__(self, public_requests: str = "off") -> None:
        super().__init__()
        self.public_requests = public_requests

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.public_requests != "masked" and names_public_path(message):
            return False
        stripped = mask_secret_paths(_PREFIX.sub("", message))
        if stripped != message:
            record.msg, record.args = stripped, None
        return True


def init_app(app: Flask) -> None:
    logger = logging.getLogger("werkzeug")
    mode = app.config.get("LOG_PUBLIC_REQUESTS", "off")
    for existing in logger.filters:
        if isinstance(existing, StripClientFilter):
            existing.public_requests = mode
            return
    logger.addFilter(StripClientFilter(mode))
