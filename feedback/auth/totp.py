"""The second factor: TOTP (RFC 6238) with single-use recovery codes, and the policy that
requires it.

The TOTP key is stored encrypted (AES-GCM, key derived from SECRET_KEY with HKDF, the account id
as associated data), so a copy of the database alone does not give anyone the codes. Recovery
codes are stored only as password hashes. Services flush; the views commit.
"""

from __future__ import annotations

import base64
import hmac
import os
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, redirect, request, session, url_for
from flask_login import current_user
from markupsafe import Markup
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from feedback import audit, ratelimit
from feedback.auth.services import WrongPassword, end_all_sessions
from feedback.extensions import db
from feedback.models import Membership, Organisation, RecoveryCode, User
from feedback.models.base import utcnow
from feedback.web.security import STATIC_ENDPOINTS

ISSUER = "Brukerstemmen"
#: Counter scope for wrong codes (and wrong passwords on the second-factor pages), per account.
SCOPE = "second_factor"
#: Roles that must use a second factor where the organisation requires it: administrators and
#: everyone who reads deviation cases (personal data).
ROLES_REQUIRING = ("admin", "quality", "manager")
RECOVERY_CODE_COUNT = 10
#: No 0/o, 1/l/i: easy to read back from paper.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_GROUPS = 3
_RECOVERY_GROUP_LENGTH = 4
#: How long "the password was right" waits for the code.
PENDING_SECONDS = 300
_PENDING = "second_factor_pending"
_KEY_INFO = b"brukerstemmen/totp-secret/v1"
_VERSION = "v1:"


class CodeBlocked(Exception):
    """Too many wrong codes for this account."""

    def __init__(self, minutes: int) -> None:
        super().__init__(minutes)
        self.minutes = minutes


class WrongCode(Exception):
    """The code was not a current TOTP code, not an unused recovery code, or already used."""


class SecondFactorRequired(Exception):
    """The person's organisation requires a second factor; it cannot be turned off."""


# --- the key at rest ---------------------------------------------------------------------------


def _aead(secret_key: str) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO)
    return AESGCM(hkdf.derive(secret_key.encode()))


def _secret_keys() -> list[str]:
    fallbacks = current_app.config.get("SECRET_KEY_FALLBACKS") or []
    return [str(current_app.config["SECRET_KEY"]), *map(str, fallbacks)]


def encrypt_secret(user: User, secret: str) -> str:
    nonce = os.urandom(12)
    sealed = _aead(_secret_keys()[0]).encrypt(nonce, secret.encode(), _associated(user))
    return _VERSION + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt_secret(user: User) -> str | None:
    """The account's TOTP key in the clear (also with a key from SECRET_KEY_FALLBACKS); None
    when there is none or it cannot be opened (SECRET_KEY changed without a fallback)."""
    if user.totp_secret is None:
        return None
    raw = base64.urlsafe_b64decode(user.totp_secret.removeprefix(_VERSION))
    for key in _secret_keys():
        try:
            return _aead(key).decrypt(raw[:12], raw[12:], _associated(user)).decode()
        except InvalidTag:
            continue
    return None


def _associated(user: User) -> bytes:
    # Bound to the account: a sealed key copied to another row does not open.
    return f"user_account:{user.id}".encode()


# --- enrolment ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str

    @property
    def grouped(self) -> str:
        """The key in groups of four, for typing it in by hand."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))

    def qr_svg(self, title: str) -> Markup:
        qr = segno.make(self.uri, error="m")
        svg = qr.svg_inline(scale=4, light="#fff", title=title, svgclass="qr-code", omitsize=True)
        return Markup(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))  # noqa: S704


def start_enrolment(user: User) -> Enrolment:
    """The key being set up (a new one unless an unconfirmed one is waiting)."""
    if user.has_second_factor:
        raise ValueError("TOTP is already on")
    secret = decrypt_secret(user)
    if secret is None:
        secret = pyotp.random_base32()
        user.totp_secret = encrypt_secret(user, secret)
        db.session.flush()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return Enrolment(secret, uri)


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn TOTP on once a code from the app matches; returns the new recovery codes."""
    _take_attempt(user)
    step = _matching_step(decrypt_secret(user), _digits(code))
    if step is None or not _claim_step(user, step):
        raise WrongCode
    ratelimit.give_back(SCOPE, _identity(user), _limit())
    user.totp_enabled_at = utcnow()
    end_all_sessions(user, keep_current=True)
    _record(user, "account.second_factor_on")
    return new_recovery_codes(user)


def new_recovery_codes(user: User) -> list[str]:
    """Replace the recovery codes (the old ones stop working); the codes are returned once."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    method = current_app.config["PASSWORD_HASH_METHOD"]
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        db.session.add(
            RecoveryCode(user_id=user.id, code_hash=generate_password_hash(_plain(code), method))
        )
    db.session.flush()
    return codes


def renew_recovery_codes(user: User, password: str) -> list[str]:
    check_password(user, password)
    _record(user, "account.recovery_codes_renewed")
    return new_recovery_codes(user)


def turn_off(user: User, password: str) -> None:
    """The person turns TOTP off, with the password; not while a policy requires it."""
    if second_factor_required(user):
        raise SecondFactorRequired
    check_password(user, password)
    remove(user)
    end_all_sessions(user, keep_current=True)
    _record(user, "account.second_factor_off")


def remove(user: User) -> None:
    """Take TOTP and the recovery codes off the account (turning off, or an administrator's
    reset after a lost phone)."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()


def remaining_recovery_codes(user: User) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id)
        )
        or 0
    )


def check_password(user: User, password: str) -> None:
    """The account's password again, counted with the wrong codes."""
    _take_attempt(user)
    if not check_password_hash(user.password_hash, password):
        raise WrongPassword
    ratelimit.give_back(SCOPE, _identity(user), _limit())


# --- sign-in -----------------------------------------------------------------------------------


def await_code(user: User) -> None:
    """The password was right: remember only that, for a few minutes, in a fresh session."""
    session.clear()
    session[_PENDING] = {"user": user.id, "stamp": _password_stamp(user), "at": int(time.time())}


def _password_stamp(user: User) -> str:
    """Names the password the step was taken with, without revealing anything of it: a new
    password (or a reset) in between voids the step."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, user.password_hash.encode(), "sha256").hexdigest()[:32]


def pending_user() -> User | None:
    """The account whose password was right a moment ago in this browser, if any."""
    pending = session.get(_PENDING)
    if not isinstance(pending, dict):
        return None
    at, user_id, stamp = pending.get("at"), pending.get("user"), pending.get("stamp")
    if not isinstance(at, int) or not isinstance(user_id, int) or not isinstance(stamp, str):
        return None
    if not 0 <= time.time() - at <= PENDING_SECONDS:
        session.pop(_PENDING, None)
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or not user.has_second_factor:
        return None
    return user if hmac.compare_digest(stamp, _password_stamp(user)) else None


def verify(user: User, code: str) -> bool:
    """Accept a current TOTP code (once) or an unused recovery code (once); else WrongCode.
    Returns whether a recovery code was used."""
    _take_attempt(user)
    digits = _digits(code)
    if len(digits) == 6:
        step = _matching_step(decrypt_secret(user), digits)
        if step is not None and _claim_step(user, step):
            ratelimit.clear(SCOPE, _identity(user), _limit())
            return False
    elif _use_recovery_code(user, _plain(code)):
        ratelimit.clear(SCOPE, _identity(user), _limit())
        _record(user, "account.recovery_code_used")
        return True
    raise WrongCode


# --- policy ------------------------------------------------------------------------------------


def second_factor_required(user: User) -> bool:
    """True when any organisation where the person holds a covered role requires it (the
    strictest of the person's organisations applies)."""
    stmt = sa.select(
        sa.exists().where(
            Membership.user_id == user.id,
            Membership.role.in_(ROLES_REQUIRING),
            Membership.organisation_id == Organisation.id,
            Organisation.require_second_factor.is_(True),
        )
    )
    return bool(db.session.scalar(stmt))


#: Set in a session whose sign-in the organisation's identity provider vouched for (OpenID
#: Connect): the provider asks for its own second factor, so the policy does not ask again.
_BY_PROVIDER = "signed_in_by_provider"


def mark_signed_in_by_provider() -> None:
    """Call right after start_session() for a sign-in through the identity provider."""
    session[_BY_PROVIDER] = True


_OPEN_WHILE_ENROLLING = STATIC_ENDPOINTS | {
    "auth.second_factor",
    "auth.logout",
    "auth.change_password",
    "main.set_language",
}


def require_enrolment() -> Response | None:
    """Until a person whose organisation requires a second factor has set one up, the
    enrolment page is the only page open to them (and signing out, the language)."""
    if request.endpoint in _OPEN_WHILE_ENROLLING or not current_user.is_authenticated:
        return None
    if session.get(_BY_PROVIDER) is True:
        return None
    if current_user.has_second_factor or not second_factor_required(current_user):
        return None
    return redirect(url_for("auth.second_factor"))


# --- helpers -----------------------------------------------------------------------------------


def _record(user: User, action: str) -> None:
    """A change to the person's own sign-in, in the audit log of each of their organisations."""
    audit.record_for_person(user, action)


def _limit() -> str:
    return str(current_app.config["SECOND_FACTOR_ATTEMPT_LIMIT"])


def _identity(user: User) -> str:
    return f"user:{user.id}"


def _take_attempt(user: User) -> None:
    """Count the attempt before it is checked (one atomic step, as the sign-in's): requests
    checked at the same time in two workers could all pass a test that counted afterwards.
    A right answer is given back (or clears the count)."""
    if not ratelimit.take(SCOPE, _identity(user), _limit()):
        raise CodeBlocked(ratelimit.minutes_until_reset(SCOPE, _identity(user), _limit()))


def _digits(code: str) -> str:
    return "".join(c for c in code if not c.isspace() and c != "-")


def _plain(code: str) -> str:
    return "".join(c for c in code.lower() if c in _RECOVERY_ALPHABET)


def _new_recovery_code() -> str:
    groups = (
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_GROUP_LENGTH))
        for _ in range(_RECOVERY_GROUPS)
    )
    return "-".join(groups)


def _matching_step(secret: str | None, code: str) -> int | None:
    """The time step (now, one before or one after) whose code this is."""
    if secret is None or len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // totp.interval
    found = None
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _claim_step(user: User, step: int) -> bool:
    """Record the step as used unless it (or a later one) was used already: one statement, so
    two requests with the same code cannot both pass."""
    result = db.session.execute(
        sa.update(User)
        .where(
            User.id == user.id,
            sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _use_recovery_code(user: User, plain: str) -> bool:
    if len(plain) != _RECOVERY_GROUPS * _RECOVERY_GROUP_LENGTH:
        return False
    codes = db.session.scalars(sa.select(RecoveryCode).where(RecoveryCode.user_id == user.id))
    for code in codes:
        if check_password_hash(code.code_hash, plain):
            # Deleted with one statement: of two requests with the same code, one wins.
            deleted = db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.id == code.id))
            return bool(deleted.rowcount)  # type: ignore[attr-defined]
    return False
