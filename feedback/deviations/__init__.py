"""Deviation reports: the public report form and receipt follow-up (``public_bp``), and case
handling and statistics for the quality group and managers (``bp``)."""

from flask import Blueprint

bp = Blueprint("deviations", __name__)
public_bp = Blueprint("report", __name__)

from feedback.deviations import public, views  # noqa: E402,F401 - registers the routes
