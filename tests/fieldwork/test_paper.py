"""Entering filled paper questionnaires: stored once, checked like answers online."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import Answer, Response
from tests.conftest import csrf_token
from tests.fieldwork.conftest import (
    FILLED,
    FORM_TOKEN,
    count,
    entry_form,
    field_error,
    other_org_unit,
    post_entry,
    set_status,
    signed_in,
)
from tests.world import Survey


def test_a_filled_paper_form_is_stored_once(app: Flask, kari: FlaskClient, survey: Survey) -> None:
    kari.set_cookie("sprak", "en")  # the message after saving is made in English
    url = f"/skjema/{survey.round_id}/registrer"
    unit_id = survey.units["Ruspoliklinikken"]
    hidden = entry_form(kari, url)
    data = [*hidden.items(), ("enhet", str(unit_id)), *FILLED]
    response = post_entry(kari, url, data)
    assert response.status_code == 302
    assert response.location.endswith(f"{url}?enhet={unit_id}")
    with app.app_context():
        stored = db.session.scalars(sa.select(Response)).one()
        assert stored.channel == "paper"
        assert stored.unit_id == unit_id
        answers = {
            (a.question.key, a.value)
            for a in db.session.scalars(sa.select(Answer).where(Answer.response_id == stored.id))
        }
    assert answers == {(k.removeprefix("q-"), v) for k, v in FILLED}

    # The next page keeps the unit chosen, says how many are entered and has a new token.
    page = kari.get(response.location)
    html = page.get_data(as_text=True)
    assert f'<option value="{unit_id}" selected>' in html
    assert "Saved. You have entered 1 paper questionnaire this time." in html
    assert FORM_TOKEN.search(html).group(1) != hidden["skjema"]  # type: ignore[union-attr]

    # The same form sent again (double Enter, reload) stores nothing more.
    again = post_entry(kari, url, data)
    assert again.status_code == 302
    assert count(app, Response) == 1


def test_paper_answers_need_not_be_complete(app: Flask, kari: FlaskClient, survey: Survey) -> None:
    url = f"/skjema/{survey.round_id}/registrer"
    response = post_entry(
        kari, url, [*entry_form(kari, url).items(), ("enhet", ""), ("q-food", "bad")]
    )
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.scalars(sa.select(Response)).one()
        assert stored.channel == "paper" and stored.unit_id is None
        assert [(a.question.key, a.value) for a in stored.answers] == [("food", "bad")]


def test_an_empty_paper_form_is_refused(app: Flask, kari: FlaskClient, survey: Survey) -> None:
    url = f"/skjema/{survey.round_id}/registrer"
    response = post_entry(kari, url, [*entry_form(kari, url).items(), ("enhet", "")])
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="ds-error-summary error-summary"' in html
    assert count(app, Response) == 0


def test_answering_a_question_whose_condition_is_not_met_is_pointed_out(
    app: Flask, kari: FlaskClient, survey: Survey
) -> None:
    url = f"/skjema/{survey.round_id}/registrer"
    unit_id = survey.units["Aktivitetshuset"]
    data = [
        *entry_form(kari, url).items(),
        ("enhet", str(unit_id)),
        ("q-listened", "2"),
        ("q-group", "no"),
        ("q-why", "Skrevet likevel"),
        ("q-food", "good"),
    ]
    response = post_entry(kari, url, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(html, "q-why")
    assert not field_error(html, "q-food")
    assert 'href="#q-why"' in html
    # Everything typed is kept, the unit too.
    assert ">Skrevet likevel</textarea>" in html
    assert re.search(r'id="q-group-1" value="no" checked', html)
    assert f'<option value="{unit_id}" selected>' in html
    assert count(app, Response) == 0


def test_a_too_long_paper_answer_is_refused(app: Flask, kari: FlaskClient, survey: Survey) -> None:
    url = f"/skjema/{survey.round_id}/registrer"
    response = post_entry(
        kari, url, [*entry_form(kari, url).items(), ("enhet", ""), ("q-word", "x" * 21)]
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "20" in field_error(html, "q-word")
    assert 'value="' + "x" * 21 + '"' in html
    assert count(app, Response) == 0


def test_a_bad_answer_value_and_a_foreign_unit_are_refused(
    app: Flask, kari: FlaskClient, survey: Survey, people: dict[str, int]
) -> None:
    url = f"/skjema/{survey.round_id}/registrer"
    foreign = other_org_unit(app, people)
    response = post_entry(
        kari, url, [*entry_form(kari, url).items(), ("enhet", str(foreign)), ("q-food", "good")]
    )
    assert response.status_code == 400
    assert 'href="#enhet"' in response.get_data(as_text=True)
    response = post_entry(
        kari, url, [*entry_form(kari, url).items(), ("enhet", ""), ("q-food", "excellent")]
    )
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "q-food")
    assert count(app, Response) == 0


def test_paper_entry_needs_csrf_and_a_good_form_token(
    app: Flask, kari: FlaskClient, survey: Survey
) -> None:
    url = f"/skjema/{survey.round_id}/registrer"
    hidden = entry_form(kari, url)
    no_csrf = post_entry(kari, url, [("skjema", hidden["skjema"]), ("q-food", "good")])
    assert no_csrf.status_code == 400
    forged = post_entry(
        kari, url, [("csrf_token", hidden["csrf_token"]), ("skjema", "forged"), ("q-food", "good")]
    )
    html = forged.get_data(as_text=True)
    assert forged.status_code == 400
    assert 'class="ds-error-summary error-summary"' in html
    # A fresh token comes with the page, and the answer is kept for a second try.
    assert FORM_TOKEN.search(html).group(1) != "forged"  # type: ignore[union-attr]
    assert re.search(r'value="good" checked', html)
    assert count(app, Response) == 0


@pytest.mark.parametrize("status", ["draft", "awaiting_approval", "archived"])
def test_paper_entry_waits_for_an_open_or_closed_round(
    app: Flask, kari: FlaskClient, survey: Survey, status: str
) -> None:
    url = f"/skjema/{survey.round_id}/registrer"
    hidden = entry_form(kari, url)
    set_status(app, survey.round_id, status)
    response = kari.get(url)
    assert response.status_code == 302
    assert response.location.endswith(f"/skjema/{survey.round_id}")
    posted = post_entry(kari, url, [*hidden.items(), ("q-food", "good")])
    assert posted.status_code == 302
    assert count(app, Response) == 0


def test_paper_answers_can_be_entered_after_closing(
    app: Flask, kari: FlaskClient, survey: Survey
) -> None:
    set_status(app, survey.round_id, "closed")
    url = f"/skjema/{survey.round_id}/registrer"
    response = post_entry(kari, url, [*entry_form(kari, url).items(), ("q-food", "good")])
    assert response.status_code == 302
    assert count(app, Response, Response.channel == "paper") == 1


@pytest.mark.parametrize("email", ["leder@example.no", "nabo@example.no", "ingen@example.no"])
def test_only_the_quality_group_enters_paper(
    app: Flask, survey: Survey, people: dict[str, int], email: str
) -> None:
    kari = signed_in(app, "kari@example.no")
    url = f"/skjema/{survey.round_id}/registrer"
    hidden = entry_form(kari, url)
    client = signed_in(app, email)
    assert client.get(url).status_code == 404
    token = csrf_token(client, "/")
    posted = post_entry(client, url, [("csrf_token", token), ("skjema", hidden["skjema"]), *FILLED])
    assert posted.status_code == 404
    assert count(app, Response) == 0
