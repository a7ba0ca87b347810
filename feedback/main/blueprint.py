"""The main blueprint and its URL map: the start page, the language and organisation choice,
the bundled plotly.js, and the template globals that name it."""

from __future__ import annotations

from flask import Blueprint

from feedback.main import views

bp = Blueprint("main", __name__)

bp.add_url_rule("/", "index", views.index, methods=["GET"])
bp.add_url_rule("/sprak/<code>", "set_language", views.set_language, methods=["GET"])
bp.add_url_rule("/organisasjon", "choose_organisation", views.choose_organisation, methods=["POST"])
bp.add_url_rule("/vendor/plotly-<version>.min.js", "plotly_js", views.plotly_js, methods=["GET"])
bp.add_app_template_global(views.plotly_version, "plotly_version")
bp.add_app_template_global(views.plotly_style_ids, "plotly_style_ids")
