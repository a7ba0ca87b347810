"""Retention: closed cases are anonymised (or deleted) once the retention time has passed, and
receipt access ends with it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback.config import Config, ConfigError
from feedback.deviations.handling import (
    CaseError,
    add_measure,
    add_note,
    close,
    reopen,
    send_message,
    update_case,
)
from feedback.deviations.retention import apply_retention
from feedback.extensions import db
from feedback.models import (
    Deviation,
    DeviationMeasure,
    DeviationMessage,
    DeviationNote,
    DeviationNotice,
    User,
)
from feedback.models.base import today
from tests.conftest import post_form
from tests.world import Place, Reporter, case_ids, signed_in

#: The clock the retention runs against in these tests.
NOW = date(2031, 3, 15)
DESCRIPTION = "Husmøtet ble avlyst uten beskjed."


@pytest.fixture
def app_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    return dict(getattr(request, "param", {}))


@dataclass
class Made:
    id: str
    code: str


def make_case(
    app: Flask, reporter: Reporter, *, closed_on: date | None, received_on: date | None = None
) -> Made:
    """A report with a full thread, a note, a measure and a queued notice, closed on that date
    (or left open)."""
    before = set(case_ids(app))
    code = reporter.report(reporter_name="Ola Nordmann", reporter_contact="ola@example.net")
    [case_id] = set(case_ids(app)) - before
    assert reporter.reply(code, "Melderen svarer.").status_code == 200
    with app.app_context():
        case = db.session.get(Deviation, case_id)
        kari = db.session.scalar(sa.select(User).where(User.email == "kari@example.no"))
        assert case is not None and kari is not None
        update_case(case, kari, status="in_progress", severity="high", handler=kari, deadline=None)
        send_message(case, kari, "Takk, vi følger opp.")
        add_note(case, kari, "Internt: snakk med personalet.")
        add_measure(case, kari, description="Fast dag for husmøter", owner="Leder", due=None)
        db.session.add(DeviationNotice(deviation_id=case.id, reason="reply"))
        if closed_on is not None:
            close(case, kari, "Husmøtene holdes nå fast.")
            case.closed_on = closed_on
        if received_on is not None:
            case.received_on = received_on
            case.event_date = received_on
        db.session.commit()
    return Made(case_id, code)


def retain(app: Flask, current: date = NOW) -> int:
    with app.app_context():
        count = apply_retention(current=current)
        db.session.commit()
        return count


def load(app: Flask, case_id: str) -> Deviation | None:
    with app.app_context():
        case = db.session.get(Deviation, case_id)
        if case is not None:
            # Load what the assertions read before leaving the session.
            _ = (case.messages, case.notes, case.measures, case.category, case.unit)
            db.session.expunge_all()
        return case


def rows(app: Flask, model: Any, case_id: str) -> int:
    with app.app_context():
        return int(
            db.session.scalar(
                sa.select(sa.func.count()).select_from(model).where(model.deviation_id == case_id)
            )
            or 0
        )


def without_echo(html: str) -> str:
    return re.sub(r'(<input[^>]*id="kode"[^>]*value=")[^"]*(")', r"\1\2", html)


def test_a_case_closed_longer_than_a_year_ago_is_anonymised(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    old = make_case(app, reporter, closed_on=NOW - timedelta(days=366))
    before = load(app, old.id)
    assert before is not None

    assert retain(app) == 1

    case = load(app, old.id)
    assert case is not None
    assert case.description == "" and case.suggestion == ""
    assert case.reporter_name is None and case.reporter_contact is None
    assert case.receipt_hash is None and case.receipt_bucket is None
    assert case.anonymised_on == NOW
    assert case.messages == [] and case.notes == []
    assert rows(app, DeviationMessage, old.id) == 0
    assert rows(app, DeviationNote, old.id) == 0
    assert rows(app, DeviationNotice, old.id) == 0
    # What the statistics need stays.
    assert [m.description for m in case.measures] == ["Fast dag for husmøter"]
    assert rows(app, DeviationMeasure, old.id) == 1
    assert case.closing_evaluation == "Husmøtene holdes nå fast."
    assert case.status == "closed" and case.closed_on == NOW - timedelta(days=366)
    assert case.category_id == before.category_id == place.categories[0]
    assert case.unit_id == before.unit_id == place.units["Solsiden"]
    assert case.severity == "high" and case.reporter_kind == "service_user"
    assert case.received_on == before.received_on and case.event_date == before.event_date
    # The text is gone from the database, not just from the object.
    with app.app_context():
        dump = " ".join(
            str(value)
            for table in db.metadata.sorted_tables
            for row in db.session.execute(sa.select(table))
            for value in row
        )
    for text in (DESCRIPTION, "Ola Nordmann", "ola@example.net", "Melderen svarer.", "Internt:"):
        assert text not in dump


def test_the_limit_is_exact_and_open_cases_are_kept(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    expired = make_case(app, reporter, closed_on=NOW - timedelta(days=366))
    just_kept = make_case(app, reporter, closed_on=NOW - timedelta(days=365))
    open_old = make_case(app, reporter, closed_on=None, received_on=NOW - timedelta(days=5 * 365))

    assert retain(app) == 1
    assert load(app, expired.id).anonymised_on == NOW  # type: ignore[union-attr]
    for kept in (just_kept, open_old):
        case = load(app, kept.id)
        assert case is not None
        assert case.anonymised_on is None
        assert case.description == DESCRIPTION
        assert case.reporter_name == "Ola Nordmann"
        assert case.receipt_hash is not None
        assert len(case.messages) == 2 and len(case.notes) == 1
    # A day later the second one goes too; anonymised cases are not counted again.
    assert retain(app, NOW + timedelta(days=1)) == 1
    assert load(app, just_kept.id).anonymised_on == NOW + timedelta(days=1)  # type: ignore[union-attr]
    assert load(app, expired.id).anonymised_on == NOW  # type: ignore[union-attr]
    assert load(app, open_old.id).anonymised_on is None  # type: ignore[union-attr]


@pytest.mark.parametrize("app_overrides", [{"DEVIATION_RETENTION_DAYS": 30}], indirect=True)
def test_the_retention_time_follows_the_configuration(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    older = make_case(app, reporter, closed_on=NOW - timedelta(days=31))
    newer = make_case(app, reporter, closed_on=NOW - timedelta(days=30))
    assert retain(app) == 1
    assert load(app, older.id).anonymised_on == NOW  # type: ignore[union-attr]
    assert load(app, newer.id).anonymised_on is None  # type: ignore[union-attr]


def test_receipt_access_ends_like_an_unknown_code(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    made = make_case(app, reporter, closed_on=NOW - timedelta(days=400))
    assert reporter.follow_up(made.code).status_code == 200
    retain(app)
    gone = reporter.follow_up(made.code)
    unknown = reporter.follow_up("ABCD-EFGH-JKMN-PQRS")
    assert gone.status_code == unknown.status_code == 400
    assert without_echo(gone.get_data(as_text=True)) == without_echo(unknown.get_data(as_text=True))
    reply = reporter.reply(made.code, "Er det noen der?", token="x")
    assert reply.status_code == 400
    assert rows(app, DeviationMessage, made.id) == 0


@pytest.mark.parametrize("app_overrides", [{"DEVIATION_RETENTION_ACTION": "delete"}], indirect=True)
def test_delete_removes_the_case_and_everything_under_it(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    old = make_case(app, reporter, closed_on=NOW - timedelta(days=366))
    kept = make_case(app, reporter, closed_on=NOW - timedelta(days=10))
    assert retain(app) == 1
    assert load(app, old.id) is None
    for model in (DeviationMessage, DeviationNote, DeviationMeasure, DeviationNotice):
        assert rows(app, model, old.id) == 0, model
        assert rows(app, model, kept.id) > 0, model
    assert case_ids(app) == [kept.id]
    assert reporter.follow_up(old.code).status_code == 400


def test_the_daily_schedule_command_applies_retention(
    app: Flask, place: Place, reporter: Reporter, runner: Any
) -> None:
    old = make_case(app, reporter, closed_on=today() - timedelta(days=400))
    recent = make_case(app, reporter, closed_on=today() - timedelta(days=100))
    result = runner.invoke(args=["schedule"])
    assert result.exit_code == 0, result.output
    assert "1 deviation case(s) past the retention time (anonymise)" in result.output
    assert load(app, old.id).anonymised_on == today()  # type: ignore[union-attr]
    assert load(app, recent.id).anonymised_on is None  # type: ignore[union-attr]
    again = runner.invoke(args=["schedule"])
    assert "0 deviation case(s)" in again.output


def test_an_anonymised_case_cannot_be_reopened(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    made = make_case(app, reporter, closed_on=NOW - timedelta(days=366))
    retain(app)
    with app.app_context():
        case = db.session.get(Deviation, made.id)
        kari = db.session.scalar(sa.select(User).where(User.email == "kari@example.no"))
        assert case is not None and kari is not None
        with pytest.raises(CaseError):
            reopen(case, kari)
        db.session.rollback()
    # Through the case page too.
    staff = signed_in(app, "kari@example.no")
    page = f"/avvik/saker/{made.id}"
    response = post_form(staff, f"{page}/gjenapne", {}, page=page)
    assert response.status_code == 400
    case = load(app, made.id)
    assert case is not None and case.status == "closed" and case.anonymised_on == NOW


def test_a_closed_case_not_yet_anonymised_can_be_reopened(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    made = make_case(app, reporter, closed_on=NOW - timedelta(days=10))
    retain(app)
    with app.app_context():
        case = db.session.get(Deviation, made.id)
        kari = db.session.scalar(sa.select(User).where(User.email == "kari@example.no"))
        assert case is not None and kari is not None
        reopen(case, kari)
        db.session.commit()
    case = load(app, made.id)
    assert case is not None and case.status == "in_progress" and case.closed_on is None


@pytest.mark.parametrize("action", ["bad", "slett", "anonymize"])
def test_an_unknown_retention_action_is_a_configuration_error(action: str) -> None:
    with pytest.raises(ConfigError, match="FEEDBACK_DEVIATION_RETENTION_ACTION"):
        Config(environ={"FEEDBACK_DEVIATION_RETENTION_ACTION": action})


@pytest.mark.parametrize("action", ["anonymise", "delete"])
def test_the_known_retention_actions_are_accepted(action: str) -> None:
    chosen = Config(environ={"FEEDBACK_DEVIATION_RETENTION_ACTION": action})
    assert chosen.DEVIATION_RETENTION_ACTION in ("anonymise", "delete")
    assert action == chosen.DEVIATION_RETENTION_ACTION
    assert Config(environ={}).DEVIATION_RETENTION_ACTION == "anonymise"
    assert Config(environ={}).DEVIATION_RETENTION_DAYS == 365
