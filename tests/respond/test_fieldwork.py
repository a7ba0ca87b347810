"""Running a round through HTTP: links and posters, tokens, access codes, the kiosk start,
paper entry, the fieldwork count and the printable paper questionnaire."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from feedback.extensions import db
from feedback.models import AccessCode, Answer, AuditEvent, Organisation, Response, SurveyRound
from feedback.respond import services
from tests import factories
from tests.conftest import csrf_token, login, post_form
from tests.respond.conftest import Respondent, Survey, make_round
from tests.shared import publish_now

CODE_SHOWN = re.compile(r'class="card__code">([A-Z0-9]{4}-[A-Z0-9]{4})<')
FORM_TOKEN = re.compile(r'name="skjema" value="([^"]+)"')
TYPABLE = set("abcdefghjkmnpqrstuvwxyz23456789")


# --- helpers -----------------------------------------------------------------------------------


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


# --- links and posters -------------------------------------------------------------------------


def test_links_page_lists_the_general_link_and_one_per_unit(
    app: Flask, kari: FlaskClient, survey: Survey
) -> None:
    response = kari.get(f"/skjema/{survey.round_id}/lenker")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<code class="url">http://localhost/s/{survey.token}</code>' in html
    for name, unit_id in survey.units.items():
        assert f"http://localhost/s/{survey.token}/{unit_id}</code>" in html
        assert name in html
        assert f"/skjema/{survey.round_id}/plakat/{unit_id}" in html
    assert len(re.findall(rf"/s/{survey.token}/\d+<", html)) == len(survey.units)
    # The general link itself works for a respondent.
    assert kari.get(f"/s/{survey.token}", follow_redirects=True).status_code == 200


def test_posters_hold_a_qr_code_and_the_exact_address(
    app: Flask, kari: FlaskClient, survey: Survey
) -> None:
    general = kari.get(f"/skjema/{survey.round_id}/plakat")
    html = general.get_data(as_text=True)
    assert general.status_code == 200
    assert re.search(r'<svg [^>]*class="qr"', html)
    assert f'<p class="poster__url">localhost/s/{survey.token}</p>' in html
    assert "print.css" in html

    unit_id = survey.units["Aktivitetshuset"]
    poster = kari.get(f"/skjema/{survey.round_id}/plakat/{unit_id}?sprak=en")
    html = poster.get_data(as_text=True)
    assert poster.status_code == 200
    assert re.search(r'<svg [^>]*class="qr"', html)
    assert f'<p class="poster__url">localhost/s/{survey.token}/{unit_id}</p>' in html
    assert '<p class="poster__unit">Aktivitetshuset</p>' in html
    assert "Your opinion counts" in html
    assert "User survey 2026" in html

    nynorsk = kari.get(f"/skjema/{survey.round_id}/plakat?sprak=nn").get_data(as_text=True)
    assert "Brukarundersøking 2026" in nynorsk


def test_poster_for_a_unit_elsewhere_is_not_found(
    app: Flask, kari: FlaskClient, survey: Survey, people: dict[str, int]
) -> None:
    foreign = other_org_unit(app, people)
    assert kari.get(f"/skjema/{survey.round_id}/plakat/{foreign}").status_code == 404
    assert kari.get(f"/skjema/{survey.round_id}/plakat/999999").status_code == 404


# Managers, administrators and the other organisation: see the authorization matrix
# (tests/test_authorization.py).
@pytest.mark.parametrize(("email", "status"), [("ingen@example.no", 404)])
def test_who_may_see_links_and_posters(
    app: Flask, survey: Survey, people: dict[str, int], email: str, status: int
) -> None:
    client = signed_in(app, email)
    unit_id = survey.units["Ruspoliklinikken"]
    assert client.get(f"/skjema/{survey.round_id}/lenker").status_code == status
    assert client.get(f"/skjema/{survey.round_id}/plakat").status_code == status
    assert client.get(f"/skjema/{survey.round_id}/plakat/{unit_id}").status_code == status


@pytest.mark.parametrize("status", ["draft", "closed", "archived"])
def test_links_wait_for_a_running_round(
    app: Flask, kari: FlaskClient, survey: Survey, status: str
) -> None:
    set_status(app, survey.round_id, status)
    for page in ("lenker", "plakat", "kiosk", "koder"):
        response = kari.get(f"/skjema/{survey.round_id}/{page}")
        assert response.status_code == 302, page
        assert response.location.endswith(f"/skjema/{survey.round_id}"), page


def test_links_are_ready_while_awaiting_approval(
    app: Flask, kari: FlaskClient, survey: Survey
) -> None:
    set_status(app, survey.round_id, "awaiting_approval")
    response = kari.get(f"/skjema/{survey.round_id}/lenker")
    assert response.status_code == 200
    assert f"/s/{survey.token}" in response.get_data(as_text=True)


# --- public tokens -----------------------------------------------------------------------------


def test_rounds_get_different_typable_tokens(app: Flask, survey: Survey) -> None:
    second = new_round(app, survey, "open")
    with app.app_context():
        first_token = db.session.get(SurveyRound, survey.round_id).public_token  # type: ignore[union-attr]
        second_token = db.session.get(SurveyRound, second).public_token  # type: ignore[union-attr]
    assert first_token == survey.token
    assert first_token != second_token
    for token in (first_token, second_token):
        assert len(token) == 12
        assert set(token) <= TYPABLE, token
        assert not set(token) & set("01ilo")


# --- access codes ------------------------------------------------------------------------------


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
        stored = {services.show_code(c.code) for c in codes}
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


# --- kiosk -------------------------------------------------------------------------------------


def test_starting_the_kiosk_here_signs_the_member_out(
    app: Flask, kari: FlaskClient, survey: Survey
) -> None:
    url = f"/skjema/{survey.round_id}/kiosk"
    assert kari.get(url).status_code == 200
    response = post_form(kari, url, {"unit": "", "idle_seconds": "90", "where": "here"})
    assert response.status_code == 303
    assert re.search(r"/kiosk/[^/]+$", response.location)
    assert audit_events(app, "round.kiosk") == [{"unit": None, "idle_seconds": 90}]

    # The tablet no longer reaches the group's pages.
    after = kari.get(f"/skjema/{survey.round_id}/lenker")
    assert after.status_code == 302 and "/logg-inn" in after.location
    assert kari.get(url).status_code == 302

    # The kiosk itself works without a sign-in and lets each person choose the unit.
    kiosk = kari.get(response.location, follow_redirects=True)
    html = kiosk.get_data(as_text=True)
    assert kiosk.status_code == 200
    assert 'data-kiosk-idle="90"' in html
    assert 'id="answer-form"' in html and 'name="enhet"' in html
    assert "kiosk.js" in html


def test_showing_the_kiosk_address_for_another_device(
    app: Flask, kari: FlaskClient, survey: Survey
) -> None:
    url = f"/skjema/{survey.round_id}/kiosk"
    unit_id = survey.units["Aktivitetshuset"]
    response = post_form(kari, url, {"unit": str(unit_id), "idle_seconds": "300", "where": "other"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    match = re.search(r'<code class="url">http://localhost(/kiosk/[^<]+)</code>', html)
    assert match, html
    assert re.search(r'<svg [^>]*class="qr"', html)
    assert audit_events(app, "round.kiosk") == [{"unit": "Aktivitetshuset", "idle_seconds": 300}]
    # Still signed in.
    assert kari.get(f"/skjema/{survey.round_id}/lenker").status_code == 200
    # The address opens the kiosk for that unit.
    kiosk = app.test_client().get(match.group(1), follow_redirects=True).get_data(as_text=True)
    assert 'data-kiosk-idle="300"' in kiosk
    assert "Aktivitetshuset" in kiosk and 'name="enhet"' not in kiosk


@pytest.mark.parametrize("typed", ["5", "29", "1801", "5000", "abc"])
def test_a_bad_idle_time_is_refused_next_to_the_field(
    app: Flask, survey: Survey, people: dict[str, int], typed: str
) -> None:
    client = english(app, "kari@example.no")
    url = f"/skjema/{survey.round_id}/kiosk"
    response = post_form(client, url, {"unit": "", "idle_seconds": typed, "where": "here"})
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 400)
    message = field_error(html, "idle_seconds")
    assert message, html
    if typed != "abc":
        assert "30" in message and "1800" in message
    assert re.search(rf'<input[^>]*id="idle_seconds"[^>]*value="{typed}"', html)
    assert 'class="ds-error-summary error-summary"' in html
    assert audit_events(app, "round.kiosk") == []
    # Nobody was signed out.
    assert client.get(f"/skjema/{survey.round_id}/lenker").status_code == 200


def test_kiosk_for_a_unit_elsewhere_is_refused(
    app: Flask, kari: FlaskClient, survey: Survey, people: dict[str, int]
) -> None:
    foreign = other_org_unit(app, people)
    response = post_form(
        kari,
        f"/skjema/{survey.round_id}/kiosk",
        {"unit": str(foreign), "idle_seconds": "120", "where": "other"},
    )
    html = response.get_data(as_text=True)
    assert field_error(html, "unit")
    assert "/kiosk/" not in html
    assert audit_events(app, "round.kiosk") == []


# Managers and the other organisation: see the authorization matrix.
@pytest.mark.parametrize("email", ["ingen@example.no"])
def test_only_the_quality_group_starts_a_kiosk(
    app: Flask, survey: Survey, people: dict[str, int], email: str
) -> None:
    client = signed_in(app, email)
    assert client.get(f"/skjema/{survey.round_id}/kiosk").status_code == 404


def test_a_forged_kiosk_key_is_not_found(app: Flask, client: FlaskClient, survey: Survey) -> None:
    assert client.get("/kiosk/not-a-key").status_code == 404
    with app.app_context():
        round_ = db.session.get(SurveyRound, survey.round_id)
        key = services.kiosk_key(round_, None, 60)  # type: ignore[arg-type]
    assert client.get(f"/kiosk/{key}", follow_redirects=True).status_code == 200
    assert client.get(f"/kiosk/{key[:-2]}xy").status_code == 404


# --- paper entry -------------------------------------------------------------------------------

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


# --- fieldwork count ---------------------------------------------------------------------------


def test_fieldwork_counts_per_unit_and_channel(
    app: Flask, kari: FlaskClient, survey: Survey, people: dict[str, int]
) -> None:
    respondent = app.test_client()
    for _ in range(2):
        walk(respondent, survey.unit_link("Aktivitetshuset"), {})
    walk(respondent, survey.link, {"enhet": "ingen"})
    url = f"/skjema/{survey.round_id}/registrer"
    paper_unit = survey.units["Ruspoliklinikken"]
    entered = post_entry(
        kari, url, [*entry_form(kari, url).items(), ("enhet", str(paper_unit)), *FILLED]
    )
    assert entered.status_code == 302
    # The counts are those of the published results: nothing until a publication.
    assert kari.get(f"/skjema/{survey.round_id}/feltarbeid.json").get_json()["total"] == 0
    with app.app_context():
        publish_now(survey.round_id)

    data = kari.get(f"/skjema/{survey.round_id}/feltarbeid.json").get_json()
    assert data["total"] == 4
    assert data["by_channel"] == {"link": 1, "unit_link": 2, "kiosk": 0, "code": 0, "paper": 1}
    rows = {row["unit"]: (row["counts"], row["total"]) for row in data["rows"]}
    zero = dict.fromkeys(("link", "unit_link", "kiosk", "code", "paper"), 0)
    assert rows == {
        "Aktivitetshuset": ({**zero, "unit_link": 2}, 2),
        "Ruspoliklinikken": ({**zero, "paper": 1}, 1),
        None: ({**zero, "link": 1}, 1),
    }

    # The table shows the same numbers: channels link, unit link, kiosk, code, paper, total.
    kari.set_cookie("sprak", "en")
    page = kari.get(f"/skjema/{survey.round_id}/feltarbeid")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    table = table_rows(html)
    assert table["Aktivitetshuset"] == [0, 2, 0, 0, 0, 2]
    assert table["Ruspoliklinikken"] == [0, 0, 0, 0, 1, 1]
    assert table["Not given"] == [1, 0, 0, 0, 0, 1]
    assert table["In all"] == [1, 2, 0, 0, 1, 4]
    assert list(table) == ["Aktivitetshuset", "Ruspoliklinikken", "Not given", "In all"]
    assert re.search(r'class="big-number"[^>]*><strong>4</strong>', html)
    # Counts only: no answer text reaches the page.
    assert "Jeg møter folk." not in html and "Trygt" not in html

    # A manager sees the round's total as results show it: 4 is fewer than k (5).
    leder = signed_in(app, "leder@example.no")
    assert leder.get(f"/skjema/{survey.round_id}/feltarbeid").status_code == 200
    assert leder.get(f"/skjema/{survey.round_id}/feltarbeid.json").get_json()["total"] is None
    for email in ("nabo@example.no", "ingen@example.no"):
        other = signed_in(app, email)
        assert other.get(f"/skjema/{survey.round_id}/feltarbeid").status_code == 404
        assert other.get(f"/skjema/{survey.round_id}/feltarbeid.json").status_code == 404


def test_an_empty_round_counts_zero_with_every_unit_listed(
    app: Flask, kari: FlaskClient, survey: Survey
) -> None:
    data = kari.get(f"/skjema/{survey.round_id}/feltarbeid.json").get_json()
    assert data["total"] == 0
    assert sorted(row["unit"] for row in data["rows"]) == sorted(survey.units)
    assert all(row["total"] == 0 for row in data["rows"])


# --- the paper questionnaire -------------------------------------------------------------------


def test_paper_version_shows_every_question_and_answer(
    app: Flask, kari: FlaskClient, survey: Survey
) -> None:
    response = kari.get(f"/skjema/{survey.round_id}/papir")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "print.css" in html
    assert "<h1>Brukerundersøkelse 2026</h1>" in html
    with app.app_context():
        round_ = db.session.get(SurveyRound, survey.round_id)
        assert round_ is not None
        texts = [q.text["nb"] for q in round_.questions]
    assert len(texts) == 7
    for number, text in enumerate(texts, start=1):
        assert f"<strong>{number}.</strong> {text}" in html
    for label in ("God", "Dårlig", "Tur", "Matlaging", "Kunst"):
        assert f'<span class="paper__box"></span> {label}</li>' in html
    # The scale's values, the yes/no boxes and the "don't know" box.
    assert re.search(r'paper__choices--row">\s*<li><span class="paper__box"></span> 1', html)
    assert 'class="paper__dk"' in html
    assert html.count('class="paper__lines paper__lines--long"') == 1
    assert html.count('class="paper__lines paper__lines--short"') == 1
    assert html.count('class="paper__box-number"') == 1
    # Question 3 depends on question 2: the hint names both.
    block = html.split("<strong>3.</strong>", 1)[1].split('class="paper__question"', 1)[0]
    assert 'class="paper__hint"' in block and " 2." in block

    english_html = kari.get(f"/skjema/{survey.round_id}/papir?sprak=en").get_data(as_text=True)
    assert "User survey 2026" in english_html
    assert "Do you attend a group?" in english_html
    assert "Answer only if you answered “Yes” to question 2." in english_html
    assert '<span class="paper__box"></span> Yes</li>' in english_html
    assert '<span class="paper__box"></span> No</li>' in english_html
    assert "You may cross several boxes." in english_html
    assert re.search(r"paper__dk.*Don(&#39;|')t know / Not applicable", english_html)


@pytest.mark.parametrize(
    ("email", "status"),
    [("leder@example.no", 200), ("nabo@example.no", 404), ("ingen@example.no", 404)],
)
def test_who_may_print_the_paper_version(
    app: Flask, survey: Survey, people: dict[str, int], email: str, status: int
) -> None:
    client = signed_in(app, email)
    assert client.get(f"/skjema/{survey.round_id}/papir").status_code == status
