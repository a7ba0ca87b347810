"""Anonymity of reporters (docs/design.md rule 1): no time of day, no sequential ids, no client
address or browser in the database or the logs, and no audit trail of reporter actions."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask, request

from feedback.extensions import db
from feedback.models import AuditEvent, Deviation, DeviationMessage, DeviationNotice
from feedback.models.survey import TYPABLE
from tests.conftest import post_form
from tests.shared import clock_readings, dump_tables, is_temporal
from tests.world import SKJEMA, Place, Reporter, case_ids, signed_in

CLIENT_IP = "203.0.113.77"
FORWARDED_IP = "198.51.100.23"
UA_MARKER = "MarkertNettleser/9.9 (avvik-test)"
DEVIATION_TABLES = ("deviation", "deviation_message", "deviation_notice")


def audit_count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0)


# --- the schema --------------------------------------------------------------------------------


def test_deviation_tables_hold_dates_but_no_time_of_day(app: Flask) -> None:
    tables = {table.name: table for table in db.metadata.sorted_tables}
    with app.app_context():
        inspector = sa.inspect(db.engine)
        for name in DEVIATION_TABLES:
            for column in tables[name].columns:
                assert not is_temporal(column.type), (name, column.name)
            in_database = inspector.get_columns(name)
            assert {c["name"] for c in in_database} == set(tables[name].columns.keys())
            for column in in_database:
                assert not is_temporal(column["type"]), (name, column["name"])
    for name, column in (
        ("deviation", "received_on"),
        ("deviation", "event_date"),
        ("deviation_message", "sent_on"),
    ):
        assert isinstance(tables[name].columns[column].type, sa.Date)
    # The thread's order is a position within the case, not a global sequence.
    assert [c.name for c in DeviationMessage.__table__.primary_key.columns] == [
        "deviation_id",
        "position",
    ]
    assert [c.name for c in DeviationNotice.__table__.primary_key.columns] == [
        "deviation_id",
        "kind",
    ]


def test_case_ids_are_random_not_sequential(app: Flask, place: Place, reporter: Reporter) -> None:
    in_order = []
    for _ in range(20):
        before = set(case_ids(app))
        reporter.report()
        [new] = set(case_ids(app)) - before
        in_order.append(new)
    for case_id in in_order:
        assert re.fullmatch(f"[{TYPABLE}]{{8}}", case_id), case_id
    assert len(set(in_order)) == 20
    # 20 random ids come out in increasing (or decreasing) order once in 20! ≈ 2.4e18.
    assert in_order != sorted(in_order)
    assert in_order != sorted(in_order, reverse=True)
    # Nor do they share a common beginning the way counters or timestamps would.
    assert len({case_id[:2] for case_id in in_order}) > 5


# --- what a reporter leaves behind -------------------------------------------------------------


def test_reporters_leave_no_address_browser_or_time_in_the_database_or_logs(
    app: Flask, place: Place, reporter: Reporter, caplog: pytest.LogCaptureFixture
) -> None:
    seen_by_app: list[tuple[str | None, str, str | None]] = []

    @app.before_request
    def note_client() -> None:
        seen_by_app.append(
            (request.remote_addr, request.user_agent.string, request.headers.get("X-Forwarded-For"))
        )

    caplog.set_level(logging.DEBUG)
    # SQLAlchemy keeps its own loggers at WARNING: let the statements, values and rows through.
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    reporter.client.environ_base.update(
        {
            "REMOTE_ADDR": CLIENT_IP,
            "HTTP_USER_AGENT": UA_MARKER,
            "HTTP_X_FORWARDED_FOR": FORWARDED_IP,
        }
    )
    before = dump_tables(app)
    audit_before = audit_count(app)
    started = datetime.now(UTC)

    statuses = [reporter.send(description="").status_code]  # bad input first
    code = reporter.report(
        description="Beskrivelse fra melderen.", reporter_name="", reporter_contact=""
    )
    statuses.append(reporter.follow_up("ABCD-EFGH-JKMN-PQRS").status_code)  # a wrong code
    page = reporter.follow_up(code)
    statuses.append(page.status_code)
    token = SKJEMA.search(page.get_data(as_text=True))
    assert token
    statuses.append(reporter.reply(code, "Svar fra melderen.", token=token.group(1)).status_code)
    statuses.append(reporter.reply(code, "", token=token.group(1)).status_code)  # an empty one
    ended = datetime.now(UTC)
    assert statuses == [400, 400, 200, 200, 400]

    # The marks did reach the app: it is the app that leaves them out.
    assert seen_by_app
    assert all(seen == (CLIENT_IP, UA_MARKER, FORWARDED_IP) for seen in seen_by_app)

    after = dump_tables(app)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"deviation", "deviation_message", "used_form_token"}
    clock = clock_readings(started, ended)
    for name, table_rows in after.items():
        for row in table_rows:
            text = " | ".join(row)
            for secret in (CLIENT_IP, FORWARDED_IP, UA_MARKER, "MarkertNettleser"):
                assert secret not in text, (name, row)
            if row not in before[name]:
                for reading in clock:
                    assert reading not in text, (name, row, reading)

    assert any("INSERT INTO deviation " in r.getMessage() for r in caplog.records)
    assert any("INSERT INTO deviation_message" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        logged = f"{record.getMessage()} {vars(record)}"
        for secret in (CLIENT_IP, FORWARDED_IP, UA_MARKER, "MarkertNettleser"):
            assert secret not in logged, record

    # Reporter actions are never audited: an audit event has a time of day.
    assert audit_count(app) == audit_before


def test_staff_actions_are_audited(app: Flask, place: Place, reporter: Reporter) -> None:
    code = reporter.report()
    assert reporter.reply(code, "Melderen svarer.").status_code == 200
    [case_id] = case_ids(app)
    staff = signed_in(app, "kari@example.no")
    page = f"/avvik/saker/{case_id}"
    before = audit_count(app)
    response = post_form(staff, f"{page}/notat", {"note": "Ring lederen."}, page=page)
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    assert audit_count(app) == before + 1
    response = post_form(staff, f"{page}/melding", {"body": "Takk for meldingen."}, page=page)
    assert response.status_code in (302, 303)
    assert audit_count(app) == before + 2
    with app.app_context():
        events = list(
            db.session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.target == f"deviation:{case_id}")
                .order_by(AuditEvent.id)
            )
        )
        assert [e.action for e in events] == ["deviation.note", "deviation.message"]
        assert all(e.actor_id == place.people["kari"] for e in events)
    # And a reporter's reply after that adds nothing to the log.
    assert reporter.reply(code, "Takk.").status_code == 200
    assert audit_count(app) == before + 2
    with app.app_context():
        case = db.session.get(Deviation, case_id)
        assert case is not None and len(case.messages) == 3
