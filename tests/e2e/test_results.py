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

        # The own unit's overview, then its questions, with the charts drawn by the app's own
        # plotly.js; the unit goes along to the tab.
        page.click("text=Resultater for Solsiden bofellesskap")
        assert "svar" in page.locator(".big-number").inner_text()
        check(page, live_server)
        page.click("nav.tabs-nav >> text=Spørsmål")
        page.wait_for_selector(".chart__plot .main-svg")
        assert page.locator("#id_enhet, select[name=enhet]").first.input_value() == str(
            demo["Solsiden bofellesskap"]
        )
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
        page.click("nav.tabs-nav >> text=Utvikling over tid")
        page.wait_for_selector(".chart__plot .main-svg")
        assert "Runde 1" in page.locator("main").inner_text()
        check(page, live_server)

    assert [url for url in requests if not url.startswith(live_server + "/")] == []


def test_tabs_are_addresses_that_back_returns_to(
    browser: Any, live_server: str, demo: dict[str, int]
) -> None:
    """Each tab is a page of its own: Back returns to the previous tab with its filter, and
    the tab row scrolls inside itself at 320 px (the page does not)."""
    from playwright.sync_api import expect

    unit = demo["Solsiden bofellesskap"]
    base = f"{live_server}/resultater/{demo['round2']}"
    with new_page(browser, width=320, bypass_csp=True) as page:
        sign_in(page, live_server, "kvalitet@example.no")
        page.goto(f"{base}?enhet={unit}")
        tabs = page.locator("nav.tabs-nav")
        expect(tabs.locator("[aria-current=page]")).to_have_text("Oversikt")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        tabs.locator("text=Spørsmål").click()
        page.wait_for_url(f"{base}/sporsmal?enhet={unit}")
        tabs.locator("text=Fritekst").click()
        page.wait_for_url(f"{base}/fritekst?enhet={unit}")
        expect(tabs.locator("[aria-current=page]")).to_have_text("Fritekst")

        page.go_back()
        page.wait_for_url(f"{base}/sporsmal?enhet={unit}")
        expect(tabs.locator("[aria-current=page]")).to_have_text("Spørsmål")
        assert page.locator("select[name=enhet]").input_value() == str(unit)
        page.go_back()
        page.wait_for_url(f"{base}?enhet={unit}")
        expect(tabs.locator("[aria-current=page]")).to_have_text("Oversikt")
        page.go_forward()
        page.wait_for_url(f"{base}/sporsmal?enhet={unit}")

        # The last tab is reached by scrolling the tab row, not the page.
        last = tabs.locator("a").last
        last.scroll_into_view_if_needed()
        expect(last).to_be_in_viewport()
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        assert axe_violations(page) == []


@pytest.mark.parametrize("language", ["nn", "en"])
def test_a_results_tab_in_nynorsk_and_english_has_no_violations(
    browser: Any, live_server: str, demo: dict[str, int], language: str
) -> None:
    with new_page(browser, bypass_csp=True) as page:
        sign_in(page, live_server, "kvalitet@example.no")
        page.goto(f"{live_server}/sprak/{language}?next=/")
        page.goto(f"{live_server}/resultater/{demo['round2']}/fritekst")
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("nav.tabs-nav [aria-current=page]").count() == 1
        assert axe_violations(page) == []
