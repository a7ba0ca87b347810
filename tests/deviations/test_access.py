"""Who sees which case: the quality group all of its organisation, a manager the cases of
their units, everyone else nothing (404, also for ids that exist). Contact details are for the
case handler alone."""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import AuditEvent, Deviation, DeviationMeasure, DeviationMessage
from feedback.models.deviation import DeviationNote
from tests.conftest import csrf_token, post_form
from tests.world import Place, Reporter, case_ids, signed_in

CASE_LINK = re.compile(r'href="/avvik/saker/([a-z0-9]{8})"')
BIG_NUMBER = re.compile(r'<p class="big-number">([^<]*)</p>')
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

EMAILS = {
    "kari": "kari@example.no",
    "fag": "fag@example.no",
    "leder": "leder@example.no",
    "rusleder": "rusleder@example.no",
    "admin": "admin@example.no",
    "norole": "ingen@example.no",
    "nabo": "nabo@example.no",
}

#: Status of each case page per person.
SEES = {
    "kari": {"solsiden": 200, "dora": 200, "nowhere": 200},
    "fag": {"solsiden": 200, "dora": 200, "nowhere": 200},
    "leder": {"solsiden": 200, "dora": 404, "nowhere": 404},
    "rusleder": {"solsiden": 404, "dora": 200, "nowhere": 404},
    "admin": {"solsiden": 404, "dora": 404, "nowhere": 404},
    "norole": {"solsiden": 404, "dora": 404, "nowhere": 404},
    "nabo": {"solsiden": 404, "dora": 404, "nowhere": 404},
}


def reported(app: Flask, reporter: Reporter, **fields: Any) -> str:
    before = set(case_ids(app))
    reporter.report(**fields)
    (case_id,) = set(case_ids(app)) - before
    return case_id


@pytest.fixture
def cases(app: Flask, place: Place, reporter: Reporter) -> dict[str, str]:
    """A case at Solsiden, one at Døra and one without a unit, each with a measure."""
    found = {
        "solsiden": reported(app, reporter, description="Saken om Solsiden."),
        "dora": reported(app, reporter, unit=place.units["Døra"], description="Saken om Døra."),
        "nowhere": reported(app, reporter, unit="ingen", description="Saken uten sted."),
    }
    with app.app_context():
        for case_id in found.values():
            db.session.add(DeviationMeasure(deviation_id=case_id, description="T", owner="K"))
        db.session.commit()
    return found


def measure_of(app: Flask, case_id: str) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(DeviationMeasure.id).where(DeviationMeasure.deviation_id == case_id)
        )


def unknown_id(app: Flask) -> str:
    existing = set(case_ids(app))
    while True:
        case_id = "".join(secrets.choice(ALPHABET) for _ in range(8))
        if case_id not in existing:
            return case_id


def actions(measure_id: int) -> dict[str, dict[str, str]]:
    """Every POST route of a case with data that would change it."""
    return {
        "behandling": {"status": "in_progress", "severity": "high", "handler": "", "deadline": ""},
        "tiltak": {"description": "Inntrenger", "owner": "Inntrenger"},
        f"tiltak/{measure_id}": {"done": "y"},
        "melding": {"body": "Hei fra inntrenger"},
        "notat": {"note": "Notat fra inntrenger"},
        "lukk": {"evaluation": "Lukket av inntrenger"},
        "gjenapne": {},
        "sladd": {"other": "Saken"},
    }


def snapshot(app: Flask) -> tuple[Any, ...]:
    """Everything a case action could change."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                Deviation.id,
                Deviation.status,
                Deviation.severity,
                Deviation.description,
                Deviation.closed_on,
            ).order_by(Deviation.id)
        ).all()
        counts = [
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (DeviationMeasure, DeviationMessage, DeviationNote, AuditEvent)
        ]
        done = db.session.scalar(sa.select(sa.func.count()).where(DeviationMeasure.done.is_(True)))
        return tuple(map(tuple, rows)), tuple(counts), done


# --- the case page -------------------------------------------------------------------------------


@pytest.mark.parametrize("person", list(SEES))
def test_case_pages(app: Flask, place: Place, cases: dict[str, str], person: str) -> None:
    client = signed_in(app, EMAILS[person])
    for name, case_id in cases.items():
        response = client.get(f"/avvik/saker/{case_id}")
        assert response.status_code == SEES[person][name], (person, name)
        if response.status_code == 404:
            assert "Saken" not in response.get_data(as_text=True)
    assert client.get(f"/avvik/saker/{unknown_id(app)}").status_code == 404
    assert client.get("/avvik/saker/x").status_code == 404


@pytest.mark.parametrize("person", list(SEES))
def test_actions_on_hidden_cases_are_not_found(
    app: Flask, place: Place, cases: dict[str, str], person: str
) -> None:
    client = signed_in(app, EMAILS[person])
    token = csrf_token(client, "/")
    hidden = [case_id for name, case_id in cases.items() if SEES[person][name] == 404]
    hidden.append(unknown_id(app))
    before = snapshot(app)
    for case_id in hidden:
        measure = measure_of(app, case_id) or 1
        for action, data in actions(measure).items():
            response = client.post(
                f"/avvik/saker/{case_id}/{action}", data={"csrf_token": token, **data}
            )
            assert response.status_code == 404, (person, case_id, action)
    assert snapshot(app) == before


def test_the_same_case_id_in_any_case_is_the_same_case(
    app: Flask, place: Place, cases: dict[str, str]
) -> None:
    """The shown form (ABCD-EFGH) leads to the case; it does not open a way around the scope."""
    case_id = cases["dora"]
    shown = f"{case_id[:4]}-{case_id[4:]}".upper()
    assert signed_in(app, EMAILS["kari"]).get(f"/avvik/saker/{shown}").status_code == 200
    assert signed_in(app, EMAILS["leder"]).get(f"/avvik/saker/{shown}").status_code == 404


# The administrator: see the authorization matrix (tests/test_authorization.py).
@pytest.mark.parametrize("person", ["norole"])
def test_people_without_a_case_role_see_no_list_and_no_statistics(
    app: Flask, place: Place, cases: dict[str, str], person: str
) -> None:
    client = signed_in(app, EMAILS[person])
    assert client.get("/avvik/saker").status_code == 404
    assert client.get("/avvik/statistikk").status_code == 404


def test_another_organisation_sees_its_own_empty_list(
    app: Flask, place: Place, cases: dict[str, str]
) -> None:
    nabo = signed_in(app, EMAILS["nabo"])
    assert listed(nabo) == set()
    assert statistics_total(nabo) == 0


def test_signed_out_goes_to_the_login(
    app: Flask, place: Place, cases: dict[str, str], client: FlaskClient
) -> None:
    for path in [f"/avvik/saker/{cases['solsiden']}", "/avvik/saker", "/avvik/statistikk"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/logg-inn" in response.headers["Location"]
        assert "Saken" not in response.get_data(as_text=True)


# --- lists and statistics ------------------------------------------------------------------------


def listed(client: FlaskClient, query: str = "") -> set[str]:
    response = client.get("/avvik/saker" + query)
    assert response.status_code == 200
    return set(CASE_LINK.findall(response.get_data(as_text=True)))


def test_the_list_shows_only_the_managers_cases(
    app: Flask, place: Place, reporter: Reporter, cases: dict[str, str]
) -> None:
    meeting = reported(app, reporter, unit=place.units["Møteplassen"])
    top = reported(app, reporter, unit=place.units["Psykisk helse"])
    leder = signed_in(app, EMAILS["leder"])
    assert listed(leder) == {cases["solsiden"], meeting, top}
    assert listed(leder, "?status=open") == {cases["solsiden"], meeting, top}
    # A unit outside the scope in the filter does not open it.
    assert listed(leder, f"?unit={place.units['Døra']}") == {cases["solsiden"], meeting, top}
    assert listed(signed_in(app, EMAILS["rusleder"])) == {cases["dora"]}
    assert listed(signed_in(app, EMAILS["kari"])) == {*cases.values(), meeting, top}


def test_unit_filter_offers_the_managers_units_only(
    app: Flask, place: Place, cases: dict[str, str]
) -> None:
    html = signed_in(app, EMAILS["leder"]).get("/avvik/saker").get_data(as_text=True)
    select = re.search(r'<select[^>]*id="unit".*?</select>', html, re.S)
    assert select
    values = set(re.findall(r'value="([^"]*)"', select.group()))
    units = place.units
    assert values == {"", *(str(units[n]) for n in ("Psykisk helse", "Solsiden", "Møteplassen"))}


def statistics_total(client: FlaskClient) -> int:
    response = client.get("/avvik/statistikk")
    assert response.status_code == 200
    return int(BIG_NUMBER.findall(response.get_data(as_text=True))[0])


def test_statistics_count_only_the_managers_units(
    app: Flask, place: Place, reporter: Reporter, cases: dict[str, str]
) -> None:
    reported(app, reporter, unit=place.units["Møteplassen"])
    assert statistics_total(signed_in(app, EMAILS["kari"])) == 4
    assert statistics_total(signed_in(app, EMAILS["fag"])) == 4
    assert statistics_total(signed_in(app, EMAILS["leder"])) == 2
    assert statistics_total(signed_in(app, EMAILS["rusleder"])) == 1
    html = signed_in(app, EMAILS["leder"]).get("/avvik/statistikk").get_data(as_text=True)
    assert "Døra" not in html and "Rusteamet" not in html


# --- contact details -----------------------------------------------------------------------------

NAME = "Nora Navnesen"
CONTACT = "nora@example.no"


def shows_contact(client: FlaskClient, case_id: str) -> tuple[bool, bool]:
    html = client.get(f"/avvik/saker/{case_id}").get_data(as_text=True)
    return NAME in html, CONTACT in html


def test_contact_details_only_for_the_handler(app: Flask, place: Place, reporter: Reporter) -> None:
    case_id = reported(app, reporter, reporter_name=NAME, reporter_contact=CONTACT)
    kari = signed_in(app, EMAILS["kari"])
    fag = signed_in(app, EMAILS["fag"])
    leder = signed_in(app, EMAILS["leder"])
    for client in (kari, fag, leder):
        assert shows_contact(client, case_id) == (False, False)

    page = f"/avvik/saker/{case_id}"
    response = post_form(
        kari,
        f"{page}/behandling",
        {"status": "in_progress", "severity": "", "handler": place.people["kari"], "deadline": ""},
        page=page,
    )
    assert response.status_code == 302
    assert shows_contact(kari, case_id) == (True, True)
    assert shows_contact(fag, case_id) == (False, False)
    assert shows_contact(leder, case_id) == (False, False)

    for client in (kari, fag, leder):
        for query in ("", "?mine=y", "?status=in_progress"):
            html = client.get("/avvik/saker" + query).get_data(as_text=True)
            assert NAME not in html and CONTACT not in html

    # The audit log keeps no contact details either.
    with app.app_context():
        logged = [str(e.details) + e.subject for e in db.session.scalars(sa.select(AuditEvent))]
    assert logged and not any(NAME in e or CONTACT in e for e in logged)


def test_contact_details_follow_the_handler(app: Flask, place: Place, reporter: Reporter) -> None:
    case_id = reported(app, reporter, reporter_name=NAME, reporter_contact=CONTACT)
    kari = signed_in(app, EMAILS["kari"])
    page = f"/avvik/saker/{case_id}"
    data = {"status": "in_progress", "severity": "", "deadline": ""}
    post_form(kari, f"{page}/behandling", {**data, "handler": place.people["kari"]}, page=page)
    assert shows_contact(kari, case_id) == (True, True)
    response = post_form(
        kari, f"{page}/behandling", {**data, "handler": place.people["leder"]}, page=page
    )
    assert response.status_code == 302
    assert shows_contact(kari, case_id) == (False, False)
    assert shows_contact(signed_in(app, EMAILS["leder"]), case_id) == (True, True)
