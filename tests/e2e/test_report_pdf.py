"""The printable report, printed to PDF by Chromium as a browser's Print would: A4 pages, the
round's title and numbers, and none of the menus or buttons around them on screen."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import axe_violations, sign_in
from tests.shared import text_in
from tests.world import ExportRound, build_export_round

A4 = (595.28, 841.89)


def test_report_prints_on_a4_without_the_menus(app: Flask, live_server: str, page: Any) -> None:
    data: ExportRound = build_export_round(app)
    sign_in(page, live_server, data.people["quality"], "riktig-passord-123")
    page.goto(f"{live_server}/resultater/{data.round_id}/rapport")
    on_screen = page.inner_text("body")
    administration = text_in(app, "nb", "Administration")
    sign_out = text_in(app, "nb", "Sign out")
    assert administration in on_screen and sign_out in on_screen  # so their absence below counts
    # JavaScript shows the Print button; printing itself needs no script.
    expect(page.locator("[data-print]")).to_be_visible()

    # No format given: the page size must come from the report's @page rule (Playwright's
    # default would be US Letter).
    pdf = page.pdf(prefer_css_page_size=True)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 1
    for sheet in reader.pages:
        width, height = float(sheet.mediabox.width), float(sheet.mediabox.height)
        assert abs(width - A4[0]) <= 1 and abs(height - A4[1]) <= 1, (width, height)
    text = "\n".join(sheet.extract_text() for sheet in reader.pages).replace("\u00a0", " ")
    assert "Brukerundersøkelse 2026" in text
    assert "Jeg blir lyttet til." in text
    assert "42 % (8)" in text  # the share and count of "4", from the table
    assert text_in(app, "nb", "Too few answers to show (fewer than %(k)s).", k=5) in text
    for on_screen_only in (
        administration,
        sign_out,
        text_in(app, "nb", "Questionnaires"),
        text_in(app, "nb", "Change password"),
        text_in(app, "nb", "Units side by side"),  # the round's sub-menu
        "Brukerstemmen",  # the header's brand link and the footer
    ):
        assert on_screen_only not in text, on_screen_only


def test_report_and_downloads_pass_axe(app: Flask, live_server: str, axe_page: Any) -> None:
    data: ExportRound = build_export_round(app)
    sign_in(axe_page, live_server, data.people["quality"], "riktig-passord-123")
    for path in ("rapport", "last-ned", f"rapport?enhet={data.units['Lillehjem']}"):
        axe_page.goto(f"{live_server}/resultater/{data.round_id}/{path}")
        assert axe_violations(axe_page) == [], path
