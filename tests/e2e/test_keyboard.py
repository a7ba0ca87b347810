"""Keyboard-only use, the CSP in a real browser, and the language switch."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from feedback.extensions import db
from tests import factories
from tests.conftest import PASSWORD


@pytest.fixture
def admin_account(app: Flask) -> None:
    with app.app_context():
        org = factories.organisation("Fjordvik kommune")
        factories.user("admin@example.no", org=org, role="admin", name="Ada Admin")
        db.session.commit()


def focused(page: Any) -> dict[str, str]:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {tag: el.tagName.toLowerCase(), id: el.id, cls: el.className,
                    text: (el.innerText || '').trim(), outline: style.outlineStyle,
                    shadow: style.boxShadow};
        }"""
    )


def test_sign_in_with_the_keyboard_only(page: Any, live_server: str, admin_account: None) -> None:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: None if r.url.startswith(live_server) else problems.append(r.url))
    page.goto(f"{live_server}/logg-inn")

    page.keyboard.press("Tab")
    first = focused(page)
    assert "skip-link" in first["cls"], "the first Tab reaches the skip link"
    assert first["outline"] != "none"  # focus is visible
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#main"

    for _ in range(15):
        page.keyboard.press("Tab")
        if focused(page)["id"] == "email":
            break
    else:
        pytest.fail("Tab never reached the e-mail field")
    email_focus = focused(page)
    assert email_focus["outline"] != "none" or email_focus["shadow"] != "none"
    page.keyboard.type("admin@example.no")
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    # The browser keeps the #main fragment across the redirect; compare the path only.
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    assert page.locator("h1").inner_text() == "Hei, Ada Admin"
    assert problems == [], "no console errors (such as CSP violations) and no other hosts"


def test_wrong_password_focuses_the_error_summary(
    page: Any, live_server: str, admin_account: None
) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server}/logg-inn")
    page.fill("#email", "admin@example.no")
    page.fill("#password", "feil-passord-123")
    page.press("#password", "Enter")
    # Chromium moves autofocus on the next rendering step, not at load; expect() waits for it.
    expect(page.locator(".error-summary")).to_be_focused()
    assert page.input_value("#email") == "admin@example.no"


def test_language_switch_is_remembered(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/logg-inn")
    assert page.get_attribute("html", "lang") == "nb"
    page.click("nav.languages >> text=Nynorsk")
    page.wait_for_load_state()
    assert page.url.endswith("/logg-inn")
    assert page.get_attribute("html", "lang") == "nn"
    page.goto(f"{live_server}/")
    assert page.get_attribute("html", "lang") == "nn"
    page.click("nav.languages >> text=English")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("h1").inner_text() == "Your voice in the services"


def test_works_without_javascript(browser: Any, live_server: str, admin_account: None) -> None:
    context = browser.new_context(java_script_enabled=False, locale="nb-NO")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/logg-inn")
        page.fill("#email", "admin@example.no")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/")
        page.click("text=Administrasjon")
        page.wait_for_url(f"{live_server}/admin/")
        page.click("nav.sub-nav >> text=Enheter")
        page.fill("#name", "Møteplassen")
        page.select_option("#kind", "activity_centre")
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server}/admin/enheter")
        assert page.locator("table >> text=Møteplassen").count() == 1
    finally:
        context.close()


@pytest.mark.parametrize("width", [320, 1280])
def test_the_skip_link_shows_when_focused(
    app: Flask, browser: Any, live_server: str, survey: Any, width: int
) -> None:
    """The first Tab on a respondent's, a reporter's and a signed-out page shows the skip link
    (a focused control nobody can see fails WCAG 2.4.7), and it leads to the main content."""
    from feedback.models import Organisation
    from tests.e2e.conftest import new_page

    with app.app_context():
        slug = db.session.get(Organisation, survey.org_id).slug
    with new_page(browser, width=width) as page:
        for path in (survey.link, f"/avvik/{slug}", "/logg-inn"):
            page.goto(live_server + path)
            page.keyboard.press("Tab")
            link = page.locator("a.skip-link")
            assert "skip-link" in focused(page)["cls"].split(), path
            box = link.bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 30, (path, box)
            page.keyboard.press("Enter")
            assert focused(page)["id"] == "main", path
