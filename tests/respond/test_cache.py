"""The copies a worker keeps of what respondents see (feedback.respond.cache): the round's
revision, when a copy is used and when it is checked again, and the rendered blank pages."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import (
    Organisation,
    Question,
    QuestionOption,
    Response,
    SurveyPage,
    SurveyRound,
)
from tests.respond.conftest import Respondent, Survey, make_round
from tests.respond.test_answering import count, walk_pages

RECHECK = 60


def revision(app: Flask, round_id: int) -> int:
    with app.app_context():
        value = db.session.scalar(sa.select(SurveyRound.revision).where(SurveyRound.id == round_id))
        assert value is not None
        return value


def question(round_id: int, key: str) -> Question:
    found = db.session.scalar(
        sa.select(Question).where(Question.round_id == round_id, Question.key == key)
    )
    assert found is not None
    return found


def title(html: str) -> str:
    match = re.search(r"<h1>([^<]*)</h1>", html)
    assert match
    return match.group(1)


def raw_update(app: Flask, sql: str, **params: Any) -> None:
    """A change made outside this process's ORM (another worker, a database console)."""
    with app.app_context():
        db.session.execute(sa.text(sql), params)
        db.session.commit()


# --- the revision ------------------------------------------------------------------------------


def edit(obj: Any, **values: Any) -> Any:
    for name, value in values.items():
        setattr(obj, name, value)
    return obj


def remove(obj: Any) -> Any:
    db.session.delete(obj)
    return obj


def add(obj: Any) -> Any:
    db.session.add(obj)
    return obj


def add_option(parent: Question) -> Question:
    parent.options.append(QuestionOption(value="ok", position=5, label={"nb": "Grei"}))
    return parent


def test_every_change_to_a_questionnaire_raises_its_revision_once(
    app: Flask, survey: Survey
) -> None:
    with app.app_context():
        org = db.session.get(Organisation, survey.org_id)
        assert org is not None
        other_id = make_round(org, "draft").id
    start, other = revision(app, survey.round_id), revision(app, other_id)

    def change(step: Any) -> None:
        with app.app_context():
            changed = step()  # held until the commit: the session keeps weak references
            db.session.commit()
            del changed

    steps = [
        lambda: edit(question(survey.round_id, "listened"), text={"nb": "Ny tekst"}),
        lambda: edit(question(survey.round_id, "food").options[0], label={"nb": "Fin"}),
        lambda: remove(question(survey.round_id, "activities").options[2]),
        lambda: add_option(question(survey.round_id, "food")),
        lambda: add(SurveyPage(round_id=survey.round_id, position=9, title={})),
        lambda: edit(db.session.get(SurveyRound, survey.round_id), thanks={"nb": "Tusen takk"}),
    ]
    for number, step in enumerate(steps, start=1):
        change(step)
        assert revision(app, survey.round_id) == start + number
    # Several changes in one commit count once; another round is not touched.
    with app.app_context():
        age = question(survey.round_id, "age")
        age.min_value, age.max_value = 18, 90
        age.text = {"nb": "Alder"}
        db.session.commit()
    assert revision(app, survey.round_id) == start + len(steps) + 1
    assert revision(app, other_id) == other


def test_answers_and_looking_do_not_raise_the_revision(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    before = revision(app, survey.round_id)
    r = Respondent(client, survey.unit_link("Aktivitetshuset")).start()
    for answers in walk_pages():
        r.send(answers)
    assert r.response.status_code == 303
    assert count(app, Response) == 1
    assert revision(app, survey.round_id) == before


# --- checks on every request (the test configuration) ------------------------------------------


def test_each_request_sees_a_change_at_once(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    assert app.config["PUBLIC_RECHECK_SECONDS"] == 0
    assert title(client.get(survey.link).get_data(as_text=True)) == "Brukerundersøkelse 2026"
    with app.app_context():
        round_ = db.session.get(SurveyRound, survey.round_id)
        assert round_ is not None
        round_.title = {"nb": "Ny tittel"}
        db.session.commit()
    assert title(client.get(survey.link).get_data(as_text=True)) == "Ny tittel"
    # A change outside the ORM to what the check reads (the status) is seen too.
    raw_update(app, "UPDATE survey_round SET status = 'closed' WHERE id = :id", id=survey.round_id)
    assert client.get(survey.link).status_code == 410


def test_a_session_that_holds_the_round_keeps_it(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    """The copy is loaded in a session of its own: a caller that shares the request's session
    (a test or a command in the same app context) keeps its objects attached."""
    with app.app_context():
        round_ = db.session.get(SurveyRound, survey.round_id)
        assert round_ is not None
        assert client.get(survey.link).status_code == 200
        assert not sa.inspect(round_).detached
        assert [q.key for q in round_.pages[0].questions] == ["listened", "group"]


def test_the_thank_you_page_follows_the_round(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    thanks = f"/s/{survey.token}/takk?sprak=nb"
    assert "Takk for svarene dine" in client.get(thanks).get_data(as_text=True)
    with app.app_context():
        round_ = db.session.get(SurveyRound, survey.round_id)
        assert round_ is not None
        round_.thanks = {"nb": "Hjertelig takk fra kvalitetsgruppa."}
        db.session.commit()
    assert "Hjertelig takk fra kvalitetsgruppa." in client.get(thanks).get_data(as_text=True)
    # A new link for the round (outside the ORM): the old thank-you address is gone.
    raw_update(
        app, "UPDATE survey_round SET public_token = 'nylenke' WHERE id = :id", id=survey.round_id
    )
    assert client.get(thanks).status_code == 404
