"""Running a round: links, posters, kiosks, access codes, paper and the fieldwork count."""

from flask import Blueprint

bp = Blueprint("fieldwork", __name__)

from feedback.fieldwork import views  # noqa: E402,F401  - registers the routes on bp
