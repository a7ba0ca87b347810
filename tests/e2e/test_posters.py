"""Posters and code cards printed to PDF by Chromium as a browser's Print would: A4, one poster
to a sheet, the address written out, the time estimate and the anonymity promise in the chosen
language, cards that are not cut across sheets, and QR codes that hold the exact address."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
import segno
from flask import Flask
from pypdf import PdfReader

from feedback.extensions import db
from feedback.models import SurveyRound
from feedback.respond.texts import answering_minutes
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, new_page, sign_in
from tests.world import Survey

pytestmark = pytest.mark.e2e

A4 = (595.28, 841.89)
CODE = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4}")
PROMISE = {
    "nb": "Vi vet ikke hvem du er.",
    "nn": "Vi veit ikkje kven du er.",
    "en": "We do not know who you are.",
}
ESTIMATE = {
    "nb": "Det tar omtrent {} minutter.",
    "nn": "Det tek om lag {} minutt.",
    "en": "It takes about {} minutes.",
}


def printed(page: Any) -> list[str]:
    """The page printed with its own @page size: the text of each sheet, after checking that
    every sheet is A4 (Playwright's default would be US Letter)."""
    reader = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    sheets = []
    for sheet in reader.pages:
        width, height = float(sheet.mediabox.width), float(sheet.mediabox.height)
        assert abs(width - A4[0]) <= 1 and abs(height - A4[1]) <= 1, (width, height)
        sheets.append(sheet.extract_text().replace("\u00a0", " "))
    return sheets


def squeezed(text: str) -> str:
    """Text without white space: a long address may be broken over lines in print."""
    return re.sub(r"\s+", "", text)


def qr_path(svg: str) -> str:
    match = re.search(r'<path [^>]*d="([^"]+)"', svg)
    assert match, svg[:200]
    return match.group(1)


def segno_path(data: str) -> str:
    """The path segno draws for exactly this text, as the app asks for it."""
    return qr_path(segno.make(data, error="m").svg_inline(scale=4, omitsize=True))


@pytest.mark.parametrize(
    ("language", "unit"), [("nb", None), ("nn", "Aktivitetshuset"), ("en", None)]
)
def test_a_poster_prints_on_one_a4_sheet_with_address_estimate_and_promise(
    app: Flask, live_server: str, page: Any, survey: Survey, language: str, unit: str | None
) -> None:
    with app.app_context():
        round_ = db.session.get(SurveyRound, survey.round_id)
        assert round_ is not None
        minutes = answering_minutes(round_)
    address = survey.unit_link(unit) if unit else survey.link
    sign_in(page, live_server, "kari@example.no", PASSWORD)
    poster = f"{live_server}/skjema/{survey.round_id}/plakat"
    page.goto(
        f"{poster}/{survey.units[unit]}?sprak={language}" if unit else f"{poster}?sprak={language}"
    )

    # The QR code holds the exact address, as segno makes it (no QR decoder is installed).
    full = live_server + address
    drawn = qr_path(page.locator(".poster__qr svg").evaluate("svg => svg.outerHTML"))
    assert drawn == segno_path(full)
    assert drawn != segno_path(full + "x")  # so the comparison could fail
    # It is large: at least 8 cm wide on the sheet (96 CSS px to the inch).
    assert page.locator(".poster__qr svg").bounding_box()["width"] >= 8 / 2.54 * 96

    sheets = printed(page)
    assert len(sheets) == 1, [s[:80] for s in sheets]
    text = sheets[0]
    short = full.removeprefix("http://")
    assert squeezed(short) in squeezed(text)
    assert PROMISE[language] in text
    assert squeezed(ESTIMATE[language].format(minutes)) in squeezed(text)
    if unit:
        assert unit in text
    # The toolbar ("Print this page on A4", the language links) is for the screen only.
    assert "A4" not in text
    assert "English" not in text and "Nynorsk" not in text


def test_the_links_page_chooses_the_posters_language(
    live_server: str, page: Any, survey: Survey
) -> None:
    sign_in(page, live_server, "kari@example.no", PASSWORD)
    page.goto(f"{live_server}/skjema/{survey.round_id}/lenker")
    page.select_option("#plakatsprak", "nn")
    page.locator("form.poster-language button").click()
    page.wait_for_url(re.compile(r"plakatsprak=nn"))
    page.get_by_role("link", name=re.compile("Aktivitetshuset")).click()
    page.wait_for_url(re.compile(r"/plakat/\d+\?sprak=nn$"))
    assert PROMISE["nn"] in page.inner_text(".poster")


def test_code_cards_print_ten_to_an_a4_sheet_none_cut_across(
    live_server: str, page: Any, survey: Survey
) -> None:
    sign_in(page, live_server, "kari@example.no", PASSWORD)
    page.goto(f"{live_server}/skjema/{survey.round_id}/koder")
    page.fill("#count", "25")
    page.locator("#count").press("Enter")
    page.wait_for_url(re.compile(r"/koder/1$"))
    shown = page.locator(".card__code").all_inner_texts()
    assert len(shown) == 25

    first = page.locator(".card").first
    entry = f"{live_server}/kode"
    drawn = qr_path(first.locator(".card__qr svg").evaluate("svg => svg.outerHTML"))
    assert drawn == segno_path(f"{entry}#{shown[0]}")

    sheets = printed(page)
    per_sheet = [CODE.findall(sheet) for sheet in sheets]
    assert [len(codes) for codes in per_sheet] == [10, 10, 5]
    assert [code for codes in per_sheet for code in codes] == shown
    for sheet, codes in zip(sheets, per_sheet, strict=True):
        # Every card on a sheet is whole: its promise and address are there with its code.
        assert sheet.count(PROMISE["nb"]) == len(codes)
        assert squeezed(sheet).count(squeezed(entry.removeprefix("http://"))) == len(codes)


@pytest.mark.parametrize("width", [320, 375, 1280])
def test_poster_and_cards_pass_axe_and_fit_a_phone(
    browser: Any, live_server: str, survey: Survey, width: int
) -> None:
    with new_page(browser, width, 800, bypass_csp=True) as page:
        sign_in(page, live_server, "kari@example.no", PASSWORD)
        base = f"{live_server}/skjema/{survey.round_id}"
        page.goto(f"{base}/koder")
        page.fill("#count", "3")
        page.locator("#count").press("Enter")
        page.wait_for_url(re.compile(r"/koder/1$"))
        unit = survey.units["Aktivitetshuset"]
        for path in (
            "/koder/1?sprak=nn",
            f"/plakat/{unit}?sprak=nn",
            "/plakat?sprak=en",
            "/lenker",
        ):
            page.goto(base + path)
            assert axe_violations(page) == [], path
            assert page.evaluate("() => document.documentElement.scrollWidth") <= width, path
