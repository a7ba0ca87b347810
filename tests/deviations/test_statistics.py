"""Deviation statistics: the numbers (statistics_for) and the page with its period, charts and
data tables."""

from __future__ import annotations

import re
import secrets
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.deviations import stats
from feedback.deviations.categories import categories
from feedback.deviations.receiving import NewReport, submit
from feedback.deviations.scope import Scope, scope_for
from feedback.extensions import db
from feedback.models import DeviationCategory, Membership, Organisation, Unit
from feedback.models.base import today
from tests.world import Place, signed_in

ENGLISH = {"Accept-Language": "en"}
BIG_NUMBER = re.compile(r'<p class="big-number">([^<]*)</p>')
ROW = re.compile(r'<th scope="row">([^<]*)</th>\s*<td class="numeric">([^<]*)</td>')
CHART_IDS = ("chart-month", "chart-category", "chart-unit", "chart-status", "chart-severity")


def make_case(
    app: Flask,
    place: Place,
    received: date,
    *,
    unit: str | None = "Solsiden",
    category: int = 0,
    closed: date | None = None,
    **values: Any,
) -> str:
    with app.app_context():
        organisation = db.session.get(Organisation, place.org)
        report = NewReport(
            reporter_kind="service_user",
            unit=db.session.get(Unit, place.units[unit]) if unit else None,
            event_date=received,
            category=db.session.get(DeviationCategory, place.categories[category]),
            description="Hendelse.",
        )
        case, _code = submit(organisation, report, secrets.token_hex(16))
        case.received_on = received
        if closed is not None:
            case.status, case.closed_on, case.closing_evaluation = "closed", closed, "Ferdig."
        for name, value in values.items():
            setattr(case, name, value)
        db.session.commit()
        return case.id


def everything(place: Place) -> Scope:
    return Scope(db.session.get(Organisation, place.org), everything=True)


@pytest.fixture
def spread(app: Flask, place: Place) -> None:
    """Five cases from 1 January to 30 April 2025, and two just outside."""
    make_case(app, place, date(2024, 12, 31))
    make_case(app, place, date(2025, 1, 1))
    make_case(
        app,
        place,
        date(2025, 1, 20),
        unit="Døra",
        category=1,
        closed=date(2025, 1, 30),
        severity="high",
    )
    make_case(app, place, date(2025, 3, 5), unit=None, closed=date(2025, 3, 9), severity="low")
    make_case(
        app,
        place,
        date(2025, 3, 31),
        unit="Møteplassen",
        category=2,
        status="in_progress",
        severity="high",
    )
    make_case(app, place, date(2025, 4, 30))
    make_case(app, place, date(2025, 5, 1))


# --- the numbers ---------------------------------------------------------------------------------


def test_counts(app: Flask, place: Place, spread: None) -> None:
    with app.app_context():
        numbers = stats.statistics_for(everything(place), date(2025, 1, 1), date(2025, 4, 30))
    assert numbers.total == 5
    assert numbers.by_month == [
        (date(2025, 1, 1), 2),
        (date(2025, 2, 1), 0),
        (date(2025, 3, 1), 2),
        (date(2025, 4, 1), 1),
    ]
    cats = place.categories
    assert dict(numbers.by_category) == {cats[0]: 3, cats[1]: 1, cats[2]: 1}
    units = place.units
    assert dict(numbers.by_unit) == {
        units["Solsiden"]: 2,
        units["Døra"]: 1,
        units["Møteplassen"]: 1,
        None: 1,
    }
    assert dict(numbers.by_status) == {"received": 2, "closed": 2, "in_progress": 1}
    assert dict(numbers.by_severity) == {None: 2, "high": 2, "low": 1}
    assert numbers.closed == 2
    # 10 and 4 days: the median of an even count is the mean of the middle two.
    assert numbers.median_days_to_close == 7


def test_months_with_no_cases_are_there(app: Flask, place: Place) -> None:
    make_case(app, place, date(2025, 6, 15))
    with app.app_context():
        numbers = stats.statistics_for(everything(place), date(2025, 2, 10), date(2025, 8, 3))
    assert numbers.by_month == [(date(2025, m, 1), 1 if m == 6 else 0) for m in range(2, 9)]


def test_a_period_across_new_year(app: Flask, place: Place) -> None:
    make_case(app, place, date(2024, 12, 31))
    make_case(app, place, date(2025, 1, 1))
    with app.app_context():
        numbers = stats.statistics_for(everything(place), date(2024, 11, 1), date(2025, 2, 28))
    assert [n for _m, n in numbers.by_month] == [0, 1, 1, 0]
    assert [m.month for m, _n in numbers.by_month] == [11, 12, 1, 2]


def test_median_of_an_odd_count(app: Flask, place: Place) -> None:
    for days, closed in ((30, date(2025, 2, 4)), (2, date(2025, 1, 7)), (5, date(2025, 1, 10))):
        assert (closed - date(2025, 1, 5)).days == days
        make_case(app, place, date(2025, 1, 5), closed=closed)
    make_case(app, place, date(2025, 1, 6))  # open: not in the median
    with app.app_context():
        numbers = stats.statistics_for(everything(place), date(2025, 1, 1), date(2025, 1, 31))
    assert numbers.closed == 3
    assert numbers.median_days_to_close == 5


def test_median_of_an_even_count_can_be_a_half(app: Flask, place: Place) -> None:
    make_case(app, place, date(2025, 1, 5), closed=date(2025, 1, 8))
    make_case(app, place, date(2025, 1, 5), closed=date(2025, 1, 9))
    with app.app_context():
        numbers = stats.statistics_for(everything(place), date(2025, 1, 1), date(2025, 1, 31))
    assert numbers.median_days_to_close == 3.5


def test_closed_the_day_it_came_in(app: Flask, place: Place) -> None:
    make_case(app, place, date(2025, 1, 5), closed=date(2025, 1, 5))
    with app.app_context():
        numbers = stats.statistics_for(everything(place), date(2025, 1, 1), date(2025, 1, 31))
    assert numbers.median_days_to_close == 0


def test_no_closed_case_no_median(app: Flask, place: Place) -> None:
    make_case(app, place, date(2025, 1, 5))
    with app.app_context():
        numbers = stats.statistics_for(everything(place), date(2025, 1, 1), date(2025, 1, 31))
        empty = stats.statistics_for(everything(place), date(2025, 2, 1), date(2025, 2, 28))
    assert numbers.total == 1 and numbers.closed == 0
    assert numbers.median_days_to_close is None
    assert empty.total == 0 and empty.median_days_to_close is None
    assert empty.by_month == [(date(2025, 2, 1), 0)]


def test_a_managers_numbers(app: Flask, place: Place, spread: None) -> None:
    with app.app_context():
        organisation = db.session.get(Organisation, place.org)
        memberships = list(
            db.session.scalars(
                sa.select(Membership).where(Membership.user_id == place.people["leder"])
            )
        )
        scope = scope_for(organisation, memberships)
        assert scope is not None
        numbers = stats.statistics_for(scope, date(2025, 1, 1), date(2025, 4, 30))
    assert numbers.total == 3
    assert dict(numbers.by_unit) == {place.units["Solsiden"]: 2, place.units["Møteplassen"]: 1}
    assert numbers.closed == 0


def test_another_organisations_cases_are_not_counted(app: Flask, place: Place) -> None:
    make_case(app, place, date(2025, 1, 5))
    with app.app_context():
        other = db.session.get(Organisation, place.other_org)
        category = categories(other)[0]
        submit(
            other,
            NewReport("relative", None, date(2025, 1, 5), category, "Annen kommune."),
            secrets.token_hex(16),
        )
        numbers = stats.statistics_for(everything(place), date(2025, 1, 1), date(2025, 12, 31))
    # The other organisation's case came in today, our one in January 2025.
    assert numbers.total == 1


# --- the page ------------------------------------------------------------------------------------


@pytest.fixture
def kari(app: Flask, place: Place) -> FlaskClient:
    return signed_in(app, "kari@example.no")


def chart_rows(html: str, chart_id: str) -> list[tuple[str, str]]:
    """The rows of the data table of one chart."""
    figures = html.split('<figure class="chart">')[1:]
    (figure,) = [f for f in figures if f'id="{chart_id}"' in f]
    table = figure.split("</figure>")[0]
    assert '<table class="ds-table">' in table
    return [(label.strip(), value.strip()) for label, value in ROW.findall(table)]


def values(html: str, chart_id: str) -> list[str]:
    return [value for _label, value in chart_rows(html, chart_id)]


@pytest.mark.parametrize(
    "query", ["?fra=01.01.2025&til=30.04.2025", "?fra=2025-01-01&til=2025-04-30"]
)
def test_the_page_for_a_period(
    app: Flask, place: Place, spread: None, kari: FlaskClient, query: str
) -> None:
    response = kari.get("/avvik/statistikk" + query)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert BIG_NUMBER.findall(html) == ["5", "2", "7"]
    first, last = (part.split("=")[1] for part in query[1:].split("&"))
    iso = ["-".join(reversed(d.split("."))) if "." in d else d for d in (first, last)]
    assert f'value="{iso[0]}"' in html and f'value="{iso[1]}"' in html
    for chart_id in CHART_IDS:
        assert f'id="{chart_id}"' in html
        assert f'id="{chart_id}-data"' in html
    assert html.count('<table class="ds-table">') == len(CHART_IDS)
    assert values(html, "chart-month") == ["2", "0", "2", "1"]
    category_rows = dict(chart_rows(html, "chart-category"))
    assert category_rows["Brukermedvirkning"] == "3"
    assert category_rows["Behandling og oppfølging"] == "1"
    assert category_rows["Tvang og rettigheter"] == "1"
    assert category_rows["Annet"] == "0"
    unit_rows = chart_rows(html, "chart-unit")
    assert unit_rows[:5] == [
        ("Psykisk helse", "0"),
        ("Møteplassen", "1"),
        ("Solsiden", "2"),
        ("Rusteamet", "0"),
        ("Døra", "1"),
    ]
    assert [v for _l, v in unit_rows[5:]] == ["1"]  # unit not given
    # received, in progress, measures taken, closed
    assert values(html, "chart-status") == ["2", "1", "0", "2"]
    # low, medium, high, critical, not assessed
    assert values(html, "chart-severity") == ["1", "0", "2", "0", "2"]


def test_one_day_period(app: Flask, place: Place, spread: None, kari: FlaskClient) -> None:
    html = kari.get("/avvik/statistikk?fra=30.04.2025&til=30.04.2025").get_data(as_text=True)
    assert BIG_NUMBER.findall(html)[0] == "1"
    assert values(html, "chart-month") == ["1"]


def test_median_with_a_decimal_on_the_page(app: Flask, place: Place, kari: FlaskClient) -> None:
    make_case(app, place, date(2025, 1, 5), closed=date(2025, 1, 8))
    make_case(app, place, date(2025, 1, 5), closed=date(2025, 1, 9))
    html = kari.get("/avvik/statistikk?fra=01.01.2025&til=31.01.2025").get_data(as_text=True)
    assert BIG_NUMBER.findall(html) == ["2", "2", "3,5"]


def test_end_before_start(app: Flask, place: Place, spread: None, kari: FlaskClient) -> None:
    response = kari.get("/avvik/statistikk?fra=30.04.2025&til=01.01.2025", headers=ENGLISH)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="til-error"' in html
    assert "The end date must be on or after the start date." in html
    assert 'class="ds-error-summary error-summary"' in html


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?fra=abc", "fra"),
        ("?fra=31.02.2025", "fra"),
        ("?til=2025-13-01", "til"),
        ("?fra=99999-01-01", "fra"),
        ("?fra=01.01.0000", "fra"),
        ("?fra=%00&til=%3Cscript%3E", "fra"),
        ("?til=1.1.1", "til"),
    ],
)
def test_garbage_dates(
    app: Flask, place: Place, spread: None, kari: FlaskClient, query: str, field: str
) -> None:
    response = kari.get("/avvik/statistikk" + query)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert "<script>" not in html.split("<main")[1]


def test_more_than_ten_years(app: Flask, place: Place, spread: None, kari: FlaskClient) -> None:
    response = kari.get("/avvik/statistikk?fra=01.01.1990&til=31.12.2025")
    assert response.status_code == 400
    assert 'id="fra-error"' in response.get_data(as_text=True)


def test_empty_filter_gives_the_last_year(app: Flask, place: Place, kari: FlaskClient) -> None:
    make_case(app, place, today())
    response = kari.get("/avvik/statistikk?fra=&til=")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert BIG_NUMBER.findall(html)[0] == "1"
    assert len(values(html, "chart-month")) == 12
    assert values(html, "chart-month")[-1] == "1"


def test_scripts_are_served_by_the_app(
    app: Flask, place: Place, spread: None, kari: FlaskClient
) -> None:
    html = kari.get("/avvik/statistikk?fra=01.01.2025&til=30.04.2025").get_data(as_text=True)
    plotly = re.findall(r'<script src="([^"]*plotly[^"]*)"', html)
    assert len(plotly) == 1
    assert plotly[0].startswith("/vendor/plotly-") and plotly[0].endswith(".min.js")
    served = kari.get(plotly[0])
    assert served.status_code == 200
    served.close()
    for address in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert not re.match(r"^(?:[a-z][a-z0-9+.-]*:|//)", address, re.I), address


def test_no_cases_in_the_period(app: Flask, place: Place, spread: None, kari: FlaskClient) -> None:
    response = kari.get("/avvik/statistikk?fra=01.06.2025&til=31.07.2025", headers=ENGLISH)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No reports were received in this period." in html
    assert BIG_NUMBER.findall(html) == ["0", "0", "–"]
    assert '<figure class="chart">' not in html
    assert "/vendor/plotly" not in html
    assert "charts.js" not in html


def test_no_cases_at_all(app: Flask, place: Place, kari: FlaskClient) -> None:
    response = kari.get("/avvik/statistikk", headers=ENGLISH)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No reports were received in this period." in html
    assert '<figure class="chart">' not in html
    assert "/vendor/plotly" not in html
