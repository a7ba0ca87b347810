"""Anonymous answering: the public questionnaire pages, access codes and kiosks."""

from flask import Blueprint

bp = Blueprint("respond", __name__)

from feedback.respond import texts, views  # noqa: E402,F401  - register filters and routes on bp
