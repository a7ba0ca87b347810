"""Upkeep that anonymity needs from the database itself (docs/design.md rule 2: no ordering), run by
``flask schedule`` every hour.

PostgreSQL keeps a table's rows in its heap in the order they came in, and stamps each row
version with the number of the transaction that wrote it (the ``xmin`` system column). So,
without an ORDER BY, ``SELECT * FROM response`` (and a ``pg_dump``) lists responses in the order
they were sent, and the access code a respondent used carries the same transaction number as
that respondent's response: the storage itself would link codes to responses and tell the order
within a day. And an UPDATE leaves the old row version in the table's files until VACUUM, so a
redacted text stays on disk.

Three steps, each a function of its own:

* :func:`rewrite_recent_rows`, every run: the rows of the current date (and of the date of the
  previous run) are deleted and inserted again in random order, all in one transaction. After
  it, every such row of a table carries the same transaction number and lies in random order
  among them.
* :func:`queue_daily_reorder`, the first run of a date from ``REORDER_HOUR`` on: every anonymous
  table is queued for a whole rewrite.
* :func:`rewrite_pending_tables`, every run: the queued tables (daily, or after a redaction or
  retention, see :func:`needs_rewrite`) are rewritten whole in the order of their random keys
  (UPDATE, then CLUSTER: new files, old versions and old TOAST chunks dropped).

SQLite stores the same tables WITHOUT ROWID (``NO_ROWID`` in the models): their rows live in the
order of their random keys, there is no transaction stamp, and ``secure_delete`` overwrites
removed text, so there is nothing to do. What remains on PostgreSQL (the write-ahead log,
replicas, backups taken between runs) is in docs/anonymity-in-the-database.md.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from feedback.extensions import db
from feedback.models import MaintenanceRun, PendingRewrite, Response
from feedback.models.base import NORWAY, today

#: PostgreSQL error codes after which a table is left for the next run: lock not available
#: (lock_timeout) and deadlock detected.
_BUSY = frozenset({"55P03", "40P01"})

#: The rounds that got a response since the previous run (``:rounds``, worked out once per run):
#: their used codes and tallies may have changed (a code is used in the same transaction that
#: stores its response).
_ROUNDS_WITH_NEWS = "round_id = ANY(:rounds)"

#: Per anonymous table, the rows that may have been written since the previous run (``:since``
#: is the date of that run). Rows that refer to a rewritten row (answers to a response, the
#: thread of a case) are rewritten with it, so they need no rule of their own.
#:
#: The form token comes first, as in every anonymous write (form_tokens.claim is the first write
#: of respond.services.store and of a deviation report or reply), so a run and a respondent
#: never wait for each other crosswise (a deadlock, which PostgreSQL would end by failing one of
#: them): a respondent that claimed its token before the run locks ``used_form_token`` finishes
#: (access code, response, answers) before the run goes on, and once the run holds
#: ``used_form_token``, every new response waits for the run's commit. (Tallies are written by
#: a publication, feedback.results.publish, never by a respondent.)
RECENT_ROWS: dict[str, str] = {
    "used_form_token": "used_on >= :since",
    "response": "submitted_on >= :since",
    # Counts are updated in place by each response, so a row's stamp is its last respondent's.
    "response_tally": _ROUNDS_WITH_NEWS,
    "answer_tally": _ROUNDS_WITH_NEWS,
    "access_code": "used AND " + _ROUNDS_WITH_NEWS,
    "deviation": "received_on >= :since",
    # Replies to older cases.
    "deviation_message": "sent_on >= :since",
    # A short queue, emptied by ``flask send-notices``: all of it.
    "deviation_notice": "true",
    # Answers so far of questionnaires being filled in (respond.drafts): today's at most.
    "answer_draft": "created_on >= :since",
}


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
    #: Tables rewritten (whole, or their recent rows).
    tables: list[str] = field(default_factory=list)
    #: Tables that were busy for longer than the lock timeout; the next run takes them.
    skipped: list[str] = field(default_factory=list)
    #: Tables rewritten whole while a transaction older than the rewrite still ran (in any
    #: database of the server): CLUSTER kept the old row versions that transaction might read,
    #: so a queued table stays queued for the next run.
    kept_old_versions: list[str] = field(default_factory=list)


def _on_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def _is_busy(error: OperationalError) -> bool:
    return getattr(error.orig, "sqlstate", None) in _BUSY


def _lock_timeout(connection: Connection, seconds: int) -> None:
    connection.execute(sa.text(f"SET LOCAL lock_timeout = '{int(seconds)}s'"))


# --- the rows of the current date ------------------------------------------------------------


def rewrite_recent_rows(lock_timeout_seconds: int = 3, current: date | None = None) -> Reordered:
    """On PostgreSQL, delete the rows of :data:`RECENT_ROWS` (and the rows that refer to them)
    and insert them again in random order, all in one transaction. Does nothing on SQLite.
    Call it with no transaction open in the session.

    The rows are those of the current date and of the date of the previous run (so the rows of
    the last hour before midnight are not left out). Each table goes in a savepoint of its own,
    so that a table busy for longer than ``lock_timeout_seconds`` (its rows stay as they are)
    can be left for the next run; a savepoint writes with a (sub)transaction number of its
    own, so every rewritten row of one table carries the same number, and no two tables share
    one. Each table is locked against writing (not reading) from its turn to the commit: new
    responses wait for the whole run (see bench/README.md for how long), hence the short lock
    timeout. When a table is skipped the date of the run is not recorded, so the next run
    takes that date's rows again.
    """
    result = Reordered()
    if not _on_postgresql():
        return result
    current = current or today()
    tables = db.metadata.tables
    with db.engine.connect() as connection, connection.begin():
        _lock_timeout(connection, lock_timeout_seconds)
        last = connection.scalar(
            sa.select(MaintenanceRun.done_on).where(MaintenanceRun.step == "recent")
        )
        since = min(last or current, current)
        rounds = list(
            connection.scalars(
                sa.select(Response.round_id).where(Response.submitted_on >= since).distinct()
            )
        )
        params = {"since": since, "rounds": rounds}
        for name, where in RECENT_ROWS.items():
            try:
                with connection.begin_nested():
                    _shuffle(connection, tables[name], where, params)
            except OperationalError as error:
                if not _is_busy(error):
                    raise
                result.skipped.append(name)
            else:
                result.tables.append(name)
        if not result.skipped:
            _record(connection, "recent", current)
    return result


def _referring(table: sa.Table) -> Iterator[tuple[sa.Table, sa.ForeignKey]]:
    """The tables whose rows refer to this table's rows, and their children, parents first."""
    for child in db.metadata.sorted_tables:
        for key in child.foreign_keys:
            if key.column.table is table and child is not table:
                yield child, key
                yield from _referring(child)


def _shuffle(connection: Connection, table: sa.Table, where: str, params: dict[str, Any]) -> None:
    """Move the chosen rows of ``table``, and the rows referring to them, through temporary
    tables: delete them (children first, so no ON DELETE action fires), insert them again
    parents first, each table's rows in random order."""
    # The SQL is built from the metadata's names, quoted, and the constant RECENT_ROWS; the
    # date is a bound parameter.
    quote = connection.dialect.identifier_preparer
    family = [(table, None), *_referring(table)]
    names = ", ".join(quote.format_table(member) for member, _key in family)
    # Writers wait (readers do not): no row comes or goes between the copy and the delete.
    connection.execute(sa.text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
    copies = {member.name: quote.quote(f"rewrite_{member.name}") for member, _key in family}
    for member, key in family:
        real, copy = quote.format_table(member), copies[member.name]
        if key is None:
            chosen = where
        else:
            parent = copies[key.column.table.name]
            chosen = (
                f"{quote.quote(key.parent.name)} IN"  # noqa: S608 - see above
                f" (SELECT {quote.quote(key.column.name)} FROM {parent})"
            )
        connection.execute(sa.text(f"CREATE TEMPORARY TABLE {copy} (LIKE {real}) ON COMMIT DROP"))
        connection.execute(
            sa.text(f"INSERT INTO {copy} SELECT * FROM {real} WHERE {chosen}"),  # noqa: S608
            params,
        )
        # Row counts for the planner: the DELETE below joins on the copy.
        connection.execute(sa.text(f"ANALYZE {copy}"))
    for member, _key in reversed(family):
        same_key = " AND ".join(
            f"t.{quote.quote(c.name)} = c.{quote.quote(c.name)}" for c in member.primary_key
        )
        connection.execute(
            sa.text(
                f"DELETE FROM {quote.format_table(member)} AS t"  # noqa: S608
                f" USING {copies[member.name]} AS c WHERE {same_key}"
            )
        )
    for member, _key in family:
        connection.execute(
            sa.text(
                f"INSERT INTO {quote.format_table(member)}"  # noqa: S608
                f" SELECT * FROM {copies[member.name]} ORDER BY random()"
            )
        )
    # A table may come again in this transaction (a case's thread, then the day's replies).
    connection.execute(sa.text("DROP TABLE " + ", ".join(copies.values())))


def _record(connection: Connection, step: str, done_on: date) -> None:
    insert = postgresql.insert(MaintenanceRun).values(step=step, done_on=done_on)
    connection.execute(
        insert.on_conflict_do_update(index_elements=["step"], set_={"done_on": done_on})
    )


# --- whole tables ------------------------------------------------------------------------------


def needs_rewrite(*table_names: str) -> None:
    """Queue these tables for a whole rewrite by the next ``flask schedule`` run, in the current
    transaction: call it where text is removed (redaction, retention). Nothing on SQLite, where
    secure_delete has already overwritten the text."""
    if not _on_postgresql():
        return
    rows = [{"table_name": name} for name in table_names]
    db.session.execute(postgresql.insert(PendingRewrite).values(rows).on_conflict_do_nothing())


def queue_daily_reorder(now: datetime | None = None) -> bool:
    """The first time it is called on a date from ``REORDER_HOUR`` (Norwegian time) on, queue
    every anonymous table for a whole rewrite; True if it did. Nothing on SQLite."""
    if not _on_postgresql():
        return False
    now = now or datetime.now(NORWAY)
    if now.hour < current_app.config["REORDER_HOUR"]:
        return False
    with db.engine.connect() as connection, connection.begin():
        last = connection.scalar(
            sa.select(MaintenanceRun.done_on)
            .where(MaintenanceRun.step == "reorder")
            .with_for_update()
        )
        if last is not None and last >= now.date():
            return False
        rows = [{"table_name": table.name} for table in anonymous_tables()]
        connection.execute(postgresql.insert(PendingRewrite).values(rows).on_conflict_do_nothing())
        _record(connection, "reorder", now.date())
    return True


def rewrite_pending_tables(lock_timeout_seconds: int = 10) -> Reordered:
    """Rewrite the tables :func:`needs_rewrite` and :func:`queue_daily_reorder` queued (see
    :func:`reorder_anonymous_tables`) and take them off the queue. Nothing on SQLite."""
    if not _on_postgresql():
        return Reordered()
    with db.engine.connect() as connection:
        pending = set(connection.scalars(sa.select(PendingRewrite.table_name)))
    tables = [table for table in db.metadata.sorted_tables if table.name in pending]
    return reorder_anonymous_tables(lock_timeout_seconds, tables)


def reorder_anonymous_tables(
    lock_timeout_seconds: int = 10,
    tables: Iterable[sa.Table] | None = None,
    wait_seconds: float = 30,
) -> Reordered:
    """On PostgreSQL, rewrite these tables (every anonymous table by default) so that their
    rows lie in the order of their primary key and all carry the transaction number of this
    run, and take them off the queue of :func:`needs_rewrite`. Does nothing on SQLite. Call it
    with no transaction open in the session (it commits its own work).

    Each table is first updated in place (every row gets a new version written by one
    transaction, so the transaction numbers no longer tell rows apart), then ``CLUSTER``-ed on
    its primary key index (the new versions are written to new files in key order, the old
    files with every old row version and TOAST chunk are dropped, indexes rebuilt).
    ``CLUSTER`` alone would keep each row's original transaction number; the update alone would
    keep the arrival order and the old versions.

    ``CLUSTER`` copies the old versions that a transaction still running might read: one that
    began before the update, in any database of the server (its number holds back every
    snapshot). So before it, the rewrite waits until no such transaction runs, for up to
    ``wait_seconds`` in all; if one still runs, the table is rewritten anyway but stays queued
    (``kept_old_versions``). Transactions of other database users are seen only through their
    transaction numbers, not through snapshots they hold without one.

    Each table is locked against writing, then also reading, while it is rewritten: 100,000
    responses with 700,000 answers took about 40 seconds in all on a small, busy two-core test
    machine (bench/README.md), so it runs once a day at night (:func:`queue_daily_reorder`),
    and the hourly runs rewrite only the rows of the current date
    (:func:`rewrite_recent_rows`). A table that cannot be locked within
    ``lock_timeout_seconds`` (a long report running) is skipped, and stays queued, rather than
    making respondents queue behind the wait.

    Below what queries can see: free text long enough to be stored out of line (TOAST, about
    2 kB) keeps the value number it got when last inserted.
    """
    result = Reordered()
    if not _on_postgresql():
        return result
    deadline = time.monotonic() + wait_seconds
    with db.engine.connect() as connection:
        for table in anonymous_tables() if tables is None else tables:
            try:
                settled = _rewrite_in_key_order(connection, table, lock_timeout_seconds, deadline)
            except OperationalError as error:
                if not _is_busy(error):
                    raise
                result.skipped.append(table.name)
                continue
            result.tables.append(table.name)
            if not settled:
                result.kept_old_versions.append(table.name)
    return result


def _rewrite_in_key_order(
    connection: Connection, table: sa.Table, lock_timeout: int, deadline: float
) -> bool:
    """Rewrite one table; False if an older transaction made CLUSTER keep old versions."""
    quote = connection.dialect.identifier_preparer
    name = quote.format_table(table)
    index = quote.quote(str(table.primary_key.name))
    key = table.primary_key.columns.values()[0]
    with connection.begin():
        _lock_timeout(connection, lock_timeout)
        # Writers wait (readers do not) while every row gets its new version: taking the table
        # first means no row-by-row waiting, and no deadlock with a response updating tallies.
        connection.execute(sa.text(f"LOCK TABLE {name} IN EXCLUSIVE MODE"))
        connection.execute(sa.update(table).values({key: key}))
        written = int(connection.scalar(sa.text("SELECT pg_current_xact_id()::text")) or 0)
    settled = _older_transactions_ended(connection, written, deadline)
    # A separate transaction: CLUSTER keeps row versions its own transaction replaced. Off the
    # queue in the same transaction, so a redaction that comes after it queues the table again.
    with connection.begin():
        _lock_timeout(connection, lock_timeout)
        connection.execute(sa.text(f"CLUSTER {name} USING {index}"))
        if settled:
            connection.execute(
                sa.delete(PendingRewrite).where(PendingRewrite.table_name == table.name)
            )
    return settled


#: True when no transaction that began before ``:xid`` still runs: none holds a number up to it
#: (in any database), and no session of this database holds a snapshot taken before it.
_OLDER_ENDED = sa.text(
    "SELECT pg_snapshot_xmin(pg_current_snapshot()) > CAST(CAST(:xid AS text) AS xid8)"
    " AND NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()"
    " AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL"
    " AND age(backend_xmin) >= age(CAST(CAST(:xid32 AS text) AS xid)))"
)


def _older_transactions_ended(connection: Connection, xid: int, deadline: float) -> bool:
    while True:
        # A transaction of its own each time: pg_stat_activity is read once per transaction.
        with connection.begin():
            ended = connection.scalar(_OLDER_ENDED, {"xid": xid, "xid32": xid % 2**32})
        if ended or time.monotonic() >= deadline:
            return bool(ended)
        time.sleep(0.2)
