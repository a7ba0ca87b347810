"""The pages of invitations, password links and one's own account in a real browser: no axe
violation in nb, nn and en, and the whole invitation walked through without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from feedback.auth.invitations import invite
from feedback.auth.services import ADMIN_LINK_LIFETIME, issue_password_link
from feedback.extensions import db
from feedback.models import Membership
from tests import factories
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, new_page, sign_in


@pytest.fixture
def links(app: Flask) -> dict[str, Any]:
    with app.app_context():
        org = factories.organisation("Fjordvik kommune")
        other = factories.organisation("Nabokommunen")
        admin = factories.user("admin@example.no", org=org, role="admin", name="Ada Admin")
        both = factories.user("begge@example.no", org=org, role="quality", name="Begge")
        db.session.add(Membership(user=both, organisation=other, role="admin"))
        _new, join_token = invite(
            org, admin, email="ny@example.no", name="Ny", role="quality", representation="user_rep"
        )
        _existing, accept_token = invite(
            other, None, email="admin@example.no", name="Ada", role="admin", representation=None
        )
        password_token = issue_password_link(both, ADMIN_LINK_LIFETIME)
        db.session.commit()
        return {
            "org": org.id,
            "both": both.id,
            "join": f"/invitasjon/{join_token}",
            "accept": f"/invitasjon/{accept_token}",
            "password": f"/passord/{password_token}",
        }


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_account_pages_have_no_violations(
    axe_page: Any, live_server: str, links: dict[str, Any], language: str
) -> None:
    axe_page.goto(f"{live_server}/sprak/{language}?next=/glemt-passord")
    assert axe_violations(axe_page) == []
    for path in (links["join"], links["password"], "/passord/ugyldig"):
        axe_page.goto(f"{live_server}{path}")
        assert axe_violations(axe_page) == [], path
    axe_page.goto(f"{live_server}{links['join']}")
    axe_page.click("main button[type=submit]")  # nothing filled in: the errors
    expect(axe_page.locator(".error-summary")).to_be_visible()
    assert axe_violations(axe_page) == []
    sign_in(axe_page, live_server, "admin@example.no", PASSWORD)
    for path in (
        "/konto",
        f"/konto/forlat/{links['org']}",
        links["accept"],
        "/admin/brukere",
        "/admin/brukere/ny",
        f"/admin/brukere/{links['both']}",
    ):
        axe_page.goto(f"{live_server}{path}")
        assert axe_violations(axe_page) == [], path


def test_a_new_person_joins_without_javascript(
    browser: Any, live_server: str, links: dict[str, Any]
) -> None:
    with new_page(browser, java_script_enabled=False) as page:
        page.goto(f"{live_server}{links['join']}")
        page.fill("#name", "Nora Ny")
        page.fill("#new_password", "mitt-eget-passord")
        page.fill("#confirm", "mitt-eget-passord")
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server}/")
        page.goto(f"{live_server}/konto")
        assert "Fjordvik kommune" in page.locator("#orgs-heading + ul").inner_text()
        assert page.input_value("#name") == "Nora Ny"
