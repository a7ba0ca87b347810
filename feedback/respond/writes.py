"""Storing one response: the form token, the response and its answers, as plain
SQL on the driver's connection (sqlite3 or psycopg) that the caller gives.

This is the one write every respondent makes, so it skips statement building and SQLAlchemy's
execution layer, and asks the database as little as it can. It also checks that the round still
has the state the answers were checked against (``Rows.state``: the revision of its
questionnaire, its status, dates and code requirement, and that the unit does not take answers
only with a code unless one is used), so the answers can be checked against a
copy of the round kept by the worker (respond.cache) without asking the database first:

- PostgreSQL: one statement, so one round trip, and atomic by itself: ``write_alone`` runs it
  in autocommit. Each part follows the round check and the token's INSERT, so a used token or a
  changed round writes nothing.
- SQLite: one statement per table in the caller's transaction; the token's INSERT takes the
  write lock first, so the round check after it cannot be overtaken by another writer.

The response is stored waiting (``published`` false): it is counted in the tallies that
readers see only when a publication takes it (feedback.results.publish). With ``write``, the
caller commits when the outcome is STORED and rolls back otherwise.
"""

from __future__ import annotations

import enum
import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Rows:
    """Everything one response writes, worked out before the first write."""

    response: dict[str, object]
    answers: list[dict[str, object]]
    #: What the round must still be: id, revision, status, opens_on, closes_on, requires_code.
    state: tuple[object, ...]


class Outcome(enum.Enum):
    STORED = "stored"
    #: The round has changed since the answers were checked: nothing was written.
    CHANGED = "changed"
    #: The form token was used already: nothing was written.
    SENT = "sent"
    #: The access code was used already: what was written must be rolled back.
    CODE_USED = "code used"


def write(connection: Any, nonce: str, rows: Rows, code: str | None) -> Outcome:
    """Write on a driver connection (``sqlite3.Connection`` or ``psycopg.Connection``); the
    driver's errors go to the caller."""
    if isinstance(connection, sqlite3.Connection):
        return _on_sqlite(connection, nonce, rows, code)
    return _on_postgresql(connection, nonce, rows, code)


def write_alone(connection: Any, nonce: str, rows: Rows) -> Outcome:
    """``write`` committed by itself, on a connection with no transaction of its own: on
    PostgreSQL the one statement in autocommit (no BEGIN and COMMIT round trips), and the
    connection as it was afterwards, whatever happens; on SQLite committed when stored, else
    rolled back. (An access code is taken in the caller's transaction, with ``write``.)"""
    if isinstance(connection, sqlite3.Connection):
        outcome = write(connection, nonce, rows, None)
        if outcome is Outcome.STORED:
            connection.commit()
        else:
            connection.rollback()
        return outcome
    connection.autocommit = True
    try:
        return write(connection, nonce, rows, None)
    finally:
        connection.autocommit = False


_STATE_KEYS = ("round_id", "revision", "status", "opens_on", "closes_on", "requires_code")
#: Channels that may store answers about a codes-only unit (respond.services.code_needed
#: checks that a code was made for the unit).
CODED_CHANNELS = ("code", "paper")


def _state(rows: Rows) -> dict[str, object]:
    """What the round must still be, and the unit: a codes-only unit takes no answers but by a
    code or on paper (a unit made codes-only after the answers were checked counts as a
    changed round)."""
    return {
        **dict(zip(_STATE_KEYS, rows.state, strict=True)),
        "unit_id": rows.response["unit_id"],
        "coded": rows.response["channel"] in CODED_CHANNELS,
    }


# --- PostgreSQL --------------------------------------------------------------------------------

_POSTGRESQL = """
WITH same_round AS (
    SELECT id FROM survey_round
    WHERE id = %(round_id)s AND revision = %(revision)s AND status = %(status)s
    AND opens_on IS NOT DISTINCT FROM %(opens_on)s::date
    AND closes_on IS NOT DISTINCT FROM %(closes_on)s::date
    AND requires_code = %(requires_code)s
    AND NOT EXISTS (
        SELECT 1 FROM unit WHERE unit.id = %(unit_id)s AND unit.codes_only AND NOT %(coded)s
    )
), new_token AS (
    INSERT INTO used_form_token (nonce, used_on)
    SELECT %(nonce)s, %(submitted_on)s FROM same_round
    ON CONFLICT (nonce) DO NOTHING
    RETURNING nonce
), new_response AS (
    INSERT INTO response (id, round_id, unit_id, channel, submitted_on)
    SELECT %(id)s, %(round_id)s, %(unit_id)s, %(channel)s, %(submitted_on)s FROM new_token
    RETURNING id
), new_answers AS (
    INSERT INTO answer (response_id, question_id, position, value, number)
    SELECT new_response.id, a.question_id, a.position, a.value, a.number
    FROM new_response, jsonb_to_recordset(%(answers)s::jsonb)
        AS a (question_id integer, position integer, value text, number bigint)
)
SELECT (SELECT count(*) FROM same_round), (SELECT count(*) FROM new_token)
"""

_POSTGRESQL_CODE = (
    "UPDATE access_code SET used = true"
    " WHERE code = %(code)s AND round_id = %(round_id)s AND NOT used"
)


def _on_postgresql(connection: Any, nonce: str, rows: Rows, code: str | None) -> Outcome:
    params = {
        **rows.response,
        **_state(rows),
        "nonce": nonce,
        # As JSON: one text parameter each is cheaper to send than arrays of every column.
        "answers": json.dumps(rows.answers),
    }
    same_round, claimed = connection.execute(_POSTGRESQL, params).fetchone()
    if not same_round:
        return Outcome.CHANGED
    if not claimed:
        return Outcome.SENT
    if code is not None and not _take_code(connection, _POSTGRESQL_CODE, code, rows):
        return Outcome.CODE_USED
    return Outcome.STORED


def _take_code(connection: Any, statement: str, code: str, rows: Rows) -> bool:
    """Marks the access code used; False when it was used already."""
    params = {"code": code, "round_id": rows.response["round_id"]}
    return bool(connection.execute(statement, params).rowcount == 1)


# --- SQLite ------------------------------------------------------------------------------------

_SQLITE_CLAIM = "INSERT INTO used_form_token (nonce, used_on) VALUES (:nonce, :submitted_on)"
_SQLITE_ROUND = (
    "SELECT 1 FROM survey_round WHERE id = :round_id AND revision = :revision"
    " AND status = :status AND opens_on IS :opens_on AND closes_on IS :closes_on"
    " AND requires_code = :requires_code"
    " AND NOT EXISTS (SELECT 1 FROM unit WHERE unit.id = :unit_id AND unit.codes_only"
    " AND NOT :coded)"
)
_SQLITE_CODE = (
    "UPDATE access_code SET used = 1 WHERE code = :code AND round_id = :round_id AND NOT used"
)
_SQLITE_RESPONSE = (
    "INSERT INTO response (id, round_id, unit_id, channel, submitted_on)"
    " VALUES (:id, :round_id, :unit_id, :channel, :submitted_on)"
)
_SQLITE_ANSWERS = (
    "INSERT INTO answer (response_id, question_id, position, value, number)"
    " VALUES (:response_id, :question_id, :position, :value, :number)"
)


def _as_stored(values: dict[str, object]) -> dict[str, object]:
    """Dates as SQLAlchemy keeps them in SQLite (ISO text), without the driver's deprecated
    date adapter."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def _on_sqlite(connection: sqlite3.Connection, nonce: str, rows: Rows, code: str | None) -> Outcome:
    response = _as_stored(rows.response)
    try:
        connection.execute(
            _SQLITE_CLAIM, {"nonce": nonce, "submitted_on": response["submitted_on"]}
        )
    except sqlite3.IntegrityError:
        return Outcome.SENT
    if connection.execute(_SQLITE_ROUND, _as_stored(_state(rows))).fetchone() is None:
        return Outcome.CHANGED
    if code is not None and not _take_code(connection, _SQLITE_CODE, code, rows):
        return Outcome.CODE_USED
    connection.execute(_SQLITE_RESPONSE, response)
    if rows.answers:
        connection.executemany(_SQLITE_ANSWERS, rows.answers)
    return Outcome.STORED
