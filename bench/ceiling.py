"""The framework's ceiling for bench/load.py: a minimal Flask endpoint, served by the same
gunicorn configuration (gunicorn.conf.py: 2 sync workers, the same access log) as the app.

    gunicorn -c gunicorn.conf.py bench.ceiling:app
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "ok"
