"""The designer in Chromium: build from a template, translate, preview, approve, open; axe."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from feedback.extensions import db
from feedback.models import SurveyRound
from tests import factories
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, sign_in


@pytest.fixture
def group(app: Flask) -> None:
    with app.app_context():
        org = factories.organisation("Fjordvik kommune")
        factories.user("kari@example.no", org=org, role="quality", name="Kari")
        factories.user("ulf@example.no", org=org, role="quality", name="Ulf")
        factories.user("una@example.no", org=org, role="quality", name="Una")
        factories.user(
            "fag@example.no", org=org, role="quality", representation="professional", name="Fag"
        )
        db.session.commit()


def path(page: Any) -> str:
    return urlsplit(page.url).path


def sign_out(page: Any) -> None:
    page.click("nav.main-nav button[type=submit]")
    page.wait_for_url(lambda url: "/logg-inn" in url or urlsplit(url).path == "/")


def test_quality_group_builds_translates_previews_and_approves(
    browser: Any, page: Any, live_server: str, group: None, app: Flask
) -> None:
    from playwright.sync_api import expect

    # Kari, a professional-free quality group member, starts from the user-survey template.
    sign_in(page, live_server, "fag@example.no", PASSWORD)
    page.click("nav.main-nav >> text=Spørreskjema")
    page.click("text=Nytt spørreskjema")
    page.check("input[value='builtin:user-survey']")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/skjema/\d+"))
    round_url = live_server + path(page)
    round_id = int(path(page).rsplit("/", 1)[1])
    expect(page.locator("h1")).to_contain_text("Brukerundersøkelse")

    # A new yes/no question with bokmål only: the designer says its nynorsk is missing.
    # (With JavaScript the type and the question are asked in the editor's dialog.)
    page.click("text=Legg til et spørsmål på side 1")
    dialog = page.locator("dialog#question-dialog")
    dialog.locator("input[value='yes_no']").check()
    dialog.locator("button[type=submit]").click()
    dialog.locator("#text-nb").fill("Har du fått hjelp i dag?")
    dialog.locator("button[type=submit]").click()
    expect(page.locator(".notice--success")).to_contain_text("Spørsmålet er lagt til")
    assert urlsplit(page.url).path == f"/skjema/{round_id}"
    page.click("nav.tabs-nav >> text=Tekster og oversettelser")
    page.wait_for_url(lambda url: urlsplit(url).path == f"/skjema/{round_id}/tekster")
    missing = page.locator("#translations")
    expect(missing).to_contain_text("1 tekst mangler oversettelse")

    # Add the nynorsk text; the list of missing translations still names English only.
    missing.locator("summary").click()
    missing.locator("a").first.click()
    page.fill("#text-nn", "Har du fått hjelp i dag?")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: urlsplit(url).path == f"/skjema/{round_id}")
    page.click("nav.tabs-nav >> text=Tekster og oversettelser")
    expect(page.locator("#translations")).to_contain_text("English")
    expect(page.locator("#translations")).not_to_contain_text("Nynorsk")

    # Preview in nynorsk: respondent texts and buttons in nynorsk; nothing is stored.
    page.click("nav.tabs-nav >> text=Spørsmål")
    page.click("text=på nynorsk")
    expect(page.locator("html")).to_have_attribute("lang", "nn")
    expect(page.locator(".preview-banner")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Har du fått hjelp i dag?")
    page.locator("input[type=radio]").first.check()
    page.click("button[value=next]")
    expect(page.locator(".progress")).to_contain_text("2")
    page.goto(round_url)

    page.click("nav.tabs-nav >> text=Godkjenning")
    page.click("button:has-text('Send til godkjenning')")
    expect(page.locator(".status")).to_contain_text("Venter på godkjenning")
    sign_out(page)

    # Two of three user representatives approve: the round opens.
    for email in ("kari@example.no", "ulf@example.no"):
        sign_in(page, live_server, email, PASSWORD)
        page.goto(round_url + "/godkjenning")
        page.click("button:has-text('Godkjenn spørreskjemaet')")
        expect(page.locator(".notice--success")).to_be_visible()
        sign_out(page)
    sign_in(page, live_server, "una@example.no", PASSWORD)
    page.goto(round_url)
    expect(page.locator(".status").first).to_contain_text("Åpen")
    with app.app_context():
        round_ = db.session.get(SurveyRound, round_id)
        assert round_ is not None and round_.status == "open"
        assert sorted(a.user.name for a in round_.approvals) == ["Kari", "Ulf"]


def test_designer_states_have_no_axe_violations(
    axe_page: Any, live_server: str, group: None
) -> None:
    page = axe_page
    sign_in(page, live_server, "kari@example.no", PASSWORD)
    page.goto(f"{live_server}/skjema/nytt")
    assert axe_violations(page) == []
    page.click("main button[type=submit]")  # blank without title: error summary
    assert axe_violations(page) == []
    page.check("input[value='builtin:relatives-survey']")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/skjema/\d+"))
    round_path = path(page)
    # The designer's pages themselves are in tests/e2e/test_every_page.py; here, their states.
    page.goto(live_server + round_path)
    # The type choice as its own page (the address the editor's dialog loads).
    add = page.locator("a:has-text('Legg til et spørsmål på side 1')").get_attribute("href")
    page.goto(live_server + add)
    assert axe_violations(page) == []
    for kind in ("likert", "smiley", "single_choice", "number"):
        page.goto(page.url.split("?")[0] + f"?type={kind}")
        assert axe_violations(page) == [], kind
    page.click("main button[type=submit]")  # empty question text: errors at the fields
    expect_errors = page.locator(".error-summary")
    assert expect_errors.count() == 1
    assert axe_violations(page) == []
    page.goto(live_server + round_path + "/forhandsvis?sprak=nn")
    page.click("button[value=next]")
    page.goto(live_server + round_path)
    # The question form's own page (the editor opens it in a dialog with JavaScript).
    page.goto(live_server + page.locator("a[href*='/sporsmal/']").first.get_attribute("href"))
    assert axe_violations(page) == []
