"""The browser's Back and Forward while answering on a phone (issue 20): every page is sent with
POST and answered with a redirect to the next page's own address, so Back and Forward load page
addresses, each page shows its answers from the server-side draft, and no browser asks to send
a form again. After sending, Back shows the thank-you page or a fresh start, never the answers.
With and without JavaScript."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations, new_page
from tests.e2e.test_respond import assert_nothing_left, content_of, go_back_safely, responses
from tests.world import Survey

pytestmark = pytest.mark.e2e

SECRET = "Hemmelig-tilbake-42"
#: What Chromium shows instead of a page when Back would have to send a form again.
RESUBMISSION = re.compile(r"ERR_CACHE_MISS|Confirm Form Resubmission", re.IGNORECASE)


def back(page: Any) -> None:
    reply = page.go_back(wait_until="load")
    assert reply is not None and reply.status == 200, page.url
    assert not RESUBMISSION.search(content_of(page)), page.url
    assert "skjema=" in page.url and "Hemmelig" not in page.url


def forward(page: Any) -> None:
    reply = page.go_forward(wait_until="load")
    assert reply is not None and reply.status == 200, page.url
    assert not RESUBMISSION.search(content_of(page)), page.url


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without"])
def test_back_and_forward_keep_the_answers_on_a_phone(
    browser: Any,
    live_server: str,
    app: Flask,
    survey: Survey,
    javascript: bool,
) -> None:
    # bypass_csp lets the test inject axe-core; the app's pages are the same.
    with new_page(browser, 375, 740, java_script_enabled=javascript, bypass_csp=True) as page:
        page.goto(live_server + survey.link)
        progress = page.locator(".progress")
        expect(progress).to_have_text(re.compile(r"\b1\b.*\b3\b"))
        # The first page has an address of its own (the form token and the page number).
        assert "skjema=" in page.url and "side=1" in page.url
        page.check("#enhet-0")
        page.check("#q-listened-3")
        page.check("#q-group-0")
        page.click("button[value=next]")
        expect(progress).to_have_text(re.compile(r"\b2\b.*\b3\b"))
        assert "side=2" in page.url
        page.fill("#q-why", SECRET)
        page.check("#q-food-1")
        page.click("button[value=next]")
        expect(progress).to_have_text(re.compile(r"\b3\b.*\b3\b"))
        assert SECRET not in page.url

        # The browser's Back: page 2, then page 1, each with its answers.
        back(page)
        expect(progress).to_have_text(re.compile(r"\b2\b.*\b3\b"))
        expect(page.locator("#q-why")).to_have_value(SECRET)
        expect(page.locator("#q-food-1")).to_be_checked()
        if javascript:
            assert axe_violations(page) == []
        back(page)
        expect(progress).to_have_text(re.compile(r"\b1\b.*\b3\b"))
        expect(page.locator("#enhet-0")).to_be_checked()
        expect(page.locator("#q-listened-3")).to_be_checked()
        expect(page.locator("#q-group-0")).to_be_checked()

        # Forward twice: page 2 with its answers, then the last page.
        forward(page)
        expect(progress).to_have_text(re.compile(r"\b2\b.*\b3\b"))
        expect(page.locator("#q-why")).to_have_value(SECRET)
        forward(page)
        expect(progress).to_have_text(re.compile(r"\b3\b.*\b3\b"))
        page.fill("#q-age", "34")
        page.check("#q-activities-0")
        page.click("button[value=next]")
        page.wait_for_url(re.compile(rf"/s/{survey.token}/takk"))
        expect(page.locator(".thanks")).to_be_visible()
        assert responses(app) == [("link", "Aktivitetshuset")]

        # Back after sending: the thank-you page again, never the answers; nothing is sent.
        for _ in range(3):
            go_back_safely(page)
            assert not RESUBMISSION.search(content_of(page)), page.url
            assert_nothing_left(page, SECRET)
        assert responses(app) == [("link", "Aktivitetshuset")]
