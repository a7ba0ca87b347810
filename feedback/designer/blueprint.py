"""The designer blueprint and its URL map (mounted at /skjema), and its request hook that keeps
the rounds' schedule."""

from __future__ import annotations

from flask import Blueprint

from feedback.designer import editing_views, round_views, view_helpers

bp = Blueprint("designer", __name__)

bp.before_request(view_helpers.keep_schedule)

bp.add_url_rule("/", "index", round_views.index, methods=["GET"])
bp.add_url_rule(
    "/nytt", "new_questionnaire", round_views.new_questionnaire, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/importer", "import_questionnaire", round_views.import_questionnaire, methods=["GET", "POST"]
)
bp.add_url_rule("/<id:round_id>", "show_round", round_views.show_round, methods=["GET"])
bp.add_url_rule(
    "/<id:round_id>/innstillinger",
    "edit_settings",
    round_views.edit_settings,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/<id:round_id>/status", "change_status", round_views.change_status, methods=["POST"]
)
bp.add_url_rule(
    "/<id:round_id>/ny-runde", "start_new_round", round_views.start_new_round, methods=["POST"]
)
bp.add_url_rule("/<id:round_id>/eksport", "export_round", round_views.export_round, methods=["GET"])
bp.add_url_rule(
    "/<id:round_id>/mal", "save_template", round_views.save_template, methods=["GET", "POST"]
)
bp.add_url_rule("/<id:round_id>/tekster", "round_texts", round_views.round_texts, methods=["GET"])
bp.add_url_rule(
    "/<id:round_id>/godkjenning", "round_approval", round_views.round_approval, methods=["GET"]
)
bp.add_url_rule("/<id:round_id>/gjennomforing", "round_run", round_views.round_run, methods=["GET"])
bp.add_url_rule("/<id:round_id>/logg", "round_history", round_views.round_history, methods=["GET"])
bp.add_url_rule("/<id:round_id>/sider", "add_page", editing_views.add_page, methods=["POST"])
bp.add_url_rule(
    "/<id:round_id>/sider/<id:page_id>",
    "edit_page",
    editing_views.edit_page,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/<id:round_id>/sider/<id:page_id>/flytt",
    "move_page",
    editing_views.move_page,
    methods=["POST"],
)
bp.add_url_rule(
    "/<id:round_id>/sider/<id:page_id>/slett",
    "delete_page",
    editing_views.delete_page,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/<id:round_id>/sider/<id:page_id>/nytt-sporsmal",
    "add_question",
    editing_views.add_question,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/<id:round_id>/sider/<id:page_id>/rekkefolge",
    "reorder_questions",
    editing_views.reorder_questions,
    methods=["POST"],
)
bp.add_url_rule(
    "/<id:round_id>/sporsmal/<id:question_id>",
    "edit_question",
    editing_views.edit_question,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/<id:round_id>/sporsmal/<id:question_id>/flytt",
    "move_question",
    editing_views.move_question,
    methods=["POST"],
)
bp.add_url_rule(
    "/<id:round_id>/sporsmal/<id:question_id>/slett",
    "delete_question",
    editing_views.delete_question,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/<id:round_id>/forhandsvis", "preview", round_views.preview, methods=["GET", "POST"]
)
