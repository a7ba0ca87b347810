"""Administration: units, accounts and roles within one organisation."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from feedback.admin import accounts, oidc_views, views  # noqa: E402,F401
