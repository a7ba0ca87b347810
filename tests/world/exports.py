"""The exports' round: 20 responses, 12 at Solsiden (link), 6 at Midtbyen (paper) and 2 at
Lillehjem (link), in an organisation of its own. With k = 5, Lillehjem is too small and Midtbyen
is hidden with it, so only Solsiden and the whole round can be shown. The export tests and the
printed report's browser test use it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from feedback.designer import services as designer
from feedback.extensions import db
from feedback.models import Membership
from feedback.respond import services as respond
from tests import factories
from tests.shared import publish_now

__all__ = ["CHANNEL", "LIKERT", "QUESTIONNAIRE", "TITLE", "ExportRound", "build_export_round"]

TITLE = {"nb": "Brukerundersøkelse 2026", "en": "User survey 2026"}

QUESTIONNAIRE: dict[str, Any] = {
    "format": "brukerstemmen.questionnaire",
    "version": 1,
    "title": TITLE,
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
                    "text": {"nb": "Hvordan er maten?"},
                    "options": [
                        {"value": "good", "label": {"nb": "God", "en": "Good"}},
                        {"value": "bad", "label": {"nb": "Dårlig", "en": "Bad"}},
                    ],
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
                {"key": "age", "type": "number", "text": {"nb": "Alder"}, "min": 16, "max": 99},
                {"key": "word", "type": "text_short", "text": {"nb": "Ett ord om stedet"}},
                {"key": "rare", "type": "yes_no", "text": {"nb": "Bruker du bassenget?"}},
            ]
        }
    ],
}

#: listened values per unit; "x" is "don't know".
LIKERT = {
    "Solsiden": ["5", "4", "4", "4", "3", "5", "2", "4", "x", "5", "3", "4"],
    "Midtbyen": ["4", "4", "5", "3", "4", "2"],
    "Lillehjem": ["1", "2"],
}
CHANNEL = {"Solsiden": "link", "Midtbyen": "paper", "Lillehjem": "link"}


@dataclass
class ExportRound:
    round_id: int
    org_id: int
    units: dict[str, int]
    people: dict[str, str] = field(default_factory=dict)


def build_export_round(app: Flask) -> ExportRound:
    """The round above, its responses stored the way the public form stores them."""
    with app.app_context():
        org = factories.organisation("Fjordvik kommune")
        units = {name: factories.unit(org, name) for name in LIKERT}
        kari = factories.user("kari@example.no", org=org, role="quality", name="Kari")
        # Kari also administers, so the main menu has "Administration" on screen.
        db.session.add(Membership(user=kari, organisation=org, role="admin"))
        people = {
            "quality": kari.email,
            "manager": factories.user(
                "leder@example.no", org=org, role="manager", units=[units["Solsiden"]]
            ).email,
        }
        round_ = designer.create_round(org, None, QUESTIONNAIRE, source="test")
        round_.status = "open"
        db.session.commit()
        index = 0
        for name, values in LIKERT.items():
            for value in values:
                answers: dict[str, list[str]] = {
                    "listened": ["dont_know" if value == "x" else value],
                    "food": ["good" if index % 3 else "bad"],
                    "activities": ["walk", "art"] if index % 2 else ["cook"],
                    "age": [str(20 + index)],
                }
                if index == 0:
                    answers["word"] = ['=HYPERLINK("http://example.com","klikk")']
                if index < 2:
                    answers["rare"] = ["yes"]  # two answers: the question is held back
                respond.store(
                    round_,
                    answers,
                    unit=units[name],
                    channel=CHANNEL[name],
                    nonce=secrets.token_hex(16),
                )
                db.session.commit()
                index += 1
        publish_now(round_.id)
        return ExportRound(round_.id, org.id, {n: u.id for n, u in units.items()}, people)
