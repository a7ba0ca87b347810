"""Units that take answers only with an access code (Unit.codes_only, issue 19): no link, unit
link, unit choice or kiosk stores an answer about such a unit; a code made for the unit does, and
so does paper entry by the quality group."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.fieldwork import services as fieldwork
from feedback.models import Response, Unit
from feedback.respond import services
from tests.conftest import login
from tests.respond.conftest import count, page_form, round_and_unit, stored, walk_pages
from tests.world import TOKEN, Respondent, Survey

NEEDS_CODE = "Dette stedet tar bare imot svar med engangskode."
PLACE = "Ruspoliklinikken"


def at_last_page(
    client: FlaskClient, link: str, unit: str | None
) -> tuple[Respondent, list[dict[str, Any]]]:
    """A respondent who has sent every page but the last (answering the unit question with
    ``unit``, or leaving it out where the link fixes it), and the pages' answers."""
    r = Respondent(client, link).start()
    pages = walk_pages(unit)
    for answers in pages[:-1]:
        assert r.send(answers).status_code == 200
    return r, pages


def codes_only(app: Flask, survey: Survey, on: bool = True) -> None:
    with app.app_context():
        unit = db.session.get(Unit, survey.units[PLACE])
        assert unit is not None
        unit.codes_only = on
        db.session.commit()


def test_the_unit_link_asks_for_a_code_and_a_replayed_form_stores_nothing(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    link = survey.unit_link(PLACE)
    # Someone got to the last page before the unit became codes-only.
    r, pages = at_last_page(client, link, None)
    codes_only(app, survey)
    page = client.get(link)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert NEEDS_CODE in html
    assert 'id="answer-form"' not in html
    assert 'action="/kode"' in html
    # The last page sent now gets the code page: nothing is stored.
    r.send(pages[-1])
    assert NEEDS_CODE in r.html
    assert 'id="answer-form"' not in r.html
    assert count(app, Response) == 0
    # The other unit's link is as before.
    assert 'id="answer-form"' in client.get(
        survey.unit_link("Aktivitetshuset"), follow_redirects=True
    ).get_data(as_text=True)


def test_choosing_a_codes_only_unit_asks_for_a_code(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    codes_only(app, survey)
    r = Respondent(client, survey.link).start()
    first = walk_pages(str(survey.units[PLACE]))[0]
    assert r.send(first).status_code == 400
    assert NEEDS_CODE in r.html
    # A whole questionnaire sent at once with the unit in it stores nothing either.
    r = Respondent(client, survey.link).start()
    pages = walk_pages(str(survey.units["Aktivitetshuset"]))
    for answers in pages[:-1]:
        r.send(answers)
    data = page_form(r, pages[-1], replace={"enhet": str(survey.units[PLACE])})
    refused = client.post(survey.link, data=data)
    assert refused.status_code == 400
    assert NEEDS_CODE in refused.get_data(as_text=True)
    assert count(app, Response) == 0
    # "I would rather not say" and the other unit still work.
    r = Respondent(client, survey.link).start()
    for answers in walk_pages(str(survey.units["Aktivitetshuset"])):
        r.send(answers)
    assert r.response.status_code == 303
    assert [s["unit_id"] for s in stored(app)] == [survey.units["Aktivitetshuset"]]


def test_a_kiosk_for_a_codes_only_unit_asks_for_a_code(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    codes_only(app, survey)
    with app.app_context():
        round_, unit = round_and_unit(survey, PLACE)
        key = services.kiosk_key(round_, unit, 120)
    page = client.get(f"/kiosk/{key}")
    assert NEEDS_CODE in page.get_data(as_text=True)
    assert 'id="answer-form"' not in page.get_data(as_text=True)


def test_only_a_code_made_for_the_unit_answers_about_it(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    codes_only(app, survey)
    with app.app_context():
        round_, unit = round_and_unit(survey, PLACE)
        mine = fieldwork.batch_codes(round_, fieldwork.make_codes(round_, 1, unit))[0].code
        general = fieldwork.batch_codes(round_, fieldwork.make_codes(round_, 1, None))[0].code
        db.session.commit()

    # A code for no unit lets the respondent choose, but not the codes-only unit.
    started = client.post("/kode", data={"kode": general}, follow_redirects=True)
    r = Respondent(client, "/kode/svar")
    r.html = started.get_data(as_text=True)
    assert r.send(walk_pages(str(survey.units[PLACE]))[0]).status_code == 400
    assert NEEDS_CODE in r.html
    assert count(app, Response) == 0

    started = client.post("/kode", data={"kode": mine}, follow_redirects=True)
    r = Respondent(client, "/kode/svar")
    r.html = started.get_data(as_text=True)
    for answers in walk_pages():
        r.send(answers)
    assert r.response.status_code == 303
    [response] = stored(app)
    assert (response["unit_id"], response["channel"]) == (survey.units[PLACE], "code")


def test_store_refuses_without_a_code_made_for_the_unit(app: Flask, survey: Survey) -> None:
    codes_only(app, survey)
    with app.app_context():
        round_, unit = round_and_unit(survey, PLACE)
        other = fieldwork.batch_codes(round_, fieldwork.make_codes(round_, 1, None))[0].code
        db.session.commit()
        answers = {"listened": ["4"]}
        for channel, code in (("link", None), ("unit_link", None), ("kiosk", None)):
            with pytest.raises(services.CodeNeeded):
                services.store(
                    round_, answers, unit=unit, channel=channel, nonce=channel, code=code
                )
        with pytest.raises(services.CodeNeeded):
            services.store(round_, answers, unit=unit, channel="code", nonce="x", code=other)
        # Paper forms are typed in by the quality group: taken.
        services.store(round_, answers, unit=unit, channel="paper", nonce="paper")
        db.session.commit()
        channels = db.session.scalars(sa.select(Response.channel)).all()
    assert channels == ["paper"]


def test_paper_entry_is_taken_for_a_codes_only_unit(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    codes_only(app, survey)
    login(client, "kari@example.no")
    url = f"/skjema/{survey.round_id}/registrer"
    page = client.get(url).get_data(as_text=True)
    token = TOKEN.search(page)
    assert token
    csrf = page.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    response = client.post(
        url,
        data={
            "csrf_token": csrf,
            "skjema": token.group(1),
            "enhet": str(survey.units[PLACE]),
            "q-listened": "4",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    [saved] = stored(app)
    assert (saved["unit_id"], saved["channel"]) == (survey.units[PLACE], "paper")
