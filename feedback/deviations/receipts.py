"""Receipt codes: the reporter's only key to a case. Only a slow hash of the code is stored,
in a small bucket (the first characters of a fast hash) so a typed code is checked against a
few cases, not all; unknown and wrong codes cost the same time."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from feedback import ratelimit
from feedback.codes import normalise_code
from feedback.extensions import db
from feedback.models import Deviation

RECEIPT_LENGTH = 16
#: Scope of the counters of wrong receipt codes (one per code prefix).
RECEIPT_SCOPE = "receipt"


def receipt_bucket(code: str) -> str:
    """The bucket a receipt code is stored in: 4096 buckets, so one holds few cases."""
    return hashlib.sha256(code.encode()).hexdigest()[:3]


def receipt_hash(code: str) -> str:
    """The slow hash stored for a receipt code (the code itself is never stored)."""
    return generate_password_hash(code, method=current_app.config["PASSWORD_HASH_METHOD"])


#: Compared against when no case is in the bucket, so an unknown code costs the same time as a
#: wrong one.
_DUMMY: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY:
        _DUMMY[method] = generate_password_hash("no-such-receipt", method=method)
    return _DUMMY[method]


def find_by_receipt(text: str) -> Deviation | None:
    """The case whose receipt code this is, else None (unknown and wrong codes alike)."""
    code = normalise_code(text)
    if len(code) != RECEIPT_LENGTH:
        check_password_hash(_dummy_hash(), code)
        return None
    candidates = list(
        db.session.scalars(
            sa.select(Deviation).where(
                Deviation.receipt_bucket == receipt_bucket(code),
                Deviation.receipt_hash.is_not(None),
            )
        )
    )
    found = None
    for case in candidates:
        if case.receipt_hash and check_password_hash(case.receipt_hash, code):
            found = case
    if not candidates:
        check_password_hash(_dummy_hash(), code)
    return found


def receipt_limit() -> str:
    """Wrong receipt codes allowed per code prefix and window (never per client address)."""
    return str(current_app.config["RECEIPT_PREFIX_LIMIT"])


def receipt_group(text: str) -> str:
    """The counter a typed receipt code's failures count in (its prefix)."""
    return ratelimit.code_group(normalise_code(text), RECEIPT_LENGTH)
