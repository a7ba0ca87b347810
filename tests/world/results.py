"""The results rounds: the world's place (tests/world/) with a unit of its own ("Tunet",
top level), an open round with every kind of question in each organisation, and 22 stored
responses (``results_answered``).

Fixture names start with ``results_`` (results, fieldwork counts and the overview use them):

- ``results_place``: ids of everything (a ``tests.world.Place``; ``round_id``, ``questions`` and
  ``other_round_id`` are the results rounds);
- ``results_answered``: ``results_place`` with 22 responses stored (see its docstring: a small
  unit, flagged free text, a small crossing of unit and answer);
- ``results_client(who)``: a factory for signed-in clients (keys of ``tests.world.PEOPLE``).

Responses are stored with ``tests.world.store_response`` and ``store_many``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback.designer import services as designer
from feedback.extensions import db
from feedback.models import Organisation, SurveyRound
from tests import factories
from tests.world.base import Place, build_place, signed_in, store_many, store_response

#: The results tests' name for the world's place.

__all__ = [
    "RESULTS_PERSONAL",
    "RESULTS_TEXTS",
    "ResultsPlace",
    "make_results_round",
    "results_questionnaire",
]

ResultsPlace = Place


def results_questionnaire() -> dict[str, Any]:
    """One question of each kind. "why" is a follow-up shown only after "yes" to "group"."""
    return {
        "format": "brukerstemmen.questionnaire",
        "version": 1,
        "title": {"nb": "Brukerundersøkelse", "nn": "Brukarundersøking", "en": "User survey"},
        "pages": [
            {
                "questions": [
                    {
                        "key": "listened",
                        "type": "likert",
                        "text": {"nb": "Jeg blir lyttet til.", "en": "I am listened to."},
                        "dont_know": True,
                    },
                    {
                        "key": "food",
                        "type": "single_choice",
                        "text": {"nb": "Hvordan er maten?", "en": "How is the food?"},
                        "options": [
                            {"value": "good", "label": {"nb": "God", "en": "Good"}},
                            {"value": "ok", "label": {"nb": "Grei", "en": "All right"}},
                            {"value": "bad", "label": {"nb": "Dårlig", "en": "Bad"}},
                        ],
                        "dont_know": True,
                    },
                    {
                        "key": "activities",
                        "type": "multiple_choice",
                        "text": {"nb": "Hva deltar du på?", "en": "What do you take part in?"},
                        "options": [
                            {"value": "walk", "label": {"nb": "Tur", "en": "Walks"}},
                            {"value": "cook", "label": {"nb": "Matlaging", "en": "Cooking"}},
                            {"value": "art", "label": {"nb": "Kunst", "en": "Art"}},
                        ],
                    },
                    {
                        "key": "group",
                        "type": "yes_no",
                        "text": {"nb": "Går du på gruppe?", "en": "Do you attend a group?"},
                    },
                ]
            },
            {
                "questions": [
                    {
                        "key": "why",
                        "type": "text_long",
                        "text": {"nb": "Hva betyr gruppa for deg?"},
                        "max_length": 500,
                        "condition": {"question": "group", "value": "yes"},
                    },
                    {
                        "key": "age",
                        "type": "number",
                        "text": {"nb": "Hvor gammel er du?", "en": "How old are you?"},
                        "min": 16,
                        "max": 99,
                        "dont_know": True,
                    },
                    {
                        "key": "score",
                        "type": "scale",
                        "text": {"nb": "Hvor fornøyd er du alt i alt?"},
                    },
                    {
                        "key": "mood",
                        "type": "smiley",
                        "text": {"nb": "Hvordan har du det her?"},
                        "options": [
                            {"value": "1", "label": {"nb": "Dårlig"}},
                            {"value": "2", "label": {"nb": "Middels"}},
                            {"value": "3", "label": {"nb": "Bra"}},
                        ],
                    },
                    {
                        "key": "word",
                        "type": "text_short",
                        "text": {"nb": "Ett ord om stedet"},
                        "max_length": 60,
                        "dont_know": True,
                    },
                ]
            },
        ],
    }


def make_results_round(org: Organisation, document: dict[str, Any] | None = None) -> SurveyRound:
    """An open round (a new series) with the results questionnaire."""
    round_ = designer.create_round(org, None, document or results_questionnaire(), source="test")
    round_.status = "open"
    db.session.flush()
    return round_


@pytest.fixture
def results_place(app: Flask) -> Place:
    with app.app_context():
        place = build_place()
        org = db.session.get(Organisation, place.org)
        other = db.session.get(Organisation, place.other_org)
        assert org is not None and other is not None
        place.units["Tunet"] = factories.unit(org, "Tunet").id
        round_ = make_results_round(org)
        other_round = make_results_round(other)
        db.session.commit()
        place.round_id = round_.id
        place.questions = {q.key: q.id for q in round_.questions}
        place.other_round_id = other_round.id
        return place


@pytest.fixture
def results_client(app: Flask, results_place: Place) -> Callable[[str], FlaskClient]:
    """``results_client("kari")``: a new client signed in as that person."""

    def make(who: str) -> FlaskClient:
        return signed_in(app, who)

    return make


#: Free text at Solsiden: four plain answers and two with likely personal data.
RESULTS_TEXTS = (
    "Gruppa gir meg ro.",
    "Jeg møter folk.",
    "Trygt og godt.",
    "Kaffen er god.",
    "Ring meg på 412 34 567",
    "Skriv til ola.nordmann@example.no",
)
#: What the two flagged answers give away.
RESULTS_PERSONAL = ("412 34 567", "ola.nordmann@example.no")


@pytest.fixture
def results_answered(app: Flask, results_place: Place) -> Place:
    """22 responses (k is 5):

    - Solsiden (below Psykisk helse), link: 6; "listened" 4, food good, group yes, and one
      free-text "why" each (RESULTS_TEXTS, two of them flagged);
    - Møteplassen (below Psykisk helse), link: 2; "listened" 1, food bad, age 70: too few;
    - Tunet, kiosk: 8; "listened" 5, food good (3) or ok (5), group no;
    - Døra (below Rusteamet), access code: 6; "listened" 2, food ok.

    So Møteplassen is hidden, and Solsiden with it (Psykisk helse minus Solsiden would give
    Møteplassen); Tunet with food good is three people.
    """
    place = results_place
    with app.app_context():
        for text in RESULTS_TEXTS:
            store_response(
                place.round_id,
                {"listened": "4", "food": "good", "group": "yes", "why": text},
                unit=place.units["Solsiden"],
            )
        store_many(
            place.round_id,
            2,
            {"listened": "1", "food": "bad", "age": "70"},
            unit=place.units["Møteplassen"],
        )
        for food in ("good",) * 3 + ("ok",) * 5:
            store_response(
                place.round_id,
                {"listened": "5", "food": food, "group": "no"},
                unit=place.units["Tunet"],
                channel="kiosk",
            )
        store_many(
            place.round_id,
            6,
            {"listened": "2", "food": "ok"},
            unit=place.units["Døra"],
            channel="code",
        )
    return place
