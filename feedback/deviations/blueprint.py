"""The blueprint "deviations": case handling and statistics for staff, categories for
administrators, under /avvik (beside the public "report" blueprint)."""

from __future__ import annotations

from flask import Blueprint

from feedback.deviations import case_views, category_views, list_views

bp = Blueprint("deviations", __name__)

bp.add_url_rule("/saker", "cases", list_views.cases)
bp.add_url_rule("/statistikk", "statistics", list_views.statistics)
bp.add_url_rule("/saker/<case_id>", "show_case", case_views.show_case)
bp.add_url_rule("/saker/<case_id>/behandling", "case_handling", case_views.case_handling)
bp.add_url_rule("/saker/<case_id>/tiltak", "case_measures", case_views.case_measures)
bp.add_url_rule("/saker/<case_id>/historikk", "case_history", case_views.case_history)
bp.add_url_rule(
    "/saker/<case_id>/behandling", "update_case", case_views.update_case, methods=["POST"]
)
bp.add_url_rule("/saker/<case_id>/tiltak", "add_measure", case_views.add_measure, methods=["POST"])
bp.add_url_rule(
    "/saker/<case_id>/tiltak/<id:measure_id>",
    "mark_measure",
    case_views.mark_measure,
    methods=["POST"],
)
bp.add_url_rule(
    "/saker/<case_id>/melding", "send_message", case_views.send_message, methods=["POST"]
)
bp.add_url_rule("/saker/<case_id>/notat", "add_note", case_views.add_note, methods=["POST"])
bp.add_url_rule("/saker/<case_id>/lukk", "close_case", case_views.close_case, methods=["POST"])
bp.add_url_rule(
    "/saker/<case_id>/gjenapne", "reopen_case", case_views.reopen_case, methods=["POST"]
)
bp.add_url_rule("/saker/<case_id>/sladd", "redact", case_views.redact, methods=["POST"])
bp.add_url_rule("/kategorier", "categories", category_views.categories, methods=["GET", "POST"])
bp.add_url_rule(
    "/kategorier/<id:category_id>",
    "edit_category",
    category_views.edit_category,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/kategorier/<id:category_id>/flytt",
    "move_category",
    category_views.move_category,
    methods=["POST"],
)
