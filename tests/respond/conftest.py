"""Fixtures for answering: an open three-page round in an organisation with two units, and a
respondent helper that walks it the way a browser does (no JavaScript)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from feedback.designer import services as designer
from feedback.extensions import db
from feedback.models import Organisation, SurveyRound
from tests import factories
from tests.designer.conftest import document, kari, likert, people  # noqa: F401

TOKEN = re.compile(r'name="skjema" value="([^"]+)"')


def questionnaire() -> dict[str, Any]:
    """Page 1: a required scale and a yes/no. Page 2: a long text shown only after "yes" on
    page 1, and a single choice. Page 3: a number from 16 to 99, a multiple choice and a
    short text with a 20-character limit."""
    return document(
        [
            likert("listened", "Jeg blir lyttet til.", required=True),
            {
                "key": "group",
                "type": "yes_no",
                "text": {
                    "nb": "Går du på gruppe?",
                    "nn": "Går du på gruppe?",
                    "en": "Do you attend a group?",
                },
            },
        ],
        [
            {
                "key": "why",
                "type": "text_long",
                "text": {"nb": "Hva betyr gruppa for deg?"},
                "max_length": 200,
                "condition": {"question": "group", "value": "yes"},
            },
            {
                "key": "food",
                "type": "single_choice",
                "text": {"nb": "Hvordan er maten?"},
                "options": [
                    {"value": "good", "label": {"nb": "God"}},
                    {"value": "bad", "label": {"nb": "Dårlig"}},
                ],
            },
        ],
        [
            {
                "key": "age",
                "type": "number",
                "text": {"nb": "Hvor gammel er du?"},
                "min": 16,
                "max": 99,
            },
            {
                "key": "activities",
                "type": "multiple_choice",
                "text": {"nb": "Hva deltar du på?"},
                "options": [
                    {"value": "walk", "label": {"nb": "Tur"}},
                    {"value": "cook", "label": {"nb": "Matlaging"}},
                    {"value": "art", "label": {"nb": "Kunst"}},
                ],
            },
            {
                "key": "word",
                "type": "text_short",
                "text": {"nb": "Ett ord om stedet"},
                "max_length": 20,
            },
        ],
        title={
            "nb": "Brukerundersøkelse 2026",
            "nn": "Brukarundersøking 2026",
            "en": "User survey 2026",
        },
    )


@dataclass
class Survey:
    round_id: int
    token: str
    org_id: int
    units: dict[str, int] = field(default_factory=dict)

    @property
    def link(self) -> str:
        return f"/s/{self.token}"

    def unit_link(self, name: str) -> str:
        return f"/s/{self.token}/{self.units[name]}"


def make_round(
    org: Organisation, status: str = "open", doc: dict[str, Any] | None = None
) -> SurveyRound:
    round_ = designer.create_round(org, None, doc or questionnaire(), source="test")
    round_.status = status
    db.session.commit()
    return round_


@pytest.fixture
def survey(app: Flask, people: dict[str, int]) -> Survey:  # noqa: F811
    """An open round in Fjordvik kommune (the ``people`` organisation), which has two units."""
    with app.app_context():
        org = db.session.get(Organisation, people["org"])
        units = {
            "Aktivitetshuset": factories.unit(org, "Aktivitetshuset").id,
            "Ruspoliklinikken": factories.unit(org, "Ruspoliklinikken").id,
        }
        round_ = make_round(org)
        db.session.commit()
        return Survey(round_.id, round_.public_token, org.id, units)


class Respondent:
    """Answers like a browser without JavaScript: each page's form carries the hidden fields
    the server rendered (the form token, the page number and earlier answers), and a sent page
    is answered with a redirect to the next page's address, which it follows."""

    def __init__(self, client: FlaskClient, url: str) -> None:
        self.client = client
        self.url = url
        self.html = ""
        self.response: Any = None
        #: The address of the page shown last (with its form token and page number).
        self.page_url = ""

    def start(self, **kwargs: Any) -> Respondent:
        """Open the questionnaire: its address redirects to the first page's own address."""
        self.response = self._to_page(self.client.get(self.url, **kwargs), **kwargs)
        self.html = self.response.get_data(as_text=True)
        return self

    def _to_page(self, response: Any, **kwargs: Any) -> Any:
        """Follow a redirect to a questionnaire page's address (POST-redirect-GET), as a
        browser does; a redirect anywhere else (the thank-you page) is left to the test."""
        if response.status_code == 303 and "skjema=" in response.headers["Location"]:
            self.page_url = response.headers["Location"]
            return self.client.get(self.page_url, **kwargs)
        return response

    def hidden(self) -> list[tuple[str, str]]:
        form = self.html.split('id="answer-form"', 1)[1].split("</form>", 1)[0]
        return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)

    @property
    def form_token(self) -> str:
        match = TOKEN.search(self.html)
        assert match, "no form token on the page"
        return match.group(1)

    def send(self, answers: dict[str, Any] | None = None, nav: str = "next", **kwargs: Any) -> Any:
        """Post the current page with these visible answers (lists for several values)."""
        data: list[tuple[str, str]] = [(k, v) for k, v in self.hidden()]
        for name, value in (answers or {}).items():
            for item in value if isinstance(value, list) else [value]:
                data.append((name, item))
        data.append(("nav", nav))
        url = self.url if "url" not in kwargs else kwargs.pop("url")
        self.response = self._to_page(
            self.client.post(url, data=MultiDict(data), **kwargs), **kwargs
        )
        self.html = self.response.get_data(as_text=True)
        return self.response


#: Answers that walk the whole questionnaire through the conditional question.
FULL_WALK = [
    {"enhet": None, "q-listened": "4", "q-group": "yes"},
    {"q-why": "Jeg møter folk.", "q-food": "good"},
    {"q-age": "34", "q-activities": ["walk", "art"], "q-word": "Trygt"},
]
