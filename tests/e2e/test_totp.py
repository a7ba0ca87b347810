"""Two-step sign-in in a real browser: setting up the app, signing in with a code or a recovery
code, an administrator's reset after a lost phone; axe-core on every new page in nb, nn and en.

Codes are computed with pyotp from the key the page shows (or the one written to the database).
Set FEEDBACK_SCREENSHOT_DIR to keep a screenshot of each new page at 375 and 1280 px.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import expect

from feedback.auth.services import RECENT_SIGN_IN
from feedback.extensions import db
from feedback.models import StaffSession
from feedback.models.base import utcnow
from tests import factories
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, new_page, sign_in
from tests.totp_helpers import code, enrol

SHOTS = os.environ.get("FEEDBACK_SCREENSHOT_DIR")


@pytest.fixture
def people(app: Flask) -> dict[str, Any]:
    """Strengvik requires two-step sign-in; its administrator and Frida have it on. Kari, in
    Fjordvik (no requirement), has not set it up."""
    with app.app_context():
        strict = factories.organisation("Strengvik kommune", require_second_factor=True)
        relaxed = factories.organisation("Fjordvik kommune")
        admin = factories.user("sjef@strengvik.no", org=strict, role="admin", name="Siri Sjef")
        frida = factories.user("fag@strengvik.no", org=strict, role="quality", name="Frida")
        factories.user("kari@fjordvik.no", org=relaxed, role="quality", name="Kari")
        admin_secret, _ = enrol(admin)
        frida_secret, frida_codes = enrol(frida)
        db.session.commit()
        return {
            "admin_secret": admin_secret,
            "frida": frida.id,
            "frida_secret": frida_secret,
            "frida_codes": frida_codes,
        }


def _shoot(page: Any, name: str) -> None:
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def _password_step(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/logg-inn")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/logg-inn/kode**")


def _sign_in_with_code(page: Any, base: str, email: str, secret: str, steps: int = 0) -> None:
    _password_step(page, base, email)
    page.fill("#code", code(secret, steps))
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def _enrol_on_page(page: Any) -> list[str]:
    """Set up the app from the key on the page; returns the recovery codes shown."""
    key = page.inner_text(".secret-key code").replace(" ", "")
    expect(page.locator("svg.qr-code")).to_be_visible()
    page.fill("#code", code(key))
    if page.locator("#password").count():
        page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.locator(".recovery-codes").wait_for()
    codes: list[str] = page.locator(".recovery-codes code").all_inner_texts()
    return codes


def test_setting_up_two_step_sign_in(page: Any, live_server: str, people: dict[str, Any]) -> None:
    sign_in(page, live_server, "kari@fjordvik.no", PASSWORD)
    # From the menu's "My account" to its security links.
    page.click("nav.main-nav a[href='/konto']")
    page.click("main a[href='/konto/totp']")
    page.fill("#code", "000000")
    page.click("main form button[type=submit]")
    expect(page.locator("#code-error")).to_be_visible()
    codes = _enrol_on_page(page)
    assert len(codes) == 10
    page.goto(f"{live_server}/konto/totp")
    assert page.locator(".secret-key").count() == 0
    expect(page.locator("#renew-password")).to_be_visible()


def test_sign_in_with_a_code(page: Any, live_server: str, people: dict[str, Any]) -> None:
    _password_step(page, live_server, "fag@strengvik.no")
    assert page.locator("nav.main-nav").count() == 0  # not signed in yet
    assert page.get_attribute("#code", "autocomplete") == "one-time-code"
    page.fill("#code", code(people["frida_secret"]))
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    expect(page.locator("nav.main-nav")).to_be_visible()


def test_sign_in_with_a_recovery_code(page: Any, live_server: str, people: dict[str, Any]) -> None:
    _password_step(page, live_server, "fag@strengvik.no")
    page.click("a[href*='gjenoppretting=1']")
    page.fill("#code", people["frida_codes"][0])
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    expect(page.locator(".notice--info")).to_be_visible()  # "9 recovery codes are left"
    assert "9" in page.inner_text(".notice--info")


def test_lost_phone(browser: Any, live_server: str, people: dict[str, Any]) -> None:
    with new_page(browser) as frida, new_page(browser) as admin:
        _sign_in_with_code(frida, live_server, "fag@strengvik.no", people["frida_secret"])
        _sign_in_with_code(admin, live_server, "sjef@strengvik.no", people["admin_secret"])
        admin.goto(f"{live_server}/admin/brukere/{people['frida']}")
        admin.click(f"main a[href='/admin/brukere/{people['frida']}/totp']")
        admin.click("main form button[type=submit]")
        admin.wait_for_url(f"{live_server}/admin/brukere/{people['frida']}")
        expect(admin.locator(".notice--success")).to_be_visible()
        admin.goto(f"{live_server}/admin/logg")
        assert "fag@strengvik.no" in admin.inner_text("main")
        # Frida's old session has ended; the password now leads to setting it up again.
        frida.goto(f"{live_server}/avvik/saker")
        assert "/logg-inn" in frida.url
        frida.fill("#email", "fag@strengvik.no")
        frida.fill("#password", PASSWORD)
        frida.click("main button[type=submit]")
        frida.wait_for_url(f"{live_server}/konto/totp")
        frida.goto(f"{live_server}/avvik/saker")
        assert frida.url == f"{live_server}/konto/totp"
        assert len(_enrol_on_page(frida)) == 10
        frida.goto(f"{live_server}/avvik/saker")
        assert frida.url == f"{live_server}/avvik/saker"


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_new_pages_have_no_violations(
    app: Flask, axe_page: Any, live_server: str, people: dict[str, Any], language: str
) -> None:
    page = axe_page
    page.goto(f"{live_server}/sprak/{language}?next=/logg-inn")
    # The code page, in both kinds, also with an error.
    _password_step(page, live_server, "fag@strengvik.no")
    assert page.get_attribute("html", "lang") == language
    assert axe_violations(page) == []
    _shoot(page, f"code-{language}")
    page.fill("#code", "12")
    page.click("main button[type=submit]")
    expect(page.locator("#code-error")).to_be_visible()
    assert axe_violations(page) == []
    _shoot(page, f"code-error-{language}")
    page.click("a[href*='gjenoppretting=1']")
    assert axe_violations(page) == []
    _shoot(page, f"code-recovery-{language}")
    page.fill("#code", people["frida_codes"][0])
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    # The person's own page with TOTP on.
    page.goto(f"{live_server}/konto/totp")
    assert axe_violations(page) == []
    _shoot(page, f"status-{language}")
    page.click("form[action$='/reservekoder'] button[type=submit]")
    expect(page.locator("#renew-password-error")).to_be_visible()
    assert axe_violations(page) == []
    # Setting up, with an error, and the recovery codes shown (Kari, another browser session).
    page.click("form[action='/logg-ut'] button")
    sign_in(page, live_server, "kari@fjordvik.no", PASSWORD)
    page.goto(f"{live_server}/konto/totp")
    assert axe_violations(page) == []
    _shoot(page, f"setup-{language}")
    page.fill("#code", "000000")
    page.click("main form button[type=submit]")
    assert axe_violations(page) == []
    _shoot(page, f"setup-error-{language}")
    # Signed in more than 10 minutes ago: the password is asked again (here with its error).
    with app.app_context():
        db.session.execute(
            sa.update(StaffSession).values(
                signed_in_at=utcnow() - RECENT_SIGN_IN - timedelta(seconds=5)
            )
        )
        db.session.commit()
    page.goto(f"{live_server}/konto/totp")
    page.fill("#code", "000000")
    page.click("main form button[type=submit]")
    expect(page.locator("#password-error")).to_be_visible()
    assert axe_violations(page) == []
    _shoot(page, f"setup-password-{language}")
    _enrol_on_page(page)
    assert axe_violations(page) == []
    _shoot(page, f"recovery-codes-{language}")
    # The administrator's confirmation page.
    page.click("form[action='/logg-ut'] button")
    _sign_in_with_code(page, live_server, "sjef@strengvik.no", people["admin_secret"])
    page.goto(f"{live_server}/admin/brukere/{people['frida']}")
    assert axe_violations(page) == []
    page.goto(f"{live_server}/admin/brukere/{people['frida']}/totp")
    # The reset is a red (danger) button.
    expect(page.locator("main button[data-color='danger']")).to_be_visible()
    assert axe_violations(page) == []
    _shoot(page, f"admin-reset-{language}")
    page.goto(f"{live_server}/admin/innstillinger")
    assert page.is_checked("#require_second_factor")
    assert axe_violations(page) == []
    _shoot(page, f"settings-{language}")
