"""The blueprint "respond" and its URL map: the public questionnaire pages. Nothing here may
be stored by a browser or a proxy (never_store), and the pages carry a one-time form token
instead of a CSRF token (the factory exempts the blueprint)."""

from __future__ import annotations

from flask import Blueprint

from feedback.respond import texts, views
from feedback.web import errors
from feedback.web.public import never_store

bp = Blueprint("respond", __name__)
bp.after_request(never_store)
bp.record_once(lambda state: errors.reset_error_pages_with(state.app, views.kiosk_error_reset))
bp.add_app_template_filter(texts.paragraphs, "paragraphs")
bp.add_app_template_global(texts.answering_minutes, "answering_minutes")

ANSWER = ["GET", "POST"]
bp.add_url_rule("/s/<token>", "by_link", views.by_link, methods=ANSWER)
bp.add_url_rule("/s/<token>/<id:unit_id>", "by_unit_link", views.by_unit_link, methods=ANSWER)
bp.add_url_rule("/s/<token>/takk", "thanks", views.thanks)
bp.add_url_rule("/kode", "code", views.code, methods=ANSWER)
bp.add_url_rule("/kode/svar", "by_code", views.by_code, methods=ANSWER)
bp.add_url_rule("/kiosk/<key>", "kiosk", views.kiosk, methods=ANSWER)
bp.add_url_rule("/kiosk/<key>/takk", "kiosk_thanks", views.kiosk_thanks)
bp.add_url_rule("/kiosk/<key>/nullstill", "kiosk_reset", views.kiosk_reset, methods=ANSWER)
bp.add_url_rule("/personvern", "privacy", views.privacy)
