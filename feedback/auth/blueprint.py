"""The auth blueprint and its URL map (signing in and out, one's own account, password links,
e-mail change, second factor, OIDC sign-in), and ``init_app``: the app-wide sign-in set-up."""

from __future__ import annotations

from flask import Blueprint, Flask

from feedback.auth import (
    account_views,
    email_views,
    hooks,
    oidc_config,
    oidc_views,
    services,
    totp,
    totp_views,
    views,
)
from feedback.extensions import login_manager

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    """Flask-Login's loaders, and the checks before every request (a forced password change, a
    second factor to set up, the idle timeout). Called by the factory before the other request
    hooks."""
    login_manager.user_loader(services.load_user)
    login_manager.unauthorized_handler(hooks.unauthorized)
    # Flask-Login would put a hash of the client address and user agent in the session; we read
    # neither (docs/design.md rule 1) and rotate the session on sign-in instead.
    login_manager.session_protection = None
    login_manager._session_identifier_generator = lambda: ""
    app.before_request(hooks.require_password_change)
    app.jinja_env.globals["oidc_providers"] = oidc_config.enabled_providers
    app.before_request(totp.require_enrolment)
    # The idle timeout runs last: a forced password change or set-up redirects first.
    app.before_request(hooks.enforce_idle_timeout)


bp.add_url_rule("/logg-inn", "login", views.login, methods=["GET", "POST"])
bp.add_url_rule("/logg-ut", "logout", views.logout, methods=["POST"])
bp.add_url_rule("/konto/passord", "change_password", views.change_password, methods=["GET", "POST"])
bp.add_url_rule("/konto/okter", "sessions", views.sessions, methods=["GET"])
bp.add_url_rule("/konto/okter/avslutt", "end_sessions", views.end_sessions, methods=["POST"])
bp.add_url_rule("/glemt-passord", "forgot_password", views.forgot_password, methods=["GET", "POST"])
bp.add_url_rule("/passord/<token>", "reset_password", views.reset_password, methods=["GET", "POST"])
bp.add_url_rule("/konto", "account", account_views.account, methods=["GET", "POST"])
bp.add_url_rule(
    "/konto/forlat/<id:organisation_id>", "leave", account_views.leave, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/konto/invitasjoner/<id:invitation_id>/avslag",
    "decline_invitation",
    account_views.decline_invitation,
    methods=["POST"],
)
bp.add_url_rule(
    "/invitasjon/<token>", "open_invitation", account_views.open_invitation, methods=["GET", "POST"]
)
bp.add_url_rule("/konto/epost", "change_email", email_views.change_email, methods=["GET", "POST"])
bp.add_url_rule(
    "/epost/<token>", "confirm_email", email_views.confirm_email, methods=["GET", "POST"]
)
bp.add_url_rule("/logg-inn/oidc/<slug>", "oidc_start", oidc_views.oidc_start, methods=["GET"])
bp.add_url_rule(
    "/logg-inn/oidc/<slug>/tilbake", "oidc_callback", oidc_views.oidc_callback, methods=["GET"]
)
bp.add_url_rule("/logg-inn/kode", "verify_code", totp_views.verify_code, methods=["GET", "POST"])
bp.add_url_rule("/konto/totp", "second_factor", totp_views.second_factor, methods=["GET", "POST"])
bp.add_url_rule(
    "/konto/totp/reservekoder",
    "renew_recovery_codes",
    totp_views.renew_recovery_codes,
    methods=["POST"],
)
bp.add_url_rule(
    "/konto/totp/av", "turn_off_second_factor", totp_views.turn_off_second_factor, methods=["POST"]
)
