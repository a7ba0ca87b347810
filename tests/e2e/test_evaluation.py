"""The evaluation pages in a browser: no WCAG A/AA violation from axe-core, with and without
errors, for the quality group, a manager and a visitor to the public page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from feedback.models.base import today
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, sign_in
from tests.world import Place, add_evaluation_rounds, build_place, make_evaluation, make_point


@pytest.fixture
def place(app: Flask) -> Place:
    """The world's place with the evaluation's rounds."""
    with app.app_context():
        return add_evaluation_rounds(build_place())


@pytest.fixture
def plan(app: Flask, place: Place) -> dict[str, int]:
    main = place.rounds["main"]
    make_evaluation(
        app,
        main,
        assessment="Ventetiden trekker ned.",
        public_summary="Takk til alle som svarte!\nDe fleste er fornøyde.",
        published=True,
    )
    late = make_point(
        app,
        main,
        title="Brukermøte hver måned",
        unit_id=place.units["Solsiden"],
        owner_id=place.people["leder"],
        due_on=today() - timedelta(days=5),
        published=True,
    )
    make_point(app, main, title="Felles kurs", due_on=date(2030, 5, 1), published=True)
    return {"round": main, "late": late}


def test_group_pages_have_no_violations(
    axe_page: Any, live_server: str, plan: dict[str, int]
) -> None:
    sign_in(axe_page, live_server, "kari@example.no", PASSWORD)
    base = f"{live_server}/resultater/{plan['round']}"
    axe_page.goto(f"{base}/vurdering")
    expect(axe_page.locator(f"#punkt-{plan['late']} .overdue-badge")).to_be_visible()
    assert axe_violations(axe_page) == []
    # Publishing without a summary: the error summary and the message at the field.
    axe_page.fill("#public_summary", "")
    axe_page.click("#vurdering button[type=submit]")
    expect(axe_page.locator(".error-summary")).to_be_visible()
    expect(axe_page.locator("#public_summary-error")).to_be_visible()
    assert axe_violations(axe_page) == []
    # The point form, empty and with errors.
    axe_page.goto(f"{base}/tiltak/ny")
    assert axe_violations(axe_page) == []
    axe_page.click("main button[type=submit]")
    expect(axe_page.locator("#title-error")).to_be_visible()
    assert axe_violations(axe_page) == []
    axe_page.goto(f"{base}/tiltak/{plan['late']}/slett")
    assert axe_violations(axe_page) == []


def test_manager_answering_has_no_violations(
    axe_page: Any, live_server: str, plan: dict[str, int]
) -> None:
    sign_in(axe_page, live_server, "leder@example.no", PASSWORD)
    axe_page.goto(f"{live_server}/resultater/{plan['round']}/vurdering")
    point = f"#punkt-{plan['late']}"
    axe_page.click(f"{point} form.form:not(.form--row) button[type=submit]")  # empty answer
    expect(axe_page.locator(f"#svar-{plan['late']}-body-error")).to_be_visible()
    assert axe_violations(axe_page) == []
    axe_page.fill(f"#svar-{plan['late']}-body", "Første møte er 3. mai.")
    axe_page.click(f"{point} form.form:not(.form--row) button[type=submit]")
    assert axe_page.locator(f"{point} .thread").inner_text().count("Første møte er 3. mai.") == 1
    assert axe_violations(axe_page) == []


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_public_page_has_no_violations(
    axe_page: Any,
    live_server: str,
    place: Place,
    plan: dict[str, int],
    language: str,
) -> None:
    axe_page.goto(f"{live_server}/dette-gjor-vi/{place.slug}?sprak={language}")
    assert axe_page.get_attribute("html", "lang") == language
    assert "Brukermøte hver måned" in axe_page.inner_text("main")
    assert axe_violations(axe_page) == []
    assert axe_page.context.cookies() == []
