"""Daily upkeep that anonymity needs from the database itself (DESIGN.md rule 2: no ordering).

PostgreSQL keeps a table's rows in its heap in the order they came in, and stamps each row
version with the number of the transaction that wrote it (the ``xmin`` system column). So,
without an ORDER BY, ``SELECT * FROM response`` lists responses in the order they were sent,
and the access code a respondent used carries the same transaction number as that respondent's
response: the storage itself would link codes to responses and tell the order within a day.

SQLite stores the same tables WITHOUT ROWID (``NO_ROWID`` in the models): their rows live in the
order of their random keys, and there is no transaction stamp, so there is nothing to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from feedback.extensions import db

#: PostgreSQL error codes after which a table is left for the next run: lock not available
#: (lock_timeout) and deadlock detected.
_BUSY = frozenset({"55P03", "40P01"})


def anonymous_tables() -> list[sa.Table]:
    """The tables that hold what respondents and anonymous reporters leave behind (responses,
    answers, access codes, used form tokens, tallies, deviation reports and their threads and
    notices): the models store exactly these WITHOUT ROWID on SQLite."""
    return [
        table
        for table in db.metadata.sorted_tables
        if table.dialect_options["sqlite"].get("with_rowid") is False
    ]


@dataclass
class Reordered:
    #: Tables now stored in the order of their primary key.
    tables: list[str] = field(default_factory=list)
    #: Tables that were busy for longer than the lock timeout; the next run takes them.
    skipped: list[str] = field(default_factory=list)


def reorder_anonymous_tables(lock_timeout_seconds: int = 10) -> Reordered:
    """On PostgreSQL, rewrite every anonymous table so that its rows lie in the order of their
    random primary key and all carry the transaction number of this run. Does nothing on
    SQLite. Call it with no transaction open in the session (it commits its own work).

    Each table is first updated in place (every row gets a new version written by one
    transaction, so the transaction numbers no longer tell rows apart), then ``CLUSTER``-ed on
    its primary key index (the new versions are written out in key order, old versions are
    dropped, indexes rebuilt). ``CLUSTER`` alone would keep each row's original transaction
    number; the update alone would keep the arrival order.

    The window that remains: rows that come in after a run stay in arrival order, with their
    own transaction numbers, until the next run, so run it daily (``flask schedule`` from cron,
    at night: each table is locked against writing, then also reading, while it is rewritten;
    100,000 responses with 700,000 answers took about 20 seconds in all on a small, busy
    two-core test machine, so a response sent meanwhile waits that long). A table that cannot
    be locked within ``lock_timeout_seconds`` (a long report running) is skipped rather than
    making respondents queue behind the wait. Keep ``track_commit_timestamp`` off in
    PostgreSQL: with it on, a row's transaction number would tell the time it was written
    until the next run.

    Below what queries can see: a transaction that was running during the rewrite keeps the
    replaced row versions on disk until the next VACUUM, and free text long enough to be
    stored out of line (TOAST, about 2 kB) keeps the value numbers it got on arrival.
    """
    result = Reordered()
    if db.engine.dialect.name != "postgresql":
        return result
    with db.engine.connect() as connection:
        for table in anonymous_tables():
            try:
                _rewrite_in_key_order(connection, table, lock_timeout_seconds)
            except OperationalError as error:
                if getattr(error.orig, "sqlstate", None) not in _BUSY:
                    raise
                result.skipped.append(table.name)
            else:
                result.tables.append(table.name)
    return result


def _rewrite_in_key_order(connection: Connection, table: sa.Table, lock_timeout: int) -> None:
    quote = connection.dialect.identifier_preparer
    name = quote.format_table(table)
    index = quote.quote(str(table.primary_key.name))
    timeout = sa.text(f"SET LOCAL lock_timeout = '{int(lock_timeout)}s'")
    key = table.primary_key.columns.values()[0]
    with connection.begin():
        connection.execute(timeout)
        # Writers wait (readers do not) while every row gets its new version: taking the table
        # first means no row-by-row waiting, and no deadlock with a response updating tallies.
        connection.execute(sa.text(f"LOCK TABLE {name} IN EXCLUSIVE MODE"))
        connection.execute(sa.update(table).values({key: key}))
    # A separate transaction: CLUSTER keeps row versions its own transaction replaced.
    with connection.begin():
        connection.execute(timeout)
        connection.execute(sa.text(f"CLUSTER {name} USING {index}"))
