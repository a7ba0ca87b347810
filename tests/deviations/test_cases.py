"""Case handling by staff: status, severity, handler, deadline, measures, notes, messages,
closing and reopening, and the list of cases with its filters and pages."""

from __future__ import annotations

import re
import secrets
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.deviations.receiving import NewReport, submit
from feedback.extensions import db
from feedback.models import (
    AuditEvent,
    Deviation,
    DeviationCategory,
    DeviationMeasure,
    DeviationMessage,
    DeviationNote,
    Organisation,
    Unit,
)
from feedback.models.base import today
from tests.conftest import post_form
from tests.world import Place, Reporter, case_ids, days_ago, signed_in

CASE_LINK = re.compile(r'href="/avvik/saker/([a-z0-9]{8})"')
ENGLISH = {"Accept-Language": "en"}


# --- helpers -------------------------------------------------------------------------------------


def case_url(case_id: str, tab: str = "") -> str:
    """A case's address, or one of its tabs' (behandling, tiltak, historikk)."""
    return f"/avvik/saker/{case_id}" + (f"/{tab}" if tab else "")


def reported(app: Flask, reporter: Reporter, **fields: Any) -> tuple[str, str]:
    """Report through the public form; returns the new case id and the receipt code."""
    before = set(case_ids(app))
    code = reporter.report(**fields)
    (case_id,) = set(case_ids(app)) - before
    return case_id, code


def make_case(
    app: Flask,
    place: Place,
    *,
    unit: str | None = "Solsiden",
    category: int = 0,
    measures: list[dict[str, Any]] = (),  # type: ignore[assignment]
    **values: Any,
) -> str:
    """A case stored by the service (as the form would), then changed directly in the database."""
    with app.app_context():
        organisation = db.session.get(Organisation, place.org)
        report = NewReport(
            reporter_kind="relative",
            unit=db.session.get(Unit, place.units[unit]) if unit else None,
            event_date=days_ago(60),
            category=db.session.get(DeviationCategory, place.categories[category]),
            description="Beskrivelse av hendelsen.",
        )
        case, _code = submit(organisation, report, secrets.token_hex(16))
        for name, value in values.items():
            setattr(case, name, value)
        for measure in measures:
            db.session.add(DeviationMeasure(deviation_id=case.id, **measure))
        db.session.commit()
        return case.id


def load(app: Flask, case_id: str) -> Deviation:
    """The case with its measures, notes and messages, detached from the session."""
    with app.app_context():
        case = db.session.get(Deviation, case_id)
        assert case is not None
        _ = case.measures, case.notes, case.messages
        db.session.expunge_all()
        return case


def events(app: Flask, case_id: str) -> list[tuple[str, int | None, dict[str, Any]]]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.target == f"deviation:{case_id}")
            .order_by(AuditEvent.id)
        )
        return [(e.action, e.actor_id, dict(e.details)) for e in rows]


def listed(client: FlaskClient, query: str = "") -> list[str]:
    """Case ids on a page of the list, in order."""
    response = client.get("/avvik/saker" + query)
    assert response.status_code == 200, query
    return CASE_LINK.findall(response.get_data(as_text=True))


def row_of(html: str, case_id: str) -> str:
    """The <tr> of one case in the list."""
    for row in html.split("<tr")[1:]:
        if f"/avvik/saker/{case_id}" in row:
            return "<tr" + row.split("</tr>")[0]
    raise AssertionError(f"{case_id} is not listed")


def handle(client: FlaskClient, case_id: str, **data: Any):  # type: ignore[no-untyped-def]
    form = {"status": "received", "severity": "", "handler": "", "deadline": ""}
    form.update({k: str(v) for k, v in data.items()})
    return post_form(client, f"{case_url(case_id)}/behandling", form, page=case_url(case_id))


def act(client: FlaskClient, case_id: str, action: str, data: dict[str, Any] | None = None, **kw):  # type: ignore[no-untyped-def]
    return post_form(
        client, f"{case_url(case_id)}/{action}", data or {}, page=case_url(case_id), **kw
    )


@pytest.fixture
def kari(app: Flask, place: Place) -> FlaskClient:
    return signed_in(app, "kari@example.no")


# --- handling ------------------------------------------------------------------------------------


def test_update_stores_the_case_and_one_audit_event(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, _code = reported(app, reporter)
    old_deadline = load(app, case_id).deadline
    response = handle(
        kari,
        case_id,
        status="in_progress",
        severity="high",
        handler=place.people["kari"],
        deadline="01.03.2030",
    )
    assert response.status_code == 302
    case = load(app, case_id)
    assert case.status == "in_progress"
    assert case.severity == "high"
    assert case.handler_id == place.people["kari"]
    assert case.deadline == date(2030, 3, 1)
    logged = events(app, case_id)
    assert len(logged) == 1
    action, actor, details = logged[0]
    assert action == "deviation.update"
    assert actor == place.people["kari"]
    assert details["status"] == ["received", "in_progress"]
    assert details["severity"] == [None, "high"]
    assert details["handler"] == [None, "Kari"]
    assert details["deadline"] == [old_deadline.isoformat(), "2030-03-01"]
    # The history on the case page shows the change.
    page = kari.get(case_url(case_id, "historikk"), headers=ENGLISH).get_data(as_text=True)
    assert "Case changed" in page


def test_saving_unchanged_values_logs_nothing(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, _code = reported(app, reporter)
    values = {"status": "in_progress", "severity": "low", "deadline": "2030-05-01"}
    assert handle(kari, case_id, **values).status_code == 302
    assert handle(kari, case_id, **values).status_code == 302
    assert [e[0] for e in events(app, case_id)] == ["deviation.update"]


def test_handler_change_logs_old_and_new_name(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, _code = reported(app, reporter)
    assert handle(kari, case_id, handler=place.people["kari"]).status_code == 302
    assert handle(kari, case_id, handler=place.people["leder"]).status_code == 302
    assert handle(kari, case_id, handler="").status_code == 302
    handlers = [e[2]["handler"] for e in events(app, case_id)]
    assert handlers == [[None, "Kari"], ["Kari", "Lars Leder"], ["Lars Leder", None]]
    assert load(app, case_id).handler_id is None


def test_measures_taken_needs_a_measure(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, _code = reported(app, reporter)
    response = handle(kari, case_id, status="measures_taken", severity="high")
    assert response.status_code == 400
    assert 'id="status-error"' in response.get_data(as_text=True)
    case = load(app, case_id)
    assert case.status == "received" and case.severity is None
    assert events(app, case_id) == []


def test_measures_taken_with_a_measure(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, _code = reported(app, reporter)
    measure = {"description": "Rutine", "owner": "Leder"}
    assert act(kari, case_id, "tiltak", measure).status_code == 302
    assert handle(kari, case_id, status="measures_taken").status_code == 302
    assert load(app, case_id).status == "measures_taken"


def test_closed_is_not_a_status_of_the_handling_form(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, _code = reported(app, reporter)
    response = handle(kari, case_id, status="closed")
    assert response.status_code == 400
    assert 'id="status-error"' in response.get_data(as_text=True)
    case = load(app, case_id)
    assert case.status == "received" and case.closed_on is None


@pytest.mark.parametrize("person", ["rusleder", "nabo", "admin", "norole"])
def test_handler_must_be_able_to_see_the_case(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient, person: str
) -> None:
    case_id, _code = reported(app, reporter)  # Solsiden
    response = handle(kari, case_id, status="in_progress", handler=place.people[person])
    assert response.status_code == 400
    assert 'id="handler-error"' in response.get_data(as_text=True)
    case = load(app, case_id)
    assert case.handler_id is None and case.status == "received"
    assert events(app, case_id) == []


@pytest.mark.parametrize("value", ["999999", "abc", "-1", "1" * 40])
def test_tampered_handler_is_refused(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient, value: str
) -> None:
    case_id, _code = reported(app, reporter)
    response = handle(kari, case_id, handler=value)
    assert response.status_code == 400
    assert 'id="handler-error"' in response.get_data(as_text=True)
    assert load(app, case_id).handler_id is None


def test_manager_of_the_unit_may_be_handler(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, _code = reported(app, reporter)  # Solsiden, below Lars's unit
    assert handle(kari, case_id, handler=place.people["leder"]).status_code == 302
    assert load(app, case_id).handler_id == place.people["leder"]


@pytest.mark.parametrize("value", ["31.02.2026", "i morgen", "2026-13-01"])
def test_bad_deadline_is_shown_at_the_field_and_kept(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient, value: str
) -> None:
    case_id, _code = reported(app, reporter)
    before = load(app, case_id).deadline
    response = handle(kari, case_id, status="in_progress", deadline=value)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="deadline-error"' in html
    assert f'value="{value}"' in html
    case = load(app, case_id)
    assert case.deadline == before and case.status == "received"


def test_empty_deadline_removes_it(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, _code = reported(app, reporter)
    old = load(app, case_id).deadline
    assert old is not None
    assert handle(kari, case_id, deadline="").status_code == 302
    assert load(app, case_id).deadline is None
    assert events(app, case_id)[0][2]["deadline"] == [old.isoformat(), None]


# --- measures ------------------------------------------------------------------------------------


def test_add_measure_and_mark_it_done_and_undone(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, _code = reported(app, reporter)
    response = act(
        kari,
        case_id,
        "tiltak",
        {"description": "Fast rutine for beskjed", "owner": "Leder, Solsiden", "due": "15.06.2030"},
    )
    assert response.status_code == 302
    (measure,) = load(app, case_id).measures
    assert measure.description == "Fast rutine for beskjed"
    assert measure.owner == "Leder, Solsiden"
    assert measure.due == date(2030, 6, 15)
    assert measure.done is False and measure.done_on is None

    assert act(kari, case_id, f"tiltak/{measure.id}", {"done": "y"}).status_code == 302
    (measure,) = load(app, case_id).measures
    assert measure.done is True and measure.done_on == today()

    assert act(kari, case_id, f"tiltak/{measure.id}", {}).status_code == 302
    (measure,) = load(app, case_id).measures
    assert measure.done is False and measure.done_on is None

    logged = events(app, case_id)
    assert [e[0] for e in logged] == [
        "deviation.measure_add",
        "deviation.measure_done",
        "deviation.measure_undone",
    ]
    assert all(e[1] == place.people["kari"] for e in logged)
    assert logged[0][2] == {"measure": measure.id, "owner": "Leder, Solsiden", "due": "2030-06-15"}
    assert logged[1][2] == {"measure": measure.id}


def test_measure_without_due_date(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, _code = reported(app, reporter)
    response = act(kari, case_id, "tiltak", {"description": "Møte", "owner": "Kari", "due": ""})
    assert response.status_code == 302
    (measure,) = load(app, case_id).measures
    assert measure.due is None
    assert events(app, case_id)[0][2]["due"] is None


def test_marking_done_twice_logs_once(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id = make_case(app, place, measures=[{"description": "Tiltak", "owner": "Kari"}])
    (measure,) = load(app, case_id).measures
    assert act(kari, case_id, f"tiltak/{measure.id}", {"done": "y"}).status_code == 302
    assert act(kari, case_id, f"tiltak/{measure.id}", {"done": "y"}).status_code == 302
    assert [e[0] for e in events(app, case_id)] == ["deviation.measure_done"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"description": "", "owner": "Leder"}, "description"),
        ({"description": "   ", "owner": "Leder"}, "description"),
        ({"description": "Rutine", "owner": ""}, "owner"),
        ({"description": "Rutine", "owner": "x" * 201}, "owner"),
        ({"description": "Rutine", "owner": "Leder", "due": "30.02.2030"}, "due"),
    ],
)
def test_measure_validation(
    app: Flask,
    place: Place,
    reporter: Reporter,
    kari: FlaskClient,
    data: dict[str, str],
    field: str,
) -> None:
    case_id, _code = reported(app, reporter)
    response = act(kari, case_id, "tiltak", data)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert load(app, case_id).measures == []
    assert events(app, case_id) == []


def test_measure_owner_of_200_characters_is_allowed(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, _code = reported(app, reporter)
    response = act(kari, case_id, "tiltak", {"description": "Rutine", "owner": "x" * 200})
    assert response.status_code == 302
    assert load(app, case_id).measures[0].owner == "x" * 200


def test_measure_of_another_case_is_not_found(app: Flask, place: Place, kari: FlaskClient) -> None:
    first = make_case(app, place)
    second = make_case(app, place, measures=[{"description": "Annen sak", "owner": "Kari"}])
    (measure,) = load(app, second).measures
    response = act(kari, first, f"tiltak/{measure.id}", {"done": "y"})
    assert response.status_code == 404
    assert load(app, second).measures[0].done is False
    assert act(kari, first, "tiltak/987654", {"done": "y"}).status_code == 404
    assert events(app, first) == [] and events(app, second) == []


# --- notes and messages --------------------------------------------------------------------------


def test_internal_note_is_kept_from_the_reporter(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, code = reported(app, reporter)
    note = "Intern vurdering: snakk med teamleder først"
    assert act(kari, case_id, "notat", {"note": note}).status_code == 302
    (stored,) = load(app, case_id).notes
    assert stored.body == note and stored.author_id == place.people["kari"]
    assert [e[0] for e in events(app, case_id)] == ["deviation.note"]
    assert note not in str(events(app, case_id))
    assert note in kari.get(case_url(case_id, "behandling")).get_data(as_text=True)
    assert note not in kari.get(case_url(case_id)).get_data(as_text=True)  # another tab
    status_page = reporter.follow_up(code)
    assert status_page.status_code == 200
    assert note not in status_page.get_data(as_text=True)
    assert load(app, case_id).messages == []


def test_message_is_shown_to_the_reporter(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, code = reported(app, reporter)
    text = "Takk for meldingen. Vi tar det opp på husmøtet."
    assert act(kari, case_id, "melding", {"body": text}).status_code == 302
    (message,) = load(app, case_id).messages
    assert message.body == text
    assert message.from_reporter is False
    assert message.author_id == place.people["kari"]
    assert message.sent_on == today()
    assert [e[0] for e in events(app, case_id)] == ["deviation.message"]
    assert text in reporter.follow_up(code).get_data(as_text=True)


@pytest.mark.parametrize("action", ["notat", "melding"])
def test_empty_note_or_message_is_refused(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient, action: str
) -> None:
    case_id, _code = reported(app, reporter)
    field = "note" if action == "notat" else "body"
    response = act(kari, case_id, action, {field: "  "})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DeviationNote)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DeviationMessage)) == 0


def test_case_page_ids_are_unique(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    """Each form field needs its own id, or a label (and an error) points at the wrong field."""
    case_id, _code = reported(app, reporter)
    html = kari.get(case_url(case_id)).get_data(as_text=True)
    # Hidden CSRF inputs share an id on every page with several forms; nothing points at them.
    ids = Counter(i for i in re.findall(r'\sid="([^"]+)"', html) if i != "csrf_token")
    assert [i for i, n in ids.items() if n > 1] == []


# --- closing and reopening -----------------------------------------------------------------------


def test_close_needs_a_measure(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, _code = reported(app, reporter)
    response = act(kari, case_id, "lukk", {"evaluation": "Det ble ordnet."})
    assert response.status_code == 400
    assert 'id="evaluation-error"' in response.get_data(as_text=True)
    case = load(app, case_id)
    assert case.status == "received" and case.closed_on is None
    assert case.closing_evaluation is None
    assert events(app, case_id) == []


def test_close_needs_an_evaluation(app: Flask, place: Place, kari: FlaskClient) -> None:
    case_id = make_case(app, place, measures=[{"description": "Tiltak", "owner": "Kari"}])
    response = act(kari, case_id, "lukk", {"evaluation": "   "})
    assert response.status_code == 400
    assert 'id="evaluation-error"' in response.get_data(as_text=True)
    case = load(app, case_id)
    assert case.status == "received" and case.closed_on is None
    assert events(app, case_id) == []


def test_close_with_measure_and_evaluation(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, code = reported(app, reporter)
    measure = {"description": "Rutine", "owner": "Leder"}
    assert act(kari, case_id, "tiltak", measure).status_code == 302
    response = act(kari, case_id, "lukk", {"evaluation": "  Rutinen virker.  "})
    assert response.status_code == 302
    case = load(app, case_id)
    assert case.status == "closed"
    assert case.closed_on == today()
    assert case.closing_evaluation == "Rutinen virker."
    action, actor, _details = events(app, case_id)[-1]
    assert action == "deviation.close" and actor == place.people["kari"]
    assert 'class="ds-tag status status--closed"' in reporter.follow_up(code).get_data(as_text=True)


def closed_case(app: Flask, place: Place) -> str:
    return make_case(
        app,
        place,
        status="closed",
        closed_on=days_ago(1),
        closing_evaluation="Ferdig.",
        severity="low",
        measures=[{"description": "Tiltak", "owner": "Kari"}],
    )


def test_a_closed_case_cannot_be_changed(app: Flask, place: Place, kari: FlaskClient) -> None:
    case_id = closed_case(app, place)
    (measure,) = load(app, case_id).measures
    attempts = [
        handle(kari, case_id, status="in_progress", severity="high"),
        act(kari, case_id, "tiltak", {"description": "Nytt", "owner": "Kari"}),
        act(kari, case_id, f"tiltak/{measure.id}", {"done": "y"}),
        act(kari, case_id, "lukk", {"evaluation": "Igjen."}),
    ]
    assert [r.status_code for r in attempts] == [400, 400, 400, 400]
    case = load(app, case_id)
    assert case.status == "closed" and case.severity == "low"
    assert case.closed_on == days_ago(1) and case.closing_evaluation == "Ferdig."
    assert len(case.measures) == 1 and case.measures[0].done is False
    assert events(app, case_id) == []


@pytest.mark.parametrize("action", ["behandling", "tiltak", "tiltak/{measure}", "lukk"])
def test_refusal_on_a_closed_case_says_why(
    app: Flask, place: Place, kari: FlaskClient, action: str
) -> None:
    """A second tab may still show the open case: the answer must tell that it is closed."""
    case_id = closed_case(app, place)
    (measure,) = load(app, case_id).measures
    data = {
        "status": "in_progress",
        "severity": "",
        "handler": "",
        "deadline": "",
        "description": "Nytt",
        "owner": "Kari",
        "done": "y",
        "evaluation": "Igjen.",
    }
    response = act(kari, case_id, action.format(measure=measure.id), data, headers=ENGLISH)
    assert response.status_code == 400
    assert "The case is closed. Reopen it to change it." in response.get_data(as_text=True)


def test_reopen(app: Flask, place: Place, reporter: Reporter, kari: FlaskClient) -> None:
    case_id = closed_case(app, place)
    assert act(kari, case_id, "gjenapne").status_code == 302
    case = load(app, case_id)
    assert case.status == "in_progress" and case.closed_on is None
    action, actor, _details = events(app, case_id)[-1]
    assert action == "deviation.reopen" and actor == place.people["kari"]
    # Open again: it can be changed.
    assert handle(kari, case_id, status="measures_taken").status_code == 302
    assert load(app, case_id).status == "measures_taken"


def test_reopening_an_open_case_is_refused(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, _code = reported(app, reporter)
    assert act(kari, case_id, "gjenapne").status_code == 400
    assert load(app, case_id).status == "received"
    assert events(app, case_id) == []


def test_refused_reopen_says_why(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, _code = reported(app, reporter)
    response = act(kari, case_id, "gjenapne", headers=ENGLISH)
    assert response.status_code == 400
    assert "The case is not closed." in response.get_data(as_text=True)


# --- the list ------------------------------------------------------------------------------------


@pytest.fixture
def several(app: Flask, place: Place) -> dict[str, str]:
    """Cases that differ in every filter."""
    future = today() + timedelta(days=10)
    return {
        "fresh": make_case(app, place, deadline=future),
        "late": make_case(
            app,
            place,
            unit="Døra",
            category=1,
            status="in_progress",
            severity="high",
            handler_id=place.people["kari"],
            received_on=days_ago(30),
            deadline=days_ago(2),
        ),
        "closed": make_case(
            app,
            place,
            unit=None,
            status="closed",
            closed_on=days_ago(1),
            closing_evaluation="Ferdig.",
            severity="low",
            received_on=days_ago(40),
            deadline=days_ago(20),
            measures=[{"description": "Gammelt", "owner": "Kari", "due": days_ago(30)}],
        ),
        "late_measure": make_case(
            app,
            place,
            unit="Møteplassen",
            category=2,
            status="measures_taken",
            severity="high",
            received_on=days_ago(10),
            deadline=future,
            measures=[
                {"description": "Ikke gjort", "owner": "Kari", "due": days_ago(1)},
                {"description": "Gjort", "owner": "Kari", "due": days_ago(5), "done": True},
            ],
        ),
        "done_measure": make_case(
            app,
            place,
            status="in_progress",
            received_on=days_ago(5),
            deadline=today(),
            measures=[
                {"description": "Gjort", "owner": "Kari", "due": days_ago(5), "done": True},
                {"description": "Senere", "owner": "Kari", "due": future},
            ],
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"fresh", "late", "closed", "late_measure", "done_measure"}),
        ("?status=received", {"fresh"}),
        ("?status=in_progress", {"late", "done_measure"}),
        ("?status=closed", {"closed"}),
        ("?status=open", {"fresh", "late", "late_measure", "done_measure"}),
        ("?unit=Solsiden", {"fresh", "done_measure"}),
        ("?unit=Døra", {"late"}),
        ("?category=1", {"late"}),
        ("?category=2", {"late_measure"}),
        ("?severity=high", {"late", "late_measure"}),
        ("?severity=low", {"closed"}),
        ("?severity=none", {"fresh", "done_measure"}),
        ("?overdue=y", {"late", "late_measure"}),
        ("?mine=y", {"late"}),
        ("?status=open&severity=high&overdue=y", {"late", "late_measure"}),
        ("?unit=Solsiden&status=closed", set()),
    ],
)
def test_list_filters(
    app: Flask,
    place: Place,
    several: dict[str, str],
    kari: FlaskClient,
    query: str,
    expected: set[str],
) -> None:
    for name, unit_id in place.units.items():
        query = query.replace(f"unit={name}", f"unit={unit_id}")
    if "category=" in query:
        index = int(query.split("category=")[1][0])
        query = query.replace(f"category={index}", f"category={place.categories[index]}")
    ids = listed(kari, query)
    assert len(ids) == len(set(ids))
    assert set(ids) == {several[name] for name in expected}


def test_mine_is_about_the_signed_in_person(
    app: Flask, place: Place, several: dict[str, str]
) -> None:
    fag = signed_in(app, "fag@example.no")
    assert listed(fag, "?mine=y") == []
    assert len(listed(fag)) == 5


@pytest.mark.parametrize(
    "query",
    [
        "?status=bogus",
        "?unit=abc",
        "?unit=999999",
        "?unit=-1",
        "?category=x",
        "?category=99999999999999999999",
        "?severity=%3Cscript%3E",
        "?severity=none%00",
        "?status=&unit=&category=&severity=",
        "?side=abc",
        "?side=0",
        "?side=-5",
        "?side=99999",
        "?side=999999999999999999999999",
        "?side=1e9",
        "?status=open&status=closed",
    ],
)
def test_garbage_filters_are_ignored(
    app: Flask, place: Place, several: dict[str, str], kari: FlaskClient, query: str
) -> None:
    ids = listed(kari, query)
    assert len(ids) == len(set(ids))
    if "status=open" not in query:
        assert set(ids) == set(several.values())


def test_unit_of_another_organisation_is_ignored(
    app: Flask, place: Place, several: dict[str, str], kari: FlaskClient
) -> None:
    assert set(listed(kari, f"?unit={place.other_unit}")) == set(several.values())


def test_overdue_cases_come_first_and_are_marked(
    app: Flask, place: Place, several: dict[str, str], kari: FlaskClient
) -> None:
    response = kari.get("/avvik/saker")
    html = response.get_data(as_text=True)
    ids = CASE_LINK.findall(html)
    late = {several["late"], several["late_measure"]}
    assert set(ids[:2]) == late
    # Then newest first.
    assert ids[2:] == [several["fresh"], several["done_measure"], several["closed"]]
    for name in ("late", "late_measure"):
        row = row_of(html, several[name])
        assert "row--overdue" in row and "overdue-badge" in row
    for name in ("fresh", "closed", "done_measure"):
        row = row_of(html, several[name])
        assert "row--overdue" not in row and "overdue-badge" not in row


def test_overdue_notice_on_the_case_page(
    app: Flask, place: Place, several: dict[str, str], kari: FlaskClient
) -> None:
    for name in ("late", "late_measure"):
        assert "overdue-notice" in kari.get(case_url(several[name])).get_data(as_text=True)
    for name in ("fresh", "closed", "done_measure"):
        assert "overdue-notice" not in kari.get(case_url(several[name])).get_data(as_text=True)
    measures_html = kari.get(case_url(several["late_measure"], "tiltak")).get_data(as_text=True)
    assert measures_html.count("row--overdue") == 1


def test_overdue_ends_when_the_late_measure_is_done(
    app: Flask, place: Place, several: dict[str, str], kari: FlaskClient
) -> None:
    case_id = several["late_measure"]
    late = next(m for m in load(app, case_id).measures if not m.done)
    assert act(kari, case_id, f"tiltak/{late.id}", {"done": "y"}).status_code == 302
    assert set(listed(kari, "?overdue=y")) == {several["late"]}


def test_pagination(app: Flask, place: Place, kari: FlaskClient) -> None:
    for n in range(55):
        make_case(app, place, received_on=days_ago(n))
    first = listed(kari)
    second = listed(kari, "?side=2")
    assert len(first) == 50 and len(second) == 5
    assert set(first).isdisjoint(second)
    assert len(set(first) | set(second)) == 55
    html = kari.get("/avvik/saker?side=2").get_data(as_text=True)
    assert 'aria-current="page" href="/avvik/saker?side=2"' in html
    assert 'href="/avvik/saker?side=1"' in html
    # Beyond the last page: the last page.
    assert listed(kari, "?side=3") == second
    # Filters are kept in the page links.
    filtered = kari.get("/avvik/saker?status=received").get_data(as_text=True)
    assert re.search(r'href="/avvik/saker\?[^"]*side=2[^"]*"', filtered)
    assert "status=received" in re.search(r'href="(/avvik/saker\?[^"]*side=2[^"]*)"', filtered)[1]
