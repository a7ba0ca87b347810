"""A worker's copy of a questionnaire between checks (PUBLIC_RECHECK_SECONDS), and the blank
pages it renders once and keeps (feedback.respond.cache)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import Organisation, Response, SurveyRound, Unit
from feedback.models.base import today
from feedback.respond import cache, services, writes
from tests import factories
from tests.respond.conftest import TOKEN, Respondent, Survey
from tests.respond.test_answering import count, walk_pages
from tests.respond.test_cache import raw_update, title

RECHECK = 60


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"PUBLIC_RECHECK_SECONDS": RECHECK}


def test_a_blank_page_comes_from_the_copy_until_the_next_check(
    app: Flask, client: FlaskClient, survey: Survey, clock: list[float]
) -> None:
    r = Respondent(client, survey.unit_link("Aktivitetshuset")).start()
    assert r.response.status_code == 200
    # Closed by another worker: this worker's blank pages come from its copy for a while ...
    raw_update(app, "UPDATE survey_round SET status = 'closed' WHERE id = :id", id=survey.round_id)
    clock[0] += RECHECK - 1
    assert client.get(survey.link).status_code == 200
    # ... and so do the next pages, but storing checks the round: nothing is stored in a
    # closed round, and the answers are kept on the page.
    pages = walk_pages()
    for answers in pages[:-1]:
        assert r.send(answers).status_code == 200
    assert r.send(pages[-1]).status_code == 409
    assert "Dette spørreskjemaet er stengt" in r.html
    assert count(app, Response) == 0
    # The check after the time has passed sees it.
    clock[0] += 2
    assert client.get(survey.link).status_code == 410


def test_a_change_in_this_process_is_seen_at_once(
    app: Flask, client: FlaskClient, survey: Survey, clock: list[float]
) -> None:
    assert 'value="' + str(survey.units["Ruspoliklinikken"]) in client.get(survey.link).get_data(
        as_text=True
    )
    with app.app_context():
        round_ = db.session.get(SurveyRound, survey.round_id)
        org = db.session.get(Organisation, survey.org_id)
        assert round_ is not None and org is not None
        round_.title = {"nb": "Endret her"}
        unit = db.session.get(Unit, survey.units["Ruspoliklinikken"])
        assert unit is not None
        unit.active = False
        new_unit = factories.unit(org, "Kafeen").id
        db.session.commit()
    html = client.get(survey.link).get_data(as_text=True)
    assert title(html) == "Endret her"
    assert "Ruspoliklinikken" not in html and f'value="{new_unit}"' in html


def test_a_schedule_that_falls_due_is_applied_within_the_copy_time(
    app: Flask,
    client: FlaskClient,
    survey: Survey,
    clock: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with app.app_context():
        round_ = db.session.get(SurveyRound, survey.round_id)
        assert round_ is not None
        round_.closes_on = today()
        db.session.commit()
    assert client.get(survey.link).status_code == 200
    tomorrow = today().toordinal() + 1
    monkeypatch.setattr(services, "today", lambda: type(today()).fromordinal(tomorrow))
    assert client.get(survey.link).status_code == 410
    with app.app_context():
        round_ = db.session.get(SurveyRound, survey.round_id)
        assert round_ is not None and round_.status == "closed"


# --- rendered blank pages ----------------------------------------------------------------------


def test_the_first_page_is_rendered_once_and_gets_a_new_token_each_time(
    app: Flask, client: FlaskClient, survey: Survey, clock: list[float]
) -> None:
    pages = [client.get(survey.link).get_data(as_text=True) for _ in range(3)]
    tokens = [TOKEN.search(html).group(1) for html in pages]  # type: ignore[union-attr]
    assert len(set(tokens)) == 3
    assert all(cache.TOKEN_PLACEHOLDER not in html for html in pages)
    blank = [html.replace(token, "") for html, token in zip(pages, tokens, strict=True)]
    assert blank[0] == blank[1] == blank[2]
    with app.app_context():
        kept = len(cache.pages())
        english = client.get(survey.link + "?sprak=en").get_data(as_text=True)
        assert title(english) == "User survey 2026"
        assert len(cache.pages()) == kept + 1
    # Each token works once: two people who got the same kept page send in two responses.
    for token in tokens[:2]:
        r = Respondent(client, survey.link)
        r.html = pages[tokens.index(token)]
        for answers in walk_pages(str(survey.units["Aktivitetshuset"])):
            r.send(answers)
        assert r.response.status_code == 303, r.html
    assert count(app, Response) == 2


def test_a_waiting_message_is_never_kept_in_a_page(
    app: Flask, survey: Survey, clock: list[float]
) -> None:
    """A signed-in member with a message waiting (flash) sees it on the page; the page kept for
    everyone else does not hold it, before or after."""
    anonymous, member = app.test_client(), app.test_client()
    assert anonymous.get(survey.link).status_code == 200
    with member.session_transaction() as session:
        session["_flashes"] = [("success", "Lagret for Kari")]
    assert "Lagret for Kari" in member.get(survey.link).get_data(as_text=True)
    assert "Lagret for Kari" not in member.get(survey.link).get_data(as_text=True)
    with app.app_context():
        cache.clear()
    with member.session_transaction() as session:
        session["_flashes"] = [("success", "Lagret for Kari")]
    assert "Lagret for Kari" in member.get(survey.link).get_data(as_text=True)
    assert "Lagret for Kari" not in anonymous.get(survey.link).get_data(as_text=True)


def test_answers_checked_against_an_old_copy_are_checked_again_before_storing(
    app: Flask, client: FlaskClient, survey: Survey, clock: list[float]
) -> None:
    """Another worker makes the last question required while this worker's copy is still in
    use: the answers without it are checked again against the round as it is and not stored."""
    r = Respondent(client, survey.unit_link("Aktivitetshuset")).start()
    pages = walk_pages()
    for answers in pages[:-1]:
        assert r.send(answers).status_code == 200
    raw_update(
        app,
        "UPDATE question SET required = :yes WHERE round_id = :id AND key = 'word'",
        yes=True,
        id=survey.round_id,
    )
    raw_update(
        app, "UPDATE survey_round SET revision = revision + 1 WHERE id = :id", id=survey.round_id
    )
    clock[0] += 1
    last = {k: v for k, v in pages[-1].items() if k != "q-word"}
    assert r.send(last).status_code == 400
    assert 'id="q-word-error"' in r.html or "q-word" in r.html.split("error-summary", 1)[-1]
    assert count(app, Response) == 0
    # Answered, it is stored; the worker now has the new copy.
    assert r.send({"q-word": "Trygt"}).status_code == 303
    assert count(app, Response) == 1


@pytest.fixture
def changed_before_storing(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Another worker raises the round's revision just before this worker stores, as many
    times as the list's number says."""
    times = [0]
    with app.app_context():
        engine = db.engine
    write = writes.write

    def change_then_write(*args: Any) -> writes.Outcome:
        if times[0] > 0:
            times[0] -= 1
            with engine.connect() as other:
                other.execute(sa.text("UPDATE survey_round SET revision = revision + 1"))
                other.commit()
        return write(*args)

    monkeypatch.setattr(writes, "write", change_then_write)
    yield times


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


def at_the_last_page(
    client: FlaskClient, survey: Survey
) -> tuple[Respondent, list[dict[str, Any]]]:
    return at_last_page(client, survey.unit_link("Aktivitetshuset"), None)


def test_answers_are_checked_again_when_the_round_changes_while_storing(
    app: Flask,
    client: FlaskClient,
    survey: Survey,
    clock: list[float],
    changed_before_storing: list[int],
) -> None:
    r, pages = at_the_last_page(client, survey)
    changed_before_storing[0] = 1
    assert r.send(pages[-1]).status_code == 303
    assert changed_before_storing == [0]
    assert count(app, Response) == 1


def test_a_round_that_changes_twice_while_storing_keeps_the_answers(
    app: Flask,
    client: FlaskClient,
    survey: Survey,
    clock: list[float],
    changed_before_storing: list[int],
) -> None:
    r, pages = at_the_last_page(client, survey)
    changed_before_storing[0] = 2
    assert r.send(pages[-1]).status_code == 409
    assert "endret akkurat nå" in r.html
    assert 'value="Trygt"' in r.html
    assert count(app, Response) == 0
    # Sent again, the answers are stored once.
    assert r.send().status_code == 303
    assert count(app, Response) == 1


@pytest.mark.parametrize("checked", [False, True], ids=["own connection", "in the session"])
def test_a_connection_lost_just_before_storing_keeps_the_answers(
    app: Flask,
    client: FlaskClient,
    survey: Survey,
    clock: list[float],
    monkeypatch: pytest.MonkeyPatch,
    checked: bool,
) -> None:
    """The server connection is cut right before the write (a restart, a network cut): the
    person gets the 503 page with the answers kept, nothing is stored, and sending again works.
    With ``checked`` the round is checked in the database first, so the session has begun and
    the write goes on in its transaction; otherwise it takes a pooled connection of its own."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        pytest.skip("a server connection that is cut is a PostgreSQL matter; this run is SQLite")
    r, pages = at_the_last_page(client, survey)
    write = writes.write
    paths = []

    def cut_then_write(driver: Any, *args: Any) -> writes.Outcome:
        paths.append("own" if driver.autocommit else "session")
        with sa.create_engine(engine.url, poolclass=sa.pool.NullPool).connect() as other:
            other.exec_driver_sql(f"SELECT pg_terminate_backend({driver.info.backend_pid})")
        return write(driver, *args)

    monkeypatch.setattr(writes, "write", cut_then_write)
    if checked:
        clock[0] += RECHECK + 1
    reply = r.send(pages[-1])
    assert paths == ["session" if checked else "own"]
    assert reply.status_code == 503
    assert 'value="Trygt"' in r.html  # the last page as it was typed
    assert count(app, Response) == 0
    monkeypatch.setattr(writes, "write", write)
    assert r.send().status_code == 303  # "Send again", with what the page kept
    assert count(app, Response) == 1
