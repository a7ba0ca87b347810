"""No difference over time (docs/design.md rule 3): what a reader sees at two moments differs
only by groups that themselves pass the small-group rule.

The attack: read everything a manager and a quality-group member can read, let one person
answer (or use the one code of a batch), run the hourly publication, and read everything again.
Before this rule, the two readings differed by exactly that person's answers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.fieldwork import services as fieldwork
from feedback.models import SurveyRound, Unit
from feedback.models.base import today
from feedback.models.survey import CHANNELS
from feedback.questionnaire import runtime
from feedback.respond import services as respond
from feedback.results import publish
from tests.conftest import csrf_token
from tests.world import ResultsPlace, make_token, store_many, store_response

#: Answers that many people give, so that most selections are shown.
COMMON = {
    "listened": "4",
    "food": "good",
    "activities": ["walk"],
    "group": "no",
    "age": "40",
    "score": "7",
    "mood": "3",
}
#: The person the insider wants to read.
TARGET = {
    "listened": "1",
    "food": "bad",
    "activities": ["art", "cook"],
    "group": "yes",
    "why": "Gruppa er alt for meg.",
    "age": "23",
    "score": "2",
    "mood": "1",
    "word": "Ensomt",
}

#: Parts of a page that change on every load whatever the data (form keys).
_VOLATILE = re.compile(rb'(name="csrf_token"[^>]*value="|nonce=")[^"]*"')


def _seed(place: ResultsPlace) -> None:
    """Published answers at three units and two ways of answering: most selections shown."""
    for unit in ("Solsiden", "Møteplassen", "Døra"):
        for channel in ("link", "kiosk"):
            store_many(place.round_id, 6, COMMON, unit=place.units[unit], channel=channel)
    store_many(
        place.round_id, 6, {**COMMON, "food": "ok", "group": "yes"}, unit=place.units["Tunet"]
    )


def _urls(app: Flask, place: ResultsPlace) -> Iterator[str]:
    """Every page, download and feed a reader of results can ask for about the round, under
    every selection the selection form and the API offer."""
    base = place.url()
    pages: list[str] = [""]
    api: list[str] = [""]
    for name, unit in place.units.items():
        pages.append(f"enhet={unit}")
        api.append(f"unit={unit}")
        if name == "Solsiden":
            pages.append(f"enhet={unit}&kanal=link")
            api.append(f"unit={unit}&channel=link")
    for channel in CHANNELS:
        pages.append(f"kanal={channel}")
        api.append(f"channel={channel}")
    with app.app_context():
        round_ = db.session.get(SurveyRound, place.round_id)
        assert round_ is not None
        for question in round_.questions:
            if question.kind in ("single_choice", "multiple_choice", "yes_no"):
                for value in runtime.values_of(question):
                    pages.append(f"svar={question.id}:{value}")
                    api.append(f"question={question.id}&value={value}")
    yield from ("/", "/resultater/", "/leder/", f"{base}/last-ned", f"{base}/vurdering")
    for query in pages:
        yield f"{base}?{query}"
        yield f"{base}/sporsmal?{query}"  # the questions tab: every figure and table
        yield f"{base}/resultater.csv?{query}"
    # The other views read the same counts: the whole round and one unit each.
    for query in pages[:2]:
        for suffix in ("/fritekst", "/sammenlign", "/utvikling", "/rapport", "/svar.csv"):
            yield f"{base}{suffix}?{query}"
    yield from ("/api/v1/rounds", f"/api/v1/rounds/{place.round_id}")
    for query in api:
        yield f"/api/v1/rounds/{place.round_id}/results?{query}"
    for page in ("feltarbeid", "feltarbeid.json", "koder", "lenker", "papir"):
        yield f"/skjema/{place.round_id}/{page}"


def _read_everything(clients: dict[str, FlaskClient], urls: list[str]) -> dict[str, bytes]:
    """Each reader's view of every address (the API with the reader's own token)."""
    seen = {}
    for who, client in clients.items():
        headers = {"Authorization": f"Bearer {client.token}"}  # type: ignore[attr-defined]
        for url in urls:
            response = client.get(url, headers=headers if url.startswith("/api/") else {})
            seen[f"{who} {url} {response.status_code}"] = _VOLATILE.sub(b"", response.data)
    return seen


def _differences(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    return sorted(key for key in {*before, *after} if before.get(key) != after.get(key))


def _hourly_run(app: Flask) -> list[tuple[int, int]]:
    """What ``flask schedule`` publishes: (responses published, responses waiting) per round."""
    with app.app_context():
        return [(o.published, o.waiting) for o in publish.publish_due()]


def test_readers_see_no_difference_of_fewer_than_k_over_time(
    app: Flask, results_place: ResultsPlace, results_client: Callable[[str], FlaskClient]
) -> None:
    place = results_place
    with app.app_context():
        _seed(place)
        round_ = db.session.get(SurveyRound, place.round_id)
        solsiden = db.session.get(Unit, place.units["Solsiden"])
        assert round_ is not None and solsiden is not None
        (code,) = fieldwork.batch_codes(round_, fieldwork.make_codes(round_, 1, solsiden))
        code_value = code.code
        db.session.commit()
    clients = {"kari": results_client("kari"), "leder": results_client("leder")}
    for who, client in clients.items():
        client.token = make_token(app, place.people[who], place.org)  # type: ignore[attr-defined]
    urls = list(_urls(app, place))
    before = _read_everything(clients, urls)
    # The readings hold the numbers: each reader sees the results, the API gives them.
    for who in clients:
        body = before[f"{who} /api/v1/rounds/{place.round_id}/results? 200"]
        assert json.loads(body)["responses"] == 42

    # One person answers through a link at Solsiden; the hourly run keeps the last snapshot.
    with app.app_context():
        store_response(place.round_id, TARGET, unit=place.units["Solsiden"], publish=False)
    assert _hourly_run(app) == [(0, 1)]
    assert _differences(before, _read_everything(clients, urls)) == []

    # The one code of a batch handed to one known person is used.
    with app.app_context():
        round_ = db.session.get(SurveyRound, place.round_id)
        found = respond.find_code(code_value)
        assert round_ is not None and found is not None
        respond.store(
            round_,
            {key: [v] if isinstance(v, str) else list(v) for key, v in TARGET.items()},
            unit=found.unit,
            channel="code",
            nonce="0" * 32,
            code=found.code,
        )
        db.session.commit()
    assert _hourly_run(app) == [(0, 2)]
    assert _differences(before, _read_everything(clients, urls)) == []

    # Two more (four waiting, one short of k): still nothing to see.
    with app.app_context():
        store_many(place.round_id, 2, COMMON, unit=place.units["Solsiden"], publish=False)
    assert _hourly_run(app) == [(0, 4)]
    assert _differences(before, _read_everything(clients, urls)) == []

    # The other side, so that the test could fail: enough newcomers, in groups of k or more
    # wherever they differ, and the numbers are published and seen.
    with app.app_context():
        store_many(place.round_id, 4, TARGET, unit=place.units["Solsiden"], publish=False)
        store_many(
            place.round_id, 4, TARGET, unit=place.units["Solsiden"], channel="code", publish=False
        )
        store_many(place.round_id, 3, COMMON, unit=place.units["Solsiden"], publish=False)
    assert _hourly_run(app) == [(15, 0)]
    changed = _differences(before, _read_everything(clients, urls))
    assert f"leder /api/v1/rounds/{place.round_id}/results? 200" in changed
    assert f"kari {place.url()}/sporsmal? 200" in changed  # the questions tab shows them too
    with app.app_context():
        round_ = db.session.get(SurveyRound, place.round_id)
        assert round_ is not None and round_.results_published_on is not None


def test_a_difference_that_one_selection_would_show_is_held_back(
    app: Flask, results_place: ResultsPlace
) -> None:
    """Five new answers, but one of them by another way of answering than the rest: the
    kiosk's numbers would change by one person, so nothing is published."""
    with app.app_context():
        _seed(results_place)
        solsiden = results_place.units["Solsiden"]
        store_many(results_place.round_id, 4, COMMON, unit=solsiden, publish=False)
        store_response(
            results_place.round_id, COMMON, unit=solsiden, channel="kiosk", publish=False
        )
        round_ = db.session.get(SurveyRound, results_place.round_id)
        assert round_ is not None
        assert not publish.difference_passes(round_)
        assert publish.publish_due()[0].published == 0
        # Four more at the kiosk: the kiosk's numbers would change by five, but Solsiden's
        # answers by link (shown on their own, as every unit and way holds five or more) by
        # four: still nothing.
        store_many(results_place.round_id, 4, COMMON, unit=solsiden, channel="kiosk", publish=False)
        assert publish.publish_due()[0].published == 0
        # One more by link: now every part of the difference holds five or more.
        store_response(results_place.round_id, COMMON, unit=solsiden, publish=False)
        assert [o.published for o in publish.publish_due()] == [10]


def test_a_follow_up_question_few_newcomers_answered_holds_the_publication_back(
    app: Flask, results_place: ResultsPlace
) -> None:
    """Five newcomers, one of whom answered the follow-up question: its numbers would change by
    one person."""
    with app.app_context():
        _seed(results_place)
        tunet = results_place.units["Tunet"]
        store_many(results_place.round_id, 4, COMMON, unit=tunet, publish=False)
        store_response(
            results_place.round_id,
            {**COMMON, "group": "yes", "why": "Fint"},
            unit=tunet,
            publish=False,
        )
        round_ = db.session.get(SurveyRound, results_place.round_id)
        assert round_ is not None
        assert not publish.difference_passes(round_)


def test_a_closed_round_publishes_its_final_state(
    app: Flask, results_place: ResultsPlace, results_client: Callable[[str], FlaskClient]
) -> None:
    """Closing by hand publishes at once; a round closed on its date, at the next run."""
    from feedback.designer import schedule

    with app.app_context():
        _seed(results_place)
        store_response(
            results_place.round_id, TARGET, unit=results_place.units["Tunet"], publish=False
        )
        round_ = db.session.get(SurveyRound, results_place.round_id)
        assert round_ is not None
        assert publish.waiting_count(round_) == 1
    kari = results_client("kari")
    closed = kari.post(
        f"/skjema/{results_place.round_id}/status",
        data={
            "csrf_token": csrf_token(kari, f"/skjema/{results_place.round_id}"),
            "action": "close",
        },
    )
    assert closed.status_code == 302
    with app.app_context():
        round_ = db.session.get(SurveyRound, results_place.round_id)
        assert round_ is not None and round_.status == "closed"
        assert publish.waiting_count(round_) == 0

        # One that was stored as the round closed (it passed the round check just before the
        # close was committed): the next run publishes it, whatever the difference.
        respond_store_as_if_open(results_place.round_id)
        assert [(o.published, o.waiting) for o in publish.publish_due()] == [(1, 0)]
        assert schedule.apply_schedule() == 0


def respond_store_as_if_open(round_id: int) -> None:
    """A response that slipped in as the round closed, written as the store writes it."""
    from feedback.models import Response

    db.session.add(
        Response(id="f" * 32, round_id=round_id, unit_id=None, channel="link", submitted_on=today())
    )
    db.session.commit()
