"""The storage order of anonymous tables (docs/design.md rule 2: no ordering).

On PostgreSQL rows lie in the heap in arrival order and carry the number of the transaction that
wrote them, so a used access code shares its transaction number with the response it opened;
``flask schedule`` rewrites the anonymous tables in random-key order. On SQLite those tables are
WITHOUT ROWID, so they are stored in the order of their random keys from the start.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback.deviations.categories import categories
from feedback.deviations.receiving import NewReport, reporter_reply, submit
from feedback.extensions import db
from feedback.fieldwork import services as fieldwork
from feedback.maintenance import anonymous_tables, reorder_anonymous_tables
from feedback.models import Organisation, SurveyRound, Unit
from feedback.models.base import today
from feedback.respond import drafts
from feedback.respond import services as respond
from tests.conftest import TEST_DATABASE_URL
from tests.shared import publish_now
from tests.world import Survey

#: Everything a respondent or an anonymous reporter leaves behind.
ANONYMOUS = {
    "response",
    "answer",
    "access_code",
    "used_form_token",
    "answer_draft",
    "response_tally",
    "answer_tally",
    "deviation",
    "deviation_message",
    "deviation_notice",
}
#: Response ids in the order they are sent: the reverse of their key order.
IDS = [letter * 32 for letter in "fedcba"]

on_postgresql = pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL's heap order")
on_sqlite = pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite's table layout")


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    # With mail on, reports and replies queue notices, so that table has rows too. The daily
    # whole-table rewrite is due at any hour of the test.
    return {"MAIL_SERVER": "127.0.0.1", "REORDER_HOUR": 0}


def test_the_anonymous_tables_are_the_ones_without_rowid() -> None:
    assert {table.name for table in anonymous_tables()} == ANONYMOUS


@on_sqlite
def test_sqlite_stores_anonymous_tables_in_the_order_of_their_random_keys(app: Flask) -> None:
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type='table'"))
        schema = {str(name): str(sql) for name, sql in rows}
        # Built by the migrations, as in production.
        for name in ANONYMOUS:
            assert schema[name].rstrip().upper().endswith("WITHOUT ROWID"), name
        assert "WITHOUT ROWID" not in schema["audit_event"].upper()
        # Nothing to rewrite on SQLite.
        result = reorder_anonymous_tables()
        assert (result.tables, result.skipped) == ([], [])


def _send_in_known_order(app: Flask, survey: Survey, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Six responses by access code (ids in IDS order, codes in reverse key order), and two
    deviation reports with a reply each; returns the codes in the order they were used."""
    ids = iter(IDS)
    monkeypatch.setattr(respond, "secrets", SimpleNamespace(token_hex=lambda _: next(ids)))
    with app.app_context():
        round_ = db.session.get(SurveyRound, survey.round_id)
        unit = db.session.get(Unit, survey.units["Aktivitetshuset"])
        organisation = db.session.get(Organisation, survey.org_id)
        assert round_ is not None and organisation is not None
        fieldwork.make_codes(round_, len(IDS), unit)
        db.session.commit()
        codes = sorted(code.code for code in fieldwork.batch_codes(round_, 1))[::-1]
        for number, code in enumerate(codes):
            answers = {"listened": [str(1 + number % 5)], "group": ["yes" if number % 2 else "no"]}
            respond.store(
                round_, answers, unit=unit, channel="code", nonce=f"{number:032d}", code=code
            )
            db.session.commit()
        category = categories(organisation)[0]
        for number in range(2):
            case, _ = submit(
                organisation,
                NewReport("service_user", unit, today(), category, "Beskrivelse."),
                nonce=f"report{number}",
            )
            db.session.commit()
            reporter_reply(case, "Et svar.", nonce=f"reply{number}")
            db.session.commit()
        # Two questionnaires still being filled in.
        for number in range(2):
            drafts.save(f"draft{number}", round_.id, drafts.Draft({"listened": ["2"]}, 1))
        db.session.commit()
    return codes


def _rows(query: str | sa.Select[Any]) -> list[tuple[Any, ...]]:
    statement = sa.text(query) if isinstance(query, str) else query
    return [tuple(row) for row in db.session.execute(statement)]


#: PostgreSQL's system columns: where a row version lies, and the transaction that wrote it.
CTID = sa.literal_column("ctid")
XMIN = sa.literal_column("xmin::text")


@on_postgresql
def test_schedule_rewrites_postgresql_tables_in_key_order(
    app: Flask,
    survey: Survey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    codes = _send_in_known_order(app, survey, monkeypatch)
    code_of = "SELECT r.id, c.code FROM response r JOIN access_code c ON c.xmin = r.xmin"
    with app.app_context():
        # The gap this closes: arrival order, and each code linked to its response.
        assert _rows("SELECT id FROM response") == [(i,) for i in IDS]
        assert sorted(_rows(code_of)) == sorted(zip(IDS, codes, strict=True))
        # Published, so that the tallies have rows too (the publication rewrites every
        # response it takes in one transaction, in their order in the table).
        publish_now(survey.round_id)
        for table in anonymous_tables():
            count = db.session.scalar(sa.select(sa.func.count()).select_from(table))
            assert count, f"{table.name} is empty: the test would prove nothing there"

    result = app.test_cli_runner().invoke(args=["schedule"])
    assert result.exit_code == 0, result.output
    assert f"{len(ANONYMOUS)} table(s) rewritten whole in random-key order" in result.output

    with app.app_context():
        assert _rows("SELECT id FROM response") == [(i,) for i in sorted(IDS)]
        assert _rows(code_of) == []
        for table in anonymous_tables():
            key = list(table.primary_key.columns)
            in_storage = _rows(sa.select(*key).order_by(CTID))
            assert in_storage == _rows(sa.select(*key).order_by(*key)), table.name
            # One transaction wrote every row. (Whether the replaced row versions are gone at
            # once depends on what else runs in the database, so it is not asserted here.)
            stamps = _rows(sa.select(XMIN).select_from(table).distinct())
            assert len(stamps) == 1, (table.name, stamps)


@on_postgresql
def test_a_busy_table_is_left_for_the_next_run(
    app: Flask,
    survey: Survey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _send_in_known_order(app, survey, monkeypatch)
    reading = threading.Event()
    done = threading.Event()

    def long_report() -> None:
        with app.app_context(), db.engine.connect() as connection, connection.begin():
            connection.execute(sa.text("SELECT count(*) FROM response"))
            reading.set()
            done.wait(timeout=30)

    reader = threading.Thread(target=long_report)
    reader.start()
    try:
        assert reading.wait(timeout=10)
        with app.app_context():
            result = reorder_anonymous_tables(lock_timeout_seconds=1)
    finally:
        done.set()
        reader.join(timeout=10)
    assert result.skipped == ["response"]
    assert set(result.tables) == ANONYMOUS - {"response"}
    with app.app_context():
        assert _rows("SELECT id FROM response") == [(i,) for i in IDS]
