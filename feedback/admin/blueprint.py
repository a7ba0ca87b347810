"""The admin blueprint and its URL map: the organisation's settings, units, accounts, roles, sign-in
providers and audit log (mounted at /admin)."""

from __future__ import annotations

from flask import Blueprint

from feedback.admin import account_views, identity_views, oidc_views, views

bp = Blueprint("admin", __name__)

bp.add_url_rule("/", "index", views.index, methods=["GET"])
bp.add_url_rule("/innstillinger", "edit_settings", views.edit_settings, methods=["GET", "POST"])
bp.add_url_rule(
    "/identitet", "edit_identity", identity_views.edit_identity, methods=["GET", "POST"]
)
bp.add_url_rule("/enheter", "list_units", views.list_units, methods=["GET", "POST"])
bp.add_url_rule("/enheter/<id:unit_id>", "edit_unit", views.edit_unit, methods=["GET", "POST"])
bp.add_url_rule("/logg", "audit_log", views.audit_log, methods=["GET"])
bp.add_url_rule("/innlogging", "edit_sign_in", oidc_views.edit_sign_in, methods=["GET", "POST"])
bp.add_url_rule("/brukere", "list_accounts", account_views.list_accounts, methods=["GET"])
bp.add_url_rule(
    "/brukere/ny", "new_invitation", account_views.new_invitation, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/invitasjoner/<id:invitation_id>/send",
    "resend_invitation",
    account_views.resend_invitation,
    methods=["POST"],
)
bp.add_url_rule(
    "/invitasjoner/<id:invitation_id>/trekk",
    "withdraw_invitation",
    account_views.withdraw_invitation,
    methods=["POST"],
)
bp.add_url_rule(
    "/brukere/<id:user_id>", "edit_account", account_views.edit_account, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/brukere/<id:user_id>/passord",
    "send_password_link",
    account_views.send_password_link,
    methods=["POST"],
)
bp.add_url_rule(
    "/brukere/<id:user_id>/roller", "add_role", account_views.add_role, methods=["POST"]
)
bp.add_url_rule(
    "/roller/<id:membership_id>/fjern", "remove_role", account_views.remove_role, methods=["POST"]
)
bp.add_url_rule(
    "/brukere/<id:user_id>/totp",
    "reset_second_factor",
    account_views.reset_second_factor,
    methods=["GET", "POST"],
)
