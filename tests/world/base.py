"""The one test world's places, people, rounds, answers and the public side (see the
package docstring, tests/world/__init__.py)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.api_keys import services as api_services
from feedback.designer import services as designer
from feedback.deviations import categories as deviations
from feedback.extensions import db
from feedback.models import (
    ActionPoint,
    Deviation,
    Evaluation,
    Organisation,
    ResponseTally,
    SurveyRound,
    SurveySeries,
    Unit,
    User,
)
from feedback.models.base import today
from feedback.models.results import NO_UNIT
from feedback.respond import services as respond
from tests import factories
from tests.conftest import login
from tests.shared import publish_now

# --- questionnaires ------------------------------------------------------------------------------


__all__ = [
    "Api",
    "date_question",
    "date_questionnaire",
    "open_round",
    "FULL_WALK",
    "PEOPLE",
    "Person",
    "Place",
    "RECEIPT",
    "Reporter",
    "SKJEMA",
    "Survey",
    "UNITS",
    "add_evaluation_rounds",
    "build_place",
    "case_ids",
    "days_ago",
    "document",
    "likert",
    "make_evaluation",
    "make_point",
    "make_round",
    "make_token",
    "people_ids",
    "questionnaire",
    "report_data",
    "signed_in",
    "store_many",
    "store_response",
]


def likert(key: str, text: str = "Jeg blir lyttet til.", **extra: Any) -> dict[str, Any]:
    """A five-point agreement question with "don't know"."""
    return {
        "key": key,
        "type": "likert",
        "text": {"nb": text},
        "required": False,
        "dont_know": True,
        **extra,
    }


def document(*pages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A questionnaire document with these pages of questions."""
    return {
        "format": "brukerstemmen.questionnaire",
        "version": 1,
        "title": {"nb": "Brukerundersøkelse"},
        "pages": [{"questions": list(questions)} for questions in pages],
        **extra,
    }


def questionnaire() -> dict[str, Any]:
    """Three pages. Page 1: a required scale and a yes/no. Page 2: a long text shown only after
    "yes" on page 1, and a single choice. Page 3: a number from 16 to 99, a multiple choice and
    a short text with a 20-character limit."""
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


#: Answers that walk the whole questionnaire through the conditional question.
FULL_WALK = [
    {"enhet": None, "q-listened": "4", "q-group": "yes"},
    {"q-why": "Jeg møter folk.", "q-food": "good"},
    {"q-age": "34", "q-activities": ["walk", "art"], "q-word": "Trygt"},
]


# --- the place -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    #: The role in Fjordvik kommune (None: no membership there).
    role: str | None = None
    representation: str | None = None
    #: The unit a manager manages (and every unit below it).
    unit: str | None = None
    active: bool = True
    #: The role in Nabokommunen instead.
    other_role: str | None = None


#: Everyone in the world, by key.
PEOPLE: dict[str, Person] = {
    "kari": Person("kari@example.no", "Kari", "quality"),
    "fag": Person("fag@example.no", "Fatima", "quality", representation="professional"),
    "leder": Person("leder@example.no", "Lars Leder", "manager", unit="Psykisk helse"),
    "rusleder": Person("rusleder@example.no", "Rut Rusleder", "manager", unit="Rusteamet"),
    "admin": Person("admin@example.no", "Ada", "admin"),
    "gone": Person("gone@example.no", "Gunnar Sluttet", "quality", active=False),
    "nabo": Person("nabo@example.no", "Nabo", other_role="quality"),
    "norole": Person("ingen@example.no", "Ingen"),
}

#: Fjordvik kommune's units: (name, parent, kind), parents first.
UNITS = (
    ("Psykisk helse", None, "service_area"),
    ("Solsiden", "Psykisk helse", "housing"),
    ("Møteplassen", "Psykisk helse", "activity_centre"),
    ("Rusteamet", None, "substance_team"),
    ("Døra", "Rusteamet", "outpatient"),
)


@dataclass
class Place:
    """Ids of the world (and of what an area added to it)."""

    org: int
    slug: str
    other_org: int
    other_slug: str
    #: Unit ids by name (see UNITS).
    units: dict[str, int]
    #: Nabokommunen's unit.
    other_unit: int
    #: Fjordvik kommune's deviation category ids, in form order (the defaults).
    categories: list[int]
    #: Person ids by key (see PEOPLE).
    people: dict[str, int] = field(default_factory=dict)
    #: Rounds an area added, by name.
    rounds: dict[str, int] = field(default_factory=dict)
    #: The results tests' open round, its question ids by key, and the other organisation's.
    round_id: int = 0
    questions: dict[str, int] = field(default_factory=dict)
    other_round_id: int = 0

    def url(self, suffix: str = "", round_id: int | None = None) -> str:
        """A results address of the round (``round_id``, else the results round)."""
        return f"/resultater/{round_id or self.round_id}{suffix}"


def build_place(
    units: Iterable[tuple[str, str | None, str]] = UNITS, people: Iterable[str] = tuple(PEOPLE)
) -> Place:
    """Build the world (see the module docstring) and commit. Call inside an app context.

    ``units`` replaces Fjordvik kommune's unit tree (``()``: no units; a manager whose unit is
    not there manages nothing), for tests whose rounds bring units of their own; ``people``
    keeps only these keys of PEOPLE, for tests that need the other addresses to be unknown."""
    org = factories.organisation("Fjordvik kommune", "fjordvik")
    other = factories.organisation("Nabokommunen", "nabo")
    deviations.add_default_categories(org)
    deviations.add_default_categories(other)
    by_name: dict[str, Unit] = {}
    for name, parent, kind in units:
        by_name[name] = factories.unit(
            org, name, parent=by_name[parent] if parent else None, kind=kind
        )
    other_unit = factories.unit(other, "Nabohuset")
    ids = {}
    for key in people:
        person = PEOPLE[key]
        home = other if person.other_role else org
        ids[key] = factories.user(
            person.email,
            org=home if (person.role or person.other_role) else None,
            role=person.role or person.other_role,
            representation=person.representation,
            units=[by_name[person.unit]] if person.unit in by_name else [],
            name=person.name,
            active=person.active,
        ).id
    categories = [c.id for c in deviations.categories(org)]
    db.session.commit()
    return Place(
        org=org.id,
        slug=org.slug,
        other_org=other.id,
        other_slug=other.slug,
        units={name: unit.id for name, unit in by_name.items()},
        other_unit=other_unit.id,
        categories=categories,
        people=ids,
    )


def signed_in(app: Flask, who: str) -> FlaskClient:
    """A new client signed in as this person (a key of PEOPLE, or an e-mail address)."""
    client = app.test_client()
    response = login(client, PEOPLE[who].email if who in PEOPLE else who)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


# --- rounds and answers --------------------------------------------------------------------------


def make_round(
    org: Organisation, status: str = "open", doc: dict[str, Any] | None = None
) -> SurveyRound:
    """A round (a new series) with this questionnaire (``questionnaire()`` unless given), in
    this status; commits."""
    round_ = designer.create_round(org, None, doc or questionnaire(), source="test")
    round_.status = status
    db.session.commit()
    return round_


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
    db.session.commit()
    if publish:
        publish_now(round_id)


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
        publish_now(round_id)


# --- API keys ----------------------------------------------------------------------------------


def make_token(app: Flask, person: int, org: int, name: str = "Power BI") -> str:
    """A personal API key of this person in this organisation; returns the secret."""
    with app.app_context():
        user = db.session.get(User, person)
        organisation = db.session.get(Organisation, org)
        assert user is not None and organisation is not None
        _token, secret = api_services.create_token(user, organisation, name)
        db.session.commit()
        return secret


# --- a date question ------------------------------------------------------------------------


def date_question(key: str = "visit", **extra: Any) -> dict[str, Any]:
    """A date question with "don't know" (the date type's tests and browser test)."""
    return {
        "key": key,
        "type": "date",
        "text": {"nb": "Når var du sist på avdelingen?", "en": "When were you last here?"},
        "required": False,
        "dont_know": True,
        **extra,
    }


def date_questionnaire(*questions: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": "brukerstemmen.questionnaire",
        "version": 1,
        "title": {"nb": "Besøk"},
        "pages": [{"questions": list(questions) or [date_question()]}],
    }


def open_round(document: dict[str, Any] | None = None) -> SurveyRound:
    """An open round of this document (default: one date question) in a new organisation."""
    org = factories.organisation()
    round_ = designer.create_round(org, None, document or date_questionnaire(), source="test")
    round_.status = "open"
    db.session.commit()
    return round_


class Api:
    """A program calling the API: no cookies, a bearer token per call."""

    def __init__(self, app: Flask) -> None:
        self.client: FlaskClient = app.test_client(use_cookies=False)

    def get(self, path: str, token: str | None, **params: Any):  # type: ignore[no-untyped-def]
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return self.client.get(f"/api/v1{path}", headers=headers, query_string=params)

    def json(self, path: str, token: str, **params: Any) -> Any:
        response = self.get(path, token, **params)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "application/json"
        return response.get_json()


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app)


# --- the evaluation ----------------------------------------------------------------------------


def _series_round(
    series: SurveySeries, number: int, status: str, title: str, **values: Any
) -> SurveyRound:
    round_ = SurveyRound(series=series, number=number, status=status, title={"nb": title}, **values)
    db.session.add(round_)
    db.session.flush()
    return round_


def _responses(round_: SurveyRound, n: int) -> None:
    db.session.add(ResponseTally(round_id=round_.id, unit_key=NO_UNIT, channel="link", n=n))


def add_evaluation_rounds(place: Place) -> Place:
    """Add the evaluation's rounds to the world's place (``place.rounds``): "main" (closed, 12
    responses), "few" (closed, 3 responses, below k = 5), "draft" (no results), "other"
    (another organisation's). Commits; call inside an app context."""
    series = SurveySeries(organisation_id=place.org)
    db.session.add(series)
    db.session.flush()
    main = _series_round(
        series,
        1,
        "closed",
        "Brukerundersøkelse 2025",
        opened_at=datetime(2025, 3, 1, tzinfo=UTC),
        closed_at=datetime(2025, 4, 1, tzinfo=UTC),
        closes_on=date(2025, 3, 31),
    )
    few = _series_round(
        series,
        2,
        "closed",
        "Brukerundersøkelse 2026",
        opened_at=datetime(2026, 3, 1, tzinfo=UTC),
        closes_on=date(2026, 3, 31),
    )
    draft = _series_round(series, 3, "draft", "Utkast")
    other_series = SurveySeries(organisation_id=place.other_org)
    db.session.add(other_series)
    db.session.flush()
    other_round = _series_round(other_series, 1, "closed", "Naboundersøkelse")
    _responses(main, 12)
    _responses(few, 3)
    _responses(other_round, 20)
    db.session.commit()
    place.rounds = {"main": main.id, "few": few.id, "draft": draft.id, "other": other_round.id}
    return place


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


# --- the public deviation pages ------------------------------------------------------------------

SKJEMA = re.compile(r'name="skjema" type="hidden" value="([^"]+)"')
RECEIPT = re.compile(r'class="receipt__code"[^>]*>([^<]+)<')


def report_data(place: Place, **overrides: Any) -> dict[str, str]:
    """A complete, valid deviation report form (without the one-time token)."""
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
    """Someone using the public deviation pages: a fresh client that keeps no cookies (one-time
    form tokens, the receipt code in POST bodies)."""

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


def case_ids(app: Flask) -> list[str]:
    """Every deviation case id in the database."""
    with app.app_context():
        return list(db.session.scalars(sa.select(Deviation.id).order_by(Deviation.id)))


def days_ago(days: int) -> date:
    return today() - timedelta(days=days)


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def place(app: Flask) -> Place:
    """The world, built (an area's conftest may override this to add its rounds)."""
    with app.app_context():
        return build_place()


@pytest.fixture
def reporter(app: Flask, place: Place) -> Reporter:
    return Reporter(app, place)


def people_ids(place: Place) -> dict[str, int]:
    """The place's ids as one dict: "org", "other_org" and every person's key."""
    return {"org": place.org, "other_org": place.other_org, **place.people}


@pytest.fixture
def people(app: Flask) -> dict[str, int]:
    """The world without its unit tree (``build_place(units=())``), as ``people_ids``: for the
    designer and answering tests, whose rounds bring their own units."""
    with app.app_context():
        return people_ids(build_place(units=()))


@pytest.fixture
def kari(client: FlaskClient, people: dict[str, int]) -> FlaskClient:
    """The ``client``, signed in as Kari, a user representative in the quality group."""
    login(client, PEOPLE["kari"].email)
    return client


@dataclass
class Survey:
    """An open round with ``questionnaire()`` and the units it is answered at."""

    round_id: int
    token: str
    org_id: int
    units: dict[str, int] = field(default_factory=dict)

    @property
    def link(self) -> str:
        return f"/s/{self.token}"

    def unit_link(self, name: str) -> str:
        return f"/s/{self.token}/{self.units[name]}"


@pytest.fixture
def survey(app: Flask, people: dict[str, int]) -> Survey:
    """An open round in Fjordvik kommune, answered at two units of its own (Aktivitetshuset
    and Ruspoliklinikken)."""
    with app.app_context():
        org = db.session.get(Organisation, people["org"])
        assert org is not None
        units = {
            "Aktivitetshuset": factories.unit(org, "Aktivitetshuset").id,
            "Ruspoliklinikken": factories.unit(org, "Ruspoliklinikken").id,
        }
        round_ = make_round(org)
        return Survey(round_.id, round_.public_token, org.id, units)
