"""axe-core reports no WCAG 2.0/2.1 A or AA violation on the OpenID Connect pages."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from feedback.auth.oidc_config import encrypt_secret
from feedback.extensions import db
from feedback.models import OidcProvider
from tests import factories
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, sign_in

#: Nothing listens here: the pages must still work and explain.
NO_PROVIDER = "http://127.0.0.1:9"


@pytest.fixture
def configured(app: Flask) -> None:
    with app.app_context():
        org = factories.organisation("Fjordvik kommune", slug="fjordvik")
        factories.user("admin@example.no", org=org, role="admin", name="Ada Admin")
        db.session.add(
            OidcProvider(
                organisation_id=org.id,
                display_name="Fjordvik kommune (Entra ID)",
                issuer=NO_PROVIDER,
                client_id="brukerstemmen",
                client_secret_encrypted=encrypt_secret("secret"),
                enabled=True,
            )
        )
        db.session.commit()


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_sign_in_button_and_failure_page_have_no_violations(
    axe_page: Any, live_server: str, configured: None, language: str
) -> None:
    axe_page.goto(f"{live_server}/sprak/{language}?next=/logg-inn")
    link = axe_page.locator("a[href='/logg-inn/oidc/fjordvik']")
    expect(link).to_be_visible()
    assert axe_violations(axe_page) == []
    link.click()  # the provider cannot be reached: a page that says so, in the language
    expect(axe_page.locator("main h1")).to_be_visible()
    assert axe_page.get_attribute("html", "lang") == language
    assert axe_violations(axe_page) == []


def test_sign_in_settings_with_errors_and_a_failed_check_have_no_violations(
    axe_page: Any, live_server: str, configured: None
) -> None:
    sign_in(axe_page, live_server, "admin@example.no", PASSWORD)
    axe_page.goto(f"{live_server}/admin/innlogging")
    assert axe_violations(axe_page) == []
    axe_page.fill("#group_roles", "kvalitet = boss")
    axe_page.click("#save")
    expect(axe_page.locator("#group_roles-error")).to_be_visible()
    assert axe_violations(axe_page) == []
    axe_page.click("#check")
    expect(axe_page.locator("#check-title")).to_be_visible()
    assert axe_violations(axe_page) == []
