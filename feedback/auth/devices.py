"""OWASP's device cookies ("Slow Down Online Guessing Attacks with Device Cookies").

A browser that has signed in to an account keeps a device cookie naming that account: a random
nonce and an HMAC (SECRET_KEY) over the account's e-mail and the nonce. No client address, no
user agent, and not the e-mail itself (only its HMAC) is in it. Wrong passwords sent with a
valid device cookie are counted for that cookie alone; those sent without one are counted
together as the account's "untrusted clients". So guessing from elsewhere locks out only the
untrusted clients, and the person's own browser still signs in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import Response, after_this_request, current_app, request

#: The cookie's name (only staff who signed in get one).
DEVICE_COOKIE = "enhet"
#: A browser not used to sign in for this long counts as untrusted again.
DEVICE_COOKIE_AGE = timedelta(days=90)
#: Accounts one browser remembers (a shared office computer); the oldest is dropped.
MAX_ACCOUNTS = 5


def _signature(login: str, nonce: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    message = f"device-cookie|{login}|{nonce}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _entries(cookie: str | None) -> list[tuple[str, str]]:
    entries = []
    for entry in (cookie or "").split(":")[:MAX_ACCOUNTS]:
        nonce, _dot, signature = entry.partition(".")
        if nonce and signature:
            entries.append((nonce, signature))
    return entries


def valid_nonce(cookie: str | None, login: str) -> str | None:
    """The nonce of the entry in this device cookie that names the account, if any."""
    for nonce, signature in _entries(cookie):
        if hmac.compare_digest(signature, _signature(login, nonce)):
            return nonce
    return None


def renewed(cookie: str | None, login: str) -> str:
    """The device cookie with a new entry for the account first (its old entry dropped)."""
    nonce = secrets.token_urlsafe(16)
    kept = [
        f"{n}.{s}" for n, s in _entries(cookie) if not hmac.compare_digest(s, _signature(login, n))
    ]
    return ":".join([f"{nonce}.{_signature(login, nonce)}", *kept][:MAX_ACCOUNTS])


def cookie_name() -> str:
    """The device cookie's name: with the __Host- prefix where cookies are HTTPS-only, as the
    session cookie's (config.ProductionConfig)."""
    prefixed = str(current_app.config["SESSION_COOKIE_NAME"]).startswith("__Host-")
    return f"__Host-{DEVICE_COOKIE}" if prefixed else DEVICE_COOKIE


def from_request() -> str | None:
    """This browser's device cookie, if it sent one."""
    return request.cookies.get(cookie_name())


def remember(login: str) -> None:
    """Give this browser a fresh device cookie for the account with the response."""
    value = renewed(from_request(), login)

    @after_this_request
    def set_cookie(response: Response) -> Response:
        response.set_cookie(
            cookie_name(),
            value,
            max_age=int(DEVICE_COOKIE_AGE.total_seconds()),
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
        return response
