"""One-time form tokens: a signed token in every anonymous form (a questionnaire, a deviation
report, a reporter's reply), whose nonce is stored when the form is sent in, so a double-click,
a reload or a replay stores it once.

``claim`` is the one way a form's token is used up: answering and deviation reports both call
it, first thing in the transaction that stores what was sent. The nonce is stored alone, with
a date only, never beside what was sent.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from feedback.extensions import db
from feedback.models import UsedFormToken
from feedback.models.base import today

#: A form can be left open this long and still be sent in.
FORM_TOKEN_AGE = timedelta(days=2)
#: Used tokens are kept a little longer than a token lives, then deleted.
USED_TOKEN_DAYS = 3


class AlreadySent(Exception):
    """This form (its token) has already been sent in."""


class StoreFailed(Exception):
    """The database did not take what was sent; the person may try again."""


@functools.cache
def _serializer(secret: str, purpose: str) -> URLSafeTimedSerializer:
    """One serializer per secret and purpose: a handful, kept like the app's other pure lookups
    (functools.cache); the one bounded cache is results.tally.kept, whose keys keep changing."""
    return URLSafeTimedSerializer(secret, salt=purpose)


def one_time_token(purpose: str, scope: int | str) -> str:
    """A signed token for one form being filled in, for ``purpose`` within ``scope`` (a round,
    an organisation, a case)."""
    serializer = _serializer(current_app.config["SECRET_KEY"], purpose)
    return serializer.dumps({"r": scope, "n": secrets.token_hex(16)})


@dataclass
class FormToken:
    nonce: str | None
    #: True when the token was good but too old: the person keeps what they wrote and a new one.
    expired: bool = False
    #: An expired token that was sent in long ago (a very late reload): nothing to do.
    sent: bool = False
    #: Seconds since the token was made (None when it could not be read).
    age: float | None = None


def read_one_time_token(purpose: str, scope: int | str, token: str | None) -> FormToken:
    """The token's nonce when it is ours, for this purpose and scope, and younger than
    FORM_TOKEN_AGE; else why not."""
    if not token or len(token) > 500:
        return FormToken(None)
    serializer = _serializer(current_app.config["SECRET_KEY"], purpose)
    expired = False
    try:
        data, signed = serializer.loads(
            token, max_age=int(FORM_TOKEN_AGE.total_seconds()), return_timestamp=True
        )
    except SignatureExpired as error:
        # Still ours: its nonce tells whether it was sent in already.
        if not isinstance(error.payload, bytes):
            return FormToken(None)
        try:
            data, expired, signed = serializer.load_payload(error.payload), True, error.date_signed
        except BadSignature:  # BadPayload
            return FormToken(None)
    except BadSignature:
        return FormToken(None)
    if not isinstance(data, dict) or data.get("r") != scope or not isinstance(data.get("n"), str):
        return FormToken(None)
    age = (datetime.now(UTC) - signed).total_seconds()
    if expired:
        return FormToken(None, expired=True, sent=is_used(data["n"]), age=age)
    return FormToken(data["n"], age=age)


def scope_of(purpose: str, token: str | None) -> int | str | None:
    """The scope a token of ours was made for (a round's id, say), whatever its age; else None.
    Read it with read_one_time_token against that scope."""
    if not token or len(token) > 500:
        return None
    serializer = _serializer(current_app.config["SECRET_KEY"], purpose)
    try:
        data = serializer.loads(token)
    except BadSignature:
        return None
    scope = data.get("r") if isinstance(data, dict) else None
    return scope if isinstance(scope, (int, str)) and not isinstance(scope, bool) else None


_USED = UsedFormToken.__table__
_IS_USED = sa.select(sa.literal(1)).where(_USED.c.nonce == sa.bindparam("nonce"))
#: True when the nonce bound as ``nonce`` was used: for a statement that reads something else in
#: the same trip to the database (respond.drafts.read_unless_used).
NONCE_USED = sa.exists().where(_USED.c.nonce == sa.bindparam("nonce"))
_INSERT_USED = sa.insert(UsedFormToken)


def is_used(nonce: str) -> bool:
    return db.session.execute(_IS_USED, {"nonce": nonce}).first() is not None


def claim(nonce: str) -> None:
    """Use up a form's token, in the transaction that stores what was sent: call it before any
    other write, and commit that transaction.

    Raises AlreadySent when it was used (a double-click, a reload, a replay, or a second request
    at the same time: the unique nonce lets one of them through), StoreFailed when the
    database fails; the session is rolled back then.
    """
    try:
        db.session.execute(_INSERT_USED, {"nonce": nonce, "used_on": today()})
    except IntegrityError as error:
        db.session.rollback()
        raise AlreadySent() from error
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.warning("a form could not be stored: %s", type(error).__name__)
        raise StoreFailed() from error


def purge_used_tokens(current: date | None = None) -> int:
    """Delete used tokens older than any token that could still be sent in."""
    limit = (current or today()) - timedelta(days=USED_TOKEN_DAYS)
    result = db.session.execute(sa.delete(UsedFormToken).where(UsedFormToken.used_on < limit))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def commit_sent(what: str) -> None:
    """Commit the request's transaction that claimed a form's token and stored what the form
    sent: all of it or nothing. StoreFailed (rolled back) when the database fails. Views call it
    at the edge, after the service stored; ``what`` names it in the log ("answers", "a report").
    """
    try:
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.warning("%s could not be stored: %s", what, type(error).__name__)
        raise StoreFailed() from error
