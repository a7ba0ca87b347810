"""A date question in Chromium: the browser's own date field, with no axe violations, answered
and stored as the date."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import expect

from feedback.extensions import db
from feedback.models import Answer
from tests.e2e.conftest import axe_violations
from tests.world import date_question, open_round
from tests.world import date_questionnaire as questionnaire

pytestmark = pytest.mark.e2e


def test_a_date_is_answered_in_the_browsers_date_field(
    axe_page: Any, live_server: str, app: Flask
) -> None:
    with app.app_context():
        round_ = open_round(questionnaire(date_question(required=True)))
        token = round_.public_token
    page = axe_page
    page.goto(f"{live_server}/s/{token}")
    field = page.locator("#q-visit")
    expect(field).to_have_attribute("type", "date")
    assert axe_violations(page) == [], "a date question"
    page.click("button[value=next]")
    expect(page.locator(".error-summary a[href='#q-visit']")).to_be_visible()
    assert axe_violations(page) == [], "a date question with an error"
    field.fill("2026-11-30")
    page.click("button[value=next]")
    page.wait_for_url(re.compile(r"/takk"))
    with app.app_context():
        assert db.session.scalars(sa.select(Answer.value)).all() == ["2026-11-30"]
