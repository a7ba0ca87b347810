"""The hourly rewrite of the current date's anonymous rows, and the rewrite a redaction queues
(docs/design.md rules 2 and 4; feedback/maintenance.py), read from PostgreSQL's system columns and
from the table files on disk.

Between runs, rows lie in arrival order and each carries the number of the transaction that
wrote it, so a used access code shares it with its response; after a redaction the old row
version keeps the text in the table's files. SQLite stores these tables WITHOUT ROWID and
overwrites removed text (secure_delete), so these tests run on PostgreSQL only.
"""

from __future__ import annotations

import glob
import os
import secrets
import string
import threading
from datetime import datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback.deviations.categories import categories
from feedback.deviations.receiving import NewReport, reporter_reply, submit
from feedback.deviations.redaction import redact
from feedback.extensions import db
from feedback.fieldwork import services as fieldwork
from feedback.maintenance import (
    RECENT_ROWS,
    anonymous_tables,
    needs_rewrite,
    queue_daily_reorder,
    reorder_anonymous_tables,
    rewrite_recent_rows,
)
from feedback.models import (
    MaintenanceRun,
    Organisation,
    PendingRewrite,
    SurveyRound,
    Unit,
    User,
)
from feedback.models.base import NORWAY, today
from feedback.personal_data import REDACTED
from feedback.respond import drafts
from feedback.respond import services as respond
from feedback.results import texts
from tests import factories
from tests.conftest import TEST_DATABASE_URL
from tests.shared import publish_now
from tests.world import Survey, document, make_round

on_postgresql = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="PostgreSQL's heap order, xmin and table files"
)

#: Responses sent by access code: the chance that a random order of 30 rows is the order they
#: came in (or any other one order given beforehand) is 1/30!, about 4e-33.
RESPONSES = 30


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    # With mail on, reports and replies queue notices.
    return {"MAIL_SERVER": "127.0.0.1"}


def _rows(query: str, **params: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in db.session.execute(sa.text(query), params)]


def test_every_anonymous_table_is_rewritten_hourly() -> None:
    """Each anonymous table has a rule for its recent rows, or refers to one that has (answers
    go with their response, a case's thread with the case)."""
    from feedback.maintenance import _referring

    tables = {table.name: table for table in anonymous_tables()}
    reached = set(RECENT_ROWS)
    for name in RECENT_ROWS:
        reached |= {child.name for child, _key in _referring(tables[name])}
    assert set(tables) <= reached


def _send_by_code(app: Flask, survey: Survey) -> list[str]:
    """RESPONSES responses by access code, and a deviation report with a reply; returns the
    codes in the order they were used."""
    with app.app_context():
        round_ = db.session.get(SurveyRound, survey.round_id)
        unit = db.session.get(Unit, survey.units["Aktivitetshuset"])
        organisation = db.session.get(Organisation, survey.org_id)
        assert round_ is not None and organisation is not None
        fieldwork.make_codes(round_, RESPONSES, unit)
        db.session.commit()
        # One earlier response, published: the tallies readers see have rows to rewrite.
        respond.store(round_, {"listened": ["3"]}, unit=unit, channel="link", nonce="f" * 32)
        db.session.commit()
        publish_now(round_.id)
        round_ = db.session.get(SurveyRound, survey.round_id)
        assert round_ is not None
        codes = sorted(code.code for code in fieldwork.batch_codes(round_, 1))
        for number, code in enumerate(codes):
            answers = {
                "listened": [str(1 + number % 5)],
                "group": ["yes" if number % 2 else "no"],
                "food": ["good" if number % 3 else "bad"],
            }
            respond.store(
                round_, answers, unit=unit, channel="code", nonce=f"{number:032d}", code=code
            )
            db.session.commit()
        category = categories(organisation)[0]
        case, _ = submit(
            organisation,
            NewReport("service_user", unit, today(), category, "Beskrivelse."),
            nonce="report",
        )
        db.session.commit()
        reporter_reply(case, "Et svar.", nonce="reply")
        db.session.commit()
        # Two questionnaires still being filled in.
        for number in range(2):
            drafts.save(f"draft{number}", round_.id, drafts.Draft({"listened": ["2"]}, 1))
        db.session.commit()
    return codes


#: Today's rows of each table the hourly run rewrites, with their system columns.
TODAYS = {
    "response": "SELECT ctid, xmin::text, id FROM response",
    "answer": "SELECT ctid, xmin::text, response_id FROM answer",
    "access_code": "SELECT ctid, xmin::text, code FROM access_code WHERE used",
    "used_form_token": "SELECT ctid, xmin::text, nonce FROM used_form_token",
    "response_tally": "SELECT ctid, xmin::text, channel FROM response_tally",
    "answer_tally": "SELECT ctid, xmin::text, value FROM answer_tally",
    "deviation": "SELECT ctid, xmin::text, id FROM deviation",
    "deviation_message": "SELECT ctid, xmin::text, body FROM deviation_message",
    "deviation_notice": "SELECT ctid, xmin::text, kind FROM deviation_notice",
    "answer_draft": "SELECT ctid, xmin::text, key FROM answer_draft",
}


def _contents() -> dict[str, list[tuple[Any, ...]]]:
    return {
        table.name: sorted(map(tuple, db.session.execute(sa.select(table))), key=repr)
        for table in anonymous_tables()
    }


def _in_storage_order(query: str) -> list[Any]:
    """The last column of the rows in the order they lie in the table's files."""
    return [row[-1] for row in sorted(_rows(query), key=lambda row: _ctid(row[0]))]


def _ctid(text: str) -> tuple[int, int]:
    page, item = text.strip("()").split(",")
    return int(page), int(item)


@on_postgresql
def test_the_hourly_run_unlinks_codes_and_shuffles_the_days_rows(
    app: Flask,
    survey: Survey,
) -> None:
    codes = _send_by_code(app, survey)
    code_of = "SELECT r.id, c.code FROM response r JOIN access_code c ON c.xmin = r.xmin"
    with app.app_context():
        arrived = _rows("SELECT id FROM response")
        # The gap this closes: arrival order, and each used code linked to its own response.
        assert _in_storage_order(TODAYS["access_code"]) == codes
        assert len(_rows(code_of)) == RESPONSES
        assert sorted(code for _id, code in _rows(code_of)) == codes
        before = _contents()
        for name, query in TODAYS.items():
            assert _rows(query), f"{name} is empty: the test would prove nothing there"
        db.session.commit()

        result = rewrite_recent_rows()
        assert result.skipped == []
        assert set(result.tables) == set(RECENT_ROWS)

        # Not a row lost, added or changed.
        assert _contents() == before
        # One transaction wrote every row of the day, each table in a savepoint of its own (so
        # a busy table can be skipped) with a number of its own: in each table every row of the
        # day carries the same number, and a used code's is no response's.
        stamps = {name: {row[1] for row in _rows(query)} for name, query in TODAYS.items()}
        assert all(len(numbers) == 1 for numbers in stamps.values()), stamps
        assert _rows(code_of) == []
        # A dump (or SELECT without ORDER BY) lists them in an order that is neither the order
        # they came in nor the order of their keys.
        listed = _rows("SELECT id FROM response")
        assert listed != arrived
        assert listed != sorted(arrived)
        assert _in_storage_order(TODAYS["response"]) == [row[0] for row in listed]
        assert _in_storage_order(TODAYS["access_code"]) not in (codes, codes[::-1])
        answers = _in_storage_order(TODAYS["answer"])
        assert answers != sorted(answers, key=[row[0] for row in arrived].index)
        assert db.session.get(MaintenanceRun, "recent").done_on == today()  # type: ignore[union-attr]


@on_postgresql
def test_the_first_run_of_a_date_takes_the_previous_dates_rows_too(
    app: Flask,
    survey: Survey,
) -> None:
    """The rows that came in during the last hour before midnight are rewritten by the first
    run after it, then left to the daily whole-table rewrite."""
    _send_by_code(app, survey)
    tomorrow = today() + timedelta(days=1)

    def stamps() -> set[str]:
        with app.app_context():
            return {row[1] for row in _rows(TODAYS["response"])}

    with app.app_context():
        rewrite_recent_rows()
    first = stamps()
    with app.app_context():
        rewrite_recent_rows(current=tomorrow)
    second = stamps()
    with app.app_context():
        rewrite_recent_rows(current=tomorrow)
    assert len(first) == len(second) == 1
    assert second != first
    assert stamps() == second


@on_postgresql
def test_a_busy_table_is_left_for_the_next_hourly_run(
    app: Flask,
    survey: Survey,
) -> None:
    _send_by_code(app, survey)
    holding = threading.Event()
    done = threading.Event()

    def respondent_mid_transaction() -> None:
        with app.app_context(), db.engine.connect() as connection, connection.begin():
            connection.execute(sa.text("LOCK TABLE used_form_token IN ROW EXCLUSIVE MODE"))
            holding.set()
            done.wait(timeout=30)

    writer = threading.Thread(target=respondent_mid_transaction)
    writer.start()
    try:
        assert holding.wait(timeout=10)
        with app.app_context():
            before = _rows(TODAYS["used_form_token"])
            result = rewrite_recent_rows(lock_timeout_seconds=1)
    finally:
        done.set()
        writer.join(timeout=10)
    assert result.skipped == ["used_form_token"]
    assert set(result.tables) == set(RECENT_ROWS) - {"used_form_token"}
    with app.app_context():
        assert _rows(TODAYS["used_form_token"]) == before
        # So the next run takes this date again, even after midnight.
        assert db.session.get(MaintenanceRun, "recent") is None


# --- redaction leaves no residue in the table files -------------------------------------------


def _random_text(length: int) -> str:
    """Letters at random: no compression shrinks them, so they lie in the files as they are."""
    return "".join(secrets.choice(string.ascii_letters) for _ in range(length))


def _files(table: str) -> list[str]:
    """Every file (segments and forks) of the table and of its TOAST table."""
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("CHECKPOINT"))
        directory = connection.scalar(sa.text("SELECT current_setting('data_directory')"))
        paths = connection.scalars(
            sa.text(
                "SELECT pg_relation_filepath(c.oid) FROM pg_class c WHERE c.oid = :name ::regclass"
                " OR c.oid = (SELECT reltoastrelid FROM pg_class WHERE oid = :name ::regclass)"
            ),
            {"name": table},
        ).all()
    files = [name for path in paths for name in glob.glob(os.path.join(directory, path) + "*")]
    assert files, f"no files for {table} under {directory}"
    return files


def _found_in(files: list[str], *texts: str) -> set[str]:
    """Which of these texts have any 20-letter piece in any of the files (a long text is
    stored out of line in chunks of about 2 kB, so it is never whole in one place)."""
    found = set()
    for path in files:
        try:
            with open(path, "rb") as file:
                content = file.read()
        except FileNotFoundError:
            continue  # a rewrite dropped it
        except PermissionError:  # pragma: no cover - CI runs as root
            pytest.fail(f"cannot read {path}: run the tests as root or as the postgres user")
        for text in texts:
            pieces = {text[start : start + 20].encode() for start in range(0, len(text), 20)}
            if any(piece in content for piece in pieces):
                found.add(text)
    return found


def _schedule(app: Flask) -> None:
    """``flask schedule`` on a date whose daily whole-table rewrite has run: only the queue."""
    with app.app_context():
        db.session.merge(MaintenanceRun(step="reorder", done_on=today()))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["schedule"])
    assert result.exit_code == 0, result.output


def _others_running() -> str:
    """For failure messages: transactions of other sessions on the server (any database) that
    hold back what CLUSTER may drop, as the rewrite waits for them 30 s at most."""
    rows = _rows(
        "SELECT datname, pid, now() - xact_start FROM pg_stat_activity"
        " WHERE pid <> pg_backend_pid() AND (backend_xid IS NOT NULL OR backend_xmin IS NOT NULL)"
    )
    return f"other transactions running on the server (database, pid, age): {rows}"


def _pending() -> set[str]:
    return set(db.session.scalars(sa.select(PendingRewrite.table_name)))


@on_postgresql
def test_a_redacted_answer_is_gone_from_the_table_files(
    app: Flask,
    people: dict[str, int],
) -> None:
    long, short = _random_text(4000), _random_text(40)
    with app.app_context():
        organisation = db.session.get(Organisation, people["org"])
        assert organisation is not None
        doc = document(
            [
                {"key": "long", "type": "text_long", "text": {"nb": "Fortell"}, "max_length": 5000},
                {"key": "short", "type": "text_short", "text": {"nb": "Ett ord"}},
            ]
        )
        round_ = make_round(organisation, doc=doc)
        respond.store(
            round_, {"long": [long], "short": [short]}, unit=None, channel="link", nonce="n" * 32
        )
        db.session.commit()
        round_id = round_.id
        old_files = _files("answer")
        assert _found_in(old_files, long, short) == {long, short}, "the test proves nothing"
        keys = _rows("SELECT response_id || ':' || question_id || ':' || position FROM answer")
        round_ = db.session.get(SurveyRound, round_id)
        assert round_ is not None
        for (key,) in keys:
            assert texts.redact(round_, key, whole=True)
        db.session.commit()  # as the view does
        assert _pending() == {"answer"}
        # Until the run, the old row versions keep the text.
        assert _found_in(_files("answer"), long, short)

    _schedule(app)

    with app.app_context():
        found = _found_in(old_files + _files("answer"), long, short)
        assert found == set(), _others_running()
        assert _pending() == set()
        assert len(_rows("SELECT 1 FROM answer")) == 2


@on_postgresql
def test_a_redacted_deviation_text_is_gone_from_the_table_files(
    app: Flask,
    people: dict[str, int],
) -> None:
    secret, reply = _random_text(30), _random_text(3000)
    with app.app_context():
        organisation = db.session.get(Organisation, people["org"])
        kari = db.session.get(User, people["kari"])
        assert organisation is not None and kari is not None
        unit = factories.unit(organisation, "Aktivitetshuset")
        category = categories(organisation)[0]
        case, _ = submit(
            organisation,
            NewReport("service_user", unit, today(), category, f"Det var {secret}."),
            nonce="report",
        )
        db.session.commit()
        reporter_reply(case, f"Svar: {reply}", nonce="reply")
        db.session.commit()
        tables = ("deviation", "deviation_message")
        old_files = [path for table in tables for path in _files(table)]
        assert _found_in(old_files, secret, reply) == {secret, reply}, "the test proves nothing"
        assert redact(case, kari, [secret, reply]) == 2
        db.session.commit()
        assert _pending() == set(tables)

    _schedule(app)

    with app.app_context():
        files = old_files + [path for table in tables for path in _files(table)]
        assert _found_in(files, secret, reply) == set(), _others_running()
        assert _pending() == set()
        assert _rows("SELECT description FROM deviation") == [(f"Det var {REDACTED}.",)]


@on_postgresql
def test_a_table_stays_queued_while_an_older_transaction_runs(
    app: Flask,
    people: dict[str, int],
) -> None:
    """CLUSTER keeps the old versions a running transaction might still read, so the queue
    keeps the table until a rewrite runs with no older transaction left."""
    with app.app_context():
        needs_rewrite("answer")
        db.session.commit()
        answer = db.metadata.tables["answer"]
        with db.engine.connect() as other, other.begin():
            # A transaction with a number, begun before the rewrite (in any database).
            other.execute(sa.text("SELECT pg_current_xact_id()"))
            held = reorder_anonymous_tables(tables=[answer], wait_seconds=0.5)
        assert (held.tables, held.kept_old_versions) == (["answer"], ["answer"])
        assert _pending() == {"answer"}
        ended = reorder_anonymous_tables(tables=[answer])
        assert (ended.tables, ended.kept_old_versions) == (["answer"], []), _others_running()
        assert _pending() == set()


@on_postgresql
def test_the_whole_tables_are_queued_once_a_date_from_the_reorder_hour(app: Flask) -> None:
    day = today()
    at = [datetime.combine(day, time(hour), NORWAY) for hour in (1, 2, 23)]
    next_day = datetime.combine(day + timedelta(days=1), time(2), NORWAY)
    with app.app_context():
        assert app.config["REORDER_HOUR"] == 2
        assert not queue_daily_reorder(at[0])
        assert _pending() == set()
        assert queue_daily_reorder(at[1])
        assert _pending() == {table.name for table in anonymous_tables()}
        db.session.execute(sa.delete(PendingRewrite))
        db.session.commit()
        assert not queue_daily_reorder(at[2])
        assert _pending() == set()
        assert queue_daily_reorder(next_day)
