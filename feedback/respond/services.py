"""Anonymous answering: who may answer a round, one-time form tokens, access codes, kiosks,
and storing a response exactly once.

What is stored for a response is the round, the unit, the channel, the date and the answers
(DESIGN.md rules 1-2). Nothing here reads the client address, the user agent or the time of day.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NoReturn, TypeVar

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import orm
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from feedback import answering, ratelimit
from feedback.designer import services as designer
from feedback.extensions import db
from feedback.ids import parse_id
from feedback.models import (
    AccessCode,
    Organisation,
    Question,
    SurveyPage,
    SurveyRound,
    SurveySeries,
    Unit,
    UsedFormToken,
    User,
)
from feedback.models.base import today
from feedback.models.survey import random_token
from feedback.respond import cache, writes

#: The unit question's form field, and its value for "I would rather not say".
UNIT_FIELD = "enhet"
NO_UNIT = "ingen"
#: Set in the WSGI environ when a request is answered again, against the round as it is now,
#: because the round changed between checking the answers and storing them.
RECHECK = "feedback.respond.recheck"
#: Set in the WSGI environ when respond.front tried to store the answers and the database
#: failed: Flask shows the page that keeps them, without trying again.
STORE_FAILED = "feedback.respond.store_failed"

#: A questionnaire can be left open this long and still be sent in.
FORM_TOKEN_AGE = timedelta(days=2)
#: Used tokens are kept a little longer than a token lives, then deleted.
USED_TOKEN_DAYS = 3
#: Access codes are printed as XXXX-XXXX; 31 letters and digits give about 8.5e11 codes.
CODE_LENGTH = 8
MAX_CODES_PER_BATCH = 500
#: Kiosk idle time bounds, in seconds.
KIOSK_IDLE_DEFAULT = 120
KIOSK_IDLE_MIN = 30
KIOSK_IDLE_MAX = 1800


class NotAccepted(Exception):
    """The answers cannot be taken now; ``message`` says why in plain language."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


class AlreadySent(Exception):
    """This questionnaire (form token) has already been sent in."""


class StoreFailed(Exception):
    """The database did not take the answers; the respondent may try again."""


#: What a respondent reads where a place takes answers only with an access code.
CODES_ONLY = _l(
    "This place takes responses with a one-time code only. If you have been given a card with"
    " a code, you can type it here. Ask the staff or the quality group if you have not been"
    " given a code."
)


class CodeNeeded(NotAccepted):
    """The answers are about a codes-only unit and came without a code made for it."""

    def __init__(self) -> None:
        super().__init__(CODES_ONLY)


class RoundChanged(NotAccepted):
    """The round changed after the answers were checked against it: nothing was stored. Check
    them again against the round as it is now (``questionnaire(…, recheck=True)``); what
    ``message`` says if it changed once more while doing that."""

    def __init__(self) -> None:
        super().__init__(
            _l("The questionnaire was changed just now. Check your answers and send again.")
        )


# --- rounds ------------------------------------------------------------------------------------


#: What tells whether a kept copy of a round (respond.cache) is still current.
_STATE = (
    SurveyRound.id,
    SurveyRound.revision,
    SurveyRound.status,
    SurveyRound.opens_on,
    SurveyRound.closes_on,
    SurveyRound.requires_code,
)


_ROUND = SurveyRound.__table__
_SERIES = SurveySeries.__table__
_UNIT = Unit.__table__
#: Built once: the round's state and its organisation's active units, by the link's token.
_LOOKUP = (
    sa.select(
        *(_ROUND.c[column.key] for column in _STATE),
        _UNIT.c.id.label("unit_id"),
        _UNIT.c.name.label("unit_name"),
        _UNIT.c.codes_only.label("unit_codes_only"),
    )
    .select_from(
        _ROUND.join(_SERIES, _SERIES.c.id == _ROUND.c.series_id).outerjoin(
            _UNIT,
            sa.and_(_UNIT.c.organisation_id == _SERIES.c.organisation_id, _UNIT.c.active),
        )
    )
    .where(_ROUND.c.public_token == sa.bindparam("token"))
    .order_by(_UNIT.c.name)
)


def round_state(round_: SurveyRound) -> tuple[object, ...]:
    return tuple(getattr(round_, column.key) for column in _STATE)


def _with_questionnaire(stmt: sa.Select[SurveyRound]) -> sa.Select[SurveyRound]:
    """Everything a questionnaire page reads (pages, questions, options, the organisation) in
    four queries instead of one lazy query per question."""
    return stmt.options(
        orm.joinedload(SurveyRound.series).joinedload(SurveySeries.organisation),
        orm.selectinload(SurveyRound.pages)
        .selectinload(SurveyPage.questions)
        .selectinload(Question.options),
    )


def _detached_round(round_id: int) -> SurveyRound | None:
    """The round and its questionnaire, loaded in a session of its own and detached from it,
    with every relationship the pages read already in place."""
    with orm.Session(db.engine) as private:
        round_ = private.scalar(
            _with_questionnaire(sa.select(SurveyRound).where(SurveyRound.id == round_id))
        )
        if round_ is None:
            return None
        for page in round_.pages:
            page.round  # noqa: B018 - loads the many-to-one from the identity map
            for question in page.questions:
                question.page, question.round, question.condition_question  # noqa: B018
                for option in question.options:
                    option.question  # noqa: B018
        private.expunge_all()
    return round_


def _schedule_due(status: str, opens_on: date | None, closes_on: date | None) -> bool:
    """The round's schedule says it should open or close today and it has not yet."""
    current = today()
    return (status == "open" and closes_on is not None and closes_on < current) or (
        status == "awaiting_approval" and opens_on is not None and opens_on <= current
    )


@dataclass(frozen=True)
class UnitChoice:
    """A unit as respondents see it: enough to choose it and to store it with the answers."""

    id: int
    name: str
    #: Answers about it need an access code made for it (Unit.codes_only).
    codes_only: bool = False


@dataclass(frozen=True)
class Questionnaire:
    """What a public link opens: the round with its questionnaire, and the units to choose."""

    round: SurveyRound
    units: list[UnitChoice]


@dataclass(frozen=True)
class _Kept:
    #: When the copy must be checked against the database again (cache.clock).
    check_by: float
    questionnaire: Questionnaire

    def fresh(self) -> bool:
        """The copy may be used without asking the database: checked recently enough, and its
        schedule has not fallen due since (a date has passed). Needs no app context."""
        round_ = self.questionnaire.round
        return cache.clock() < self.check_by and not _schedule_due(
            round_.status, round_.opens_on, round_.closes_on
        )


def questionnaire(token: str, *, recheck: bool = False) -> Questionnaire | None:
    """The round behind a public link, with its questionnaire and the units to choose.

    Usually a copy kept by this process (respond.cache), which must only be read. It is
    checked against the database in one query when PUBLIC_RECHECK_SECONDS have passed since
    the last check, or with ``recheck`` (a request answered again because the round changed
    under it; storing checks the round itself, see respond.writes). When the schedule is due,
    or the copy does not match what this session sees, the round is loaded into the session
    instead.
    """
    memo = cache.rounds()
    kept: _Kept | None = memo.get(token)
    if kept is not None and not recheck and kept.fresh():
        return kept.questionnaire
    rows = db.session.execute(_LOOKUP, {"token": token}).all()
    if not rows:
        return None
    first = rows[0]
    state = tuple(first[: len(_STATE)])
    units = [
        UnitChoice(row.unit_id, row.unit_name, bool(row.unit_codes_only))
        for row in rows
        if row.unit_id is not None
    ]
    if not _schedule_due(first.status, first.opens_on, first.closes_on):
        round_ = kept.questionnaire.round if kept is not None else None
        if round_ is None or round_state(round_) != state:
            round_ = _detached_round(first.id)
        if round_ is not None and round_state(round_) == state:
            found = Questionnaire(round_, units)
            check_by = cache.clock() + current_app.config["PUBLIC_RECHECK_SECONDS"]
            memo.put(token, _Kept(check_by, found))
            return found
    # is_open applies the schedule to this round; a change not yet committed is seen here.
    attached = db.session.scalar(
        _with_questionnaire(sa.select(SurveyRound).where(SurveyRound.public_token == token))
    )
    return Questionnaire(attached, units) if attached is not None else None


def kept_questionnaire(token: str) -> Questionnaire | None:
    """This process's copy of the questionnaire behind a public link while it may be used
    without asking the database (see questionnaire), else None. Never queries."""
    kept: _Kept | None = cache.rounds().get(token)
    return kept.questionnaire if kept is not None and kept.fresh() else None


def freshness(round_: SurveyRound) -> Callable[[], bool] | None:
    """For this process's kept copy of a round: a check that it is still fresh (see
    _Kept.fresh), for pages made from it (respond.front). None for any other round."""
    kept: _Kept | None = cache.rounds().get(round_.public_token)
    if kept is None or kept.questionnaire.round is not round_:
        return None
    return kept.fresh


def is_kept_copy(round_: SurveyRound) -> bool:
    """True for a round from respond.cache (detached): its pages may be rendered once and kept."""
    return sa.inspect(round_).detached


def organisation_of(round_: SurveyRound) -> Organisation:
    return round_.series.organisation


def is_open(round_: SurveyRound) -> bool:
    """Open for answers today. Applies the schedule first when a date may have passed."""
    due = _schedule_due(round_.status, round_.opens_on, round_.closes_on)
    if due and designer.apply_schedule(organisation_of(round_), today()):
        db.session.commit()
    return round_.status == "open"


def closed_message(round_: SurveyRound) -> object:
    if round_.status in ("draft", "awaiting_approval"):
        return _l("This questionnaire is not open yet.")
    return _l("This questionnaire is closed. Thank you for wanting to answer.")


def units_to_choose(round_: SurveyRound) -> list[Unit]:
    """The places a respondent can say the answers are about (active units, by name)."""
    return list(
        db.session.scalars(
            sa.select(Unit)
            .where(Unit.organisation_id == organisation_of(round_).id, Unit.active.is_(True))
            .order_by(Unit.name)
        )
    )


_Unit = TypeVar("_Unit", bound="Unit | UnitChoice")


def unit_answered(units: Sequence[_Unit], value: str) -> tuple[bool, _Unit | None]:
    """The unit question's form value read against the units to choose from: (answered, the
    unit). "I would rather not say" is answered with no unit; anything else that is not one
    of them is not answered."""
    if value == NO_UNIT:
        return True, None
    chosen = parse_id(value)
    unit = next((u for u in units if u.id == chosen), None)
    return unit is not None, unit


def unit_of(round_: SurveyRound, unit_id: int | None) -> Unit | None:
    """The organisation's active unit with this id, else None."""
    if unit_id is None:
        return None
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.organisation_id != organisation_of(round_).id or not unit.active:
        return None
    return unit


# --- one-time form tokens ----------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _token_serializer(secret: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=purpose)


def one_time_token(purpose: str, scope: int | str, secret: str | None = None) -> str:
    """A signed token for one form being filled in (a questionnaire, a deviation report). Its
    nonce is stored only when the form is sent in, never with what was sent."""
    serializer = _token_serializer(secret or current_app.config["SECRET_KEY"], purpose)
    return serializer.dumps({"r": scope, "n": secrets.token_hex(16)})


@dataclass
class FormToken:
    nonce: str | None
    #: True when the token was good but too old: the person keeps what they wrote and a new one.
    expired: bool = False
    #: An expired token that was sent in long ago (a very late reload): nothing to do.
    sent: bool = False


def read_one_time_token(purpose: str, scope: int | str, token: str | None) -> FormToken:
    if not token:
        return FormToken(None)
    serializer = _token_serializer(current_app.config["SECRET_KEY"], purpose)
    expired = False
    try:
        data = serializer.loads(token, max_age=int(FORM_TOKEN_AGE.total_seconds()))
    except SignatureExpired as error:
        # Still ours: its nonce tells whether it was sent in already.
        if not isinstance(error.payload, bytes):
            return FormToken(None)
        try:
            data, expired = serializer.load_payload(error.payload), True
        except BadSignature:  # BadPayload
            return FormToken(None)
    except BadSignature:
        return FormToken(None)
    if not isinstance(data, dict) or data.get("r") != scope or not isinstance(data.get("n"), str):
        return FormToken(None)
    if expired:
        return FormToken(None, expired=True, sent=is_used(data["n"]))
    return FormToken(data["n"])


ANSWERING = "answering-form"


def new_form_token(round_: SurveyRound) -> str:
    return one_time_token(ANSWERING, round_.id)


def form_token_for(secret: str, round_id: int) -> str:
    """A questionnaire's form token without an app context (respond.front)."""
    return one_time_token(ANSWERING, round_id, secret)


def read_form_token(round_: SurveyRound, token: str | None) -> FormToken:
    return read_one_time_token(ANSWERING, round_.id, token)


_USED_TOKEN = sa.select(sa.literal(1)).where(
    UsedFormToken.__table__.c.nonce == sa.bindparam("nonce")  # type: ignore[attr-defined]
)


def is_used(nonce: str) -> bool:
    return db.session.execute(_USED_TOKEN, {"nonce": nonce}).first() is not None


def burn(nonce: str) -> None:
    """Mark a questionnaire as finished without answers (a kiosk reset), so nothing of it can
    be brought back by Back or a reload."""
    if is_used(nonce):
        return
    db.session.add(UsedFormToken(nonce=nonce, used_on=today()))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


_INSERT_USED_TOKEN = sa.insert(UsedFormToken.__table__)  # type: ignore[arg-type]


def claim(nonce: str) -> None:
    """Mark a form's token as used in the transaction that stores what was sent.

    Raises AlreadySent when it was used (a double-click, a reload, a replay, or a second request
    at the same time), StoreFailed when the database fails; the session is rolled back then.
    """
    try:
        db.session.execute(_INSERT_USED_TOKEN, {"nonce": nonce, "used_on": today()})
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


# --- kiosks ------------------------------------------------------------------------------------


def _kiosk_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="kiosk")


@dataclass
class Kiosk:
    round: SurveyRound
    unit: Unit | None
    idle_seconds: int


def kiosk_key(round_: SurveyRound, unit: Unit | None, idle_seconds: int) -> str:
    """The signed part of a kiosk address: round, unit and idle time, nothing else."""
    return _kiosk_serializer().dumps(
        {"r": round_.id, "u": unit.id if unit else None, "i": idle_seconds}
    )


def _kiosk_data(key: str) -> tuple[int, int | None, int] | None:
    """(round id, unit id, idle seconds) of a kiosk address, from its signature alone."""
    try:
        data = _kiosk_serializer().loads(key)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    round_id, unit_id, idle = data.get("r"), data.get("u"), data.get("i")
    # The key was signed here after the form checked the bounds; tests sign shorter times.
    if not isinstance(round_id, int) or not isinstance(idle, int) or idle <= 0:
        return None
    return round_id, unit_id if isinstance(unit_id, int) else None, idle


def kiosk_idle_seconds(key: str) -> int | None:
    """A kiosk address's idle time, without the database."""
    data = _kiosk_data(key)
    return data[2] if data else None


def read_kiosk(key: str) -> Kiosk | None:
    data = _kiosk_data(key)
    if data is None:
        return None
    round_id, unit_id, idle = data
    round_ = db.session.get(SurveyRound, round_id)
    if round_ is None:
        return None
    return Kiosk(round_, unit_of(round_, unit_id), idle)


# --- access codes ------------------------------------------------------------------------------


def normalise_code(text: str) -> str:
    """What someone typed, as stored: lower case, no spaces or dashes."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def show_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}".upper()


def make_codes(round_: SurveyRound, count: int, unit: Unit | None) -> int:
    """Make ``count`` new codes as one batch; returns the batch number."""
    batch = (
        db.session.scalar(
            sa.select(sa.func.max(AccessCode.batch)).where(AccessCode.round_id == round_.id)
        )
        or 0
    ) + 1
    made: set[str] = set()
    while len(made) < count:
        code = random_token(CODE_LENGTH)
        if code not in made and db.session.get(AccessCode, code) is None:
            made.add(code)
    # Sorted, so the stored order says nothing about the order in which they were made.
    for code in sorted(made):
        db.session.add(AccessCode(code=code, round_id=round_.id, batch=batch, unit=unit))
    db.session.flush()
    return batch


def code_batches(round_: SurveyRound) -> list[tuple[int, Unit | None, int, int | None]]:
    """(batch, unit, codes, used) per batch. How many codes of a batch were used is shown only
    for a batch of at least k codes (None for a smaller one): "1 of 2 used" would tell whoever
    handed out the two codes that one of those two people answered (DESIGN.md rule 3)."""
    k = organisation_of(round_).min_group_size
    rows = db.session.execute(
        sa.select(
            AccessCode.batch,
            AccessCode.unit_id,
            sa.func.count(),
            sa.func.sum(sa.case((AccessCode.used.is_(True), 1), else_=0)),
        )
        .where(AccessCode.round_id == round_.id)
        .group_by(AccessCode.batch, AccessCode.unit_id)
        .order_by(AccessCode.batch)
    ).all()
    return [
        (
            batch,
            db.session.get(Unit, unit_id) if unit_id else None,
            count,
            int(used or 0) if count >= k else None,
        )
        for batch, unit_id, count, used in rows
    ]


def batch_codes(round_: SurveyRound, batch: int) -> list[AccessCode]:
    return list(
        db.session.scalars(
            sa.select(AccessCode)
            .where(AccessCode.round_id == round_.id, AccessCode.batch == batch)
            .order_by(AccessCode.code)
        )
    )


def code_limit() -> str:
    """Wrong access codes allowed per code prefix and window (never per client address)."""
    return str(current_app.config["ACCESS_CODE_PREFIX_LIMIT"])


def code_group(text: str) -> str:
    """The counter a typed access code's failures count in (its prefix)."""
    return ratelimit.code_group(normalise_code(text), CODE_LENGTH)


def find_code(text: str) -> AccessCode | None:
    code = normalise_code(text)
    if len(code) != CODE_LENGTH:
        return None
    return db.session.get(AccessCode, code)


# --- storing -----------------------------------------------------------------------------------

#: Channels that may store answers about a codes-only unit: a code (made for that unit), and
#: paper forms, typed in by the quality group or an administrator (fieldwork edit access).
CODED_CHANNELS = writes.CODED_CHANNELS


def code_needed(
    unit: Unit | UnitChoice | None, channel: str, code_unit_id: int | None = None
) -> bool:
    """True when answers about ``unit`` may not be stored this way: the unit takes answers
    only with an access code made for it (Unit.codes_only), and this is no such code."""
    if unit is None or not unit.codes_only or channel == "paper":
        return False
    return not (channel == "code" and code_unit_id == unit.id)


def rows_to_store(
    round_: SurveyRound,
    answers: answering.Answers,
    unit: Unit | UnitChoice | None,
    channel: str,
) -> writes.Rows:
    """What one response writes (``store``; bench/skeleton.py writes the same), with a new
    random id and today's date."""
    unit_id = unit.id if unit else None
    response_id = secrets.token_hex(16)
    by_key = {q.key: q for q in round_.questions}
    rows: list[dict[str, object]] = []
    for key, values in answers.items():
        question = by_key[key]
        pairs = [(value, answering.number_value(question, value)) for value in values]
        rows += [
            {
                "response_id": response_id,
                "question_id": question.id,
                "position": position,
                "value": value,
                "number": number,
            }
            for position, (value, number) in enumerate(pairs)
        ]
    return writes.Rows(
        {
            "id": response_id,
            "round_id": round_.id,
            "unit_id": unit_id,
            "channel": channel,
            "submitted_on": today(),
        },
        rows,
        round_state(round_),
    )


def store(
    round_: SurveyRound,
    answers: answering.Answers,
    *,
    unit: Unit | UnitChoice | None,
    channel: str,
    nonce: str,
    code: str | None = None,
) -> None:
    """Store one response with its answers, all or nothing, exactly once per form token.

    Raises AlreadySent when the token was used (double-click, reload, replay or a second
    request that ran at the same time), RoundChanged when the round is no longer as the
    answers were checked against, CodeNeeded when the unit takes answers only with a code made
    for it, NotAccepted when the code is used up, and StoreFailed when the database fails. (The
    write itself refuses a codes-only unit without a code, as a changed round, so a kept copy
    that does not know yet that the unit became codes-only stores nothing.)
    """
    if unit is not None and unit.codes_only:
        code_unit = (
            db.session.scalar(sa.select(AccessCode.unit_id).where(AccessCode.code == code))
            if code
            else None
        )
        if code_needed(unit, channel, code_unit):
            raise CodeNeeded()
    # Everything is worked out before the first write: on SQLite the write lock is held from
    # the first INSERT to the commit, and other workers wait for it.
    rows = rows_to_store(round_, answers, unit, channel)
    session = db.session
    if code is None and not session().in_transaction():
        outcome = _write_alone(nonce, rows)
    else:
        # A session that has begun goes on in its own transaction, which sees its own changes
        # (the demo data, paper entry); so does an access code, taken in the same transaction.
        try:
            driver = session.connection().connection.driver_connection
            outcome = writes.write(driver, nonce, rows, code)
            if outcome is writes.Outcome.STORED:
                session.commit()
            else:
                session.rollback()
        except (SQLAlchemyError, db.engine.dialect.loaded_dbapi.Error) as error:
            _roll_back(session)
            _store_failed(error)
    if outcome is writes.Outcome.SENT:
        raise AlreadySent()
    if outcome is writes.Outcome.CHANGED:
        raise RoundChanged()
    if outcome is writes.Outcome.CODE_USED:
        raise NotAccepted(_l("This code has already been used."))


def _write_alone(nonce: str, rows: writes.Rows) -> writes.Outcome:
    """The write on a pooled connection of its own, straight on the driver (writes.write_alone).
    On a driver error the connection is dropped, not given back: nothing half done is used
    again, and the pool connects anew."""
    try:
        pooled = db.engine.raw_connection()
    except SQLAlchemyError as error:
        _store_failed(error)
    try:
        return writes.write_alone(pooled.driver_connection, nonce, rows)
    except db.engine.dialect.loaded_dbapi.Error as error:
        pooled.invalidate(error)
        _store_failed(error)
    finally:
        pooled.close()


def _roll_back(session: orm.scoped_session[Any]) -> None:
    """Roll back after a failed write. The driver's error went past SQLAlchemy, so a lost
    connection is found here: it is dropped rather than given back to the pool."""
    try:
        session.rollback()
    except SQLAlchemyError:
        session().invalidate()


def _store_failed(error: Exception) -> NoReturn:
    current_app.logger.warning("answers could not be stored: %s", type(error).__name__)
    raise StoreFailed() from error


# --- fieldwork ---------------------------------------------------------------------------------


def set_codes_only(round_: SurveyRound, unit: Unit, on: bool, actor: User | None) -> bool:
    """Take answers about a unit only with access codes made for it (or by link again); for
    every round, since it is the unit's setting. Logged on the round it was set from. Returns
    whether anything changed."""
    if unit.codes_only == on:
        return False
    unit.codes_only = on
    designer.log_round(round_, actor, "round.codes_only", unit=unit.name, codes_only=on)
    db.session.flush()
    return True
