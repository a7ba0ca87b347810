"""Fixtures for the evaluation: the world's place (tests/world/) with the evaluation's rounds,
whose responses are counted (tallies only: the evaluation never reads answers)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import ActionPoint, AuditEvent
from tests.conftest import post_form
from tests.world import (  # noqa: F401 - make_point, make_evaluation: for the tests
    Place,
    add_evaluation_rounds,
    build_place,
    make_evaluation,
    make_point,
    signed_in,
)


@pytest.fixture
def place(app: Flask) -> Place:
    """The world's place with the evaluation's rounds."""
    with app.app_context():
        return add_evaluation_rounds(build_place())


@pytest.fixture
def group(app: Flask, place: Place) -> FlaskClient:
    return signed_in(app, "kari")


@pytest.fixture
def manager(app: Flask, place: Place) -> FlaskClient:
    """Lars leads "Psykisk helse" (and so Solsiden and Møteplassen)."""
    return signed_in(app, "leder")


@pytest.fixture
def rus_manager(app: Flask, place: Place) -> FlaskClient:
    """Rut leads "Rusteamet" (and so Døra)."""
    return signed_in(app, "rusleder")


def page_url(round_id: int) -> str:
    return f"/resultater/{round_id}/vurdering"


def point_data(**overrides: Any) -> dict[str, str]:
    """A complete, valid action point form."""
    data = {
        "title": "Brukermøte hver måned",
        "description": "Beboerne vil ha mer å si.\nVi starter i mai.",
        "unit": "",
        "owner": "",
        "due_on": "31.12.2030",
        "status": "planned",
    }
    data.update({k: str(v) for k, v in overrides.items()})
    return data


def add_point(client: FlaskClient, round_id: int, **fields: Any):  # type: ignore[no-untyped-def]
    url = f"/resultater/{round_id}/tiltak/ny"
    return post_form(client, url, point_data(**fields))


def points(app: Flask) -> list[ActionPoint]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(ActionPoint).order_by(ActionPoint.id)))
        db.session.expunge_all()
        return found


def events(app: Flask, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        stmt = sa.select(AuditEvent).order_by(AuditEvent.id)
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        found = list(db.session.scalars(stmt))
        db.session.expunge_all()
        return found
