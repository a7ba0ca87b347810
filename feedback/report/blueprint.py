"""The blueprint "report": the public deviation report and receipt follow-up, under /avvik."""

from __future__ import annotations

from flask import Blueprint

from feedback.report import views
from feedback.web.public import never_store

bp = Blueprint("report", __name__)
# Nothing a reporter sees or sends is kept by a cache or the back button.
bp.after_request(never_store)

bp.add_url_rule("/", "choose", views.choose)
bp.add_url_rule("/<slug>", "new", views.new, methods=["GET", "POST"])
bp.add_url_rule("/oppfolging", "follow_up", views.follow_up, methods=["GET", "POST"])
bp.add_url_rule("/oppfolging/svar", "reply", views.reply, methods=["POST"])
# The organisation's own follow-up page (its form and receipt link it): headed by its brand.
bp.add_url_rule("/<slug>/oppfolging", "follow_up_at", views.follow_up, methods=["GET", "POST"])
bp.add_url_rule("/<slug>/oppfolging/svar", "reply_at", views.reply, methods=["POST"])
