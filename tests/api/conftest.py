"""Fixtures for the API: the world's place (tests/world/), an open round with answers spread
over the units, personal tokens (``tests.world.make_token``), and a client that calls the API
with a token the way a program would (no cookies)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from flask import Flask

from feedback.designer import services as designer
from feedback.deviations.receiving import NewReport, submit
from feedback.extensions import db
from feedback.models import DeviationCategory, Organisation, SurveyRound, Unit
from feedback.respond import services as respond
from tests.shared import publish_now
from tests.world import Place, document, likert, make_token

#: A free-text answer that must never come out of the API.
SECRET_TEXT = "Hemmelig fritekst om Ola Nordmann"


def questionnaire() -> dict[str, Any]:
    return document(
        [
            likert("listened", "Jeg blir lyttet til."),
            {
                "key": "food",
                "type": "single_choice",
                "text": {"nb": "Hvordan er maten?", "en": "How is the food?"},
                "options": [
                    {"value": "good", "label": {"nb": "God", "en": "Good"}},
                    {"value": "bad", "label": {"nb": "Dårlig", "en": "Bad"}},
                ],
            },
            {"key": "group", "type": "yes_no", "text": {"nb": "Går du på gruppe?"}},
        ],
        [
            {
                "key": "activities",
                "type": "multiple_choice",
                "text": {"nb": "Hva deltar du på?"},
                "options": [
                    {"value": "walk", "label": {"nb": "Tur"}},
                    {"value": "cook", "label": {"nb": "Matlaging"}},
                ],
            },
            {"key": "age", "type": "number", "text": {"nb": "Alder"}, "min": 16, "max": 99},
            {"key": "why", "type": "text_long", "text": {"nb": "Fortell"}, "max_length": 200},
        ],
        title={"nb": "Brukerundersøkelse 2026", "en": "User survey 2026"},
    )


#: (unit name or None, channel, how many) of the responses stored. Døra has two: too few.
SPREAD = (
    ("Solsiden", "link", 8),
    ("Solsiden", "kiosk", 4),
    ("Møteplassen", "link", 8),
    ("Døra", "paper", 2),
    (None, "link", 6),
)


def answers_for(index: int) -> dict[str, list[str]]:
    """Answers that differ from response to response in a known way."""
    return {
        "listened": [str(1 + index % 5)] if index % 7 else ["dont_know"],
        "food": ["good" if index % 3 else "bad"],
        "group": ["yes" if index % 2 else "no"],
        "activities": ["walk", "cook"] if index % 4 == 0 else ["walk"],
        "age": [str(20 + index)],
        "why": [SECRET_TEXT],
    }


@dataclass
class Survey:
    round_id: int
    #: Every stored response's (unit name, channel, answers).
    stored: list[tuple[str | None, str, dict[str, list[str]]]]
    question_ids: dict[str, int]


def make_survey(place: Place, status: str = "open") -> Survey:
    org = db.session.get(Organisation, place.org)
    round_ = designer.create_round(org, None, questionnaire(), source="test")
    round_.status = "open"
    db.session.commit()
    stored = []
    index = 0
    for unit_name, channel, count in SPREAD:
        unit = db.session.get(Unit, place.units[unit_name]) if unit_name else None
        for _ in range(count):
            answers = answers_for(index)
            respond.store(round_, answers, unit=unit, channel=channel, nonce=secrets.token_hex(16))
            db.session.commit()
            stored.append((unit_name, channel, answers))
            index += 1
    publish_now(round_.id)
    round_ = db.session.get(SurveyRound, round_.id)
    round_.status = status
    db.session.commit()
    return Survey(round_.id, stored, {q.key: q.id for q in round_.questions})


@pytest.fixture
def survey(app: Flask, place: Place) -> Survey:
    with app.app_context():
        return make_survey(place)


@pytest.fixture
def tokens(app: Flask, place: Place) -> dict[str, str]:
    """A token for the quality group (Kari), each manager, and the other organisation."""
    return {
        "kari": make_token(app, place.people["kari"], place.org),
        "leder": make_token(app, place.people["leder"], place.org),
        "rusleder": make_token(app, place.people["rusleder"], place.org),
        "nabo": make_token(app, place.people["nabo"], place.other_org),
    }


def make_case(
    place: Place,
    received: date,
    *,
    unit: str | None = "Solsiden",
    category: int = 0,
    closed: date | None = None,
    **values: Any,
) -> str:
    """A deviation case received on this day (call inside an app context)."""
    organisation = db.session.get(Organisation, place.org)
    report = NewReport(
        reporter_kind="service_user",
        unit=db.session.get(Unit, place.units[unit]) if unit else None,
        event_date=received,
        category=db.session.get(DeviationCategory, place.categories[category]),
        description="Hendelse.",
    )
    case, _code = submit(organisation, report, secrets.token_hex(16))
    case.received_on = received
    if closed is not None:
        case.status, case.closed_on, case.closing_evaluation = "closed", closed, "Ferdig."
    for name, value in values.items():
        setattr(case, name, value)
    db.session.commit()
    return case.id
