"""The questionnaire's layout on small phones: the 0–10 scale on one row under its end labels,
and the language switch at the top that keeps answers while Enter still goes on."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from feedback.extensions import db
from feedback.models import Organisation
from tests.e2e.conftest import new_page
from tests.world import document, make_round

pytestmark = pytest.mark.e2e

SCALE = {
    "key": "recommend",
    "type": "scale",
    "text": {"nb": "Hvor sannsynlig er det at du vil anbefale tjenesten til en venn?"},
    "required": True,
    "dont_know": True,
    "low_label": {"nb": "Svært lite sannsynlig"},
    "high_label": {"nb": "Svært sannsynlig"},
}
WORD = {"key": "word", "type": "text_short", "text": {"nb": "Ett ord om stedet"}, "max_length": 40}
FOOD = {
    "key": "food",
    "type": "single_choice",
    "text": {"nb": "Hvordan er maten?"},
    "options": [
        {"value": "good", "label": {"nb": "God"}},
        {"value": "bad", "label": {"nb": "Dårlig"}},
    ],
}


@pytest.fixture
def token(app: Flask, people: dict[str, int]) -> str:
    with app.app_context():
        org = db.session.get(Organisation, people["org"])
        assert org is not None
        return make_round(org, doc=document([WORD, SCALE], [FOOD])).public_token


def boxes(page: Any, selector: str) -> list[dict[str, float]]:
    return [
        page.locator(selector).nth(i).bounding_box() for i in range(page.locator(selector).count())
    ]


def assert_scale_on_one_row(page: Any, width: int) -> None:
    options = boxes(page, ".scale--scale li")
    assert len(options) == 11
    tops = {round(box["y"]) for box in options}
    assert len(tops) == 1, f"the scale wraps at {width} px: rows at {sorted(tops)}"
    assert options[-1]["x"] + options[-1]["width"] <= width
    low, high = boxes(page, ".scale-wrap--scale .scale-ends span")
    zero, ten = options[0], options[-1]
    # The end labels stand above the scale, the low one starting over 0, the high one ending
    # over 10.
    assert low["y"] + low["height"] <= zero["y"] + 1 and high["y"] + high["height"] <= ten["y"] + 1
    assert abs(low["x"] - zero["x"]) <= 2, (low, zero)
    assert abs((high["x"] + high["width"]) - (ten["x"] + ten["width"])) <= 2, (high, ten)
    labels = [page.locator(".scale--scale .scale__value").nth(i).inner_text() for i in (0, 10)]
    assert labels == ["0", "10"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [320, 360, 375])
def test_the_0_to_10_scale_stays_on_one_row(
    browser: Any, live_server: str, token: str, width: int
) -> None:
    with new_page(browser, width, 700) as page:
        page.goto(f"{live_server}/s/{token}")
        assert_scale_on_one_row(page, width)
        # With an error the question is indented; the scale still fits.
        page.click("button[value=next]")
        expect(page.locator("#q-recommend-error")).to_be_visible()
        assert_scale_on_one_row(page, width)
        # Every option can be chosen with a tap on its number.
        page.click("label[for=q-recommend-10]")
        expect(page.locator("#q-recommend-10")).to_be_checked()
        page.click("label[for=q-recommend-0]")
        expect(page.locator("#q-recommend-0")).to_be_checked()


def test_language_switch_at_the_top_keeps_answers_and_enter_goes_on(
    browser: Any, live_server: str, token: str
) -> None:
    with new_page(browser, 375, 700) as page:
        page.goto(f"{live_server}/s/{token}")
        switch = page.locator(".respond-languages").bounding_box()
        heading = page.locator("h1").bounding_box()
        assert switch["y"] + switch["height"] <= heading["y"]
        page.fill("#q-word", "Trygt")
        page.click("label[for=q-recommend-8]")
        page.click(".respond-languages button[value=nn]")
        expect(page.locator("html")).to_have_attribute("lang", "nn")
        expect(page.locator("#q-word")).to_have_value("Trygt")
        expect(page.locator("#q-recommend-8")).to_be_checked()
        expect(page.locator(".progress")).to_have_text("Side 1 av 2")

        # Enter in a text field does what "Next" does, in the language chosen.
        page.locator("#q-word").press("Enter")
        expect(page.locator(".progress")).to_have_text("Side 2 av 2")
        expect(page.locator("html")).to_have_attribute("lang", "nn")
        expect(page.locator("#q-food-0")).to_be_visible()
