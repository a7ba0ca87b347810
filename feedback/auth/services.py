"""Accounts: password hashing, authentication with attempt limits, sessions."""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app, has_request_context, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from feedback import audit, ratelimit
from feedback.auth import devices
from feedback.extensions import db
from feedback.mail import Mail
from feedback.models import PasswordLink, StaffSession, User
from feedback.models.base import utcnow

#: Failed sign-ins from browsers without a device cookie for the account, counted per account.
LOGIN_SCOPE = "login"
#: Failed sign-ins from one browser with a valid device cookie for the account.
DEVICE_SCOPE = "login-device"
#: Flask-Login's session key; it holds the token of the StaffSession (not the user id).
SESSION_KEY = "_user_id"
RESET_SCOPE = "password-link"
#: How long a mailed link to choose a password works: short when the person asked for it
#: themselves (they are at their mailbox now), a day when an administrator sent it.
SELF_SERVICE_LINK_LIFETIME = timedelta(hours=1)
ADMIN_LINK_LIFETIME = timedelta(hours=24)
MIN_PASSWORD_LENGTH = 10
#: How long after a sign-in a change to the second factor needs no password again.
RECENT_SIGN_IN = timedelta(minutes=10)
MAX_PASSWORD_LENGTH = 200
#: The session key of the idle clock: the time of the session's last request.
LAST_SEEN = "last_seen"


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


def attempt_login(email: str, password: str, device_cookie: str | None = None) -> User | None:
    """Authenticate within the attempt limits; raises LoginBlocked when used up.

    OWASP's device-cookie pattern: with a valid device cookie for the account the attempts are
    counted for that browser alone, without one together for all untrusted clients of the
    account. Guessing from elsewhere so never locks the person's own browser out.
    """
    identity = normalise_email(email)
    limit = current_app.config["LOGIN_ATTEMPT_LIMIT"]
    nonce = devices.valid_nonce(device_cookie, identity)
    scope, key = (DEVICE_SCOPE, f"{identity}|{nonce}") if nonce else (LOGIN_SCOPE, identity)
    if not ratelimit.take(scope, key, limit):
        raise LoginBlocked(ratelimit.minutes_until_reset(scope, key, limit))
    user = authenticate(identity, password)
    if user is None:
        return None  # counted above
    if nonce:
        ratelimit.clear(scope, key, limit)
    else:
        ratelimit.give_back(scope, key, limit)
    return user


# --- sessions ----------------------------------------------------------------------------------


def _current_token_hash() -> str | None:
    token = session.get(SESSION_KEY) if has_request_context() else None
    return hash_link_token(token) if isinstance(token, str) else None


def _oldest_valid_sign_in() -> datetime:
    return utcnow() - current_app.config["PERMANENT_SESSION_LIFETIME"]


def signed_in_recently() -> bool:
    """True when this browser's sign-in is at most RECENT_SIGN_IN old: a change to how the
    person signs in (setting up a second factor) needs the password again after that."""
    current = _current_token_hash()
    if current is None:
        return False
    signed_in_at = db.session.scalar(
        sa.select(StaffSession.signed_in_at).where(StaffSession.token_hash == current)
    )
    return signed_in_at is not None and signed_in_at > utcnow() - RECENT_SIGN_IN


def start_session(user: User) -> None:
    """A new session for the fully authenticated user: a StaffSession row that the cookie names
    by a random token (nothing from before sign-in survives). Every sign-in method calls this."""
    session.clear()
    token = secrets.token_urlsafe(32)
    db.session.add(StaffSession(token_hash=hash_link_token(token), user_id=user.id))
    login_user(user)
    session[SESSION_KEY] = token
    mark_active()
    user.last_login_at = utcnow()
    devices.remember(user.email)
    db.session.flush()


def end_session() -> None:
    """Sign this browser out: its StaffSession row goes, so a copy of the cookie is worthless."""
    current = _current_token_hash()
    if current is not None:
        db.session.execute(sa.delete(StaffSession).where(StaffSession.token_hash == current))
    logout_user()
    session.clear()


def end_all_sessions(user: User, keep_current: bool = False) -> int:
    """End every session of the account at once (the current browser's too unless
    ``keep_current``); returns how many ended. The one function that ends a person's sessions:
    password changes and resets, deactivation, "sign out everywhere"."""
    stmt = sa.delete(StaffSession).where(StaffSession.user_id == user.id)
    current = _current_token_hash()
    if keep_current and current is not None:
        stmt = stmt.where(StaffSession.token_hash != current)
    result = db.session.execute(stmt.execution_options(synchronize_session=False))
    db.session.expire(user, ["sessions"])
    return int(getattr(result, "rowcount", 0) or 0)


def active_sessions(user: User) -> list[tuple[StaffSession, bool]]:
    """The account's sessions that have not ended, newest first, and whether each is this one."""
    current = _current_token_hash()
    rows = db.session.scalars(
        sa.select(StaffSession)
        .where(
            StaffSession.user_id == user.id,
            StaffSession.signed_in_at > _oldest_valid_sign_in(),
        )
        .order_by(StaffSession.signed_in_at.desc(), StaffSession.id.desc())
    )
    return [(row, row.token_hash == current) for row in rows]


def purge_expired_sessions() -> int:
    """Delete sessions older than FEEDBACK_SESSION_MAX_HOURS (flask schedule)."""
    result = db.session.execute(
        sa.delete(StaffSession).where(StaffSession.signed_in_at <= _oldest_valid_sign_in())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def load_user(token: str) -> User | None:
    """The active user whose session the cookie names, if it has not ended or grown too old
    (FEEDBACK_SESSION_MAX_HOURS counts from sign-in, however busy the session is)."""
    return db.session.scalar(
        sa.select(User)
        .join(StaffSession, StaffSession.user_id == User.id)
        .where(
            StaffSession.token_hash == hash_link_token(token),
            StaffSession.signed_in_at > _oldest_valid_sign_in(),
            User.active.is_(True),
        )
    )


# --- passwords ---------------------------------------------------------------------------------


def set_password(
    user: User, password: str, *, must_change: bool = False, keep_current: bool = False
) -> None:
    """Store a new password and end the account's sessions (all but this browser's with
    ``keep_current``)."""
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    end_all_sessions(user, keep_current=keep_current)


def change_own_password(user: User, current: str, new: str) -> None:
    """The person's own change: every other browser of theirs is signed out, this one stays."""
    if not check_password_hash(user.password_hash, current):
        raise WrongPassword
    set_password(user, new, keep_current=True)
    audit.record_for_person(user, "account.password_changed")


def rename_own_account(user: User, name: str) -> None:
    changed = audit.apply_changes(user, name=name)
    if changed:
        audit.record_for_person(user, "account.update", changed=changed)


def mark_active() -> None:
    """Start the idle clock; called right after a sign-in."""
    session[LAST_SEEN] = int(time.time())


# --- mailed links: invitations and choosing a new password ------------------------------------


def new_link_token() -> str:
    """The secret of a mailed link (256 bits)."""
    return secrets.token_urlsafe(32)


def hash_link_token(token: str) -> str:
    """What is stored of a link's or a session cookie's secret. A fast hash suffices: the
    secret is random, not chosen by a person, so it cannot be guessed from its hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(endpoint: str, token: str) -> str:
    """The full address of a page for a mail, under PUBLIC_URL (also from the command line)."""
    if has_request_context():
        path = url_for(endpoint, token=token)
    else:
        with current_app.test_request_context():
            path = url_for(endpoint, token=token)
    return f"{current_app.config['PUBLIC_URL']}{path}"


def issue_password_link(user: User, lifetime: timedelta) -> str:
    """A new single-use link for the account; any older link stops working."""
    db.session.execute(sa.delete(PasswordLink).where(PasswordLink.user_id == user.id))
    token = new_link_token()
    now = utcnow()
    db.session.add(
        PasswordLink(
            user_id=user.id,
            token_hash=hash_link_token(token),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    db.session.flush()
    return token


def password_link_mail(user: User, token: str, lifetime: timedelta) -> Mail:
    hours = int(lifetime.total_seconds() // 3600)
    body = _(
        "Hello %(name)s,\n\n"
        "Open this link to choose a new password for Brukerstemmen:\n%(url)s\n\n"
        "The link works once, for %(hours)d hours. If you did not ask for it, ignore this "
        "e-mail: your password stays as it is.",
        name=user.name,
        url=link_url("auth.reset_password", token=token),
        hours=hours,
    )
    return Mail(user.email, _("Choose a new password for Brukerstemmen"), body)


def request_password_link(email: str) -> Mail | None:
    """Self-service: a link for an active account with this e-mail, within the per-address
    limit; None otherwise. The caller answers the same either way."""
    identity = normalise_email(email)
    limit = current_app.config["PASSWORD_LINK_LIMIT"]
    if not ratelimit.take(RESET_SCOPE, identity, limit):
        return None
    user = find_user(identity)
    if user is None or not user.active:
        return None
    token = issue_password_link(user, SELF_SERVICE_LINK_LIFETIME)
    return password_link_mail(user, token, SELF_SERVICE_LINK_LIFETIME)


def find_password_link(token: str) -> PasswordLink | None:
    """The link if it is still good (not used, not expired, the account active)."""
    link = db.session.scalar(
        sa.select(PasswordLink).where(PasswordLink.token_hash == hash_link_token(token))
    )
    if link is None or link.expires_at <= utcnow() or not link.user.active:
        return None
    return link


def use_password_link(link: PasswordLink, password: str) -> User:
    """Set the new password, end every session of the account and spend the link."""
    user = link.user
    set_password(user, password)
    db.session.execute(sa.delete(PasswordLink).where(PasswordLink.user_id == user.id))
    audit.record_for_person(user, "account.password_reset")
    db.session.flush()
    return user
