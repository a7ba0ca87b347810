"""Logging that never records who sent a request or at what time of day (DESIGN.md rule 1)."""

from __future__ import annotations

import logging
import re

from flask import Flask

# werkzeug's request line: '127.0.0.1 - - [22/Nov/2026 11:18:42] "GET / HTTP/1.1" 200 -'
_PREFIX = re.compile(r"^\S+ - - \[[^\]]*\] ")


class StripClientFilter(logging.Filter):
    """Removes the client address and timestamp from werkzeug's request log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        stripped = _PREFIX.sub("", message)
        if stripped != message:
            record.msg, record.args = stripped, None
        return True


def init_app(app: Flask) -> None:
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, StripClientFilter) for f in logger.filters):
        logger.addFilter(StripClientFilter())
