"""Personal data in the reporter's free text: finding it, and blacking it out for good."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from feedback import personal_data
from feedback.deviations.handling import log
from feedback.extensions import db
from feedback.maintenance import needs_rewrite
from feedback.models import Deviation, User


@dataclass
class Flagged:
    """Likely personal data found in one of the reporter's texts."""

    where: str
    finding: personal_data.Finding


def _reporter_texts(case: Deviation) -> list[tuple[str, str]]:
    texts = [("description", case.description), ("suggestion", case.suggestion)]
    texts += [(f"message:{m.position}", m.body) for m in case.messages if m.from_reporter]
    return texts


def flagged(case: Deviation) -> list[Flagged]:
    """Likely personal data (national identity numbers, phones, e-mails) in what the reporter
    wrote, for the quality group to black out."""
    return [
        Flagged(where, finding)
        for where, text in _reporter_texts(case)
        for finding in personal_data.find(text)
    ]


def redact(case: Deviation, actor: User, pieces: Iterable[str]) -> int:
    """Remove these pieces of text wherever the reporter wrote them; returns how many went.

    The text is overwritten in the database (and on SQLite, with secure_delete, on disk).
    """
    chosen = [p for p in pieces if p.strip()]
    total = 0
    case.description, count = personal_data.redact(case.description, chosen)
    total += count
    case.suggestion, count = personal_data.redact(case.suggestion, chosen)
    total += count
    for message in case.messages:
        if message.from_reporter:
            message.body, count = personal_data.redact(message.body, chosen)
            total += count
    if total:
        log(case, actor, "deviation.redact", count=total)
        # The old row versions keep the text in the tables' files until the rewrite.
        needs_rewrite("deviation", "deviation_message")
    return total


def overwrite_freed_space() -> None:
    """After redaction or retention: on SQLite, move the write-ahead log into the database file
    (where secure_delete has overwritten the old text) and empty it, so the removed text is not
    left in the log. PostgreSQL keeps old row versions until VACUUM (autovacuum) reclaims them."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
