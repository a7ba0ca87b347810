"""Answering in Chromium: a phone, a shared kiosk tablet, the printed paper version, and axe on
every respondent and fieldwork page."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import suppress
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import expect

from feedback.extensions import db
from feedback.models import Organisation, Response, SurveyRound, Unit
from feedback.respond import services
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, new_page, sign_in
from tests.world import Survey, make_round

pytestmark = pytest.mark.e2e

SECRET = "Hemmelig-svar-123"
#: Page values a respondent could leave behind: checked boxes, typed text and carried answers.
LEFT_BEHIND = """() => Array.from(document.querySelectorAll('input, textarea, select'))
    .filter((el) => el.name && el.name.startsWith('q-') || el.name === 'enhet')
    .filter((el) => (el.type === 'radio' || el.type === 'checkbox') ? el.checked
        : el.value !== '')
    .map((el) => `${el.name}=${el.value}`)"""


def path(page: Any) -> str:
    return urlsplit(page.url).path


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    with new_page(browser, 375, 740) as page:
        yield page


@pytest.fixture
def tablet(browser: Any) -> Iterator[Any]:
    with new_page(browser, 1024, 768) as page:
        yield page


def kiosk_path(app: Flask, survey: Survey, idle_seconds: int) -> str:
    with app.app_context():
        round_ = db.session.get(SurveyRound, survey.round_id)
        assert round_ is not None
        return f"/kiosk/{services.kiosk_key(round_, None, idle_seconds)}"


def responses(app: Flask) -> list[tuple[str, str | None]]:
    """(channel, unit name) of every stored response."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(Response.channel, Unit.name).join(Unit, isouter=True)
        ).all()
        return [(channel, name) for channel, name in rows]


def go_back_safely(page: Any) -> None:
    """Back, as a person would press it; an error page (a form that is not re-sent) is fine."""
    from playwright.sync_api import Error

    # Chromium may report a page it will not load again (a sent form) as an error.
    with suppress(Error):
        page.go_back(wait_until="load")
    page.wait_for_timeout(300)  # let kiosk.js react to a page restored from memory


def content_of(page: Any) -> str:
    try:
        return str(page.content())
    except Exception:  # the page navigated while being read: read it again
        page.wait_for_load_state()
        return str(page.content())


def assert_nothing_left(page: Any, *secrets: str) -> None:
    html = content_of(page)
    for secret in secrets:
        assert secret not in html, page.url
    try:
        left = page.evaluate(LEFT_BEHIND)
    except Exception:  # navigating: read the page that comes
        page.wait_for_load_state()
        left = page.evaluate(LEFT_BEHIND)
    assert left == [], page.url


# --- a phone -----------------------------------------------------------------------------------


def test_answering_on_a_phone(
    browser: Any,
    phone: Any,
    live_server: str,
    app: Flask,
    survey: Survey,
) -> None:

    page = phone
    page.goto(live_server + survey.link)
    expect(page.locator("h1")).to_contain_text("Brukerundersøkelse 2026")
    progress = page.locator(".progress")
    expect(progress).to_have_text(re.compile(r"\b1\b.*\b3\b"))

    # A required question left empty: the error summary takes the focus and links to it.
    page.check("#enhet-0")  # Aktivitetshuset (units are listed by name)
    page.check("#q-group-0")  # yes
    page.click("button[value=next]")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#q-listened-0']")).to_be_visible()
    expect(page.locator("#q-listened-error")).to_be_visible()
    expect(progress).to_have_text(re.compile(r"\b1\b.*\b3\b"))
    expect(page.locator("#enhet-0")).to_be_checked()
    expect(page.locator("#q-group-0")).to_be_checked()

    page.check("#q-listened-3")  # 4
    page.click("button[value=next]")
    expect(progress).to_have_text(re.compile(r"\b2\b.*\b3\b"))
    expect(page.locator("#q-why")).to_be_visible()  # group = yes
    page.fill("#q-why", "Jeg møter folk.")
    page.check("#q-food-0")

    # Back keeps every answer, on the page left and the page returned to.
    page.click("button[value=back]")
    expect(progress).to_have_text(re.compile(r"\b1\b.*\b3\b"))
    expect(page.locator("#enhet-0")).to_be_checked()
    expect(page.locator("#q-listened-3")).to_be_checked()
    expect(page.locator("#q-group-0")).to_be_checked()
    page.click("button[value=next]")
    expect(page.locator("#q-why")).to_have_value("Jeg møter folk.")
    expect(page.locator("#q-food-0")).to_be_checked()
    page.click("button[value=next]")

    expect(progress).to_have_text(re.compile(r"\b3\b.*\b3\b"))
    page.fill("#q-age", "34")
    page.check("#q-activities-0")
    page.check("#q-activities-2")
    page.fill("#q-word", "Trygt")
    page.click("button[value=next]")
    page.wait_for_url(re.compile(rf"/s/{survey.token}/takk"))
    expect(page.locator(".thanks")).to_be_visible()
    assert responses(app) == [("link", "Aktivitetshuset")]

    # A reload of the thank-you page or Back and "Send in" again stores nothing more.
    page.reload()
    assert responses(app) == [("link", "Aktivitetshuset")]


def test_no_sideways_scrolling_at_320_pixels(
    browser: Any,
    live_server: str,
    survey: Survey,
) -> None:

    with new_page(browser, 320, 640) as page:
        page.goto(live_server + survey.link)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
        page.click("button[value=next]")  # errors make the page wider if anything does
        expect(page.locator(".error-summary")).to_be_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320


# --- a kiosk tablet ----------------------------------------------------------------------------


def test_kiosk_shows_the_next_person_nothing_of_the_last(
    tablet: Any,
    live_server: str,
    app: Flask,
    survey: Survey,
) -> None:

    page = tablet
    # Long enough that the screen is not cleared while the test answers (that is the next test).
    start = kiosk_path(app, survey, 30)
    page.goto(live_server + start)
    expect(page.locator("body")).to_have_attribute("data-kiosk-idle", "30")
    page.check("#enhet-1")  # Ruspoliklinikken
    page.check("#q-listened-4")
    page.check("#q-group-0")
    page.click("button[value=next]")
    page.fill("#q-why", SECRET)
    page.check("#q-food-1")
    page.click("button[value=next]")
    page.fill("#q-word", "Kiosk")
    page.click("button[value=next]")
    page.wait_for_url(re.compile(r"/kiosk/[^/]+/takk(\?sprak=\w+)?$"))
    assert responses(app) == [("kiosk", "Ruspoliklinikken")]

    page.locator("a.ds-button").click()  # "Start for the next person"
    # The kiosk's start address leads to a new questionnaire's first page (a new token).
    page.wait_for_url(re.compile(re.escape(live_server + start) + r"\?skjema="))
    expect(page.locator("input[name=side]")).to_have_value("0")
    assert_nothing_left(page, SECRET, "Kiosk")
    for _ in range(6):
        go_back_safely(page)
        assert_nothing_left(page, SECRET, "Kiosk")
    assert responses(app) == [("kiosk", "Ruspoliklinikken")]


def test_kiosk_clears_an_unfinished_questionnaire_after_the_idle_time(
    tablet: Any,
    live_server: str,
    app: Flask,
    survey: Survey,
) -> None:

    page = tablet
    start = kiosk_path(app, survey, 4)
    page.goto(live_server + start)
    page.check("#enhet-0")
    page.check("#q-listened-1")
    page.check("#q-group-0")
    page.click("button[value=next]")
    expect(page.locator("input[name=side]")).to_have_value("1")
    page.fill("#q-why", SECRET)

    # Nobody touches the tablet: first the warning, then a fresh start.
    expect(page.locator("#kiosk-warning")).to_be_visible(timeout=15_000)
    expect(page.locator("#kiosk-stay")).to_be_focused()
    expect(page.locator("input[name=side]")).to_have_value("0", timeout=15_000)
    assert path(page) == start
    assert_nothing_left(page, SECRET)
    for _ in range(4):
        go_back_safely(page)
        assert_nothing_left(page, SECRET)
    assert responses(app) == []


# --- the paper version -------------------------------------------------------------------------


def test_paper_version_prints_to_pdf(
    page: Any,
    live_server: str,
    app: Flask,
    survey: Survey,
) -> None:
    from pypdf import PdfReader

    sign_in(page, live_server, "kari@example.no", PASSWORD)
    page.goto(f"{live_server}/skjema/{survey.round_id}/papir")
    toolbar = " ".join(page.locator(".no-print").first.inner_text().split())
    assert toolbar
    pdf = page.pdf(format="A4")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 1
    text = " ".join(" ".join(p.extract_text() or "" for p in reader.pages).split())
    assert "Brukerundersøkelse 2026" in text
    for question in ("Går du på gruppe?", "Hva betyr gruppa for deg?", "Hvordan er maten?"):
        assert question in text, question
    for label in ("God", "Dårlig", "Matlaging"):
        assert label in text
    # The toolbar (back link, language links, the advice to print) stays on screen only.
    assert "Print this page" not in text
    assert toolbar[:40] not in text


# --- axe ---------------------------------------------------------------------------------------


@pytest.fixture
def closed_round(app: Flask, survey: Survey) -> str:
    with app.app_context():
        org = db.session.get(Organisation, survey.org_id)
        assert org is not None
        return make_round(org, "closed").public_token


def test_respondent_pages_have_no_axe_violations(
    axe_page: Any,
    live_server: str,
    app: Flask,
    survey: Survey,
    closed_round: str,
) -> None:

    page = axe_page
    page.goto(live_server + survey.link)
    assert axe_violations(page) == [], "start page"
    page.click("button[value=next]")
    expect(page.locator(".error-summary")).to_be_visible()
    assert axe_violations(page) == [], "start page with errors"
    page.check("#enhet-0")
    page.check("#q-listened-2")
    page.check("#q-group-0")
    page.click("button[value=next]")
    expect(page.locator("#q-why")).to_be_visible()
    assert axe_violations(page) == [], "page 2"
    page.fill("#q-why", "x" * 10)
    page.click("button[value=next]")
    page.fill("#q-age", "7")  # below 16: an error on page 3
    page.click("button[value=next]")
    expect(page.locator("#q-age-error")).to_be_visible()
    assert axe_violations(page) == [], "page 3 with an error"
    page.fill("#q-age", "70")
    page.click("button[value=next]")
    page.wait_for_url(re.compile(r"/takk"))
    assert axe_violations(page) == [], "thanks"

    page.goto(f"{live_server}/kode")
    assert axe_violations(page) == [], "code"
    page.fill("#kode", "ABCD-2345")
    page.click("main button[type=submit]")
    expect(page.locator(".error-summary")).to_be_visible()
    assert axe_violations(page) == [], "code with an error"
    for url in ("/personvern", f"/s/{closed_round}", kiosk_path(app, survey, 120)):
        page.goto(live_server + url)
        assert axe_violations(page) == [], url
    page.goto(f"{live_server}/s/{survey.token}/takk?sprak=en")
    assert axe_violations(page) == [], "thanks in English"


def test_respondent_start_page_on_a_phone_has_no_axe_violations(
    browser: Any,
    live_server: str,
    survey: Survey,
) -> None:
    with new_page(browser, 375, 740, bypass_csp=True) as page:
        page.goto(live_server + survey.link)
        assert axe_violations(page) == []
        page.click("button[value=next]")
        expect(page.locator(".error-summary")).to_be_visible()
        assert axe_violations(page) == []


def test_fieldwork_pages_have_no_axe_violations(
    axe_page: Any,
    live_server: str,
    survey: Survey,
) -> None:

    page = axe_page
    base = f"{live_server}/skjema/{survey.round_id}"
    unit_id = survey.units["Aktivitetshuset"]
    sign_in(page, live_server, "kari@example.no", PASSWORD)
    for url in ("/lenker", "/plakat", f"/plakat/{unit_id}?sprak=en", "/kiosk", "/koder"):
        page.goto(base + url)
        assert axe_violations(page) == [], url

    # The kiosk form with an error, then with the address for another device.
    page.goto(base + "/kiosk")
    page.fill("#idle_seconds", "5")
    page.click("button[value=other]")
    expect(page.locator(".error-summary")).to_be_visible()
    assert axe_violations(page) == [], "kiosk with an error"
    page.fill("#idle_seconds", "120")
    page.click("button[value=other]")
    expect(page.locator("code.url")).to_be_visible()
    assert axe_violations(page) == [], "kiosk address"

    # Codes: an error, then a batch and its cards.
    page.goto(base + "/koder")
    page.fill("#count", "0")
    page.locator("#count").press("Enter")
    expect(page.locator("#count-error")).to_be_visible()
    assert axe_violations(page) == [], "codes with an error"
    page.fill("#count", "4")
    page.locator("#count").press("Enter")
    page.wait_for_url(re.compile(r"/koder/1$"))
    assert axe_violations(page) == [], "cards"
    page.goto(base + "/koder")
    assert axe_violations(page) == [], "codes with a batch"

    page.goto(base + "/papir")
    assert axe_violations(page) == [], "paper"
    page.goto(base + "/registrer")
    assert axe_violations(page) == [], "entry"
    page.check("#q-group-0")
    page.fill("#q-why", "Skrevet av brukeren")
    page.fill("#q-age", "sju")  # not a number
    page.click("main button[type=submit]")
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#q-age-error")).to_be_visible()
    expect(page.locator("#q-why")).to_have_value("Skrevet av brukeren")
    assert axe_violations(page) == [], "entry with an error"
    page.fill("#q-age", "70")
    page.click("main button[type=submit]")
    expect(page.locator(".notice--success")).to_be_visible()
    assert axe_violations(page) == [], "entry after saving"

    page.goto(base + "/feltarbeid")
    # The counts are those of the published results: the form entered waits for a publication.
    expect(page.locator(".big-number")).to_contain_text("0")
    assert axe_violations(page) == [], "fieldwork"
