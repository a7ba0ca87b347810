"""Odd input found in review: unicode digits, huge ids, browser line breaks, late reloads,
kiosks without JavaScript. None may give a 500, store twice or lose an answer."""

from __future__ import annotations

import re
from datetime import timedelta

import itsdangerous
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import SurveyRound
from feedback.respond import services
from tests.respond.conftest import (
    page_form,
    path_of,
    stored,
    to_last_page,
    token_made_ago,
    walk_pages,
)
from tests.world import Respondent, Survey

HUGE = "99999999999999999999999"


@pytest.mark.parametrize("value", ["²", "٣", HUGE, "-1", "0"])
def test_strange_unit_values_get_the_unit_message(
    client: FlaskClient, survey: Survey, value: str
) -> None:
    r = Respondent(client, f"{survey.link}?sprak=en").start()
    response = r.send({"enhet": value, "q-listened": "4"})
    assert response.status_code == 400
    assert "Choose where you get help" in r.html
    assert 'value="4" checked' in r.html


@pytest.mark.parametrize("value", ["²", "--5", "３４", "1e3", "12345678901"])
def test_numbers_must_be_plain_digits(
    app: Flask, client: FlaskClient, survey: Survey, value: str
) -> None:
    pages = walk_pages(str(survey.units["Aktivitetshuset"]))
    r = to_last_page(client, f"{survey.link}?sprak=en", pages)
    response = r.send({**pages[2], "q-age": value})
    assert response.status_code == 400
    assert "Write a whole number" in r.html
    assert stored(app) == []


def test_huge_unit_ids_in_addresses_are_not_found(
    client: FlaskClient, kari: FlaskClient, survey: Survey
) -> None:
    assert client.get(f"{survey.link}/{HUGE}").status_code == 404
    assert kari.get(f"/skjema/{survey.round_id}/plakat/{HUGE}").status_code == 404


def test_a_long_text_with_browser_line_breaks_counts_each_break_once(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    # The limit of "why" is 200; the browser allowed 190 characters, 10 of them line breaks,
    # and sends each break as CR LF.
    text = "\r\n".join(["abcdefghijklmnopqr"] * 10) + "x" * 10
    assert len(text.replace("\r\n", "\n")) <= 200 < len(text) + 20
    pages = walk_pages(str(survey.units["Aktivitetshuset"]))
    pages[1] = {**pages[1], "q-why": text}
    r = Respondent(client, survey.link).start()
    for answers in pages:
        response = r.send(answers)
    assert response.status_code == 303, r.html
    [saved] = stored(app)
    assert saved["answers"][("why", 0)][0] == text.replace("\r\n", "\n")


def test_the_word_dont_know_typed_as_text_is_kept(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    pages = walk_pages(str(survey.units["Aktivitetshuset"]))
    pages[2] = {**pages[2], "q-word": "dont_know"}
    r = Respondent(client, survey.link).start()
    for answers in pages:
        response = r.send(answers)
    assert response.status_code == 303
    [saved] = stored(app)
    assert saved["answers"][("word", 0)] == ("dont_know", None)


def test_a_form_sent_long_ago_and_reloaded_is_not_stored_again(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    old = token_made_ago(app, survey.round_id, timedelta(days=3))
    pages = walk_pages(str(survey.units["Aktivitetshuset"]))
    r = to_last_page(client, survey.link, pages)
    final = page_form(r, pages[2], replace={"skjema": old})
    with app.app_context():
        read = services.read_form_token(db.session.get(SurveyRound, survey.round_id), old)
        assert read.expired and not read.sent
        nonce = itsdangerous.URLSafeSerializer(app.config["SECRET_KEY"]).load_payload(
            old.rsplit(".", 2)[0].encode()
        )["n"]
        services.burn(nonce)  # it was sent in back then
        db.session.commit()
    again = client.post(survey.link, data=final)
    assert again.status_code == 303 and path_of(again).startswith(f"/s/{survey.token}/takk")
    assert stored(app) == []


def test_a_kiosk_without_javascript_clears_the_questionnaire_when_idle(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    with app.app_context():
        round_ = db.session.get(SurveyRound, survey.round_id)
        key = services.kiosk_key(round_, None, 60)
    start = f"/kiosk/{key}"
    r = Respondent(client, start).start()
    page_one = page_form(r, {"enhet": str(survey.units["Ruspoliklinikken"]), "q-listened": "2"})
    assert (
        r.send({"enhet": str(survey.units["Ruspoliklinikken"]), "q-listened": "2"}).status_code
        == 200
    )
    refresh = re.search(r'<meta http-equiv="refresh" content="60;url=([^"]+)">', r.html)
    assert refresh, "no idle refresh for browsers without JavaScript"
    reset = client.get(refresh.group(1).replace("&amp;", "&"))
    assert reset.status_code == 303 and path_of(reset) == start
    replay = client.post(start, data=page_one)
    assert replay.status_code == 303 and path_of(replay) == start
    assert b'value="2"' not in replay.data


def test_an_unknown_language_switch_keeps_the_chosen_language(
    client: FlaskClient, survey: Survey
) -> None:
    r = Respondent(client, f"{survey.link}?sprak=en").start()
    data = page_form(r, {"q-listened": "4"}, nav="stay")
    data["bytt"] = "xx"
    response = client.post(survey.link, data=data, follow_redirects=True)
    assert '<html lang="en">' in response.get_data(as_text=True)


def test_anonymous_tables_keep_no_hidden_arrival_order(app: Flask, survey: Survey) -> None:
    """SQLite's hidden rowid grows with each row; the anonymous tables are stored without it
    (by their random keys). On PostgreSQL no column or default counts rows either."""
    tables = ("response", "answer", "access_code", "used_form_token")
    with app.app_context():
        engine = db.engine
        for table in tables:
            if engine.dialect.name == "sqlite":
                query = sa.select(sa.column("rowid")).select_from(sa.table(table))
                with (
                    pytest.raises(sa.exc.OperationalError, match="rowid"),
                    engine.connect() as connection,
                ):
                    connection.execute(query)
            columns = sa.inspect(engine).get_columns(table)
            assert not any(c.get("autoincrement") is True for c in columns), table
            assert not any("nextval" in str(c.get("default") or "") for c in columns), table
