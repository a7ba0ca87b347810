"""The respondent flow's shape without the app, for bench/load.py.

The same three requests as the respondent flow, answered by a bare Flask app with the same gunicorn
set-up: the first page (the real app's HTML, saved by load.py) with a new token, the POST read
and answered with the same redirect, and the thank-you page. No database, no checks. Beside the
ceiling it shows what the flow's shape (bigger pages, a form to read, three requests) costs by
itself, apart from what the app does.

With BENCH_SKELETON_DATABASE_URL (the app's database), each POST also stores its form token as
one row and commits before it answers, as the driver's plain INSERT: the least any app must do
that stores every response durably before saying "thank you". That bounds what the real flow
can reach on this machine, whatever its code does.

    BENCH_SKELETON_PAGE=page.html BENCH_SKELETON_THANKS=thanks.html \\
        gunicorn -c gunicorn.conf.py bench.skeleton:app
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from pathlib import Path
from typing import Any

from flask import Flask, redirect, request
from werkzeug.wrappers import Response

#: Where the saved first page holds the form token.
PLACEHOLDER = "SKJEMATOKENPLASSHOLDER"

app = Flask(__name__)


def _saved(variable: str) -> str:
    path = os.environ.get(variable)
    return Path(path).read_text(encoding="utf-8") if path else ""


PAGE = _saved("BENCH_SKELETON_PAGE")
THANKS = _saved("BENCH_SKELETON_THANKS")
DATABASE_URL = os.environ.get("BENCH_SKELETON_DATABASE_URL", "")

#: (process id, connection): one connection per gunicorn worker, made on its first POST.
_connection: tuple[int, Any] | None = None


def _connect() -> Any:
    if DATABASE_URL.startswith("sqlite:///"):
        from feedback.database import _sqlite_pragmas

        # With the app's pragmas: WAL, synchronous=NORMAL, foreign keys, and the rest.
        connection = sqlite3.connect(DATABASE_URL.removeprefix("sqlite:///"), timeout=10)
        _sqlite_pragmas(connection, None)
        return connection
    import psycopg

    return psycopg.connect(DATABASE_URL.replace("+psycopg", ""), autocommit=True)


def _connection_of_this_worker() -> Any:
    global _connection
    if _connection is None or _connection[0] != os.getpid():
        _connection = (os.getpid(), _connect())
    return _connection[1]


def _store(nonce: str) -> None:
    """One row, committed: on PostgreSQL one statement in autocommit (one round trip)."""
    connection = _connection_of_this_worker()
    if isinstance(connection, sqlite3.Connection):
        statement = "INSERT INTO used_form_token (nonce, used_on) VALUES (?, date('now'))"
        connection.execute(statement, (nonce,))
        connection.commit()
    else:
        statement = "INSERT INTO used_form_token (nonce, used_on) VALUES (%s, current_date)"
        connection.execute(statement, (nonce,))


@app.route("/s/<token>", methods=["GET", "POST"])
def page(token: str) -> Response | str:
    if request.method == "POST":
        request.form.get("skjema")
        if DATABASE_URL:
            _store(secrets.token_hex(16))
        return redirect(f"/s/{token}/takk?sprak=nb", code=303)
    return PAGE.replace(PLACEHOLDER, secrets.token_urlsafe(60))


@app.get("/s/<token>/takk")
def thanks(token: str) -> str:
    return THANKS
