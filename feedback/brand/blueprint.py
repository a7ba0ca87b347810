"""The brand blueprint and its URL map: the organisation's logo and theme stylesheet, public
(respondents' pages show them) and cacheable (the address holds a hash of the content)."""

from __future__ import annotations

from flask import Blueprint

from feedback.brand import views

bp = Blueprint("brand", __name__)

bp.add_url_rule("/<id:organisation_id>/logo-<fingerprint>", "logo", views.logo, methods=["GET"])
bp.add_url_rule(
    "/<id:organisation_id>/tema-<fingerprint>.css", "theme_css", views.theme_css, methods=["GET"]
)
bp.add_url_rule(
    "/<id:organisation_id>/svar-tema-<fingerprint>.css",
    "respond_theme_css",
    views.respond_theme_css,
    methods=["GET"],
)
bp.add_app_template_global(views.brand_of, "brand_of")
