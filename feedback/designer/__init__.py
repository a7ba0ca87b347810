"""The survey designer: the quality group writes, approves and runs its questionnaires."""

from flask import Blueprint

bp = Blueprint("designer", __name__)

from feedback.designer import views  # noqa: E402,F401  - registers the routes on bp
