"""Helpers for the fieldwork tests (links, posters, codes, kiosk, paper entry and counts),
built on the one test world (tests/world/)."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from feedback.extensions import db
from feedback.models import AuditEvent, Organisation, SurveyRound
from tests import factories
from tests.conftest import csrf_token, login
from tests.world import Respondent, Survey, make_round

CODE_SHOWN = re.compile(r'class="card__code">([A-Z0-9]{4}-[A-Z0-9]{4})<')
FORM_TOKEN = re.compile(r'name="skjema" value="([^"]+)"')
TYPABLE = set("abcdefghjkmnpqrstuvwxyz23456789")


def signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    login(client, email)
    return client


def english(app: Flask, email: str) -> FlaskClient:
    """A signed-in client that chose English, so messages can be matched exactly."""
    client = signed_in(app, email)
    client.set_cookie("sprak", "en")
    return client


def count(app: Flask, model: type, *where: Any) -> int:
    with app.app_context():
        stmt = sa.select(sa.func.count()).select_from(model)
        if where:
            stmt = stmt.where(*where)
        return db.session.scalar(stmt) or 0


def audit_events(app: Flask, action: str) -> list[dict[str, Any]]:
    with app.app_context():
        return [
            dict(e.details or {})
            for e in db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        ]


def set_status(app: Flask, round_id: int, status: str) -> None:
    with app.app_context():
        round_ = db.session.get(SurveyRound, round_id)
        assert round_ is not None
        round_.status = status
        db.session.commit()


def new_round(app: Flask, survey: Survey, status: str) -> int:
    with app.app_context():
        org = db.session.get(Organisation, survey.org_id)
        assert org is not None
        return make_round(org, status).id


def other_org_unit(app: Flask, people: dict[str, int]) -> int:
    with app.app_context():
        org = db.session.get(Organisation, people["other_org"])
        assert org is not None
        unit = factories.unit(org, "Naboenheten")
        db.session.commit()
        return unit.id


def field_error(html: str, field_id: str) -> str:
    """The error message shown next to a field (empty when there is none)."""
    match = re.search(
        rf'<p class="ds-validation-message error-message" id="{re.escape(field_id)}-error">'
        r"(.*?)</p>",
        html,
        re.S,
    )
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def entry_form(client: FlaskClient, url: str) -> dict[str, str]:
    """The hidden fields of the paper entry page: CSRF and the one-time form token."""
    html = client.get(url).get_data(as_text=True)
    token = FORM_TOKEN.search(html)
    assert token, "no form token on the entry page"
    return {"csrf_token": csrf_token(client, url), "skjema": token.group(1)}


def post_entry(client: FlaskClient, url: str, data: list[tuple[str, str]], **kwargs: Any) -> Any:
    return client.post(url, data=MultiDict(data), **kwargs)


def walk(client: FlaskClient, url: str, first: dict[str, Any]) -> Any:
    """Answer the questionnaire at ``url`` with "no" to the group question (so page 2 has only
    the food question); returns the last response (the redirect to the thank-you page)."""
    respondent = Respondent(client, url).start()
    assert respondent.response.status_code == 200
    respondent.send({"q-listened": "3", "q-group": "no", **first})
    assert "q-food" in respondent.html and "q-why" not in respondent.html
    respondent.send({"q-food": "bad"})
    response = respondent.send({"q-age": "50"})
    assert response.status_code == 303, respondent.html
    return response


def table_rows(html: str) -> dict[str, list[int]]:
    """The fieldwork table: row heading -> the numbers in that row."""
    rows = {}
    for heading, cells in re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', html, re.S):
        rows[heading.strip()] = [int(n) for n in re.findall(r">(\d+)<", cells)]
    return rows


FILLED = [
    ("q-listened", "4"),
    ("q-group", "yes"),
    ("q-why", "Jeg møter folk."),
    ("q-food", "good"),
    ("q-age", "34"),
    ("q-activities", "walk"),
    ("q-activities", "art"),
    ("q-word", "Trygt"),
]
