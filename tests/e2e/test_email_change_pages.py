"""axe-core reports no WCAG 2.1 A or AA violation on the e-mail change pages, in each language,
and the change works in a real browser without JavaScript of its own."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy.pool import NullPool

from feedback.auth import email_change
from feedback.extensions import db
from feedback.models import User
from tests import factories
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, sign_in
from tests.mailserver import MailServer


@pytest.fixture
def app_overrides(smtp_server: MailServer) -> dict[str, Any]:
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": NullPool}, **smtp_server.config()}


@pytest.fixture
def tokens(app: Flask) -> dict[str, Any]:
    """A person with a pending change to a free address, and one to a taken address."""
    with app.app_context():
        org = factories.organisation("Fjordvik kommune")
        admin = factories.user("admin@example.no", org=org, role="admin", name="Ada Admin")
        member = factories.user("kvalitet@example.no", org=org, role="quality", name="Kari")
        other = factories.user("annen@example.no", org=org, role="quality", name="Ola")
        db.session.flush()
        free = email_change.request_change(org, admin, member, "kari@ny.no")
        taken = email_change.request_change(org, admin, other, "admin@example.no")
        db.session.commit()
        return {"free": free, "taken": taken, "member": member.id}


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_email_change_pages_have_no_violations(
    axe_page: Any, live_server: str, tokens: dict[str, Any], language: str
) -> None:
    axe_page.goto(f"{live_server}/sprak/{language}?next=/logg-inn")
    sign_in(axe_page, live_server, "admin@example.no", PASSWORD)
    axe_page.goto(f"{live_server}/admin/brukere/{tokens['member']}")
    assert "kari@ny.no" in axe_page.content()  # waiting for confirmation
    assert axe_violations(axe_page) == []
    axe_page.goto(f"{live_server}/konto/epost")
    assert axe_violations(axe_page) == []
    axe_page.fill("#email", "ikke-en-adresse")
    axe_page.fill("#current_password", "feil")
    axe_page.click("main button[type=submit]")
    expect(axe_page.locator(".error-summary")).to_be_visible()
    assert axe_violations(axe_page) == []
    axe_page.goto(f"{live_server}/epost/{tokens['taken']}")
    assert axe_violations(axe_page) == []
    axe_page.goto(f"{live_server}/epost/{tokens['free']}")
    assert axe_violations(axe_page) == []


def test_confirming_in_the_browser_changes_the_address(
    app: Flask, page: Any, live_server: str, tokens: dict[str, Any]
) -> None:
    page.goto(f"{live_server}/epost/{tokens['free']}")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/logg-inn")
    with app.app_context():
        user = db.session.get(User, tokens["member"])
        assert user is not None and user.email == "kari@ny.no"
    sign_in(page, live_server, "kari@ny.no", PASSWORD)
