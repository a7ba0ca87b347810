"""Logging that never records who sent a request or at what time of day (DESIGN.md rule 1)."""

from __future__ import annotations

import logging
import re

from flask import Flask

#: Addresses opened by a secret (an invitation, a link to choose a new password).
_SECRET_PATH = re.compile(r"/(invitasjon|passord|epost)/[^/\s?\"]+")


def mask_secret_paths(text: str) -> str:
    """The text with the secret of every secret-link address replaced by ``*``."""
    return _SECRET_PATH.sub(r"/\1/*", text)


# werkzeug's request line: '127.0.0.1 - - [22/Nov/2026 11:18:42] "GET / HTTP/1.1" 200 -'
_PREFIX = re.compile(r"^\S+ - - \[[^\]]*\] ")


class StripClientFilter(logging.Filter):
    """Removes the client address and timestamp from werkzeug's request log lines, and the
    secrets of secret-link addresses."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        stripped = mask_secret_paths(_PREFIX.sub("", message))
        if stripped != message:
            record.msg, record.args = stripped, None
        return True


def init_app(app: Flask) -> None:
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, StripClientFilter) for f in logger.filters):
        logger.addFilter(StripClientFilter())
