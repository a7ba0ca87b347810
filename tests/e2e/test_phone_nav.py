"""The staff navigation on phones: below 768 px the main menu hides behind a menu button that
works with the keyboard alone (Tab, Enter, Escape); the language links stay one tap away."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from feedback.extensions import db
from tests import factories
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, new_page, sign_in


@pytest.fixture
def admin_account(app: Flask) -> None:
    with app.app_context():
        org = factories.organisation("Fjordvik kommune")
        factories.user("admin@example.no", org=org, role="admin", name="Ada Admin")
        db.session.commit()


def _focused_id(page: Any) -> str:
    return page.evaluate("() => document.activeElement.id || document.activeElement.className")


def _tab_to(page: Any, selector: str, limit: int = 20) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"Tab never reached {selector}")


def test_at_375_px_the_menu_opens_and_closes_with_the_keyboard_alone(
    browser: Any, live_server: str, admin_account: None
) -> None:
    with new_page(browser, width=375, height=800) as page:
        sign_in(page, live_server, "admin@example.no", PASSWORD)
        button = page.locator(".menu-button")
        menu = page.locator("#main-menu")
        assert button.is_visible()
        assert button.get_attribute("aria-controls") == "main-menu"
        assert button.get_attribute("aria-expanded") == "false"
        assert not menu.is_visible(), "the menu is hidden behind the button"
        # The language links are reachable without opening the menu.
        for name in ("Nynorsk", "English"):
            assert page.locator(".languages a", has_text=name).is_visible()

        _tab_to(page, ".menu-button")
        page.keyboard.press("Enter")
        assert button.get_attribute("aria-expanded") == "true"
        assert menu.is_visible()
        # The next Tab goes into the menu: its first link.
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.closest('#main-menu') !== null")
        page.keyboard.press("Escape")
        assert button.get_attribute("aria-expanded") == "false"
        assert not menu.is_visible()
        assert page.evaluate("() => document.activeElement.classList.contains('menu-button')")

        # Enter opens, Enter again closes (a toggle), focus staying on the button.
        page.keyboard.press("Enter")
        assert menu.is_visible()
        page.keyboard.press("Enter")
        assert not menu.is_visible()
        assert page.evaluate("() => document.activeElement.classList.contains('menu-button')")

        # The menu's links work: open it and follow "Administration".
        page.keyboard.press("Enter")
        page.locator("#main-menu a", has_text="Administrasjon").click()
        page.wait_for_url(f"{live_server}/admin/")
        assert not page.locator("#main-menu").is_visible(), "closed again on the next page"


def test_at_1280_px_there_is_no_menu_button_and_the_menu_shows(
    browser: Any, live_server: str, admin_account: None
) -> None:
    with new_page(browser, width=1280) as page:
        sign_in(page, live_server, "admin@example.no", PASSWORD)
        assert not page.locator(".menu-button").is_visible()
        assert page.locator("#main-menu").is_visible()
        # Narrowing the window hides the menu behind the button; widening shows it again
        # (the media query's change event comes a moment later: expect waits for it).
        page.set_viewport_size({"width": 375, "height": 800})
        expect(page.locator(".menu-button")).to_be_visible()
        expect(page.locator("#main-menu")).to_be_hidden()
        page.set_viewport_size({"width": 1280, "height": 800})
        expect(page.locator("#main-menu")).to_be_visible()
        expect(page.locator(".menu-button")).to_be_hidden()


def test_without_javascript_the_menu_stays_open_on_a_phone(
    browser: Any, live_server: str, admin_account: None
) -> None:
    with new_page(browser, width=375, height=800, java_script_enabled=False) as page:
        page.goto(f"{live_server}/logg-inn")
        page.fill("#email", "admin@example.no")
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server}/")
        assert not page.locator(".menu-button").is_visible()
        assert page.locator("#main-menu").is_visible()
        assert page.locator("#main-menu a", has_text="Administrasjon").is_visible()


@pytest.mark.parametrize("width", [320, 375])
def test_the_open_menu_has_no_violations(
    browser: Any, live_server: str, admin_account: None, width: int
) -> None:
    """The pages with the menu closed are in test_every_page.py, at every width; here, open."""
    with new_page(browser, width=width, height=800, bypass_csp=True) as page:
        sign_in(page, live_server, "admin@example.no", PASSWORD)
        page.goto(f"{live_server}/admin/brukere")
        page.locator(".menu-button").click()
        assert page.locator("#main-menu").is_visible()
        assert axe_violations(page) == [], ("menu open", width)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the open menu scrolls sideways by {overflow}px at {width}px"
