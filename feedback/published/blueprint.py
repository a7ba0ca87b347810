"""The public page's blueprint "published" (under /dette-gjor-vi)."""

from __future__ import annotations

from flask import Blueprint

from feedback.published import views
from feedback.web.public import never_store

bp = Blueprint("published", __name__)
# What the group takes off the page must not stay in a cache.
bp.after_request(never_store)

bp.add_url_rule("/<slug>", "page", views.page)
