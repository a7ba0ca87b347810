"""axe-core on the foundation's pages in states the sweep of every page type
(test_every_page.py, which also checks every page at 320 px for sideways scrolling) does not
reach: forms with errors, two sign-ins."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from feedback.extensions import db
from tests import factories
from tests.conftest import PASSWORD, login
from tests.e2e.conftest import axe_violations, sign_in


@pytest.fixture
def people(app: Flask) -> dict[str, int]:
    with app.app_context():
        org = factories.organisation("Fjordvik kommune")
        top = factories.unit(org, "Psykisk helse og rus", kind="service_area")
        factories.unit(org, "Solsiden bofellesskap", parent=top)
        admin = factories.user("admin@example.no", org=org, role="admin", name="Ada Admin")
        member = factories.user("kvalitet@example.no", org=org, role="quality", name="Kari")
        db.session.commit()
        return {"admin": admin.id, "member": member.id}


def test_login_page_with_errors_has_no_violations(axe_page: Any, live_server: str) -> None:
    axe_page.goto(f"{live_server}/logg-inn")
    axe_page.click("main button[type=submit]")
    expect(axe_page.locator(".error-summary")).to_be_visible()
    assert axe_violations(axe_page) == []


def test_admin_forms_with_errors_have_no_violations(
    axe_page: Any, live_server: str, people: dict[str, int]
) -> None:
    sign_in(axe_page, live_server, "admin@example.no", PASSWORD)
    axe_page.goto(f"{live_server}/admin/brukere/ny")
    axe_page.select_option("#role", "manager")
    axe_page.click("main button[type=submit]")
    expect(axe_page.locator("#unit_ids-error")).to_be_visible()
    assert axe_violations(axe_page) == []
    axe_page.goto(f"{live_server}/admin/brukere/{people['member']}")
    axe_page.fill("#account-email", "")
    axe_page.click(f"form[action$='/brukere/{people['member']}'] button[type=submit]")
    expect(axe_page.locator("#account-email-error")).to_be_visible()
    assert axe_violations(axe_page) == []


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_sessions_page_and_signing_out_elsewhere_have_no_violations(
    app: Flask, axe_page: Any, live_server: str, people: dict[str, int], language: str
) -> None:
    """Innlogginger with two sign-ins (this one marked), then "sign out everywhere else"."""
    other = app.test_client()
    assert login(other, "admin@example.no").status_code == 302
    axe_page.goto(f"{live_server}/sprak/{language}?next=/logg-inn")
    sign_in(axe_page, live_server, "admin@example.no", PASSWORD)
    axe_page.goto(f"{live_server}/konto/okter")
    assert axe_page.locator("tbody tr").count() == 2
    assert axe_page.locator("tbody strong").count() == 1
    assert axe_violations(axe_page) == []
    axe_page.locator("main form button").first.click()
    # count() does not wait for the page after the redirect; expect() does
    expect(axe_page.locator("tbody tr")).to_have_count(1)
    assert axe_violations(axe_page) == []
    assert other.get("/konto/okter").status_code == 302
