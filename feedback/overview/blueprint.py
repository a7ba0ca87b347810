"""The overview's blueprint "overview" (under /leder)."""

from __future__ import annotations

from flask import Blueprint

from feedback.overview import views

bp = Blueprint("overview", __name__)

bp.add_url_rule("/", "index", views.index)
