"""Fixtures for results: an organisation with a unit tree, a quality group and two managers, an
open round with every kind of question, and helpers that store responses through the answering
service (so the tallies are kept exactly as in production).

Fixture names start with ``results_`` so tests elsewhere can use them without clashes:

- ``results_place``: ids of everything (``ResultsPlace``); ``RESULTS_PEOPLE`` holds the e-mails.
- ``results_answered``: ``results_place`` with 22 responses stored (see its docstring: a small
  unit, flagged free text, a small crossing of unit and answer).
- ``results_client(who)``: a factory for signed-in clients ("kari", "leder", "rusleder", …).

Helpers (plain functions, call inside an app context): ``store_response``, ``store_many``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback.designer import services as designer
from feedback.extensions import db
from feedback.models import Organisation, SurveyRound, Unit
from feedback.respond import services as respond
from feedback.results import publish as results_publish
from tests import factories
from tests.conftest import login

#: Everyone the results tests sign in as (key: e-mail).
RESULTS_PEOPLE = {
    # The quality group: everything.
    "kari": "kari@example.no",
    # Manages "Psykisk helse", and so Solsiden and Møteplassen below it.
    "leder": "leder@example.no",
    # Manages Rusteamet (and Døra below it).
    "rusleder": "rusleder@example.no",
    "admin": "admin@example.no",
    "norole": "ingen@example.no",
    # The quality group of another organisation.
    "nabo": "nabo@example.no",
}


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


@dataclass
class ResultsPlace:
    """Ids of everything the results tests use."""

    org: int
    #: Unit ids by name. "Solsiden" and "Møteplassen" are below "Psykisk helse"; "Døra" below
    #: "Rusteamet"; "Tunet" is a top-level unit of its own.
    units: dict[str, int]
    #: The open round with ``results_questionnaire()``.
    round_id: int
    #: Question ids by key.
    questions: dict[str, int]
    other_org: int
    other_round_id: int
    people: dict[str, int] = field(default_factory=dict)

    def url(self, suffix: str = "", round_id: int | None = None) -> str:
        return f"/resultater/{round_id or self.round_id}{suffix}"


def make_results_round(org: Organisation, document: dict[str, Any] | None = None) -> SurveyRound:
    """An open round (a new series) with the results questionnaire."""
    round_ = designer.create_round(org, None, document or results_questionnaire(), source="test")
    round_.status = "open"
    db.session.flush()
    return round_


@pytest.fixture
def results_place(app: Flask) -> ResultsPlace:
    with app.app_context():
        org = factories.organisation("Fjordvik kommune", "fjordvik")
        other = factories.organisation("Nabokommunen", "nabo")
        top = factories.unit(org, "Psykisk helse", kind="service_area")
        units: dict[str, Unit] = {"Psykisk helse": top}
        units["Solsiden"] = factories.unit(org, "Solsiden", parent=top)
        units["Møteplassen"] = factories.unit(
            org, "Møteplassen", parent=top, kind="activity_centre"
        )
        units["Rusteamet"] = factories.unit(org, "Rusteamet", kind="substance_team")
        units["Døra"] = factories.unit(org, "Døra", parent=units["Rusteamet"], kind="outpatient")
        units["Tunet"] = factories.unit(org, "Tunet")
        people = {
            "kari": factories.user(RESULTS_PEOPLE["kari"], org=org, role="quality").id,
            "leder": factories.user(
                RESULTS_PEOPLE["leder"], org=org, role="manager", units=[top]
            ).id,
            "rusleder": factories.user(
                RESULTS_PEOPLE["rusleder"], org=org, role="manager", units=[units["Rusteamet"]]
            ).id,
            "admin": factories.user(RESULTS_PEOPLE["admin"], org=org, role="admin").id,
            "norole": factories.user(RESULTS_PEOPLE["norole"]).id,
            "nabo": factories.user(RESULTS_PEOPLE["nabo"], org=other, role="quality").id,
        }
        round_ = make_results_round(org)
        other_round = make_results_round(other)
        db.session.commit()
        return ResultsPlace(
            org=org.id,
            units={name: u.id for name, u in units.items()},
            round_id=round_.id,
            questions={q.key: q.id for q in round_.questions},
            other_org=other.id,
            other_round_id=other_round.id,
            people=people,
        )


@pytest.fixture
def results_client(app: Flask, results_place: ResultsPlace) -> Callable[[str], FlaskClient]:
    """``results_client("kari")``: a new client signed in as that person."""

    def make(who: str) -> FlaskClient:
        client = app.test_client()
        response = login(client, RESULTS_PEOPLE[who])
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return make


def store_response(
    round_id: int,
    answers: Mapping[str, str | Iterable[str]],
    *,
    unit: int | None = None,
    channel: str = "link",
    publish: bool = True,
) -> None:
    """Store one response through the answering service (answers by question key; a string is
    one value, a list several), and publish it to readers at once unless ``publish`` is
    False (tests of the results, not of publication). Commits. Call inside an app context."""
    round_ = db.session.get(SurveyRound, round_id)
    assert round_ is not None
    clean = {
        key: [value] if isinstance(value, str) else list(value) for key, value in answers.items()
    }
    respond.store(
        round_,
        {key: values for key, values in clean.items() if values},
        unit=db.session.get(Unit, unit) if unit is not None else None,
        channel=channel,
        nonce=secrets.token_hex(16),
    )
    if publish:
        results_publish.publish(round_id, force=True)
        db.session.commit()


def store_many(
    round_id: int,
    count: int,
    answers: Mapping[str, str | Iterable[str]] | None = None,
    *,
    unit: int | None = None,
    channel: str = "link",
    publish: bool = True,
) -> None:
    """Store ``count`` identical responses (and publish them, unless ``publish`` is False)."""
    for _ in range(count):
        store_response(round_id, answers or {}, unit=unit, channel=channel, publish=False)
    if publish:
        results_publish.publish(round_id, force=True)
        db.session.commit()


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
def results_answered(app: Flask, results_place: ResultsPlace) -> ResultsPlace:
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
