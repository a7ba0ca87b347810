"""Helpers for tests of the second factor: turn TOTP on straight in the database, and codes."""

from __future__ import annotations

import time

import pyotp
import sqlalchemy as sa

from feedback.auth import totp
from feedback.extensions import db
from feedback.models import RecoveryCode, User
from feedback.models.base import utcnow


def enrol(user: User) -> tuple[str, list[str]]:
    """Turn TOTP on for the user (in an app context); returns the key and the recovery codes."""
    secret = pyotp.random_base32()
    user.totp_secret = totp.encrypt_secret(user, secret)
    user.totp_enabled_at = utcnow()
    codes = totp.new_recovery_codes(user)
    return secret, codes


def code(secret: str, steps_ahead: int = 0) -> str:
    """The code for now (or a step later, still accepted: ±1 step)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def recovery_code_count(user_id: int) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user_id)
        )
        or 0
    )
