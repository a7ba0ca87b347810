"""The read-only JSON API under /api/v1 and the pages where people manage personal API tokens."""

from flask import Blueprint

bp = Blueprint("api", __name__)
tokens_bp = Blueprint("tokens", __name__)
