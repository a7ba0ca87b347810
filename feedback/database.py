"""Engine set-up shared by every database: SQLite pragmas and helpers."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import sqlalchemy as sa
from flask import Flask


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        # WAL lets readers work while one writer commits; foreign keys are off by default.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Redacted and expired text is overwritten on disk, not just unlinked from the tree.
        cursor.execute("PRAGMA secure_delete=ON")
        # Reads through a memory map: after another worker writes, pages come back without a
        # read() call each (measured with bench/load.py).
        cursor.execute("PRAGMA mmap_size=268435456")
    finally:
        cursor.close()


#: A pooled server connection left unused for longer than this is tested before it is used
#: again (a round trip). One used more recently is trusted: busy workers would otherwise pay a
#: round trip per request. If the server went away within that second, the first statement
#: fails, SQLAlchemy drops every pooled connection, and the person gets the 503 page that
#: keeps what they typed; the next request connects anew.
PING_AFTER_IDLE_SECONDS = 1.0
_LAST_USED = "feedback.last_used"


def watch_connections(engine: sa.Engine) -> None:
    """Test a server database's pooled connections before use when they have been idle."""
    if engine.dialect.name == "sqlite" or sa.event.contains(engine, "checkin", _remember_use):
        return
    dialect = engine.dialect

    def ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        last_used = record.info.get(_LAST_USED)
        if last_used is None or time.monotonic() - last_used < PING_AFTER_IDLE_SECONDS:
            return  # just connected, or in use a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool closes this connection and takes another (or a new one).
            raise sa.exc.DisconnectionError() from error

    sa.event.listen(engine, "checkin", _remember_use)
    sa.event.listen(engine, "checkout", ping_if_idle)


def _remember_use(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info[_LAST_USED] = time.monotonic()


def init_app(app: Flask) -> None:
    if not sa.event.contains(sa.engine.Engine, "connect", _sqlite_pragmas):
        sa.event.listen(sa.engine.Engine, "connect", _sqlite_pragmas)
