"""Answers so far, kept on the server between the pages of a questionnaire (issue 20).

Every page is sent with POST and answered with a redirect to the next page's address
(POST-redirect-GET), so the browser's Back and Forward only ever load page addresses: each
page shows the answers kept here, and no browser asks to send a form again. That works
without JavaScript and without cookies.

A draft is found by a hash of the one-time form token's nonce, which only the browser that
shows the questionnaire holds (in the page address: the token, never an answer). It holds a
date only, no time of day. It goes when the questionnaire is sent in (in the transaction that
stores the response, respond.services.store), when a kiosk is reset (services.burn), when it
is read after DRAFT_HOURS (the token's own signed time says how old it is), and at the first
``flask schedule`` run after its day (purge).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from feedback.extensions import db
from feedback.form_tokens import NONCE_USED
from feedback.models import AnswerDraft
from feedback.models.base import today
from feedback.questionnaire import runtime

#: A questionnaire's answers so far are kept this long after its form token was made.
DRAFT_HOURS = 3
DRAFT_AGE = timedelta(hours=DRAFT_HOURS)

_TABLE: sa.Table = AnswerDraft.__table__  # type: ignore[assignment]


def key_of(nonce: str) -> str:
    """The draft's key: a hash of the nonce, so the table never holds a form token's nonce."""
    return hashlib.sha256(f"answer-draft:{nonce}".encode()).hexdigest()


@dataclass
class Draft:
    answers: runtime.Answers = field(default_factory=dict)
    #: The page (0-based) the respondent was sent to last.
    page: int = 0
    #: The unit question's form value, if the respondent chooses.
    unit: str | None = None
    #: The access code the questionnaire was opened with.
    code: str | None = None


def is_expired(age: float | None) -> bool:
    """A form token this old (seconds, from its signature) has no draft any more."""
    return age is None or age > DRAFT_AGE.total_seconds()


def _answers(text: str) -> runtime.Answers:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(key): [str(v) for v in values]
        for key, values in data.items()
        if isinstance(values, list)
    }


def read(nonce: str, round_id: int) -> Draft | None:
    """The draft of this form token for this round, else None."""
    row = db.session.execute(
        sa.select(_TABLE.c.answers, _TABLE.c.page, _TABLE.c.unit, _TABLE.c.code).where(
            _TABLE.c.key == key_of(nonce), _TABLE.c.round_id == round_id
        )
    ).first()
    return _draft(row)


def _draft(row: Any) -> Draft | None:
    """The draft in a row of answers, page, unit and code (None for no row, or a NULL page)."""
    if row is None or row.page is None:  # (page is NULL when an outer join found no draft)
        return None
    return Draft(_answers(row.answers), max(int(row.page), 0), row.unit, row.code)


#: Whether a form token was used, and its draft: one row, whose draft columns are NULL when
#: there is no draft (one constant row, joined to the draft if any).
_ONE_ROW = sa.select(sa.literal(1).label("one")).subquery("one_row")
_READ_UNLESS_USED = sa.select(
    NONCE_USED.label("used"), _TABLE.c.answers, _TABLE.c.page, _TABLE.c.unit, _TABLE.c.code
).select_from(
    _ONE_ROW.outerjoin(
        _TABLE,
        sa.and_(_TABLE.c.key == sa.bindparam("key"), _TABLE.c.round_id == sa.bindparam("round_id")),
    )
)


def read_unless_used(nonce: str, round_id: int) -> tuple[bool, Draft | None]:
    """Whether this form token was used (sent in, or reset at a kiosk), and else its draft for
    this round: what a questionnaire page's address needs, in one statement."""
    row = db.session.execute(
        _READ_UNLESS_USED, {"nonce": nonce, "key": key_of(nonce), "round_id": round_id}
    ).one()
    if row.used:
        return True, None
    return False, _draft(row)


def save(nonce: str, round_id: int, draft: Draft) -> None:
    """Keep the answers so far (replacing the draft's earlier state); the caller commits."""
    values = {
        "answers": json.dumps(draft.answers, ensure_ascii=False, sort_keys=True),
        "page": draft.page,
        "unit": draft.unit,
        "code": draft.code,
    }
    key = key_of(nonce)
    changed = db.session.execute(
        sa.update(_TABLE).where(_TABLE.c.key == key, _TABLE.c.round_id == round_id).values(values)
    )
    if not changed.rowcount:  # type: ignore[attr-defined]
        db.session.execute(
            sa.insert(_TABLE).values(key=key, round_id=round_id, created_on=today(), **values)
        )


def delete(nonce: str) -> None:
    """Forget the draft of this form token, if any; the caller commits."""
    db.session.execute(sa.delete(_TABLE).where(_TABLE.c.key == key_of(nonce)))


def purge(current: date | None = None) -> int:
    """Delete the drafts of earlier days (``flask schedule``); today's may still be in use."""
    result = db.session.execute(sa.delete(_TABLE).where(_TABLE.c.created_on < (current or today())))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
