"""The front for respondents' blank pages (feedback.respond.front): a kept first page or
thank-you page is given again without entering Flask, only to a request that would get the same
page, and only while the worker's copy of the round may be used without asking the database."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, request_started
from flask.testing import FlaskClient

from feedback.models import Response
from tests.respond.conftest import TOKEN, Respondent, Survey
from tests.respond.test_answering import count, walk_pages
from tests.respond.test_cache import raw_update, title
from tests.respond.test_cache_copies import RECHECK


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
