"""Accounts: password hashing, authentication with attempt limits, sessions."""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from feedback import ratelimit, security
from feedback.extensions import db
from feedback.models import User
from feedback.models.base import utcnow
from feedback.models.user import new_session_token

LOGIN_SCOPE = "login"
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200


class LoginBlocked(Exception):
    """Too many failed attempts for this account name."""

    def __init__(self, minutes: int) -> None:
        super().__init__(minutes)
        self.minutes = minutes


class WrongPassword(Exception):
    """The current password given to change it was wrong."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not-a-password", method=method)


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None (same work either way)."""
    user = find_user(email)
    if user is None:
        # Spend the same time as a real check so response times do not reveal accounts.
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def attempt_login(email: str, password: str) -> User | None:
    """Authenticate within the per-account attempt limit; raises LoginBlocked when used up."""
    identity = normalise_email(email)
    limit = current_app.config["LOGIN_ATTEMPT_LIMIT"]
    if ratelimit.is_blocked(LOGIN_SCOPE, identity, limit):
        raise LoginBlocked(ratelimit.minutes_until_reset(LOGIN_SCOPE, identity, limit))
    user = authenticate(identity, password)
    if user is None:
        ratelimit.register_failure(LOGIN_SCOPE, identity, limit)
        return None
    ratelimit.clear(LOGIN_SCOPE, identity, limit)
    return user


def start_session(user: User) -> None:
    """A fresh session for the signed-in user (nothing from before sign-in survives)."""
    session.clear()
    login_user(user)
    security.mark_active()
    user.last_login_at = utcnow()


def end_all_sessions(user: User, keep_current: bool = False) -> None:
    """End every session of the account (optionally keeping this browser signed in)."""
    user.session_token = new_session_token()
    if keep_current and current_user.is_authenticated and current_user.id == user.id:
        login_user(user)


def end_session() -> None:
    logout_user()
    session.clear()


def set_password(user: User, password: str, *, must_change: bool = False) -> None:
    """Store a new password and end every other session of the account."""
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    user.session_token = new_session_token()


def change_own_password(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current):
        raise WrongPassword
    set_password(user, new)
    # The session names the old token; keep this browser signed in with the new one.
    login_user(user)
    security.mark_active()


def load_user(token: str) -> User | None:
    return db.session.scalar(
        sa.select(User).where(User.session_token == token, User.active.is_(True))
    )


def unauthorized() -> Response:
    flash(_("Sign in to see this page."), "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


_OPEN_WHILE_CHANGING = {"auth.change_password", "auth.logout", "static", "main.set_language"}


def require_password_change() -> Response | None:
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in _OPEN_WHILE_CHANGING
    ):
        return redirect(url_for("auth.change_password"))
    return None
