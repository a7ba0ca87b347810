"""Start page, language choice and organisation choice."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from feedback.main import views  # noqa: E402,F401
