"""What a user can send that once gave a 500 or did more than meant, and the rules that keep
the reporter's own words with the quality group until it has taken the case on."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.deviations.lists import PAGE_SIZE
from feedback.deviations.receiving import NewReport, submit
from feedback.extensions import db
from feedback.models import Deviation, User
from tests.conftest import post_form
from tests.world import Place, Reporter, case_ids, signed_in

DESCRIPTION = "Nattevakten låste døren til fellesrommet klokka ni."


@pytest.fixture
def kari(app: Flask, place: Place) -> FlaskClient:
    return signed_in(app, "kari@example.no")


def one_case(app: Flask, reporter: Reporter) -> str:
    reporter.report(description=DESCRIPTION)
    (case_id,) = case_ids(app)
    return case_id


@pytest.mark.parametrize("page", ["²", "٣", "1" * 5000, "-1", "0", "99999999"])
def test_odd_page_numbers_show_the_list(kari: FlaskClient, page: str) -> None:
    response = kari.get("/avvik/saker", query_string={"side": page})
    assert response.status_code == 200
    assert 'action="/avvik/saker"' in response.get_data(as_text=True)


def test_page_links_carry_only_the_filter(app: Flask, place: Place, kari: FlaskClient) -> None:
    with app.app_context():
        from feedback.models import DeviationCategory, Organisation, Unit

        org = db.session.get(Organisation, place.org)
        category = db.session.get(DeviationCategory, place.categories[0])
        unit = db.session.get(Unit, place.units["Solsiden"])
        assert org is not None and category is not None
        for number in range(PAGE_SIZE + 1):
            report = NewReport("other", unit, date(2026, 1, 2), category, f"Nr {number}")
            submit(org, report, f"{number:032x}")
        db.session.commit()
    response = kari.get("/avvik/saker?status=open&_method=POST&_external=1&_scheme=x")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    pages = re.findall(r'href="(/avvik/saker\?side=[^"]*)"', html)
    assert pages == ["/avvik/saker?side=1&amp;status=open", "/avvik/saker?side=2&amp;status=open"]


@pytest.mark.parametrize("path", ["/tiltak/99999999999999999999", "/tiltak/2147483648"])
def test_huge_measure_ids_are_not_found(
    app: Flask, reporter: Reporter, kari: FlaskClient, path: str
) -> None:
    case_id = one_case(app, reporter)
    page = f"/avvik/saker/{case_id}"
    response = post_form(kari, page + path, {"done": "y"}, page=page)
    assert response.status_code == 404


def test_huge_category_ids_are_not_found(app: Flask, place: Place) -> None:
    admin = signed_in(app, "admin@example.no")
    assert admin.get("/avvik/kategorier/99999999999999999999").status_code == 404


@pytest.mark.parametrize(
    "query", ["?til=31.12.9999", "?fra=01.01.0001", "?fra=01.01.1999", "?til=9999-12-31"]
)
def test_statistics_refuse_dates_far_away(kari: FlaskClient, query: str) -> None:
    response = kari.get("/avvik/statistikk" + query)
    assert response.status_code == 400
    assert "error-message" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("today", "first"),
    [
        (date(2026, 1, 31), date(2025, 2, 1)),
        (date(2026, 3, 31), date(2025, 4, 1)),
        (date(2026, 7, 31), date(2025, 8, 1)),
        (date(2026, 12, 1), date(2026, 1, 1)),
        (date(2026, 2, 28), date(2025, 3, 1)),
    ],
)
def test_the_default_period_is_the_last_twelve_months(today: date, first: date) -> None:
    from feedback.deviations.stats import default_period

    assert default_period(today) == (first, today)


def test_nul_characters_are_dropped_not_a_database_error(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    response = reporter.send(description="Før\x00etter", suggestion="\x00")
    assert response.status_code == 200
    with app.app_context():
        (case,) = db.session.scalars(sa.select(Deviation))
        assert case.description == "Føretter" and case.suggestion == ""


def test_blacking_out_needs_at_least_three_characters(
    app: Flask, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id = one_case(app, reporter)
    page = f"/avvik/saker/{case_id}"
    response = post_form(kari, page + "/sladd", {"other": "e"}, page=page)
    assert response.status_code == 400
    with app.app_context():
        case = db.session.get(Deviation, case_id)
        assert case is not None and case.description == DESCRIPTION


def test_a_manager_reads_the_report_once_the_quality_group_has_taken_it_on(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    """docs/design.md rule 4: the quality group reads free text first."""
    reporter.report(description="Ring Per på 912 34 567.")
    (case_id,) = case_ids(app)
    page = f"/avvik/saker/{case_id}"
    leder = signed_in(app, "leder@example.no")
    html = leder.get(page).get_data(as_text=True)
    assert "912 34 567" not in html and "Ring Per" not in html
    assert 'name="sladd"' not in html
    # Nor can the manager probe the text by trying to black it out.
    assert post_form(leder, page + "/sladd", {"other": "Ring Per"}, page=page).status_code == 404
    assert "Ring Per" in kari.get(page).get_data(as_text=True)

    data = {"status": "in_progress", "severity": "", "handler": "", "deadline": ""}
    assert post_form(kari, page + "/behandling", data, page=page).status_code == 302
    assert "Ring Per" in leder.get(page).get_data(as_text=True)


def test_no_notes_on_an_anonymised_case(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id = one_case(app, reporter)
    with app.app_context():
        case = db.session.get(Deviation, case_id)
        user = db.session.get(User, place.people["kari"])
        assert case is not None and user is not None
        case.anonymised_on = case.received_on
        db.session.commit()
    page = f"/avvik/saker/{case_id}"
    response = post_form(kari, page + "/notat", {"note": "Etterpå"}, page=page)
    assert response.status_code == 400
    with app.app_context():
        case = db.session.get(Deviation, case_id)
        assert case is not None and case.notes == []


@pytest.mark.parametrize("slug", ["saker", "statistikk", "kategorier", "oppfolging"])
def test_page_names_cannot_be_organisation_slugs(runner: Any, slug: str) -> None:
    result = runner.invoke(args=["create-org", "Sidekommune", "--slug", slug])
    assert result.exit_code != 0
    assert "page" in result.output
