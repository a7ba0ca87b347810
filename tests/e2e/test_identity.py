"""The organisation's identity in a real browser: the administrator's page and a respondent's
page with the organisation's colour and logo, under the app's Content-Security-Policy, and axe
reports nothing on either (also with a refused colour on the page)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from feedback.brand import services
from feedback.extensions import db
from feedback.models import Organisation
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, new_page, sign_in
from tests.images import SVG, png
from tests.world import PEOPLE, Place, make_round

pytestmark = pytest.mark.e2e

ACCENT = "#006b3c"
ACCENT_RGB = "rgb(0, 107, 60)"
NAME = "Fjordvik psykisk helse"


@pytest.fixture
def token(app: Flask, place: Place) -> str:
    """An open round of an organisation with its own name, colour and (PNG) logo."""
    with app.app_context():
        org = db.session.get(Organisation, place.org)
        assert org is not None
        services.update_identity(
            org, None, display_name=NAME, accent_colour=ACCENT, logo=png(120, 40)
        )
        token = make_round(org).public_token
        db.session.commit()
        return token


def _header(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => {
          const header = document.querySelector('.site-header');
          const logo = document.querySelector('.brand__logo');
          return {
            background: getComputedStyle(header).backgroundColor,
            name: document.querySelector('.brand__name').textContent,
            logoLoaded: logo ? logo.complete && logo.naturalWidth > 0 : false,
          };
        }"""
    )


@pytest.mark.parametrize("width", [375, 1280])
def test_a_respondent_page_in_the_organisations_colours(
    browser: Any, live_server: str, token: str, width: int
) -> None:
    # Under the app's own CSP: the theme is a stylesheet of the app, the logo an image of it.
    with new_page(browser, width=width) as page:
        page.goto(f"{live_server}/s/{token}")
        header = _header(page)
        assert header == {"background": ACCENT_RGB, "name": NAME, "logoLoaded": True}
        button = page.locator("main button[name=nav][value=next]")
        assert button.evaluate("b => getComputedStyle(b).backgroundColor") == ACCENT_RGB
        assert page.context.cookies() == []
    with new_page(browser, width=width, bypass_csp=True) as page:
        page.goto(f"{live_server}/s/{token}")
        assert axe_violations(page) == []


def test_the_identity_page_and_a_refused_colour(browser: Any, live_server: str, token: str) -> None:
    with new_page(browser, bypass_csp=True) as page:
        sign_in(page, live_server, PEOPLE["admin"].email, PASSWORD)
        page.goto(f"{live_server}/admin/identitet")
        assert _header(page)["background"] == ACCENT_RGB
        assert page.locator("#accent_colour").input_value() == ACCENT
        assert axe_violations(page) == []

        page.fill("#accent_colour", "#9a9a9a")
        page.set_input_files("#logo", files=[{"name": "logo.svg", "mimeType": "image/svg+xml",
                                              "buffer": SVG.encode()}])  # fmt: skip
        page.click("main button[type=submit]")
        error = page.locator("#accent_colour-error")
        assert "mot hvitt; tekst må ha minst 4,5:1" in error.inner_text()
        assert page.locator("#accent_colour").input_value() == "#9a9a9a"
        assert page.locator("#accent_colour").get_attribute("aria-invalid") == "true"
        # Nothing changed: the page still wears the saved colour.
        assert _header(page)["background"] == ACCENT_RGB
        assert axe_violations(page) == []


@pytest.mark.parametrize("width", [375, 1280])
def test_the_deviation_and_published_pages_in_the_organisations_colours(
    browser: Any, live_server: str, token: str, place: Place, width: int
) -> None:
    """The report form, its receipt, the organisation's follow-up page, the case and the
    published page: the organisation's header, logo and colour (a chosen radio button in it
    too), and axe reports nothing."""
    with new_page(browser, width=width, bypass_csp=True) as page:
        page.goto(f"{live_server}/avvik/{place.slug}?sprak=nb")
        assert _header(page) == {"background": ACCENT_RGB, "name": NAME, "logoLoaded": True}
        page.check("#reporter_kind-0")
        radio = page.locator("#reporter_kind-0")
        assert radio.evaluate("r => getComputedStyle(r).backgroundColor") == ACCENT_RGB
        assert axe_violations(page) == [], "report form"
        page.select_option("#unit", str(place.units["Solsiden"]))
        page.fill("#event_date", "2026-01-05")
        page.check("#category-0")
        page.fill("#description", "Husmøtet ble avlyst uten beskjed.")
        # Each click waits for the next page's load, its stylesheets included.
        with page.expect_navigation():
            page.click("form[data-once] button[type=submit]")
        code = page.locator("#receipt-code").inner_text().strip()
        assert _header(page)["name"] == NAME
        assert axe_violations(page) == [], "receipt"
        with page.expect_navigation():
            page.click(f"main a[href^='/avvik/{place.slug}/oppfolging']")
        assert _header(page) == {"background": ACCENT_RGB, "name": NAME, "logoLoaded": True}
        assert axe_violations(page) == [], "follow-up"
        page.fill("#kode", code)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        assert page.locator("h1").inner_text() == "Meldingen din"
        assert _header(page) == {"background": ACCENT_RGB, "name": NAME, "logoLoaded": True}
        assert axe_violations(page) == [], "case"
        page.goto(f"{live_server}/dette-gjor-vi/{place.slug}?sprak=nb")
        assert _header(page) == {"background": ACCENT_RGB, "name": NAME, "logoLoaded": True}
        assert axe_violations(page) == [], "published page"
