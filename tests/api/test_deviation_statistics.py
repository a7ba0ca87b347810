"""Deviation statistics through the API: the numbers match the cases, managers get their own
units, the period is checked."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask

from feedback.deviations.stats import default_period
from feedback.extensions import db
from feedback.models import Organisation
from feedback.models.base import today
from tests import factories
from tests.api.conftest import make_case, make_token
from tests.world import Api, Place

STATS = "/deviations/statistics"


@pytest.fixture
def cases(app: Flask, place: Place) -> None:
    """Five cases from January to April 2025, and one on each side of that period."""
    with app.app_context():
        make_case(place, date(2024, 12, 31))
        make_case(place, date(2025, 1, 1))
        make_case(
            place, date(2025, 1, 20), unit="Døra", category=1, closed=date(2025, 1, 30),
            severity="high",
        )  # fmt: skip
        make_case(place, date(2025, 3, 5), unit=None, closed=date(2025, 3, 9), severity="low")
        make_case(place, date(2025, 3, 31), unit="Møteplassen", status="in_progress")
        make_case(place, date(2025, 4, 30), unit="Rusteamet", category=1, closed=date(2025, 5, 20))
        make_case(place, date(2025, 5, 1))


def rows(body: dict[str, Any], name: str, key: str) -> dict[Any, int]:
    return {row[key]: row["count"] for row in body[name]}


def test_the_numbers_match_the_cases(
    api: Api, place: Place, cases: None, tokens: dict[str, str]
) -> None:
    body = api.json(STATS, tokens["kari"], **{"from": "2025-01-01", "to": "2025-04-30"})
    assert (body["from"], body["to"]) == ("2025-01-01", "2025-04-30")
    assert body["total"] == 5
    assert rows(body, "by_month", "month") == {
        "2025-01": 2, "2025-02": 0, "2025-03": 2, "2025-04": 1,
    }  # fmt: skip
    units = rows(body, "by_unit", "unit")
    assert units[place.units["Solsiden"]] == 1
    assert units[place.units["Døra"]] == 1
    assert units[place.units["Møteplassen"]] == 1
    assert units[place.units["Rusteamet"]] == 1
    assert units[place.units["Psykisk helse"]] == 0
    assert units[None] == 1
    assert sum(units.values()) == body["total"]
    assert rows(body, "by_status", "status") == {
        "received": 1, "in_progress": 1, "measures_taken": 0, "closed": 3,
    }  # fmt: skip
    assert rows(body, "by_severity", "severity") == {
        "low": 1, "medium": 0, "high": 1, "critical": 0, None: 3,
    }  # fmt: skip
    categories = rows(body, "by_category", "category")
    assert categories[place.categories[0]] == 3 and categories[place.categories[1]] == 2
    assert sum(categories.values()) == 5
    first = next(r for r in body["by_category"] if r["category"] == place.categories[0])
    assert set(first["name"]) == {"nb", "nn", "en"} and first["name"]["nb"]
    assert body["closed"] == 3
    assert body["median_days_to_close"] == 10.0  # of 10, 4 and 20 days


def test_managers_get_the_cases_of_their_units(
    api: Api, place: Place, cases: None, tokens: dict[str, str]
) -> None:
    body = api.json(STATS, tokens["rusleder"], **{"from": "2025-01-01", "to": "2025-04-30"})
    assert body["total"] == 2
    assert rows(body, "by_unit", "unit") == {place.units["Rusteamet"]: 1, place.units["Døra"]: 1}
    assert body["median_days_to_close"] == 15.0  # 10 and 20 days
    leder = api.json(STATS, tokens["leder"], **{"from": "2025-01-01", "to": "2025-04-30"})
    assert leder["total"] == 2 and None not in rows(leder, "by_unit", "unit")


def test_a_manager_without_units_gets_404(app: Flask, api: Api, place: Place) -> None:
    with app.app_context():
        org = db.session.get(Organisation, place.org)
        person = factories.user("tom@example.no", org=org, role="manager")
        db.session.commit()
        person_id = person.id
    secret = make_token(app, person_id, place.org)
    assert api.get(STATS, secret).status_code == 404
    assert api.get("/rounds", secret).status_code == 404
    assert api.get("/units", secret).status_code == 200


def test_the_period_defaults_to_the_last_twelve_months(
    app: Flask, api: Api, place: Place, tokens: dict[str, str]
) -> None:
    with app.app_context():
        make_case(place, today())
        make_case(place, today() - timedelta(days=400))
    body = api.json(STATS, tokens["kari"])
    assert body["to"] == today().isoformat()
    assert body["from"] == default_period(today())[0].isoformat()
    assert len(body["by_month"]) == 12 and body["total"] == 1
    only_end = api.json(STATS, tokens["kari"], to="2025-06-15")
    assert only_end["from"] == "2024-07-01"


@pytest.mark.parametrize(
    ("params", "wrong"),
    [
        ({"from": "01.01.2025"}, {"from"}),
        ({"from": "2025-02-30"}, {"from"}),
        ({"to": "yesterday"}, {"to"}),
        ({"from": "20250101"}, {"from"}),
        ({"from": "0001-01-01"}, {"from"}),
        ({"to": "9999-12-31"}, {"to"}),
        ({"from": "2025-05-01", "to": "2025-04-30"}, {"to"}),
        ({"from": "2000-01-01", "to": "2025-01-01"}, {"to"}),  # more than ten years
        ({"from": "x", "to": "y"}, {"from", "to"}),
    ],
)
def test_bad_periods_get_400(
    api: Api, place: Place, tokens: dict[str, str], params: dict[str, str], wrong: set[str]
) -> None:
    response = api.get(STATS, tokens["kari"], **params)
    assert response.status_code == 400
    assert set(response.get_json()["parameters"]) == wrong
