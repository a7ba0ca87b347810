"""The editor's reorder route (drag and drop): a page's questions in a new order, refused when
the order is not the page's questions, a condition would point forward, the round may not
change, the questionnaire is another organisation's, or the CSRF token is missing."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.i18n import LANGUAGE_COOKIE
from feedback.models import AuditEvent, Response, SurveyRound
from feedback.models.base import today as local_today
from tests.conftest import login, post_form
from tests.world import PEOPLE


def create(client: FlaskClient) -> int:
    response = post_form(client, "/skjema/nytt", {"template": "builtin:user-survey"})
    match = re.search(r"/skjema/(\d+)$", response.location)
    assert match, response.get_data(as_text=True)
    return int(match.group(1))


def keys(app: Flask, round_id: int, page: int) -> list[str]:
    with app.app_context():
        round_ = db.session.get(SurveyRound, round_id)
        assert round_ is not None
        return [q.key for q in round_.pages[page].questions]


def ids(app: Flask, round_id: int, page: int) -> tuple[int, dict[str, int]]:
    """The page's id and its questions' ids by key."""
    with app.app_context():
        round_ = db.session.get(SurveyRound, round_id)
        assert round_ is not None
        return round_.pages[page].id, {q.key: q.id for q in round_.pages[page].questions}


def reorder(client: FlaskClient, round_id: int, page_id: int, order: list[int] | str):  # type: ignore[no-untyped-def]
    value = order if isinstance(order, str) else ",".join(str(i) for i in order)
    return post_form(
        client,
        f"/skjema/{round_id}/sider/{page_id}/rekkefolge",
        {"order": value},
        page=f"/skjema/{round_id}",
        follow_redirects=True,
    )


@pytest.fixture
def round_id(kari: FlaskClient) -> int:
    kari.set_cookie(LANGUAGE_COOKIE, "en")
    return create(kari)


def test_a_new_order_is_stored_numbered_and_logged(
    app: Flask, kari: FlaskClient, round_id: int
) -> None:
    page_id, by_key = ids(app, round_id, 5)
    new = [by_key["speak-up"], by_key["know-help"], by_key["understand-staff"]]
    response = reorder(kari, round_id, page_id, new)
    html = response.get_data(as_text=True)
    assert "The questions were put in the new order." in html
    assert keys(app, round_id, 5) == ["speak-up", "know-help", "understand-staff"]
    # The editor numbers them in their new order: speak-up is now the first of page 6.
    row = re.search(rf'id="question-{by_key["speak-up"]}"[^>]*value="(\d+)"', html)
    assert row and row.group(1) == "14"
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "question.move"))
        assert event is not None
        assert event.details["order"] == ["speak-up", "know-help", "understand-staff"]


@pytest.mark.parametrize(
    "make",
    [
        lambda own, other: own[:-1],  # one missing
        lambda own, other: [*own, own[0]],  # one twice
        lambda own, other: [*own[:-1], other[0]],  # another page's question
        lambda own, other: [*own, 999_999],  # an unknown id
    ],
    ids=["missing", "twice", "other-page", "unknown"],
)
def test_an_order_that_is_not_the_pages_questions_is_refused(
    app: Flask, kari: FlaskClient, round_id: int, make: object
) -> None:
    page_id, by_key = ids(app, round_id, 5)
    _, other = ids(app, round_id, 4)
    before = keys(app, round_id, 5)
    assert callable(make)
    order = make(list(by_key.values())[::-1], list(other.values()))
    html = reorder(kari, round_id, page_id, order).get_data(as_text=True)
    assert "The new order must name every question on the page once." in html
    assert keys(app, round_id, 5) == before


@pytest.mark.parametrize("value", ["", "1,,2", "1;2", "a,b", "-1,2", "1" * 30])
def test_a_malformed_order_is_a_bad_request(
    app: Flask, kari: FlaskClient, round_id: int, value: str
) -> None:
    page_id, _ = ids(app, round_id, 5)
    before = keys(app, round_id, 5)
    assert reorder(kari, round_id, page_id, value).status_code == 400
    assert keys(app, round_id, 5) == before


def test_a_condition_may_not_come_before_its_question(
    app: Flask, kari: FlaskClient, round_id: int
) -> None:
    page_id, by_key = ids(app, round_id, 1)
    before = keys(app, round_id, 1)
    order = [by_key[k] for k in ("plan-involved", "own-goals", "taken-seriously", "has-plan")]
    html = reorder(kari, round_id, page_id, order).get_data(as_text=True)
    assert "before the question its condition depends on" in html
    assert keys(app, round_id, 1) == before


@pytest.mark.parametrize("state", ["closed", "answered"])
def test_a_round_that_may_not_change_refuses(
    app: Flask, kari: FlaskClient, round_id: int, state: str
) -> None:
    with app.app_context():
        round_ = db.session.get(SurveyRound, round_id)
        assert round_ is not None
        if state == "closed":
            round_.status = "closed"
        else:
            round_.status = "open"
            db.session.add(
                Response(
                    id=uuid.uuid4().hex,
                    round_id=round_id,
                    channel="link",
                    submitted_on=local_today(),
                )
            )
        db.session.commit()
    page_id, by_key = ids(app, round_id, 5)
    before = keys(app, round_id, 5)
    html = reorder(kari, round_id, page_id, list(by_key.values())[::-1]).get_data(as_text=True)
    expected = "This round is closed." if state == "closed" else "The questions are locked"
    assert expected in html
    assert keys(app, round_id, 5) == before


def test_another_organisations_questionnaire_is_not_found(
    app: Flask, kari: FlaskClient, round_id: int
) -> None:
    page_id, by_key = ids(app, round_id, 5)
    before = keys(app, round_id, 5)
    other = app.test_client()
    login(other, PEOPLE["nabo"].email)
    response = post_form(
        other,
        f"/skjema/{round_id}/sider/{page_id}/rekkefolge",
        {"order": ",".join(str(i) for i in list(by_key.values())[::-1])},
        page="/skjema/",
    )
    assert response.status_code == 404
    # Kari's own round with a page of another round is not found either.
    second = create(kari)
    response = reorder(kari, second, page_id, list(by_key.values())[::-1])
    assert response.status_code == 404
    assert keys(app, round_id, 5) == before


def test_the_csrf_token_is_required(app: Flask, kari: FlaskClient, round_id: int) -> None:
    page_id, by_key = ids(app, round_id, 5)
    before = keys(app, round_id, 5)
    response = kari.post(
        f"/skjema/{round_id}/sider/{page_id}/rekkefolge",
        data={"order": ",".join(str(i) for i in list(by_key.values())[::-1])},
    )
    assert response.status_code == 400
    response = kari.post(
        f"/skjema/{round_id}/sider/{page_id}/rekkefolge",
        data={"order": ",".join(str(i) for i in by_key.values()), "csrf_token": "forged"},
    )
    assert response.status_code == 400
    assert keys(app, round_id, 5) == before
