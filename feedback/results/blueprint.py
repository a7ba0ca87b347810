"""The results area's blueprint "results" (under /resultater): the list of rounds, a round's
results, units side by side, the trend, padding checks and redaction, the downloads, the files
and the printable report."""

from __future__ import annotations

from flask import Blueprint

from feedback.results import export_views, views
from feedback.results.charts.formats import number_formats

bp = Blueprint("results", __name__)
# percent() and mean_text() in every results template.
bp.context_processor(number_formats)

bp.add_url_rule("/", "index", views.index)
bp.add_url_rule("/<id:round_id>", "round_results", views.round_results)
bp.add_url_rule("/<id:round_id>/sporsmal", "questions", views.questions)
bp.add_url_rule("/<id:round_id>/fritekst", "free_text", views.free_text)
bp.add_url_rule("/<id:round_id>/utfylling", "check_padding", views.check_padding, methods=["POST"])
bp.add_url_rule("/<id:round_id>/sammenlign", "compare", views.compare)
bp.add_url_rule("/<id:round_id>/utvikling", "trend", views.trend)
bp.add_url_rule("/<id:round_id>/fritekst/sladd", "redact", views.redact, methods=["POST"])

bp.add_url_rule("/<id:round_id>/last-ned", "downloads", export_views.downloads)
bp.add_url_rule("/<id:round_id>/resultater.csv", "results_csv", export_views.results_csv)
bp.add_url_rule("/<id:round_id>/resultater.xlsx", "results_xlsx", export_views.results_xlsx)
bp.add_url_rule("/<id:round_id>/svar.csv", "raw_csv", export_views.raw_csv)
bp.add_url_rule("/<id:round_id>/svar.xlsx", "raw_xlsx", export_views.raw_xlsx)
bp.add_url_rule("/<id:round_id>/fritekst.csv", "text_csv", export_views.text_csv)
bp.add_url_rule("/<id:round_id>/fritekst.xlsx", "text_xlsx", export_views.text_xlsx)
bp.add_url_rule("/<id:round_id>/rapport", "report", export_views.report)
