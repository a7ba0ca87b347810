"""Fixtures for the survey designer: an organisation with a quality group, a manager and
user representatives."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from tests import factories
from tests.conftest import login


@pytest.fixture
def people(app: Flask) -> dict[str, int]:
    with app.app_context():
        org = factories.organisation("Fjordvik kommune")
        other = factories.organisation("Nabokommunen")
        ids = {
            "org": org.id,
            "other_org": other.id,
            "kari": factories.user("kari@example.no", org=org, role="quality", name="Kari").id,
            "ulf": factories.user("ulf@example.no", org=org, role="quality", name="Ulf").id,
            "una": factories.user("una@example.no", org=org, role="quality", name="Una").id,
            "fag": factories.user(
                "fag@example.no", org=org, role="quality", representation="professional", name="Fag"
            ).id,
            "leder": factories.user("leder@example.no", org=org, role="manager", name="Leder").id,
            "admin": factories.user("admin@example.no", org=org, role="admin", name="Ada").id,
            "nabo": factories.user("nabo@example.no", org=other, role="quality", name="Nabo").id,
            "norole": factories.user("ingen@example.no", name="Ingen").id,
        }
        db.session.commit()
        return ids


@pytest.fixture
def kari(client: FlaskClient, people: dict[str, int]) -> FlaskClient:
    """Signed in as Kari, a user representative in the quality group."""
    login(client, "kari@example.no")
    return client


def likert(key: str, text: str = "Jeg blir lyttet til.", **extra: Any) -> dict[str, Any]:
    return {
        "key": key,
        "type": "likert",
        "text": {"nb": text},
        "required": False,
        "dont_know": True,
        **extra,
    }


def document(*pages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "format": "brukerstemmen.questionnaire",
        "version": 1,
        "title": {"nb": "Brukerundersøkelse"},
        "pages": [{"questions": list(questions)} for questions in pages],
        **extra,
    }
