"""Signing in and out, and changing one's own password."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    from feedback.auth import oidc_config, services, totp
    from feedback.extensions import login_manager

    login_manager.user_loader(services.load_user)
    login_manager.unauthorized_handler(services.unauthorized)
    # Flask-Login would put a hash of the client address and user agent in the session; we read
    # neither (DESIGN.md rule 1) and rotate the session on sign-in instead.
    login_manager.session_protection = None
    login_manager._session_identifier_generator = lambda: ""  # type: ignore[assignment]
    app.before_request(services.require_password_change)
    app.jinja_env.globals["oidc_providers"] = oidc_config.enabled_providers
    app.before_request(totp.require_enrolment)


from feedback.auth import account, email_views, oidc_views, totp_views, views  # noqa: E402,F401  - registers the routes on bp
