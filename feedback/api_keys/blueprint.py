"""The API key pages' blueprint "api_keys" (under /konto/api-nokler)."""

from __future__ import annotations

from flask import Blueprint

from feedback.api_keys import views

bp = Blueprint("api_keys", __name__)

bp.add_url_rule("/", "list_tokens", views.list_tokens, methods=["GET"])
bp.add_url_rule("/", "create_token", views.create_token, methods=["POST"])
bp.add_url_rule(
    "/<id:token_id>/trekk-tilbake", "confirm_revoke", views.confirm_revoke, methods=["GET"]
)
bp.add_url_rule(
    "/<id:token_id>/trekk-tilbake", "revoke_token", views.revoke_token, methods=["POST"]
)
