"""Engine set-up shared by every database (SQLite pragmas and helpers), and what counts as the
database being unavailable."""

from __future__ import annotations

import sqlite3
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


def init_app(app: Flask) -> None:
    if not sa.event.contains(sa.engine.Engine, "connect", _sqlite_pragmas):
        sa.event.listen(sa.engine.Engine, "connect", _sqlite_pragmas)


def is_database_unavailable(error: BaseException) -> bool:
    """Connection lost, server down, disk full or read-only: a passing fault, not a bug. The
    error pages (feedback.web.errors) and the API's errors answer it with 503."""
    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError)
