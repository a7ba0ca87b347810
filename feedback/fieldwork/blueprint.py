"""The fieldwork blueprint "fieldwork" (under /skjema, beside the designer): links, posters,
kiosks, access codes, paper and the fieldwork count of a round."""

from __future__ import annotations

from flask import Blueprint

from feedback.fieldwork import views

bp = Blueprint("fieldwork", __name__)

GET_POST = ["GET", "POST"]

bp.add_url_rule("/<id:round_id>/lenker", "links", views.links)
bp.add_url_rule(
    "/<id:round_id>/lenker/<id:unit_id>/bare-kode",
    "codes_only",
    views.codes_only,
    methods=["POST"],
)
bp.add_url_rule("/<id:round_id>/plakat", "poster", views.poster)
bp.add_url_rule("/<id:round_id>/plakat/<id:unit_id>", "poster", views.poster)
bp.add_url_rule("/<id:round_id>/kiosk", "kiosk", views.kiosk, methods=GET_POST)
bp.add_url_rule("/<id:round_id>/koder", "codes", views.codes, methods=GET_POST)
bp.add_url_rule("/<id:round_id>/koder/tilgang", "code_access", views.code_access, methods=["POST"])
bp.add_url_rule("/<id:round_id>/koder/<id:batch>", "code_cards", views.code_cards)
bp.add_url_rule("/<id:round_id>/papir", "paper", views.paper)
bp.add_url_rule("/<id:round_id>/registrer", "enter_paper", views.enter_paper, methods=GET_POST)
bp.add_url_rule("/<id:round_id>/feltarbeid", "counts", views.counts)
bp.add_url_rule("/<id:round_id>/feltarbeid.json", "counts_json", views.counts_json)
