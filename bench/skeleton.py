"""The respondent flow's shape without the app, for bench/load.py.

The same three requests as the respondent flow, answered by a bare Flask app with the same gunicorn
set-up: the first page (the real app's HTML, saved by load.py) with a new token, the POST read
and answered with the same redirect, and the thank-you page. No database, no checks. Beside the
ceiling it shows what the flow's shape (bigger pages, a form to read, three requests) costs by
itself, apart from what the app does.

    BENCH_SKELETON_PAGE=page.html BENCH_SKELETON_THANKS=thanks.html \\
        gunicorn -c gunicorn.conf.py bench.skeleton:app
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

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


@app.route("/s/<token>", methods=["GET", "POST"])
def page(token: str) -> Response | str:
    if request.method == "POST":
        request.form.get("skjema")
        return redirect(f"/s/{token}/takk?sprak=nb", code=303)
    return PAGE.replace(PLACEHOLDER, secrets.token_urlsafe(60))


@app.get("/s/<token>/takk")
def thanks(token: str) -> str:
    return THANKS
