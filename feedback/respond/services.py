"""Anonymous answering: who may answer a round, one-time form tokens, access codes, kiosks,
and storing a response exactly once.

What is stored for a response is the round, the unit, the channel, the date and the answers
(docs/design.md rules 1-2). Nothing here reads the client address, the user agent or the time
of day.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import cast

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import orm
from sqlalchemy.exc import SQLAlchemyError

from feedback import ratelimit
from feedback.codes import normalise_code
from feedback.designer import schedule
from feedback.extensions import db
from feedback.form_tokens import AlreadySent as AlreadySent
from feedback.form_tokens import FormToken as FormToken
from feedback.form_tokens import StoreFailed as StoreFailed
from feedback.form_tokens import claim as claim
from feedback.form_tokens import is_used as is_used
from feedback.form_tokens import one_time_token as one_time_token
from feedback.form_tokens import purge_used_tokens as purge_used_tokens
from feedback.form_tokens import read_one_time_token as read_one_time_token
from feedback.ids import parse_id
from feedback.models import (
    AccessCode,
    Answer,
    Organisation,
    Question,
    Response,
    SurveyPage,
    SurveyRound,
    SurveySeries,
    Unit,
)
from feedback.models.base import today
from feedback.models.survey import NO_UNIT_CHOICE
from feedback.questionnaire import runtime
from feedback.respond import drafts

#: The unit question's form field.
UNIT_FIELD = "enhet"

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


# --- rounds ------------------------------------------------------------------------------------


#: A round's pages, questions and options joined to the round's own row: one statement (one
#: row per option) instead of one per level, for a request that shows or checks a page. The
#: result needs ``unique()``, which also reads every row (a plain ``first()`` would not).
_QUESTIONNAIRE = (
    orm.joinedload(SurveyRound.pages).joinedload(SurveyPage.questions).joinedload(Question.options)
)
#: The round behind a public link, with its series and organisation in the same query. Built
#: once, so that each request only binds the token.
_BY_TOKEN = (
    sa.select(SurveyRound)
    .where(SurveyRound.public_token == sa.bindparam("token"))
    .options(orm.joinedload(SurveyRound.series).joinedload(SurveySeries.organisation))
)
_BY_TOKEN_WITH_QUESTIONNAIRE = _BY_TOKEN.options(_QUESTIONNAIRE)


def load_questionnaire(round_: SurveyRound) -> None:
    """Load the round's pages, questions and options unless they are loaded already (a round
    read with ``questionnaire(token, with_pages=True)`` has them). The entry address's
    redirect, the thank-you page and the code page need none of them."""
    if "pages" not in sa.inspect(round_).unloaded:
        return
    db.session.scalars(
        sa.select(SurveyRound).where(SurveyRound.id == round_.id).options(_QUESTIONNAIRE)
    ).unique().all()


class Questionnaire:
    """What a public link opens: the round with its questionnaire, and the units to choose
    (read when first asked for: the thank-you page needs none)."""

    def __init__(self, round_: SurveyRound) -> None:
        self.round = round_

    @cached_property
    def units(self) -> list[Unit]:
        return units_to_choose(self.round)


def questionnaire(token: str, *, with_pages: bool = False) -> Questionnaire | None:
    """The round behind a public link, with its organisation, and (``with_pages``) its pages,
    questions and options."""
    stmt = _BY_TOKEN_WITH_QUESTIONNAIRE if with_pages else _BY_TOKEN
    round_ = db.session.scalars(stmt, {"token": token}).unique().one_or_none()
    if round_ is None:
        return None
    return Questionnaire(round_)


def organisation_of(round_: SurveyRound) -> Organisation:
    return round_.series.organisation


def keep_schedule(round_: SurveyRound) -> bool:
    """Apply the schedule when one of the round's dates has passed (flushed, not committed:
    the view commits when this says something changed)."""
    return schedule.keep_current(round_, today())


def closed_message(round_: SurveyRound) -> object:
    return _closed_message(round_.status)


def _closed_message(status: str) -> object:
    if status in ("draft", "awaiting_approval"):
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


def unit_answered(units: Sequence[Unit], value: str) -> tuple[bool, Unit | None]:
    """The unit question's form value read against the units to choose from: (answered, the
    unit). "I would rather not say" is answered with no unit; anything else that is not one
    of them is not answered."""
    if value == NO_UNIT_CHOICE:
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


# --- one-time form tokens (feedback.form_tokens) ---------------------------------------------

ANSWERING = "answering-form"


def new_form_token(round_: SurveyRound) -> str:
    return one_time_token(ANSWERING, round_.id)


def read_form_token(round_: SurveyRound, token: str | None) -> FormToken:
    return read_one_time_token(ANSWERING, round_.id, token)


def burn(nonce: str) -> None:
    """Mark a questionnaire as finished without answers (a kiosk reset), so nothing of it can
    be brought back by Back or a reload: its token is used up and its draft deleted. The view
    commits (form_tokens.commit_sent)."""
    with contextlib.suppress(AlreadySent):
        claim(nonce)
    try:
        drafts.delete(nonce)
    except SQLAlchemyError as error:
        db.session.rollback()
        raise StoreFailed() from error


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
CODED_CHANNELS = ("code", "paper")
#: Paper questionnaires may be typed in after the round closed; respondents answer open rounds.
PAPER_STATUSES = ("open", "closed")


def code_needed(unit: Unit | None, channel: str, code_unit_id: int | None = None) -> bool:
    """True when answers about ``unit`` may not be stored this way: the unit takes answers
    only with an access code made for it (Unit.codes_only), and this is no such code."""
    if unit is None or not unit.codes_only or channel == "paper":
        return False
    return not (channel == "code" and code_unit_id == unit.id)


def _rows(
    round_: SurveyRound, answers: runtime.Answers, unit: Unit | None, channel: str
) -> tuple[dict[str, object], list[dict[str, object]]]:
    """What one response writes: the response (a new random id, today's date) and its
    answers."""
    response_id = secrets.token_hex(16)
    by_key = {q.key: q for q in round_.questions}
    rows: list[dict[str, object]] = []
    for key, values in answers.items():
        question = by_key[key]
        rows += [
            {
                "response_id": response_id,
                "question_id": question.id,
                "position": position,
                "value": value,
                "number": runtime.number_value(question, value),
            }
            for position, value in enumerate(values)
        ]
    response = {
        "id": response_id,
        "round_id": round_.id,
        "unit_id": unit.id if unit else None,
        "channel": channel,
        "submitted_on": today(),
    }
    return response, rows


_ROUND = SurveyRound.__table__
_UNIT = Unit.__table__
_CODE = AccessCode.__table__
#: Core inserts on the tables: one executemany for all answers, whatever their values.
_INSERT_RESPONSE = sa.insert(cast(sa.Table, Response.__table__))
_INSERT_ANSWER = sa.insert(cast(sa.Table, Answer.__table__))


def _refusal(
    round_id: int, unit_id: int | None, channel: str, code: str | None
) -> NotAccepted | None:
    """Why the round, as it is now in the database, does not take these answers (else None);
    an access code is taken here. Runs after the form token's claim, in its transaction."""
    # The unit's codes-only setting comes in the same statement as the round's state.
    unit_codes_only = (
        sa.select(_UNIT.c.codes_only).where(_UNIT.c.id == unit_id).scalar_subquery()
        if unit_id is not None and channel != "paper"
        else sa.false()
    )
    row = db.session.execute(
        sa.select(
            _ROUND.c.status,
            _ROUND.c.closes_on,
            _ROUND.c.requires_code,
            unit_codes_only.label("codes_only"),
        ).where(_ROUND.c.id == round_id)
    ).first()
    if row is None:
        return NotAccepted(_closed_message("closed"))
    if channel == "paper":
        if row.status not in PAPER_STATUSES:
            return NotAccepted(_closed_message(row.status))
    elif row.status != "open" or schedule.past_closing(row.closes_on, today()):
        return NotAccepted(_closed_message(row.status if row.status != "open" else "closed"))
    if row.requires_code and channel in ("link", "unit_link"):
        return CodeNeeded()
    if row.codes_only:  # (false for paper and when no unit was chosen)
        code_unit = (
            db.session.scalar(sa.select(_CODE.c.unit_id).where(_CODE.c.code == code))
            if channel == "code" and code
            else None
        )
        if code_unit != unit_id:
            return CodeNeeded()
    if code is not None:
        taken = db.session.execute(
            sa.update(AccessCode)
            .where(
                AccessCode.code == code,
                AccessCode.round_id == round_id,
                AccessCode.used.is_(False),
            )
            .values(used=True)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return NotAccepted(_l("This code has already been used."))
    return None


def store(
    round_: SurveyRound,
    answers: runtime.Answers,
    *,
    unit: Unit | None,
    channel: str,
    nonce: str,
    code: str | None = None,
) -> None:
    """Store one response with its answers, all or nothing, exactly once per form token, in
    the request's transaction; the view commits it (form_tokens.commit_sent).

    In this order: the form token is claimed (AlreadySent when it was used: a double-click,
    a reload, a replay, or a second request at the same time); the round must still take the
    answers (NotAccepted when it closed meanwhile, CodeNeeded when the unit takes answers only
    with a code made for it); the access code is taken (NotAccepted when used up); then the
    response and its answers are written, waiting for a publication (``published`` false: the
    tallies are not touched, see feedback.results.publish), and the questionnaire's draft
    (respond.drafts) is deleted. StoreFailed when the database fails. Nothing is stored
    unless everything is: the claim is undone when the answers are refused.
    """
    response, rows = _rows(round_, answers, unit, channel)
    claim(nonce)
    session = db.session
    try:
        refused = _refusal(round_.id, response["unit_id"], channel, code)  # type: ignore[arg-type]
        if refused is None:
            session.execute(_INSERT_RESPONSE, response)
            if rows:
                session.execute(_INSERT_ANSWER, rows)
            drafts.delete(nonce)
            return
        session.rollback()
    except SQLAlchemyError as error:
        session.rollback()
        current_app.logger.warning("answers could not be stored: %s", type(error).__name__)
        raise StoreFailed() from error
    raise refused
