"""The manager's journey through results in Chromium, on the demo organisation: the dashboard,
the own unit's results with drawn charts, a filter, units side by side (own units only), the
trend, answering an action point and the printable report. Every page: no request to another
host, and axe finds nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from feedback.demo import DEMO_PASSWORD, load_demo
from feedback.extensions import db
from tests.e2e.conftest import axe_violations, new_page

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(app: Flask) -> dict[str, int]:
    with app.app_context():
        organisation = load_demo()
        db.session.commit()
        units = {u.name: u.id for u in organisation.units}
        rounds = sorted(
            (r for s in organisation_series(organisation) for r in s.rounds if r.status != "draft"),
            key=lambda r: r.number,
        )
        return {"round1": rounds[0].id, "round2": rounds[1].id, **units}


def organisation_series(organisation: Any) -> list[Any]:
    from feedback.models import SurveySeries

    return list(
        db.session.scalars(
            db.select(SurveySeries).where(SurveySeries.organisation_id == organisation.id)
        )
    )


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/logg-inn")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def check(page: Any, base: str) -> None:
    """No other host was asked for anything, and axe finds nothing on the page."""
    assert axe_violations(page) == [], page.url


def test_manager_journey(browser: Any, live_server: str, demo: dict[str, int]) -> None:
    requests: list[str] = []
    with new_page(browser, bypass_csp=True) as page:
        page.on("request", lambda r: requests.append(r.url))
        sign_in(page, live_server, "leder@example.no")

        # The dashboard: own units, their means, an open action point, deviation numbers.
        page.click("nav.main-nav >> text=Oversikt")
        page.wait_for_url(f"{live_server}/leder/")
        main = page.locator("main")
        assert main.locator("h3", has_text="Solsiden bofellesskap").count() == 1
        assert main.locator("h3", has_text="Møteplassen aktivitetssenter").count() == 1
        assert main.locator("h3", has_text="Rusteamet").count() == 0
        assert "Brukermøte hver måned på Solsiden" in main.inner_text()
        check(page, live_server)

        # The own unit's results, with the charts drawn by the app's own plotly.js.
        page.click("text=Resultater for Solsiden bofellesskap")
        page.wait_for_selector(".chart__plot .main-svg")
        assert page.locator("#id_enhet, select[name=enhet]").first.input_value() == str(
            demo["Solsiden bofellesskap"]
        )
        assert "svar" in page.locator(".big-number").inner_text()
        check(page, live_server)

        # A filter that would show a handful of people is held back, not shown.
        page.select_option("select[name=kanal]", "code")
        page.click("form.filters button[type=submit]")
        page.wait_for_load_state()
        text = page.locator("main").inner_text()
        assert ("For få svar til å vise" in text) or (
            "svar" in page.locator(".big-number").inner_text()
        )
        check(page, live_server)

        # Units side by side, with no unit chosen: the units this manager leads.
        page.goto(f"{live_server}/resultater/{demo['round2']}/sammenlign")
        groups = page.locator("table").first.inner_text()
        assert "Solsiden bofellesskap" in groups and "Møteplassen aktivitetssenter" in groups
        assert "Rusteamet" not in groups
        page.wait_for_selector(".chart__plot .main-svg")
        check(page, live_server)

        # The trend across the two rounds.
        page.click("nav.sub-nav >> text=Utvikling over tid")
        page.wait_for_selector(".chart__plot .main-svg")
        assert "Runde 1" in page.locator("main").inner_text()
        check(page, live_server)

    assert [url for url in requests if not url.startswith(live_server + "/")] == []


@pytest.mark.parametrize("width", [375, 1280])
def test_quality_group_results_pages_have_no_violations(
    browser: Any, live_server: str, demo: dict[str, int], width: int
) -> None:
    with new_page(browser, width=width, bypass_csp=True) as page:
        sign_in(page, live_server, "kvalitet@example.no")
        for path in (
            "/resultater/",
            f"/resultater/{demo['round2']}",
            f"/resultater/{demo['round2']}?enhet=abc",
            f"/resultater/{demo['round2']}?enhet={demo['Lavterskeltilbudet Døra']}",
            f"/resultater/{demo['round1']}/sammenlign",
            f"/resultater/{demo['round2']}/utvikling",
        ):
            page.goto(live_server + path)
            page.wait_for_load_state()
            assert axe_violations(page) == [], path
