"""One-time access codes: batches, printable cards, requiring a code, counting used codes."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.codes import show_code
from feedback.extensions import db
from feedback.models import AccessCode, Response, SurveyRound
from feedback.respond import services
from tests.conftest import csrf_token, post_form
from tests.fieldwork.conftest import (
    CODE_SHOWN,
    audit_events,
    count,
    english,
    field_error,
    other_org_unit,
    signed_in,
)
from tests.world import Respondent, Survey


def test_making_codes_creates_a_batch_and_printable_cards(
    app: Flask, kari: FlaskClient, survey: Survey
) -> None:
    url = f"/skjema/{survey.round_id}/koder"
    response = post_form(kari, url, {"count": "25", "unit": ""})
    assert response.status_code == 302
    assert response.location.endswith(f"/skjema/{survey.round_id}/koder/1")
    with app.app_context():
        codes = list(db.session.scalars(sa.select(AccessCode)))
        assert len(codes) == 25
        assert {c.batch for c in codes} == {1}
        assert {c.round_id for c in codes} == {survey.round_id}
        assert not any(c.used for c in codes)
        assert all(c.unit_id is None for c in codes)
        stored = {show_code(c.code) for c in codes}
    cards = kari.get(response.location)
    html = cards.get_data(as_text=True)
    assert cards.status_code == 200
    shown = CODE_SHOWN.findall(html)
    assert len(shown) == 25
    assert set(shown) == stored
    assert len(re.findall(r'<svg [^>]*class="qr"', html)) == 25
    assert '<span class="card__url">localhost/kode</span>' in html
    assert audit_events(app, "round.codes") == [{"batch": 1, "count": 25, "unit": None}]

    # A second batch for one unit gets the next number and its unit.
    unit_id = survey.units["Ruspoliklinikken"]
    response = post_form(kari, url, {"count": "3", "unit": str(unit_id)})
    assert response.location.endswith(f"/skjema/{survey.round_id}/koder/2")
    assert count(app, AccessCode, AccessCode.batch == 2, AccessCode.unit_id == unit_id) == 3
    assert "Ruspoliklinikken" in kari.get(response.location).get_data(as_text=True)
    assert kari.get(f"/skjema/{survey.round_id}/koder/3").status_code == 404


@pytest.mark.parametrize("typed", ["0", "501", "abc", "", "-4"])
def test_a_bad_number_of_codes_is_refused_next_to_the_field(
    app: Flask, survey: Survey, people: dict[str, int], typed: str
) -> None:
    client = english(app, "kari@example.no")
    response = post_form(client, f"/skjema/{survey.round_id}/koder", {"count": typed, "unit": ""})
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 400)
    assert 'class="ds-error-summary error-summary"' in html
    message = field_error(html, "count")
    assert message, html
    assert "1" in message and "500" in message or "Write how many codes" in message
    typed_back = re.search(r'<input[^>]*id="count"[^>]*value="([^"]*)"', html)
    assert (typed_back.group(1) if typed_back else "") == typed
    assert 'aria-invalid="true"' in html
    assert count(app, AccessCode) == 0
    assert audit_events(app, "round.codes") == []


def test_codes_for_a_unit_elsewhere_are_refused(
    app: Flask, kari: FlaskClient, survey: Survey, people: dict[str, int]
) -> None:
    foreign = other_org_unit(app, people)
    response = post_form(
        kari, f"/skjema/{survey.round_id}/koder", {"count": "2", "unit": str(foreign)}
    )
    assert response.status_code in (200, 400)
    assert field_error(response.get_data(as_text=True), "unit")
    assert count(app, AccessCode) == 0


# Managers and the other organisation: see the authorization matrix.
@pytest.mark.parametrize("email", ["ingen@example.no"])
def test_only_the_quality_group_makes_codes(
    app: Flask, survey: Survey, people: dict[str, int], email: str
) -> None:
    maker = signed_in(app, "kari@example.no")
    post_form(maker, f"/skjema/{survey.round_id}/koder", {"count": "2", "unit": ""})
    client = signed_in(app, email)
    token = csrf_token(client, "/")  # the sign-out form: a token good for this session
    base = f"/skjema/{survey.round_id}/koder"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/1").status_code == 404
    assert client.post(base, data={"count": "5", "csrf_token": token}).status_code == 404
    tilgang = client.post(f"{base}/tilgang", data={"requires_code": "y", "csrf_token": token})
    assert tilgang.status_code == 404
    assert count(app, AccessCode) == 2
    with app.app_context():
        assert db.session.get(SurveyRound, survey.round_id).requires_code is False  # type: ignore[union-attr]


def test_requiring_a_code_is_logged_and_turns_links_into_the_code_page(
    app: Flask, kari: FlaskClient, survey: Survey
) -> None:
    public = Respondent(kari, survey.link).start()
    assert 'id="answer-form"' in public.html

    codes_page = f"/skjema/{survey.round_id}/koder"
    response = post_form(kari, f"{codes_page}/tilgang", {"requires_code": "y"}, page=codes_page)
    assert response.status_code == 302 and response.location.endswith(codes_page)
    with app.app_context():
        assert db.session.get(SurveyRound, survey.round_id).requires_code is True  # type: ignore[union-attr]
    assert audit_events(app, "round.code_access") == [{"requires_code": True}]
    for url in (survey.link, survey.unit_link("Aktivitetshuset")):
        html = kari.get(url).get_data(as_text=True)
        assert 'name="kode"' in html, url
        assert 'id="answer-form"' not in html, url
    # The poster says so too.
    poster = kari.get(f"/skjema/{survey.round_id}/plakat?sprak=en").get_data(as_text=True)
    assert "You need a one-time code from a card." in poster

    # Saving the same setting again changes and logs nothing; switching off opens the link.
    post_form(kari, f"{codes_page}/tilgang", {"requires_code": "y"}, page=codes_page)
    assert len(audit_events(app, "round.code_access")) == 1
    post_form(kari, f"{codes_page}/tilgang", {}, page=codes_page)
    assert audit_events(app, "round.code_access") == [
        {"requires_code": True},
        {"requires_code": False},
    ]
    assert 'id="answer-form"' in kari.get(survey.link, follow_redirects=True).get_data(as_text=True)


def test_a_used_code_is_counted_on_the_codes_page(
    app: Flask, kari: FlaskClient, survey: Survey
) -> None:
    codes_page = f"/skjema/{survey.round_id}/koder"
    post_form(kari, f"{codes_page}/tilgang", {"requires_code": "y"}, page=codes_page)
    response = post_form(kari, codes_page, {"count": "5", "unit": ""})
    card = CODE_SHOWN.findall(kari.get(response.location).get_data(as_text=True))[0]

    # A respondent (no session) types the code in lower case with a space.
    respondent = Respondent(app.test_client(), "/kode/svar")
    respondent.response = respondent.client.post(
        "/kode", data={"kode": card.lower().replace("-", " ")}, follow_redirects=True
    )
    respondent.html = respondent.response.get_data(as_text=True)
    assert respondent.response.status_code == 200
    assert 'name="kode"' in respondent.html and 'id="answer-form"' in respondent.html
    respondent.send(
        {"enhet": str(survey.units["Aktivitetshuset"]), "q-listened": "5", "q-group": "no"}
    )
    respondent.send({"q-food": "good"})
    done = respondent.send({})
    assert done.status_code == 303
    assert done.location.endswith(f"/s/{survey.token}/takk?sprak=nb")

    with app.app_context():
        response_row = db.session.scalars(sa.select(Response)).one()
        assert response_row.channel == "code"
        assert response_row.unit_id == survey.units["Aktivitetshuset"]
        code = db.session.get(AccessCode, services.normalise_code(card))
        assert code is not None and code.used
    html = kari.get(codes_page).get_data(as_text=True)
    assert re.search(r'<td class="numeric">5</td><td class="numeric">1</td>', html), html
    # The printed cards do not tell which code was used: that would show who answered.
    cards = kari.get(f"{codes_page}/1").get_data(as_text=True)
    assert cards.count('<li class="card">') == 5
    assert "used" not in cards.split('<ul class="cards">', 1)[1]

    # The same code does not work twice.
    again = app.test_client().post("/kode", data={"kode": card})
    assert again.status_code == 400
    assert count(app, Response) == 1
