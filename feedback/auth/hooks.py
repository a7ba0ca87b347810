"""What runs around every staff request: the answer to a page that needs a sign-in, a password
that must be changed first, and the idle timeout. Hooks at the request's edge, so the idle
timeout commits the session it ends."""

from __future__ import annotations

import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from feedback.auth.services import LAST_SEEN, end_session
from feedback.extensions import db
from feedback.web.security import STATIC_ENDPOINTS


def unauthorized() -> Response:
    """Flask-Login's answer to a page that needs a sign-in: the sign-in page, then back."""
    flash(_("Sign in to see this page."), "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def enforce_idle_timeout() -> Response | None:
    """Sign out a session idle for longer than IDLE_TIMEOUT."""
    if request.endpoint in STATIC_ENDPOINTS or not current_user.is_authenticated:
        return None
    now = int(time.time())
    last_seen = session.get(LAST_SEEN)
    limit = int(current_app.config["IDLE_TIMEOUT"].total_seconds())
    if isinstance(last_seen, int) and now - last_seen > limit:
        end_session()
        db.session.commit()
        flash(_("You were signed out because you were inactive for a while."), "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    session[LAST_SEEN] = now
    return None


_OPEN_WHILE_CHANGING = {"auth.change_password", "auth.logout", "static", "main.set_language"}


def require_password_change() -> Response | None:
    """An account that must change its password sees only that page (and signing out)."""
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in _OPEN_WHILE_CHANGING
    ):
        return redirect(url_for("auth.change_password"))
    return None
