"""Fixtures for the evaluation: an organisation with units in a tree, a quality group,
managers, and rounds with counted responses (tallies only: the evaluation never reads answers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import (
    ActionPoint,
    AuditEvent,
    Evaluation,
    ResponseTally,
    SurveyRound,
    SurveySeries,
)
from feedback.models.results import NO_UNIT
from tests import factories
from tests.conftest import login, post_form


@dataclass
class Place:
    org: int
    slug: str
    other_org: int
    other_slug: str
    #: Unit ids by name. "Solsiden" and "Møteplassen" are below "Psykisk helse"; "Døra" is
    #: below "Rusteamet".
    units: dict[str, int]
    #: Round ids: "main" (closed, 12 responses), "few" (closed, 3 responses, below k = 5),
    #: "draft" (no results), "other" (another organisation's).
    rounds: dict[str, int]
    people: dict[str, int] = field(default_factory=dict)


def _round(
    series: SurveySeries, number: int, status: str, title: str, **values: Any
) -> SurveyRound:
    round_ = SurveyRound(series=series, number=number, status=status, title={"nb": title}, **values)
    db.session.add(round_)
    db.session.flush()
    return round_


def _responses(round_: SurveyRound, n: int) -> None:
    db.session.add(ResponseTally(round_id=round_.id, unit_key=NO_UNIT, channel="link", n=n))


@pytest.fixture
def place(app: Flask) -> Place:
    with app.app_context():
        org = factories.organisation("Fjordvik kommune", "fjordvik")
        other = factories.organisation("Nabokommunen", "nabo")
        top = factories.unit(org, "Psykisk helse", kind="service_area")
        units = {
            "Psykisk helse": top,
            "Solsiden": factories.unit(org, "Solsiden", parent=top),
            "Møteplassen": factories.unit(org, "Møteplassen", parent=top, kind="activity_centre"),
            "Rusteamet": factories.unit(org, "Rusteamet", kind="substance_team"),
        }
        units["Døra"] = factories.unit(org, "Døra", parent=units["Rusteamet"], kind="outpatient")
        factories.unit(other, "Nabohuset")
        people = {
            "kari": factories.user("kari@example.no", org=org, role="quality", name="Kari").id,
            "leder": factories.user(
                "leder@example.no", org=org, role="manager", units=[top], name="Lars Leder"
            ).id,
            "rusleder": factories.user(
                "rusleder@example.no",
                org=org,
                role="manager",
                units=[units["Rusteamet"]],
                name="Rut Rusleder",
            ).id,
            "admin": factories.user("admin@example.no", org=org, role="admin", name="Ada").id,
            "gone": factories.user(
                "gone@example.no", org=org, role="quality", name="Gunnar Sluttet", active=False
            ).id,
            "nabo": factories.user("nabo@example.no", org=other, role="quality", name="Nabo").id,
        }
        series = SurveySeries(organisation=org)
        db.session.add(series)
        db.session.flush()
        main = _round(
            series,
            1,
            "closed",
            "Brukerundersøkelse 2025",
            opened_at=datetime(2025, 3, 1, tzinfo=UTC),
            closed_at=datetime(2025, 4, 1, tzinfo=UTC),
            closes_on=date(2025, 3, 31),
        )
        few = _round(
            series,
            2,
            "closed",
            "Brukerundersøkelse 2026",
            opened_at=datetime(2026, 3, 1, tzinfo=UTC),
            closes_on=date(2026, 3, 31),
        )
        draft = _round(series, 3, "draft", "Utkast")
        other_series = SurveySeries(organisation=other)
        db.session.add(other_series)
        db.session.flush()
        other_round = _round(other_series, 1, "closed", "Naboundersøkelse")
        _responses(main, 12)
        _responses(few, 3)
        _responses(other_round, 20)
        db.session.commit()
        return Place(
            org.id,
            org.slug,
            other.id,
            other.slug,
            {n: u.id for n, u in units.items()},
            {"main": main.id, "few": few.id, "draft": draft.id, "other": other_round.id},
            people,
        )


def signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    response = login(client, email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def group(app: Flask, place: Place) -> FlaskClient:
    return signed_in(app, "kari@example.no")


@pytest.fixture
def manager(app: Flask, place: Place) -> FlaskClient:
    """Lars leads "Psykisk helse" (and so Solsiden and Møteplassen)."""
    return signed_in(app, "leder@example.no")


@pytest.fixture
def rus_manager(app: Flask, place: Place) -> FlaskClient:
    """Rut leads "Rusteamet" (and so Døra)."""
    return signed_in(app, "rusleder@example.no")


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


def make_point(app: Flask, round_id: int, **values: Any) -> int:
    """An action point straight in the database; returns its id."""
    defaults: dict[str, Any] = {"title": "Et tiltak", "status": "planned", "description": ""}
    defaults.update(values)
    with app.app_context():
        point = ActionPoint(round_id=round_id, **defaults)
        db.session.add(point)
        db.session.commit()
        return point.id


def make_evaluation(app: Flask, round_id: int, **values: Any) -> None:
    with app.app_context():
        db.session.add(Evaluation(round_id=round_id, **values))
        db.session.commit()


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
