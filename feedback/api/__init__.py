"""The read-only JSON API under /api/v1 and the pages where people manage personal API tokens."""

from flask import Blueprint

bp = Blueprint("api", __name__)
tokens_bp = Blueprint("tokens", __name__)

from feedback.api import tokens, views  # noqa: E402,F401  - registers the routes
