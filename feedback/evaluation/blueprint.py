"""The evaluation's blueprint "evaluation" (under /resultater, beside the results)."""

from __future__ import annotations

from flask import Blueprint

from feedback.evaluation import views
from feedback.results.charts.formats import number_formats

bp = Blueprint("evaluation", __name__)
# The results' number formats on these pages too.
bp.context_processor(number_formats)
bp.context_processor(views.labels)

GET_POST = ["GET", "POST"]

bp.add_url_rule("/<id:round_id>/vurdering", "edit", views.edit, methods=GET_POST)
bp.add_url_rule(
    "/<id:round_id>/tiltak/<id:point_id>/svar",
    "answer_point",
    views.answer_point,
    methods=["POST"],
)
bp.add_url_rule(
    "/<id:round_id>/tiltak/<id:point_id>/status",
    "set_point_status",
    views.set_point_status,
    methods=["POST"],
)
bp.add_url_rule("/<id:round_id>/tiltak/ny", "new_point", views.new_point, methods=GET_POST)
bp.add_url_rule(
    "/<id:round_id>/tiltak/<id:point_id>/endre", "edit_point", views.edit_point, methods=GET_POST
)
bp.add_url_rule(
    "/<id:round_id>/tiltak/<id:point_id>/slett",
    "delete_point",
    views.delete_point,
    methods=GET_POST,
)
