"""The front for respondents (feedback.respond.front): a kept first page or thank-you page is
given again without entering Flask, only to a request that would get the same page, and only
while the worker's copy of the round may be used without asking the database; the last page of
such a questionnaire is stored there when everything is in order, as Flask would store it, and
anything else goes on to Flask unchanged."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, request_started
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from feedback.extensions import db
from feedback.models import AnswerTally, Response
from feedback.respond import front, writes
from tests.respond.conftest import TOKEN, Respondent, Survey
from tests.respond.test_answering import count, page_form, walk_pages
from tests.respond.test_cache import raw_update, title
from tests.respond.test_cache_copies import RECHECK, at_last_page
from tests.shared import publish_now


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"PUBLIC_RECHECK_SECONDS": RECHECK}


@pytest.fixture
def through_flask(app: Flask) -> list[str]:
    """The paths of the requests that entered Flask."""
    seen: list[str] = []

    def started(sender: Flask, **extra: Any) -> None:
        from flask import request

        seen.append(request.full_path.rstrip("?"))

    request_started.connect(started, app)
    yield seen
    request_started.disconnect(started, app)


def without_token(html: str) -> str:
    match = TOKEN.search(html)
    return html.replace(match.group(1), "TOKEN") if match else html


def test_a_kept_first_page_is_given_again_without_flask(
    client: FlaskClient, survey: Survey, clock: list[float], through_flask: list[str]
) -> None:
    first = client.get(survey.link)
    again = [client.get(survey.link) for _ in range(3)]
    assert through_flask == [survey.link]
    for response in again:
        assert response.status_code == first.status_code == 200
        headers = {k: v for k, v in response.headers.items() if k != "Content-Length"}
        assert headers == {k: v for k, v in first.headers.items() if k != "Content-Length"}
        assert response.headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in response.headers
        assert int(response.headers["Content-Length"]) == len(response.get_data())
        assert without_token(response.get_data(as_text=True)) == without_token(
            first.get_data(as_text=True)
        )
    tokens = {TOKEN.search(r.get_data(as_text=True)).group(1) for r in [first, *again]}  # type: ignore[union-attr]
    assert len(tokens) == 4


def test_a_token_from_the_front_works_once(
    app: Flask, client: FlaskClient, survey: Survey, clock: list[float], through_flask: list[str]
) -> None:
    client.get(survey.link)
    r = Respondent(client, survey.link).start()
    assert through_flask == [survey.link]
    for answers in walk_pages(str(survey.units["Aktivitetshuset"])):
        r.send(answers)
    assert r.response.status_code == 303
    assert count(app, Response) == 1
    # The thank-you page is kept too.
    thanks = r.response.headers["Location"]
    pages = [client.get(thanks) for _ in range(2)]
    assert [p.status_code for p in pages] == [200, 200]
    assert pages[0].get_data() == pages[1].get_data()
    assert through_flask.count(thanks) == 1


@pytest.mark.parametrize(
    ("how", "expected", "rendered"),
    [
        ({"headers": {"Accept-Language": "en-GB,en;q=0.9"}}, "User survey 2026", 2),
        ({"query_string": {"sprak": "en"}}, "User survey 2026", 2),
        ({"cookie": "en"}, "User survey 2026", 2),
        ({"headers": {"Accept-Language": "da, nn;q=0.8"}}, "Brukarundersøking 2026", 2),
        # A browser language that leads to bokmål gets the bokmål page already kept.
        ({"headers": {"Accept-Language": "da, no;q=0.8"}}, "Brukerundersøkelse 2026", 1),
    ],
)
def test_each_language_gets_its_own_page(
    app: Flask,
    client: FlaskClient,
    survey: Survey,
    clock: list[float],
    through_flask: list[str],
    how: dict[str, Any],
    expected: str,
    rendered: int,
) -> None:
    asking = app.test_client()
    if "cookie" in how:
        asking.set_cookie("sprak", how.pop("cookie"))
    bokmal = title(client.get(survey.link).get_data(as_text=True))
    for _ in range(2):
        asked = title(asking.get(survey.link, **how).get_data(as_text=True))
        assert asked == expected
        assert title(client.get(survey.link).get_data(as_text=True)) == bokmal
    # Each page was rendered by Flask once.
    assert len(through_flask) == rendered


def test_a_signed_in_session_and_other_methods_always_go_to_flask(
    client: FlaskClient, survey: Survey, clock: list[float], through_flask: list[str]
) -> None:
    client.get(survey.link)
    with client.session_transaction() as session:
        session["_user_id"] = "1"
    client.get(survey.link)
    client.head(survey.link)
    client.delete_cookie("brukerstemmen")
    client.head(survey.link)
    assert through_flask == [survey.link] * 4
    # An address with more than the language in it is never kept.
    for _ in range(2):
        assert client.get(survey.link + "?sprak=nb&kilde=plakat").status_code == 200
    assert through_flask[-2:] == [survey.link + "?sprak=nb&kilde=plakat"] * 2
    assert client.get("/s/ukjent").status_code == 404
    assert client.get("/s/ukjent").status_code == 404
    assert through_flask[-2:] == ["/s/ukjent", "/s/ukjent"]


def test_the_front_stops_when_the_round_must_be_checked_again(
    app: Flask, client: FlaskClient, survey: Survey, clock: list[float], through_flask: list[str]
) -> None:
    assert client.get(survey.link).status_code == 200
    raw_update(app, "UPDATE survey_round SET status = 'closed' WHERE id = :id", id=survey.round_id)
    clock[0] += RECHECK - 1
    assert client.get(survey.link).status_code == 200
    assert through_flask == [survey.link]
    clock[0] += 2
    assert client.get(survey.link).status_code == 410
    assert client.get(survey.link).status_code == 410
    assert through_flask == [survey.link] * 3


def test_a_page_kept_before_a_recheck_is_not_given_after_it(
    app: Flask, client: FlaskClient, survey: Survey, clock: list[float], through_flask: list[str]
) -> None:
    """Each recheck renews the time from the database check, not from the page's first use."""
    client.get(survey.link)
    clock[0] += RECHECK + 1
    client.get(survey.link)  # checks the database again
    clock[0] += RECHECK - 1
    client.get(survey.link)
    assert len(through_flask) == 2
    clock[0] += 2
    client.get(survey.link)
    assert len(through_flask) == 3


# --- sending in at the front -------------------------------------------------------------------


def answers_stored(app: Flask) -> list[tuple[object, ...]]:
    """Every response with its answers, as stored, without its random id."""
    with app.app_context():
        responses = db.session.scalars(sa.select(Response).order_by(Response.id)).all()
        return sorted(
            (
                r.unit_id,
                r.channel,
                r.submitted_on,
                tuple(sorted((a.question_id, a.position, a.value, a.number) for a in r.answers)),
            )
            for r in responses
        )


def tallies(app: Flask) -> list[tuple[object, ...]]:
    with app.app_context():
        return sorted(
            db.session.execute(
                sa.select(
                    AnswerTally.question_id, AnswerTally.unit_key, AnswerTally.value, AnswerTally.n
                )
            ).all()
        )


def test_the_last_page_is_stored_at_the_front_as_flask_stores_it(
    app: Flask,
    client: FlaskClient,
    survey: Survey,
    clock: list[float],
    through_flask: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unit = str(survey.units["Aktivitetshuset"])
    with monkeypatch.context() as flask_only:
        flask_only.setattr(front.Front, "_store_answers", lambda *args: None)
        r, pages = at_last_page(client, survey.link, unit)
        by_flask = r.send(pages[-1])
    stored_by_flask = answers_stored(app)
    assert len(stored_by_flask) == 1

    seen = len(through_flask)
    r, pages = at_last_page(client, survey.link, unit)
    last = page_form(r, pages[-1])
    at_front = client.post(survey.link, data=last)
    # The first two pages went to Flask; the last one did not.
    assert len(through_flask) == seen + 2
    assert at_front.status_code == by_flask.status_code == 303
    assert at_front.headers["Location"] == by_flask.headers["Location"]
    assert at_front.headers["Location"].endswith(f"/s/{survey.token}/takk?sprak=nb")
    assert dict(at_front.headers) == dict(by_flask.headers)
    assert at_front.get_data() == by_flask.get_data()
    # Stored the same way: the same unit, channel, date and answers; each counted once.
    stored = answers_stored(app)
    assert len(stored) == 2 and stored[0] == stored[1] == stored_by_flask[0]
    with app.app_context():
        publish_now(survey.round_id)
    assert {n for *_key, n in tallies(app)} == {2}
    # Sent again (a double-click): Flask finds the token used and shows the thank-you page.
    again = client.post(survey.link, data=last)
    assert again.status_code == 303 and again.headers["Location"] == at_front.headers["Location"]
    assert through_flask[-1] == survey.link
    assert count(app, Response) == 2


def test_a_unit_link_is_stored_at_the_front_with_its_unit(
    app: Flask, client: FlaskClient, survey: Survey, clock: list[float], through_flask: list[str]
) -> None:
    seen = len(through_flask)
    r, pages = at_last_page(client, survey.unit_link("Aktivitetshuset"), None)
    assert r.send(pages[-1]).status_code == 303
    # Flask gave the first page and took the first two pages; the front took the last.
    assert len(through_flask) == seen + 3
    [(unit_id, channel, *_rest)] = answers_stored(app)
    assert (unit_id, channel) == (survey.units["Aktivitetshuset"], "unit_link")


@pytest.mark.parametrize(
    ("how", "language"),
    [
        ({"form": {"sprak": "nn"}}, "nn"),
        ({"form": {"sprak": "xx"}, "headers": {"Accept-Language": "en"}}, "en"),
        ({"headers": {"Accept-Language": "nn-NO"}}, "nn"),
        ({"cookie": "en", "headers": {"Accept-Language": "nn"}}, "en"),
        ({"query": "sprak=en", "form": {"sprak": "nn"}}, "en"),
        # An empty one in the address counts as none chosen, as public.language() reads it.
        ({"query": "sprak=", "form": {"sprak": "nn"}, "headers": {"Accept-Language": "en"}}, "en"),
    ],
)
def test_the_front_thanks_in_the_language_flask_would(
    app: Flask,
    client: FlaskClient,
    survey: Survey,
    clock: list[float],
    through_flask: list[str],
    how: dict[str, Any],
    language: str,
) -> None:
    if "cookie" in how:
        client.set_cookie("sprak", how["cookie"])
    r, pages = at_last_page(client, survey.link, str(survey.units["Aktivitetshuset"]))
    form = [(k, v) for k, v in page_form(r, pages[-1]).items(multi=True) if k != "sprak"]
    form += list(how.get("form", {}).items())
    url = survey.link + (f"?{how['query']}" if "query" in how else "")
    seen = len(through_flask)
    sent = client.post(url, data=MultiDict(form), headers=how.get("headers", {}))
    assert len(through_flask) == seen
    assert sent.status_code == 303
    assert sent.headers["Location"].endswith(f"/takk?sprak={language}")
    assert count(app, Response) == 1


@pytest.mark.parametrize(
    "case",
    [
        "a problem on the last page",
        "no unit chosen",
        "a unit that is not one of them",
        "a language button",
        "a made-up form token",
        "signed in",
        "not a form",
        "a copy to check again",
    ],
)
def test_what_the_front_cannot_store_goes_to_flask_unchanged(
    app: Flask,
    client: FlaskClient,
    survey: Survey,
    clock: list[float],
    through_flask: list[str],
    case: str,
) -> None:
    r, pages = at_last_page(client, survey.link, str(survey.units["Aktivitetshuset"]))
    form = page_form(r, pages[-1])
    kwargs: dict[str, Any] = {}
    expected, stored = 400, 0
    if case == "a problem on the last page":
        form["q-age"] = "tretti"
    elif case == "no unit chosen":
        form.pop("enhet")
    elif case == "a unit that is not one of them":
        form["enhet"] = "999999"
    elif case == "a language button":
        form["bytt"] = "en"
        expected = 200
    elif case == "a made-up form token":
        form["skjema"] = "ikke-et-skjema"
    elif case == "signed in":
        with client.session_transaction() as session:
            session["_user_id"] = "1"
        expected, stored = 303, 1
    elif case == "not a form":
        kwargs = {"content_type": "application/json", "data": "{}"}
        expected = 200  # no form token: the first page, as for a GET
    elif case == "a copy to check again":
        clock[0] += RECHECK + 1
        expected, stored = 303, 1
    seen = len(through_flask)
    sent = client.post(survey.link, **(kwargs or {"data": form}))
    assert through_flask[seen:] == [survey.link]
    assert sent.status_code == expected
    assert count(app, Response) == stored
    if expected == 400:
        # The person's answers are on the page again.
        assert 'value="Trygt"' in sent.get_data(as_text=True)


def test_a_store_that_fails_at_the_front_is_not_tried_again(
    app: Flask,
    client: FlaskClient,
    survey: Survey,
    clock: list[float],
    through_flask: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database fails once: Flask shows the page that keeps the answers (503) without a
    second try; sent again, they are stored once."""
    tries: list[str] = []
    write_alone = writes.write_alone

    def failing(connection: Any, *args: Any) -> writes.Outcome:
        tries.append("store")
        if len(tries) == 1:
            raise db.engine.dialect.loaded_dbapi.OperationalError("the disk is away")
        return write_alone(connection, *args)

    monkeypatch.setattr(writes, "write_alone", failing)
    seen = len(through_flask)
    r, pages = at_last_page(client, survey.link, str(survey.units["Aktivitetshuset"]))
    failed = r.send(pages[-1])
    assert failed.status_code == 503
    assert tries == ["store"]
    # The first page and every page sent went to Flask, the last one after the front's try.
    assert through_flask[seen:] == [survey.link] * 4
    assert 'value="Trygt"' in failed.get_data(as_text=True)
    assert count(app, Response) == 0
    assert r.send(pages[-1]).status_code == 303
    assert tries == ["store", "store"]
    assert count(app, Response) == 1
