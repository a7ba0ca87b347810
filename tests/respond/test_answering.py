"""Anonymous answering through HTTP: the page flow, checks on the server, storing exactly once,
closed rounds, faults, expired forms, anonymity (database, logs, headers), codes and kiosks."""

from __future__ import annotations

import logging
import re
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import itsdangerous
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from feedback.codes import show_code
from feedback.extensions import db
from feedback.fieldwork import services as fieldwork
from feedback.models import (
    AccessCode,
    Answer,
    Organisation,
    Response,
    SurveyRound,
    UsedFormToken,
)
from feedback.models.base import today
from feedback.respond import services
from tests import factories
from tests.respond.conftest import (
    checked,
    count,
    page_form,
    path_of,
    round_and_unit,
    set_round,
    stored,
    to_last_page,
    token_made_ago,
    walk_pages,
)
from tests.shared import clock_readings, dump_tables, is_temporal, post_concurrently
from tests.world import TOKEN, Respondent, Survey, make_round

HEX32 = re.compile(r"[0-9a-f]{32}")
STRAY = "The form held answers to questions that are not shown to you."
NOT_FROM_LIST = "Choose from the answers shown."
CLIENT_IP = "203.0.113.77"
FORWARDED_IP = "198.51.100.23"
UA_MARKER = "UA-MARKER-4711"


# --- helpers -----------------------------------------------------------------------------------


# --- 1. the whole walk -------------------------------------------------------------------------


def test_full_walk_by_unit_link_stores_one_response(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    r = Respondent(client, survey.unit_link("Aktivitetshuset")).start()
    assert r.response.status_code == 200
    assert 'name="enhet"' not in r.html  # the link fixes the unit
    assert "Aktivitetshuset" in r.html
    pages = walk_pages()
    for answers in pages[:-1]:
        assert r.send(answers).status_code == 200
        assert count(app, Response) == 0
    final = r.send(pages[-1])
    assert final.status_code == 303
    assert path_of(final) == f"/s/{survey.token}/takk?sprak=nb"
    assert client.get(path_of(final)).status_code == 200

    [response] = stored(app)
    assert HEX32.fullmatch(response["id"])
    assert response["round_id"] == survey.round_id
    assert response["channel"] == "unit_link"
    assert response["unit_id"] == survey.units["Aktivitetshuset"]
    assert response["submitted_on"] == today()
    assert response["answers"] == {
        ("listened", 0): ("4", 4),
        ("group", 0): ("yes", None),
        ("why", 0): ("Jeg møter folk.", None),
        ("food", 0): ("good", None),
        ("age", 0): ("34", 34),
        ("activities", 0): ("walk", None),
        ("activities", 1): ("art", None),
        ("word", 0): ("Trygt", None),
    }
    assert count(app, UsedFormToken) == 1


# --- 2. choosing the unit ----------------------------------------------------------------------


def test_link_asks_for_the_unit_and_refuses_strange_ones(
    app: Flask, client: FlaskClient, survey: Survey, people: dict[str, int]
) -> None:
    with app.app_context():
        other_org = db.session.get(Organisation, people["other_org"])
        assert other_org is not None
        foreign = factories.unit(other_org, "Naboenheten").id
        db.session.commit()

    r = Respondent(client, survey.link + "?sprak=en").start()
    assert 'id="enhet-0"' in r.html and 'value="ingen"' in r.html
    page_one = {"q-listened": "4", "q-group": "yes"}

    assert r.send(page_one).status_code == 400
    assert 'href="#enhet-0"' in r.html
    assert "Choose where you get help" in r.html
    assert 'name="side" value="0"' in r.html
    for strange in (str(foreign), "nonsense", "999999"):
        assert r.send({**page_one, "enhet": strange}).status_code == 400, strange
        assert 'href="#enhet-0"' in r.html

    assert r.send({**page_one, "enhet": "ingen"}).status_code == 200
    assert ("enhet", "ingen") in r.hidden()
    pages = walk_pages()
    assert r.send(pages[1]).status_code == 200
    assert r.send(pages[2]).status_code == 303
    [response] = stored(app)
    assert response["unit_id"] is None
    assert response["channel"] == "link"

    # A unit changed in the hidden field on the last page is refused there too.
    own = str(survey.units["Ruspoliklinikken"])
    r = to_last_page(client, survey.link + "?sprak=en", walk_pages(own))
    assert ("enhet", own) in r.hidden()
    for strange in (str(foreign), "nonsense"):
        refused = client.post(r.url, data=page_form(r, pages[2], replace={"enhet": strange}))
        assert refused.status_code == 400
        assert 'href="#enhet-0"' in refused.get_data(as_text=True)
    assert count(app, Response) == 1
    assert r.send(pages[2]).status_code == 303
    assert [s["unit_id"] for s in stored(app) if s["channel"] == "link"].count(int(own)) == 1


# --- 3. back and language ----------------------------------------------------------------------


def test_back_keeps_answers_and_language_switch_keeps_the_page(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    r = Respondent(client, survey.unit_link("Aktivitetshuset")).start()
    assert '<html lang="nb">' in r.html
    assert r.send({"q-listened": "4", "q-group": "yes"}).status_code == 200
    assert 'name="side" value="1"' in r.html

    assert r.send({"q-why": "Noe å si", "q-food": "bad"}, nav="back").status_code == 200
    assert 'name="side" value="0"' in r.html
    assert checked(r.html, "q-listened", "4") and checked(r.html, "q-group", "yes")
    assert not checked(r.html, "q-group", "no")
    # What was written on page 2 before going back comes along.
    assert ("q-why", "Noe å si") in r.hidden() and ("q-food", "bad") in r.hidden()

    assert r.send({"q-listened": "4", "q-group": "yes"}).status_code == 200
    assert checked(r.html, "q-food", "bad") and "Noe å si</textarea>" in r.html

    switched = r.send({"q-why": "Noe å si", "q-food": "good", "bytt": "en"})
    assert switched.status_code == 200
    assert '<html lang="en">' in r.html
    assert "<h1>User survey 2026</h1>" in r.html
    assert "Page 2 of 3" in r.html
    assert 'name="side" value="1"' in r.html
    assert 'name="sprak" value="en"' in r.html
    assert checked(r.html, "q-food", "good") and "Noe å si</textarea>" in r.html
    assert ("q-listened", "4") in r.hidden() and ("q-group", "yes") in r.hidden()
    assert "error-summary" not in r.html

    # A switch checks nothing: an empty required question gives no error.
    r2 = Respondent(client, survey.unit_link("Aktivitetshuset")).start()
    assert r2.send({"bytt": "en"}).status_code == 200
    assert "error-summary" not in r2.html and 'name="side" value="0"' in r2.html
    assert count(app, Response) == 0

    assert r.send({"q-why": "Noe å si", "q-food": "good"}).status_code == 200
    final = r.send(walk_pages()[2])
    assert final.status_code == 303 and path_of(final).endswith("/takk?sprak=en")
    [response] = stored(app)
    assert response["answers"][("food", 0)] == ("good", None)
    assert response["answers"][("why", 0)] == ("Noe å si", None)


# --- 4. conditions are checked on the server ---------------------------------------------------


def test_conditions_are_applied_on_the_server(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    url = survey.unit_link("Aktivitetshuset") + "?sprak=en"
    r = Respondent(client, url).start()
    assert r.send({"q-listened": "4", "q-group": "no"}).status_code == 200
    assert 'name="q-why"' not in r.html and 'name="q-food"' in r.html

    assert r.send({"q-why": "smuglet inn", "q-food": "good"}).status_code == 400
    assert STRAY in r.html
    assert 'name="side" value="1"' in r.html
    assert "smuglet inn" not in r.html
    assert count(app, Response) == 0

    assert r.send({"q-food": "good"}).status_code == 200
    last = walk_pages()[2]
    # A question that does not exist: refused on the last page, nothing stored.
    refused = client.post(url, data=page_form(r, {**last, "q-nonsense": "x"}))
    assert refused.status_code == 400
    assert STRAY in refused.get_data(as_text=True)
    assert count(app, Response) == 0 and count(app, UsedFormToken) == 0
    # An answer to the hidden question smuggled in with the earlier answers is left out.
    assert client.post(url, data=page_form(r, {**last, "q-why": "smuglet"})).status_code == 303
    [response] = stored(app)
    assert ("why", 0) not in response["answers"]
    assert response["answers"][("group", 0)] == ("no", None)


def test_changing_an_earlier_answer_drops_what_no_longer_applies(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    r = Respondent(client, survey.unit_link("Aktivitetshuset")).start()
    assert r.send({"q-listened": "4", "q-group": "yes"}).status_code == 200
    assert r.send({"q-why": "Gruppa er fin", "q-food": "good"}).status_code == 200
    assert r.send({}, nav="back").status_code == 200
    assert 'name="side" value="1"' in r.html and "Gruppa er fin</textarea>" in r.html
    assert r.send({"q-why": "Gruppa er fin", "q-food": "good"}, nav="back").status_code == 200
    assert 'name="side" value="0"' in r.html
    assert ("q-why", "Gruppa er fin") in r.hidden()

    assert r.send({"q-listened": "4", "q-group": "no"}).status_code == 200
    assert 'name="q-why"' not in r.html and "Gruppa er fin" not in r.html
    assert r.send({"q-food": "good"}).status_code == 200
    assert r.send(walk_pages()[2]).status_code == 303
    [response] = stored(app)
    assert {key for key, _ in response["answers"]} == {
        "listened",
        "group",
        "food",
        "age",
        "activities",
        "word",
    }
    assert response["answers"][("group", 0)] == ("no", None)


# --- 5. answers are checked on the server ------------------------------------------------------


def test_answers_are_checked_on_the_server(app: Flask, client: FlaskClient, survey: Survey) -> None:
    r = Respondent(client, survey.unit_link("Aktivitetshuset") + "?sprak=en").start()

    assert r.send({"q-group": "yes"}).status_code == 400
    assert 'href="#q-listened-0"' in r.html
    assert "Answer this question" in r.html
    assert re.search(r'<div class="ds-error-summary error-summary"[^>]*\sautofocus', r.html)
    assert 'name="side" value="0"' in r.html
    assert checked(r.html, "q-group", "yes")

    assert r.send({"q-listened": "4", "q-group": "yes"}).status_code == 200
    assert r.send({"q-food": "excellent"}).status_code == 400
    assert NOT_FROM_LIST in r.html and 'href="#q-food-0"' in r.html
    assert r.send({"q-why": "Fint", "q-food": "good"}).status_code == 200

    assert "At most 20 characters." in r.html
    tampered = r.send({"q-age": "34", "q-activities": ["walk", "hack"], "q-word": "Trygt"})
    assert tampered.status_code == 400
    assert NOT_FROM_LIST in r.html and 'href="#q-activities-0"' in r.html
    assert count(app, Response) == 0

    long_text = "Veldig trygt og godt sted"
    assert len(long_text) == 25
    too_long = r.send({"q-age": "34", "q-activities": ["walk"], "q-word": long_text})
    assert too_long.status_code == 400
    assert "at most 20 characters (you wrote 25)" in r.html
    assert f'name="q-word" id="q-word" value="{long_text}"' in r.html
    assert 'href="#q-word"' in r.html
    assert "At most 20 characters." in r.html
    assert count(app, Response) == 0 and count(app, UsedFormToken) == 0

    assert r.send({"q-age": "34", "q-activities": ["walk"], "q-word": "Trygt"}).status_code == 303
    [response] = stored(app)
    assert response["answers"][("activities", 0)] == ("walk", None)
    assert ("activities", 1) not in response["answers"]


# --- 6. exactly once ---------------------------------------------------------------------------


def test_sending_twice_stores_once(app: Flask, client: FlaskClient, survey: Survey) -> None:
    pages = walk_pages()
    r = to_last_page(client, survey.unit_link("Aktivitetshuset"), pages)
    data = page_form(r, pages[2])
    first = client.post(r.url, data=data)
    second = client.post(r.url, data=data)
    assert first.status_code == 303 and second.status_code == 303
    assert urlsplit(second.location).path == f"/s/{survey.token}/takk"
    assert "Trygt" not in second.get_data(as_text=True)
    assert count(app, Response) == 1 and count(app, UsedFormToken) == 1


def test_the_same_form_sent_at_once_from_many_places_stores_once(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    pages = walk_pages()
    r = to_last_page(client, survey.unit_link("Aktivitetshuset"), pages)
    data = page_form(r, pages[2])
    statuses = post_concurrently(app, [(r.url, data)] * 8)
    assert statuses == [303] * 8
    assert count(app, Response) == 1
    assert count(app, Answer) == 8
    assert count(app, UsedFormToken) == 1


def test_different_forms_sent_at_once_are_all_stored(app: Flask, survey: Survey) -> None:
    pages = walk_pages()
    jobs = []
    for _ in range(8):
        r = to_last_page(app.test_client(), survey.unit_link("Ruspoliklinikken"), pages)
        jobs.append((r.url, page_form(r, pages[2])))
    assert len({data["skjema"] for _, data in jobs}) == 8
    statuses = post_concurrently(app, jobs)
    assert statuses == [303] * 8
    responses = stored(app)
    assert len(responses) == 8 and len({s["id"] for s in responses}) == 8
    assert count(app, Answer) == 8 * 8
    assert count(app, UsedFormToken) == 8


# --- 7. closed, not yet open, unknown ----------------------------------------------------------


def test_closed_round_keeps_the_answers_and_stores_nothing(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    pages = walk_pages()
    r = to_last_page(client, survey.unit_link("Aktivitetshuset") + "?sprak=en", pages)
    set_round(app, survey.round_id, status="closed")

    refused = r.send(pages[2])
    assert refused.status_code == 409
    assert "This questionnaire is closed." in r.html
    assert checked(r.html, "q-activities", "walk") and checked(r.html, "q-activities", "art")
    assert not checked(r.html, "q-activities", "cook")
    assert 'name="q-word" id="q-word" value="Trygt"' in r.html
    assert ("q-listened", "4") in r.hidden() and ("q-food", "good") in r.hidden()
    assert count(app, Response) == 0 and count(app, UsedFormToken) == 0

    for url in (survey.link, survey.unit_link("Aktivitetshuset")):
        shown = client.get(url + "?sprak=en")
        assert shown.status_code == 410
        html = shown.get_data(as_text=True)
        assert "This questionnaire is closed." in html
        assert 'id="answer-form"' not in html


def test_round_not_open_yet(app: Flask, client: FlaskClient, survey: Survey) -> None:
    with app.app_context():
        org = db.session.get(Organisation, survey.org_id)
        assert org is not None
        waiting = make_round(org, "awaiting_approval")
        waiting.opens_on = today() + timedelta(days=10)
        draft = make_round(org, "draft")
        db.session.commit()
        waiting_id, waiting_token = waiting.id, waiting.public_token
        draft_token = draft.public_token
        early_token = services.new_form_token(waiting)

    shown = client.get(f"/s/{waiting_token}?sprak=en")
    assert shown.status_code == 403
    html = shown.get_data(as_text=True)
    assert "This questionnaire is not open yet." in html and "It opens on" in html
    assert 'id="answer-form"' not in html
    assert client.get(f"/s/{draft_token}?sprak=en").status_code == 403

    # A form for it (however it was got) is not taken either.
    sent = client.post(
        f"/s/{waiting_token}",
        data={"skjema": early_token, "sprak": "en", "side": "0", "q-listened": "4", "nav": "next"},
    )
    assert sent.status_code == 409
    assert "This questionnaire is not open yet." in sent.get_data(as_text=True)
    assert count(app, Response) == 0
    with app.app_context():
        still = db.session.get(SurveyRound, waiting_id)
        assert still is not None and still.status == "awaiting_approval"


def test_unknown_links_are_not_found(
    app: Flask, client: FlaskClient, survey: Survey, people: dict[str, int]
) -> None:
    with app.app_context():
        other_org = db.session.get(Organisation, people["other_org"])
        assert other_org is not None
        foreign = factories.unit(other_org, "Naboenheten").id
        db.session.commit()
    assert client.get("/s/finnesikke123").status_code == 404
    assert client.post("/s/finnesikke123", data={"nav": "next"}).status_code == 404
    assert client.get(f"/s/{survey.token}/999999").status_code == 404
    assert client.get(f"/s/{survey.token}/{foreign}").status_code == 404
    assert client.get("/s/finnesikke123/takk").status_code == 404


# --- 8. too much sent --------------------------------------------------------------------------


def test_oversized_body_gets_a_friendly_page(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    pages = walk_pages()
    r = to_last_page(client, survey.unit_link("Aktivitetshuset"), pages)
    huge = "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = client.post(
        r.url,
        data=page_form(r, {**pages[2], "q-word": huge}),
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Too much was sent" in html
    assert "Traceback" not in html and huge[:1000] not in html
    assert "Set-Cookie" not in response.headers
    assert count(app, Response) == 0 and count(app, UsedFormToken) == 0


# --- 9. the database fails ---------------------------------------------------------------------


def _rename(app: Flask, old: str, new: str) -> None:
    with app.app_context():
        db.session.execute(sa.text(f"ALTER TABLE {old} RENAME TO {new}"))
        db.session.commit()


def test_database_fault_keeps_the_answers_and_a_retry_works(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    pages = walk_pages()
    r = to_last_page(client, survey.unit_link("Aktivitetshuset") + "?sprak=en", pages)
    data = page_form(r, pages[2])
    _rename(app, "answer", "answer_away")
    try:
        failed = client.post(r.url, data=data)
        html = failed.get_data(as_text=True)
        assert failed.status_code == 503
        assert "We could not save your answers just now. Nothing was stored." in html
        assert f'name="skjema" value="{data["skjema"]}"' in html
        hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
        for pair in [
            ("q-listened", "4"),
            ("q-group", "yes"),
            ("q-why", "Jeg møter folk."),
            ("q-food", "good"),
        ]:
            assert pair in hidden
        assert checked(html, "q-activities", "walk") and checked(html, "q-activities", "art")
        assert 'name="q-word" id="q-word" value="Trygt"' in html
        assert 'name="q-age" id="q-age" value="34"' in html
        assert count(app, Response) == 0
        assert count(app, UsedFormToken) == 0
    finally:
        _rename(app, "answer_away", "answer")

    retried = client.post(r.url, data=data)
    assert retried.status_code == 303
    [response] = stored(app)
    assert len(response["answers"]) == 8
    assert count(app, UsedFormToken) == 1


# --- 10. a form left open too long -------------------------------------------------------------


def test_expired_form_token_keeps_the_answers_and_gives_a_new_token(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    pages = walk_pages()
    r = to_last_page(client, survey.unit_link("Aktivitetshuset") + "?sprak=en", pages)
    original = r.form_token
    expired = token_made_ago(app, survey.round_id, timedelta(days=3))

    refused = client.post(r.url, data=page_form(r, pages[2], replace={"skjema": expired}))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "The questionnaire had been open for a long time" in html
    assert checked(html, "q-activities", "walk") and 'id="q-word" value="Trygt"' in html
    assert ("q-listened", "4") in re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html
    )
    assert count(app, Response) == 0 and count(app, UsedFormToken) == 0
    match = TOKEN.search(html)
    assert match
    fresh = match.group(1)
    assert fresh not in (expired, original)

    # A day-old form is still taken (the check is about age, not about how it was made) ...
    day_old = token_made_ago(app, survey.round_id, timedelta(days=1))
    day_old_form = page_form(r, pages[2], replace={"skjema": day_old})
    assert client.post(r.url, data=day_old_form).status_code == 303
    # ... and so is the page with the fresh token.
    r.html = html
    assert r.send(pages[2]).status_code == 303
    assert count(app, Response) == 2 and count(app, UsedFormToken) == 2


# --- 11. anonymity -----------------------------------------------------------------------------


def test_nothing_identifying_is_stored_logged_or_set(
    app: Flask,
    client: FlaskClient,
    survey: Survey,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    # SQLAlchemy keeps its own loggers at WARNING: let the statements and their values through.
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    before = dump_tables(app)
    started = datetime.now(UTC)
    visitor = {
        "environ_base": {"REMOTE_ADDR": CLIENT_IP},
        "headers": {"User-Agent": UA_MARKER, "X-Forwarded-For": FORWARDED_IP},
    }
    seen = []
    r = Respondent(client, survey.link).start(**visitor)
    seen.append(r.response)
    seen.append(r.send({"q-listened": "4"}, **visitor))  # no unit chosen: an error page
    assert seen[-1].status_code == 400
    pages = walk_pages(str(survey.units["Ruspoliklinikken"]))
    for answers in pages:
        seen.append(r.send(answers, **visitor))
    assert seen[-1].status_code == 303
    seen.append(client.get(path_of(seen[-1]), **visitor))
    seen.append(client.get("/personvern", **visitor))
    seen.append(client.get("/kode", **visitor))
    ended = datetime.now(UTC)
    assert [s.status_code for s in seen] == [200, 400, 200, 200, 303, 200, 200, 200]

    for response in seen:
        assert "Set-Cookie" not in response.headers, response.request.path
        assert response.headers.get("Cache-Control") == "no-store", response.request.path

    after = dump_tables(app)
    clock = clock_readings(started, ended)
    changed = {name for name in after if after[name] != before[name]}
    # The response, its answers and the used form token; the counts for results change only
    # at a publication (feedback.results.publish).
    assert changed == {"response", "answer", "used_form_token"}
    for name, rows in after.items():
        for row in rows:
            text = " | ".join(row)
            for secret in (CLIENT_IP, FORWARDED_IP, UA_MARKER):
                assert secret not in text, (name, row)
            if row not in before[name]:
                for reading in clock:
                    assert reading not in text, (name, row, reading)

    # The statements were logged with their values (the answers themselves are stored through
    # the driver, outside SQLAlchemy's log, and the driver logs nothing).
    assert any("FROM survey_round" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        logged = f"{record.getMessage()} {vars(record)}"
        for secret in (CLIENT_IP, FORWARDED_IP, UA_MARKER):
            assert secret not in logged, record

    tables = {table.name: table for table in db.metadata.sorted_tables}
    with app.app_context():
        inspector = sa.inspect(db.engine)
        for name in ("response", "answer", "access_code", "used_form_token"):
            for column in tables[name].columns:
                assert not is_temporal(column.type), (name, column.name)
            for column in inspector.get_columns(name):
                assert not is_temporal(column["type"]), (name, column["name"])
    for name, column in (("response", "submitted_on"), ("used_form_token", "used_on")):
        assert isinstance(tables[name].columns[column].type, sa.Date)


def test_server_log_holds_no_client_address_or_browser(app: Flask, survey: Survey) -> None:
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    logger = logging.getLogger("werkzeug")
    handler = Collect(logging.DEBUG)
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    base = f"http://127.0.0.1:{server.port}"
    try:
        request = urllib.request.Request(  # noqa: S310 - a local http address
            base + survey.link, headers={"User-Agent": UA_MARKER}
        )
        with opener.open(request, timeout=10) as answer:
            assert answer.status == 200
            assert b'id="answer-form"' in answer.read()
        missing = urllib.request.Request(  # noqa: S310 - a local http address
            base + "/s/finnesikke123", headers={"User-Agent": UA_MARKER}
        )
        with pytest.raises(urllib.error.HTTPError) as raised:
            opener.open(missing, timeout=10)
        assert raised.value.code == 404
        raised.value.close()
        staff = urllib.request.Request(  # noqa: S310 - a local http address
            base + "/logg-inn", headers={"User-Agent": UA_MARKER}
        )
        with opener.open(staff, timeout=10) as answer:
            assert answer.status == 200
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        logger.removeHandler(handler)
        logger.setLevel(old_level)

    # Respondents' requests are not logged at all (issue 19: a log collector would stamp them
    # with the time of day); a staff page is, without address or browser.
    assert any("GET /logg-inn " in line for line in lines), lines
    assert not any("/s/" in line or survey.token in line for line in lines), lines
    for line in lines:
        assert "127.0.0.1" not in line
        assert UA_MARKER not in line
        assert not re.search(r"\d\d:\d\d:\d\d", line), line


# --- 13. privacy page --------------------------------------------------------------------------


def test_privacy_page_says_what_is_stored_and_is_linked(
    client: FlaskClient, survey: Survey
) -> None:
    response = client.get("/personvern?sprak=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for phrase in (
        "Privacy when you answer",
        "What we store when you send in your answers",
        "What we do not store",
        "The date. Not the time of day.",
        "The address of your phone or computer on the internet.",
        "Cookies. Answering sets no cookie in your browser.",
        "The code is not stored with your answers",
    ):
        assert phrase in html, phrase
    assert '<html lang="en">' in html
    assert "Set-Cookie" not in response.headers

    first = client.get(survey.link, follow_redirects=True).get_data(as_text=True)
    assert 'href="/personvern?sprak=nb"' in first
    english = client.get(survey.link + "?sprak=en", follow_redirects=True).get_data(as_text=True)
    assert 'href="/personvern?sprak=en"' in english
    assert "Read what we store" in english


# --- 14. access codes --------------------------------------------------------------------------


def test_access_codes(app: Flask, client: FlaskClient, survey: Survey) -> None:
    with app.app_context():
        round_, unit = round_and_unit(survey, "Ruspoliklinikken")
        batch = fieldwork.make_codes(round_, 3, unit)
        db.session.commit()
        codes = [c.code for c in fieldwork.batch_codes(round_, batch)]
    assert len(codes) == 3

    typed = show_code(codes[0]).lower()
    assert "-" in typed
    started = client.post("/kode", data={"kode": typed, "sprak": "en"})
    # A valid code leads to the questionnaire's first page's own address (no code in it).
    assert started.status_code == 303 and path_of(started).startswith("/kode/svar?skjema=")
    assert services.normalise_code(typed) not in started.location
    started = client.get(path_of(started))
    assert started.status_code == 200
    r = Respondent(client, "/kode/svar")
    r.html = started.get_data(as_text=True)
    assert 'id="answer-form"' in r.html and 'action="/kode/svar"' in r.html
    assert ("kode", codes[0]) in r.hidden()
    assert "Your answers are about: Ruspoliklinikken" in r.html
    pages = walk_pages()
    for answers in pages[:-1]:
        assert r.send(answers).status_code == 200
    final_data = page_form(r, pages[2])
    final = client.post("/kode/svar", data=final_data)
    assert final.status_code == 303
    assert path_of(final) == f"/s/{survey.token}/takk?sprak=en"
    [response] = stored(app)
    assert response["channel"] == "code"
    assert response["unit_id"] == survey.units["Ruspoliklinikken"]
    with app.app_context():
        used = {c.code: c.used for c in db.session.scalars(sa.select(AccessCode))}
    assert used == {codes[0]: True, codes[1]: False, codes[2]: False}

    # The used code again: refused, the typed text kept; a replay of its last page stores nothing.
    again = show_code(codes[0])
    refused = client.post("/kode", data={"kode": again, "sprak": "en"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "This code has already been used." in html
    assert f'id="kode" value="{again}"' in html
    assert 'id="answer-form"' not in html
    assert client.post("/kode/svar", data=final_data).status_code == 303
    assert count(app, Response) == 1

    unknown = next(c for c in ("zzzz-zzzz", "yyyy-yyyy") if services.normalise_code(c) not in codes)
    refused = client.post("/kode", data={"kode": unknown, "sprak": "en"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "We do not know this code." in html and f'id="kode" value="{unknown}"' in html

    # Case and dash do not matter.
    for variant in (codes[1].upper(), f"  {show_code(codes[2]).lower()} "):
        opened = client.post("/kode", data={"kode": variant}, follow_redirects=True)
        assert opened.status_code == 200
        assert 'id="answer-form"' in opened.get_data(as_text=True)
    assert count(app, Response) == 1

    # The code is not linked to the response.
    assert {c.name for c in AccessCode.__table__.columns} == {
        "code",
        "round_id",
        "batch",
        "unit_id",
        "used",
    }
    assert {c.name for c in Response.__table__.columns} == {
        "id",
        "round_id",
        "unit_id",
        "channel",
        "submitted_on",
        "published",  # whether readers see it yet: shared by every response since the last run
    }
    with app.app_context():
        inspector = sa.inspect(db.engine)
        assert {c["name"] for c in inspector.get_columns("access_code")} == {
            "code",
            "round_id",
            "batch",
            "unit_id",
            "used",
        }
        columns = {c["name"] for c in inspector.get_columns("response")}
        assert not any("code" in name for name in columns)
        assert all(
            fk["referred_table"] != "access_code" for fk in inspector.get_foreign_keys("response")
        )


def test_round_that_requires_a_code_shows_the_code_page(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    set_round(app, survey.round_id, requires_code=True)
    for url in (survey.link, survey.unit_link("Aktivitetshuset")):
        shown = client.get(url + "?sprak=en")
        assert shown.status_code == 200
        html = shown.get_data(as_text=True)
        assert 'action="/kode"' in html and 'id="kode"' in html
        assert 'id="answer-form"' not in html
        assert "This questionnaire is answered with a one-time code" in html
        posted = client.post(url, data={"skjema": "x", "side": "2", "q-age": "34"})
        assert 'id="answer-form"' not in posted.get_data(as_text=True)
    assert count(app, Response) == 0


# --- 15. kiosk ---------------------------------------------------------------------------------


def kiosk_start(app: Flask, survey: Survey, idle_seconds: int) -> str:
    """The address of a kiosk for Aktivitetshuset."""
    with app.app_context():
        round_, unit = round_and_unit(survey, "Aktivitetshuset")
        return f"/kiosk/{services.kiosk_key(round_, unit, idle_seconds)}"


def test_kiosk(app: Flask, client: FlaskClient, survey: Survey) -> None:
    start = kiosk_start(app, survey, 60)

    pages = walk_pages()
    r = to_last_page(client, start, pages)
    assert re.search(r'<form [^>]*id="answer-form"[^>]*autocomplete="off"', r.html)
    assert 'name="enhet"' not in r.html
    final_data = page_form(r, pages[2])
    final = client.post(start, data=final_data)
    assert final.status_code == 303 and path_of(final) == f"{start}/takk?sprak=nb"
    assert client.get(f"{start}/takk").status_code == 200
    replay = client.post(start, data=final_data)
    assert replay.status_code == 303 and path_of(replay) == start
    assert "Trygt" not in replay.get_data(as_text=True)
    [response] = stored(app)
    assert response["channel"] == "kiosk"
    assert response["unit_id"] == survey.units["Aktivitetshuset"]

    # The next person stops halfway and clears the screen.
    secret = "Hemmelig svar 991"
    nxt = Respondent(client, start).start()
    token = nxt.form_token
    page_one = page_form(nxt, {"q-listened": "2", "q-group": "yes"})
    nxt.response = client.post(start, data=page_one, follow_redirects=True)
    nxt.html = nxt.response.get_data(as_text=True)
    assert nxt.response.status_code == 200
    page_two = page_form(nxt, {"q-why": secret, "q-food": "bad"})
    assert client.post(start, data=page_two, follow_redirects=True).status_code == 200
    reset = client.post(f"{start}/nullstill", data={"skjema": token})
    assert reset.status_code == 303 and path_of(reset) == start
    for data in (page_one, page_two):
        replayed = client.post(start, data=data)
        assert replayed.status_code == 303 and path_of(replayed) == start
        body = replayed.get_data(as_text=True)
        assert secret not in body and "q-listened" not in body
    fresh = client.get(start).get_data(as_text=True)
    assert secret not in fresh and token not in fresh
    assert count(app, Response) == 1
    assert count(app, UsedFormToken) == 2


def test_bad_kiosk_keys_are_not_found(app: Flask, client: FlaskClient, survey: Survey) -> None:
    forged = itsdangerous.URLSafeSerializer("not-the-secret", salt="kiosk").dumps(
        {"r": survey.round_id, "u": None, "i": 60}
    )
    signer = itsdangerous.URLSafeSerializer(app.config["SECRET_KEY"], salt="kiosk")
    missing_round = signer.dumps({"r": 999999, "u": None, "i": 60})
    for key in ("not-a-key", forged, missing_round):
        assert client.get(f"/kiosk/{key}").status_code == 404
        assert client.post(f"/kiosk/{key}", data={"nav": "next"}).status_code == 404
        assert client.get(f"/kiosk/{key}/takk").status_code == 404
        assert client.post(f"/kiosk/{key}/nullstill").status_code == 404


def test_a_kiosk_error_page_clears_itself_after_the_idle_time(
    app: Flask, client: FlaskClient, survey: Survey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database goes away while someone sends in at a kiosk: the 503 page keeps the answers
    for "Send again", but after the kiosk's idle time it goes to the reset address (a meta
    refresh, no JavaScript), which burns the form so the next person cannot send it."""
    start = kiosk_start(app, survey, 45)
    pages = walk_pages()
    r = to_last_page(client, start, pages)
    data = page_form(r, pages[2])

    def database_away(*args: object, **kwargs: object) -> None:
        raise sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection"))

    with monkeypatch.context() as outage:
        outage.setattr(services, "read_kiosk", database_away)
        failed = client.post(start, data=data)
    html = failed.get_data(as_text=True)
    assert failed.status_code == 503
    reset = f"{start}/nullstill?skjema={data['skjema']}"
    assert f'<noscript><meta http-equiv="refresh" content="45;url={reset}"></noscript>' in html
    assert f'data-kiosk-idle="45" data-kiosk-start="{reset}"' in html and "kiosk.js" in html
    assert ("q-word", "Trygt") in re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html
    )
    # A link's error page has no such refresh: a person's own phone keeps the page.
    link = to_last_page(client, survey.link, walk_pages(str(survey.units["Aktivitetshuset"])))
    with monkeypatch.context() as outage:
        outage.setattr(services, "questionnaire", database_away)
        plain = client.post(survey.link, data=page_form(link, pages[2]))
    assert plain.status_code == 503 and 'http-equiv="refresh"' not in plain.get_data(as_text=True)

    # The idle time passes: the browser follows the refresh, then someone presses "Send again".
    cleared = client.get(reset)
    assert cleared.status_code == 303 and path_of(cleared) == start
    again = client.post(start, data=data)
    assert again.status_code == 303 and path_of(again) == start
    assert "Trygt" not in again.get_data(as_text=True)
    assert count(app, Response) == 0
