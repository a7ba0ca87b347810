"""Fixtures for deviation reports: an organisation with units in a tree, the default
categories, a quality group, managers, an administrator, and a reporter that uses the public
pages like a browser (no cookies, one-time form tokens, receipt code in POST bodies)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback.deviations.categories import add_default_categories, categories
from feedback.extensions import db
from feedback.models.base import today
from tests import factories
from tests.conftest import login

SKJEMA = re.compile(r'name="skjema" type="hidden" value="([^"]+)"')
RECEIPT = re.compile(r'class="receipt__code"[^>]*>([^<]+)<')


@dataclass
class Place:
    """Ids of everything the deviation tests use."""

    org: int
    slug: str
    other_org: int
    other_slug: str
    #: Unit ids by name. "Solsiden" and "Møteplassen" are below "Psykisk helse"; "Døra" is
    #: below "Rusteamet".
    units: dict[str, int]
    other_unit: int
    #: Category ids of the organisation, in form order (the defaults).
    categories: list[int]
    people: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def place(app: Flask) -> Place:
    with app.app_context():
        org = factories.organisation("Fjordvik kommune", "fjordvik")
        other = factories.organisation("Nabokommunen", "nabo")
        add_default_categories(org)
        add_default_categories(other)
        top = factories.unit(org, "Psykisk helse", kind="service_area")
        units = {
            "Psykisk helse": top,
            "Solsiden": factories.unit(org, "Solsiden", parent=top),
            "Møteplassen": factories.unit(org, "Møteplassen", parent=top, kind="activity_centre"),
            "Rusteamet": factories.unit(org, "Rusteamet", kind="substance_team"),
        }
        units["Døra"] = factories.unit(org, "Døra", parent=units["Rusteamet"], kind="outpatient")
        other_unit = factories.unit(other, "Nabohuset")
        db.session.flush()
        people = {
            "kari": factories.user("kari@example.no", org=org, role="quality", name="Kari").id,
            "fag": factories.user(
                "fag@example.no",
                org=org,
                role="quality",
                representation="professional",
                name="Fatima",
            ).id,
            # Manages "Psykisk helse" and so every unit below it.
            "leder": factories.user(
                "leder@example.no", org=org, role="manager", units=[top], name="Lars"
            ).id,
            # Manages Rusteamet (and Døra below it).
            "rusleder": factories.user(
                "rusleder@example.no",
                org=org,
                role="manager",
                units=[units["Rusteamet"]],
                name="Rut",
            ).id,
            "admin": factories.user("admin@example.no", org=org, role="admin", name="Ada").id,
            "nabo": factories.user("nabo@example.no", org=other, role="quality", name="Nabo").id,
            "norole": factories.user("ingen@example.no", name="Ingen").id,
        }
        cats = [c.id for c in categories(org)]
        db.session.commit()
        return Place(
            org.id,
            org.slug,
            other.id,
            other.slug,
            {n: u.id for n, u in units.items()},
            other_unit.id,
            cats,
            people,
        )


def signed_in(app: Flask, email: str) -> FlaskClient:
    """A new client signed in as this person."""
    client = app.test_client()
    response = login(client, email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def report_data(place: Place, **overrides: Any) -> dict[str, str]:
    """A complete, valid report form (without the one-time token)."""
    data = {
        "sprak": "nb",
        "reporter_kind": "service_user",
        "unit": str(place.units["Solsiden"]),
        "event_date": (today() - timedelta(days=2)).strftime("%d.%m.%Y"),
        "category": str(place.categories[0]),
        "description": "Husmøtet ble avlyst uten beskjed.",
        "suggestion": "Si fra i god tid.",
        "reporter_name": "",
        "reporter_contact": "",
    }
    data.update({k: str(v) for k, v in overrides.items()})
    return data


class Reporter:
    """Someone using the public pages: a fresh client that keeps no cookies."""

    def __init__(self, app: Flask, place: Place) -> None:
        self.app = app
        self.place = place
        self.client = app.test_client(use_cookies=False)

    def form_token(self, slug: str | None = None) -> str:
        html = self.client.get(f"/avvik/{slug or self.place.slug}?sprak=nb").get_data(as_text=True)
        match = SKJEMA.search(html)
        assert match, "no one-time token on the report form"
        return match.group(1)

    def send(self, slug: str | None = None, token: str | None = None, **fields: Any):  # type: ignore[no-untyped-def]
        """POST the report form; returns the response."""
        data = report_data(self.place, **fields)
        data["skjema"] = token if token is not None else self.form_token(slug)
        return self.client.post(f"/avvik/{slug or self.place.slug}", data=data)

    def report(self, **fields: Any) -> str:
        """Send a valid report and return the receipt code as shown (XXXX-XXXX-XXXX-XXXX)."""
        response = self.send(**fields)
        assert response.status_code == 200, response.get_data(as_text=True)
        match = RECEIPT.search(response.get_data(as_text=True))
        assert match, "no receipt code on the page"
        return match.group(1).strip()

    def follow_up(self, code: str):  # type: ignore[no-untyped-def]
        return self.client.post("/avvik/oppfolging", data={"kode": code, "sprak": "nb"})

    def reply(self, code: str, body: str, token: str | None = None):  # type: ignore[no-untyped-def]
        if token is None:
            page = self.follow_up(code).get_data(as_text=True)
            match = SKJEMA.search(page)
            assert match, "no one-time token on the status page"
            token = match.group(1)
        return self.client.post(
            "/avvik/oppfolging/svar",
            data={"kode": code, "skjema": token, "body": body, "sprak": "nb"},
        )


@pytest.fixture
def reporter(app: Flask, place: Place) -> Reporter:
    return Reporter(app, place)


def case_ids(app: Flask) -> list[str]:
    """Every case id in the database."""
    import sqlalchemy as sa

    from feedback.models import Deviation

    with app.app_context():
        return list(db.session.scalars(sa.select(Deviation.id).order_by(Deviation.id)))


def days_ago(days: int) -> date:
    return today() - timedelta(days=days)
