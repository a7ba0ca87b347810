"""Deviation reports in Chromium: an anonymous report followed up to a closed case, the form
without JavaScript, a double-click, axe on every deviation page, 320-pixel screens, and the
statistics page asking no other host for anything."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback.deviations.handling import add_measure, add_note, close, send_message, update_case
from feedback.deviations.receipts import find_by_receipt
from feedback.extensions import db
from feedback.models import Deviation, User
from feedback.personal_data import REDACTED
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, new_page, sign_in
from tests.world import Place, Reporter, case_ids, days_ago

pytestmark = pytest.mark.e2e

#: A receipt code as shown: four groups of four letters or digits.
RECEIPT = re.compile(r"^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$")
PHONE = "912 34 567"
DESCRIPTION = f"Husmøtet ble avlyst uten beskjed. Hvis dere vil vite mer: ring meg på {PHONE}."
SUGGESTION = "Si fra på oppslagstavla minst to dager før."
REPORT_FORM = "form[data-once][action^='/avvik/']"
SEND_REPORT = f"{REPORT_FORM} button[type=submit]"
WIDTH = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
#: Ids that a label, a description or an in-page link points at but that more than one element
#: has: the browser takes the first, so the others lose their label or hint.
AMBIGUOUS_IDS = """() => {
  const count = {};
  document.querySelectorAll('[id]').forEach((el) => { count[el.id] = (count[el.id] || 0) + 1; });
  const used = new Set();
  document.querySelectorAll('label[for]').forEach((el) => used.add(el.htmlFor));
  document.querySelectorAll('[aria-describedby], [aria-labelledby]').forEach((el) => {
    for (const name of ['aria-describedby', 'aria-labelledby']) {
      (el.getAttribute(name) || '').split(/\\s+/).filter(Boolean).forEach((id) => used.add(id));
    }
  });
  document.querySelectorAll('a[href^="#"]').forEach((el) => used.add(el.hash.slice(1)));
  return [...used].filter((id) => count[id] > 1).sort();
}"""
#: Notes, for each sending of a form, whether the page held it back (kept across pages).
RECORD_SUBMITS = """document.addEventListener('submit', (event) => {
  const seen = JSON.parse(sessionStorage.getItem('submits') || '[]');
  seen.push(event.defaultPrevented);
  sessionStorage.setItem('submits', JSON.stringify(seen));
});"""
#: Form fields a person can fill in that no label names.
UNLABELLED = """() => Array.from(document.querySelectorAll(
    'main input:not([type=hidden]), main select, main textarea'))
  .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label'))
  .map((el) => `${el.closest('form').getAttribute('action')} ${el.name}`)"""


# --- helpers -----------------------------------------------------------------------------------


def fill_report(page: Any, place: Place, description: str = DESCRIPTION) -> None:
    """Fill the report form as a service user at Solsiden, two days ago, first category."""
    page.check("#reporter_kind-0")
    page.select_option("#unit", str(place.units["Solsiden"]))
    page.fill("#event_date", days_ago(2).isoformat())  # a date input takes ISO dates
    page.check("#category-0")
    page.fill("#description", description)
    page.fill("#suggestion", SUGGESTION)


def receipt_code(page: Any) -> str:
    from playwright.sync_api import expect

    code = page.locator("#receipt-code")
    expect(code).to_be_visible()
    return str(code.inner_text()).strip()


def open_case_by_code(page: Any, base: str, code: str) -> None:
    """What a reporter does to come back: the follow-up page, the code typed, "Show"."""
    page.goto(f"{base}/avvik/oppfolging?sprak=nb")
    page.fill("#kode", code)
    page.click("main form[action$='/oppfolging'] button[type=submit]")


def sideways_scroll(page: Any) -> int:
    """How many pixels the page scrolls sideways (0 when it fits)."""
    scroll_width, client_width = page.evaluate(WIDTH)
    return max(0, int(scroll_width) - min(320, int(client_width)))


@contextmanager
def staff(browser: Any, base: str, email: str, **options: Any) -> Iterator[Any]:
    """A signed-in browser; axe may be injected (the CSP is bypassed)."""
    with new_page(browser, bypass_csp=True, **options) as page:
        sign_in(page, base, email, PASSWORD)
        yield page


def user(person_id: int) -> User:
    found = db.session.get(User, person_id)
    assert found is not None
    return found


def only_case() -> Deviation:
    """The one stored case (call inside an app context)."""
    return db.session.scalars(sa.select(Deviation)).one()


@dataclass
class Case:
    id: str
    code: str


def full_case(app: Flask, place: Place) -> Case:
    """A case with every section filled: flagged personal data, a message each way, a late
    measure (so the case is overdue), an internal note, a handler and a severity."""
    reporter = Reporter(app, place)
    code = reporter.report(
        description=DESCRIPTION, reporter_name="Ola", reporter_contact="ola@x.no"
    )
    with app.app_context():
        case = find_by_receipt(code)
        assert case is not None
        kari = user(place.people["kari"])
        update_case(
            case, kari, status="in_progress", severity="medium", handler=kari, deadline=None
        )
        send_message(case, kari, "Takk for meldingen. Vi ser på saken.")
        add_measure(case, kari, description="Oppslag om husmøter", owner="Leder", due=days_ago(3))
        add_note(case, kari, "Snakket med leder på Solsiden.")
        db.session.commit()
        case_id = case.id
    response = reporter.reply(code, "Takk. Det skjedde igjen i går.")
    assert response.status_code == 200
    return Case(case_id, code)


def closed_case(app: Flask, place: Place) -> str:
    """A case at Døra, with one measure, closed with an evaluation."""
    Reporter(app, place).report(unit=place.units["Døra"], category=place.categories[4])
    with app.app_context():
        case = db.session.scalars(
            sa.select(Deviation).where(Deviation.unit_id == place.units["Døra"])
        ).one()
        kari = user(place.people["kari"])
        update_case(case, kari, status="in_progress", severity="low", handler=None, deadline=None)
        add_measure(case, kari, description="Ny rutine", owner="Rut", due=None)
        close(case, kari, "Rutinen virker.")
        db.session.commit()
        return case.id


# --- 1. the whole way: report, handling, answers, closing ---------------------------------------


def test_report_to_closed_case(
    browser: Any,
    live_server: str,
    app: Flask,
    place: Place,
) -> None:
    from playwright.sync_api import expect

    kari_id = place.people["kari"]
    answer = "Det var torsdag. Ingen hadde hengt opp lapp."
    to_reporter = "Hei! Vi har snakket med stedet. Hvilken dag var det?"

    with new_page(browser) as reporter, new_page(browser) as kari:
        # An anonymous reporter sends a report (with JavaScript) and gets the code once.
        reporter.goto(f"{live_server}/avvik/{place.slug}?sprak=nb")
        fill_report(reporter, place)
        reporter.click(SEND_REPORT)
        code = receipt_code(reporter)
        assert RECEIPT.match(code), code
        expect(reporter.locator("[data-receipt-actions]")).to_be_visible()
        open_case_by_code(reporter, live_server, code)
        expect(reporter.locator("main .status--received")).to_be_visible()
        assert reporter.context.cookies() == []

        # Kari (quality group) finds the case, blacks out the phone number and takes it.
        sign_in(kari, live_server, "kari@example.no", PASSWORD)
        kari.goto(f"{live_server}/avvik/saker")
        links = kari.locator("table.cases tbody a")
        expect(links).to_have_count(1)
        links.first.click()
        kari.wait_for_url(re.compile(r"/avvik/saker/[a-z0-9]{8}$"))
        case_url = kari.url.split("#")[0]
        flagged = kari.locator("#personal-data")
        expect(flagged.locator("code")).to_have_text([PHONE])
        expect(flagged.locator("#sladd-0")).to_be_checked()
        flagged.locator("button[type=submit]").click()
        expect(kari.locator("#personal-data")).to_have_count(0)
        expect(kari.locator("#report")).to_contain_text(REDACTED)
        expect(kari.locator("#report")).not_to_contain_text(PHONE)

        kari.click("nav.tabs-nav >> text=Behandling")
        kari.wait_for_url(f"{case_url}/behandling")
        kari.select_option("#handler", str(kari_id))
        kari.select_option("#severity", "high")
        kari.click("form[action$='/behandling'] button[type=submit]")
        expect(kari.locator("main .lead .severity--high")).to_be_visible()
        expect(kari.locator("#handler")).to_have_value(str(kari_id))

        kari.click("nav.tabs-nav >> text=Meldingen og samtalen")  # where the messages are
        kari.wait_for_url(case_url)
        kari.fill("form[action$='/melding'] textarea[name=body]", to_reporter)
        kari.click("form[action$='/melding'] button[type=submit]")
        expect(kari.locator("#thread .thread__message")).to_have_count(1)
        expect(kari.locator("#thread .thread__message")).to_contain_text(to_reporter)

        # The reporter comes back with the code: the status and Kari's message, not her name.
        open_case_by_code(reporter, live_server, code)
        thread = reporter.locator("main .thread")
        expect(thread.locator(".thread__message")).to_have_count(1)
        expect(thread).to_contain_text(to_reporter)
        expect(reporter.locator("main .status--received")).to_be_visible()
        assert "Kari" not in reporter.locator("main").inner_text()
        reporter.fill("#body", answer)
        reporter.click("form[action$='/oppfolging/svar'] button[type=submit]")
        expect(reporter.locator("main .notice--success")).to_be_visible()
        expect(thread.locator(".thread__message")).to_have_count(2)
        expect(thread.locator(".thread__message--mine")).to_contain_text(answer)
        assert reporter.context.cookies() == []

        # Kari sees the answer, adds a measure and closes the case: first without evaluation.
        kari.reload()
        expect(kari.locator("#thread .thread__message--reporter")).to_contain_text(answer)
        kari.click("nav.tabs-nav >> text=Tiltak")
        kari.fill("form[action$='/tiltak'] textarea[name=description]", "Oppslag før husmøter")
        kari.fill("form[action$='/tiltak'] input[name=owner]", "Leder, Solsiden")
        kari.click("form[action$='/tiltak'] button[type=submit]")
        expect(kari.locator("#measures tbody tr")).to_have_count(1)

        kari.click("nav.tabs-nav >> text=Behandling")
        kari.click("form[action$='/lukk'] button[type=submit]")
        expect(kari.locator("#evaluation-error")).to_be_visible()
        expect(kari.locator("#evaluation")).to_have_attribute("aria-invalid", "true")
        described = kari.get_attribute("#evaluation", "aria-describedby") or ""
        assert "evaluation-error" in described.split()
        summary = kari.locator("#closing .error-summary")
        expect(summary).to_be_visible()
        summary.locator("a[href='#evaluation']").click()
        expect(kari.locator("#evaluation")).to_be_focused()
        expect(kari.locator("main .lead .status--closed")).to_have_count(0)

        kari.fill("#evaluation", "Oppslaget kom opp, og neste husmøte gikk som planlagt.")
        kari.click("form[action$='/lukk'] button[type=submit]")
        kari.wait_for_url(f"{case_url}/behandling")
        expect(kari.locator("main .lead .status--closed")).to_be_visible()
        expect(kari.locator("#closing")).to_contain_text("neste husmøte gikk som planlagt")
        expect(kari.locator("form[action$='/lukk']")).to_have_count(0)

        # The reporter sees that it is closed.
        open_case_by_code(reporter, live_server, code)
        expect(reporter.locator("main .status--closed")).to_be_visible()
        assert reporter.context.cookies() == []

    with app.app_context():
        case = only_case()
        assert case.status == "closed"
        assert case.closed_on is not None
        assert case.closing_evaluation
        assert case.handler_id == kari_id
        assert case.severity == "high"
        assert len(case.measures) == 1
        assert [(m.from_reporter, m.body) for m in case.messages] == [
            (False, to_reporter),
            (True, answer),
        ]
        assert PHONE not in case.description
        assert REDACTED in case.description
        assert case.suggestion == SUGGESTION


# --- 2. the form without JavaScript, 3. a double-click ------------------------------------------


def test_report_form_without_javascript(
    browser: Any,
    live_server: str,
    app: Flask,
    place: Place,
) -> None:
    from playwright.sync_api import expect

    with new_page(browser, java_script_enabled=False) as page:
        page.goto(f"{live_server}/avvik/{place.slug}?sprak=nb")
        fill_report(page, place, description="")
        page.click(SEND_REPORT)
        summary = page.locator(".error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_be_focused()  # autofocus, no script needed
        link = summary.locator("a[href='#description']")
        expect(link).to_have_count(1)
        expect(summary.locator("a")).to_have_count(1)  # nothing else was wrong
        expect(page.locator("#description-error")).to_be_visible()
        expect(page.locator("#description")).to_have_attribute("aria-invalid", "true")
        # What was typed and chosen is kept.
        expect(page.locator("#reporter_kind-0")).to_be_checked()
        expect(page.locator("#unit")).to_have_value(str(place.units["Solsiden"]))
        expect(page.locator("#event_date")).to_have_value(days_ago(2).isoformat())
        expect(page.locator("#category-0")).to_be_checked()
        expect(page.locator("#suggestion")).to_have_value(SUGGESTION)
        assert case_ids(app) == []

        link.click()
        expect(page.locator("#description")).to_be_focused()
        page.fill("#description", "Ingen svarte på telefonen hele helga.")
        page.click(SEND_REPORT)
        assert RECEIPT.match(receipt_code(page))
        # Copy and Print need JavaScript, so without it they are not offered.
        expect(page.locator("[data-receipt-actions]")).to_be_hidden()
        expect(page.locator("[data-copy]")).to_be_hidden()
        expect(page.locator("[data-print]")).to_be_hidden()
        assert page.context.cookies() == []

    with new_page(browser) as page:
        page.goto(f"{live_server}/avvik/{place.slug}?sprak=nb")
        fill_report(page, place)
        page.click(SEND_REPORT)
        assert RECEIPT.match(receipt_code(page))
        expect(page.locator("[data-receipt-actions]")).to_be_visible()
        expect(page.locator("[data-copy]")).to_be_visible()
        expect(page.locator("[data-print]")).to_be_visible()

    assert len(case_ids(app)) == 2


def test_double_click_keeps_the_receipt(
    browser: Any,
    live_server: str,
    app: Flask,
    place: Place,
) -> None:
    """The second click of a double-click is not sent: the reporter sees the receipt code, not
    "already sent". (Chromium itself often drops the second sending when the first has not left
    yet; on a slow line it has, so the test checks that the page refused the second one.)"""
    from playwright.sync_api import expect

    with new_page(browser) as page:
        page.add_init_script(RECORD_SUBMITS)
        page.goto(f"{live_server}/avvik/{place.slug}?sprak=nb")
        fill_report(page, place)
        page.dblclick(SEND_REPORT)
        code = receipt_code(page)
        assert RECEIPT.match(code), code
        # Both clicks reached the form; the first was sent, the second held back.
        assert page.evaluate("() => JSON.parse(sessionStorage.getItem('submits'))") == [
            False,
            True,
        ]
        page.wait_for_load_state("networkidle")
        expect(page.locator("#receipt-code")).to_have_text(code)
        expect(page.locator(REPORT_FORM)).to_have_count(0)
    assert len(case_ids(app)) == 1
    with app.app_context():
        assert find_by_receipt(code) is not None


# --- 4. axe ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_report_form_has_no_violations(
    axe_page: Any,
    live_server: str,
    place: Place,
    language: str,
) -> None:
    axe_page.goto(f"{live_server}/avvik/{place.slug}?sprak={language}")
    assert axe_page.get_attribute("html", "lang") == language
    assert axe_violations(axe_page) == []


def test_public_pages_have_no_violations(
    axe_page: Any,
    live_server: str,
    app: Flask,
    place: Place,
) -> None:
    from playwright.sync_api import expect

    case = full_case(app, place)
    page = axe_page

    page.goto(f"{live_server}/avvik/{place.slug}?sprak=nb")
    page.click(SEND_REPORT)  # nothing filled in: an error at every required field
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator(".error-message")).to_have_count(5)
    assert axe_violations(page) == [], "report form with errors"

    fill_report(page, place)
    page.click(SEND_REPORT)
    assert RECEIPT.match(receipt_code(page))
    expect(page.locator("[data-receipt-actions]")).to_be_visible()
    assert axe_violations(page) == [], "receipt"

    page.goto(f"{live_server}/avvik/oppfolging?sprak=nb")
    assert axe_violations(page) == [], "follow-up"
    page.fill("#kode", "ABCD-EFGH-JKMN-PQRS")
    page.click("main form button[type=submit]")
    expect(page.locator("#kode-error")).to_be_visible()
    assert axe_violations(page) == [], "follow-up with a wrong code"

    open_case_by_code(page, live_server, case.code)
    expect(page.locator("main .thread .thread__message")).to_have_count(2)
    assert axe_violations(page) == [], "status page"
    page.click("form[action$='/oppfolging/svar'] button[type=submit]")  # an empty answer
    expect(page.locator("#body-error")).to_be_visible()
    assert axe_violations(page) == [], "status page with an error"
    page.fill("#body", "En ting til.")
    page.click("form[action$='/oppfolging/svar'] button[type=submit]")
    expect(page.locator("main .notice--success")).to_be_visible()
    assert axe_violations(page) == [], "status page after an answer"


def test_case_pages_have_no_violations(
    browser: Any,
    live_server: str,
    app: Flask,
    place: Place,
) -> None:
    from playwright.sync_api import expect

    case = full_case(app, place)
    closed = closed_case(app, place)
    with staff(browser, live_server, "kari@example.no") as page:
        page.goto(f"{live_server}/avvik/saker")
        expect(page.locator("table.cases tbody tr")).to_have_count(2)
        assert axe_violations(page) == [], "cases"

        page.goto(f"{live_server}/avvik/saker?overdue=y")
        expect(page.locator("table.cases tbody tr")).to_have_count(1)
        expect(page.locator("table.cases .overdue-badge")).to_be_visible()
        assert axe_violations(page) == [], "overdue cases"

        page.goto(f"{live_server}/avvik/saker/{case.id}")
        expect(page.locator("#personal-data code")).to_have_text([PHONE])
        expect(page.locator("#thread .thread__message")).to_have_count(2)
        expect(page.locator(".overdue-notice")).to_be_visible()
        # Kari handles the case, so she sees the contact details the reporter gave.
        expect(page.locator("#report")).to_contain_text("ola@x.no")
        assert axe_violations(page) == [], "case page"
        page.goto(f"{live_server}/avvik/saker/{case.id}/tiltak")
        expect(page.locator("#measures tbody tr")).to_have_count(1)
        assert axe_violations(page) == [], "case measures"
        page.goto(f"{live_server}/avvik/saker/{case.id}/historikk")
        expect(page.locator("#history tbody tr").first).to_be_visible()
        assert axe_violations(page) == [], "case history"
        page.goto(f"{live_server}/avvik/saker/{case.id}/behandling")
        expect(page.locator("#notes .notes li")).to_have_count(1)
        assert axe_violations(page) == [], "case handling"

        page.click("form[action$='/lukk'] button[type=submit]")
        expect(page.locator("#evaluation-error")).to_be_visible()
        assert axe_violations(page) == [], "case page after a failed close"

        page.goto(f"{live_server}/avvik/saker/{closed}/behandling")
        expect(page.locator("main .lead .status--closed")).to_be_visible()
        expect(page.locator("form[action$='/gjenapne']")).to_be_visible()
        assert axe_violations(page) == [], "closed case"


def test_statistics_page(
    browser: Any,
    live_server: str,
    app: Flask,
    place: Place,
) -> None:
    """The charts are drawn with the app's own plotly.js; nothing is asked of any other host
    (the CSP is bypassed here, so a request it would have refused would show up too)."""
    from playwright.sync_api import expect

    full_case(app, place)
    closed_case(app, place)
    Reporter(app, place).report(unit="ingen", category=place.categories[2])
    requests: list[str] = []
    with new_page(browser, bypass_csp=True) as page:
        page.on("request", lambda request: requests.append(request.url))
        sign_in(page, live_server, "kari@example.no", PASSWORD)
        page.goto(f"{live_server}/avvik/statistikk")
        expect(page.locator("main .big-number").first).to_have_text("3")
        plots = page.locator("main .chart__plot[data-figure]")
        expect(plots).to_have_count(5)
        for index in range(5):
            expect(plots.nth(index).locator("svg.main-svg").first).to_be_attached()
            expect(plots.nth(index)).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert axe_violations(page) == []

    assert any("/vendor/plotly-" in url for url in requests), requests
    elsewhere = [url for url in requests if not url.startswith(f"{live_server}/")]
    assert elsewhere == []


def test_category_pages_have_no_violations(
    browser: Any,
    live_server: str,
    place: Place,
) -> None:
    from playwright.sync_api import expect

    with staff(browser, live_server, "admin@example.no") as page:
        page.goto(f"{live_server}/avvik/kategorier")
        expect(page.locator("main table tbody tr")).to_have_count(len(place.categories))
        assert axe_violations(page) == [], "categories"
        page.click("form[action$='/kategorier'] button[type=submit]")  # no name
        expect(page.locator("main .error-summary")).to_be_visible()
        assert axe_violations(page) == [], "categories with an error"
        page.goto(f"{live_server}/avvik/kategorier/{place.categories[0]}")
        expect(page.locator("main h1")).to_have_text("Brukermedvirkning")
        assert axe_violations(page) == [], "a category"


def test_every_field_on_the_case_page_has_its_own_label(
    browser: Any,
    live_server: str,
    app: Flask,
    place: Place,
) -> None:
    """The case page has many forms on it. Each text box needs its own id, label and hint, or
    one of them is left without a label (when the message and the note boxes shared the id
    "body", clicking "Internal note" put the cursor in the message to the reporter)."""
    from playwright.sync_api import expect

    case = full_case(app, place)
    with staff(browser, live_server, "kari@example.no") as page:
        forms = [("", "/melding"), ("/behandling", "/notat"), ("/tiltak", "/tiltak")]
        for tab, action in [*forms, ("/behandling", "/lukk")]:
            page.goto(f"{live_server}/avvik/saker/{case.id}{tab}")
            assert page.evaluate(UNLABELLED) == []
            assert page.evaluate(AMBIGUOUS_IDS) == []
            form = page.locator(f"form[action$='{action}']")
            box = form.locator("textarea")
            expect(box).to_have_count(1)
            form.locator("label").first.click()
            expect(box).to_be_focused()


# --- 5. 320 pixels -----------------------------------------------------------------------------


def test_pages_fit_320(
    browser: Any,
    live_server: str,
    app: Flask,
    place: Place,
) -> None:
    """Every page is measured before the test says which ones scroll sideways."""
    from playwright.sync_api import expect

    case = full_case(app, place)
    overflow: dict[str, int] = {}
    with new_page(browser, width=320, height=640) as page:
        page.goto(f"{live_server}/avvik/{place.slug}?sprak=nb")
        overflow["report form"] = sideways_scroll(page)
        page.click(SEND_REPORT)
        expect(page.locator(".error-summary")).to_be_visible()
        overflow["report form with errors"] = sideways_scroll(page)
        fill_report(page, place)
        page.click(SEND_REPORT)
        receipt_code(page)
        overflow["receipt"] = sideways_scroll(page)
        open_case_by_code(page, live_server, case.code)
        expect(page.locator("main .thread .thread__message")).to_have_count(2)
        overflow["status page"] = sideways_scroll(page)

    with staff(browser, live_server, "kari@example.no", width=320, height=640) as page:
        page.goto(f"{live_server}/avvik/saker")
        expect(page.locator("table.cases tbody tr")).to_have_count(2)
        overflow["cases"] = sideways_scroll(page)
        page.goto(f"{live_server}/avvik/saker/{case.id}")
        expect(page.locator("#personal-data")).to_be_visible()
        overflow["case page"] = sideways_scroll(page)
        for tab in ("behandling", "tiltak", "historikk"):
            page.goto(f"{live_server}/avvik/saker/{case.id}/{tab}")
            overflow[f"case page, {tab}"] = sideways_scroll(page)
        expect(page.locator("#history")).to_be_visible()

    assert {name: px for name, px in overflow.items() if px} == {}
