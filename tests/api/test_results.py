"""Rounds, their results and units through the API: the same numbers as the answers, the same
small-group suppression and manager scope as the results pages, and 400/404 in JSON."""

from __future__ import annotations

import json
import secrets
from collections import Counter
from typing import Any

import pytest
from flask import Flask

from feedback.designer import services as designer
from feedback.extensions import db
from feedback.models import Organisation, Unit
from feedback.models.base import today
from feedback.respond import services as respond
from tests.api.conftest import SECRET_TEXT, Survey, questionnaire
from tests.shared import publish_now
from tests.world import Api, Place


def numbers_in(value: Any) -> list[float]:
    """Every number anywhere in a JSON value."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [value]
    if isinstance(value, dict):
        return [n for item in value.values() for n in numbers_in(item)]
    if isinstance(value, list):
        return [n for item in value for n in numbers_in(item)]
    return []


def question(results: dict[str, Any], key: str) -> dict[str, Any]:
    return next(q for q in results["questions"] if q["key"] == key)


def expected(survey: Survey, key: str, units: set[str | None] | None = None) -> Counter[str]:
    """What was answered to a question, counted here from what the fixture stored."""
    counted: Counter[str] = Counter()
    for unit, _channel, answers in survey.stored:
        if units is None or unit in units:
            counted.update(answers.get(key, []))
    return counted


def test_rounds_with_results_are_listed_with_their_totals(
    app: Flask, place: Place, api: Api, survey: Survey, tokens: dict[str, str]
) -> None:
    with app.app_context():
        org = db.session.get(Organisation, place.org)
        draft = designer.create_round(org, None, questionnaire(), source="test")
        few = designer.create_round(org, None, questionnaire(), source="test")
        few.status = "closed"
        db.session.flush()
        for _ in range(2):  # typed in from paper: a closed round takes no answers by link
            respond.store(
                few, {"food": ["good"]}, unit=None, channel="paper", nonce=secrets.token_hex(16)
            )
            db.session.commit()
        publish_now(few.id)
        empty = designer.create_round(org, None, questionnaire(), source="test")
        empty.status = "archived"
        db.session.commit()
        ids = {"draft": draft.id, "few": few.id, "empty": empty.id}

    listed = {r["id"]: r for r in api.json("/rounds", tokens["kari"])["rounds"]}
    assert ids["draft"] not in listed
    assert listed[survey.round_id]["responses"] == len(survey.stored) == 28
    assert listed[ids["few"]]["responses"] is None  # 2 < k: held back, as on the results page
    assert listed[ids["empty"]]["responses"] == 0
    mine = listed[survey.round_id]
    assert mine["title"] == {"nb": "Brukerundersøkelse 2026", "nn": None, "en": "User survey 2026"}
    assert mine["status"] == "open" and mine["number"] == 1
    # Managers see the same list: round totals are for everyone who reads results.
    assert api.json("/rounds", tokens["leder"]) == api.json("/rounds", tokens["kari"])
    assert api.get(f"/rounds/{ids['draft']}", tokens["kari"]).status_code == 404


def test_a_round_has_its_questions_and_options(
    api: Api, survey: Survey, tokens: dict[str, str]
) -> None:
    found = api.json(f"/rounds/{survey.round_id}", tokens["kari"])
    assert [q["key"] for q in found["questions"]] == [
        "listened", "food", "group", "activities", "age", "why",
    ]  # fmt: skip
    assert [q["number"] for q in found["questions"]] == [1, 2, 3, 4, 5, 6]
    food = found["questions"][1]
    assert food["kind"] == "single_choice"
    assert food["text"]["en"] == "How is the food?"
    assert food["options"] == [
        {"value": "good", "label": {"nb": "God", "nn": None, "en": "Good"}},
        {"value": "bad", "label": {"nb": "Dårlig", "nn": None, "en": "Bad"}},
    ]
    assert [o["value"] for o in found["questions"][0]["options"]] == ["1", "2", "3", "4", "5"]
    assert found["questions"][5]["options"] == []
    assert found["responses"] == 28


def test_results_count_what_was_answered(
    api: Api, place: Place, survey: Survey, tokens: dict[str, str]
) -> None:
    results = api.json(f"/rounds/{survey.round_id}/results", tokens["kari"])
    assert results["shown"] is True and results["responses"] == 28 and results["k"] == 5

    food = question(results, "food")
    answered = expected(survey, "food")
    assert {a["value"]: a["count"] for a in food["answers"]} == dict(answered)
    assert food["n"] == food["valid"] == 28 and food["mean"] is None
    assert {a["value"]: a["share"] for a in food["answers"]} == {
        value: round(n / 28, 4) for value, n in answered.items()
    }

    listened = question(results, "listened")
    scores = expected(survey, "listened")
    dont_know = scores.pop("dont_know")
    valid = sum(scores.values())
    assert (listened["n"], listened["valid"], listened["dont_know"]) == (28, valid, dont_know)
    mean = sum(int(v) * n for v, n in scores.items()) / valid
    assert listened["mean"]["value"] == round(mean, 4)
    assert listened["mean"]["low"] < listened["mean"]["value"] < listened["mean"]["high"]
    assert listened["mean"]["n"] == valid

    # A unit with the units below it, and a channel: counted the same way.
    solsiden = api.json(
        f"/rounds/{survey.round_id}/results", tokens["kari"], unit=place.units["Solsiden"]
    )
    assert solsiden["responses"] == 12
    assert solsiden["selection"] == {
        "unit": place.units["Solsiden"], "channel": None, "question": None, "value": None,
    }  # fmt: skip
    counted = {a["value"]: a["count"] for a in question(solsiden, "group")["answers"]}
    assert counted == dict(expected(survey, "group", {"Solsiden"}))
    top = api.json(
        f"/rounds/{survey.round_id}/results", tokens["kari"], unit=place.units["Psykisk helse"]
    )
    assert top["responses"] == 20
    link = api.json(f"/rounds/{survey.round_id}/results", tokens["kari"], channel="link")
    assert link["responses"] == 22

    # Only those who answered "yes" to a yes/no question.
    yes = api.json(
        f"/rounds/{survey.round_id}/results",
        tokens["kari"],
        question=survey.question_ids["group"],
        value="yes",
    )
    assert yes["responses"] == expected(survey, "group")["yes"] == 14
    assert {a["value"]: a["count"] for a in question(yes, "group")["answers"]} == {
        "yes": 14,
        "no": 0,
    }


def test_free_text_never_leaves_the_app(api: Api, survey: Survey, tokens: dict[str, str]) -> None:
    bodies = [
        api.get(f"/rounds/{survey.round_id}/results", tokens["kari"]).get_data(as_text=True),
        api.get(f"/rounds/{survey.round_id}", tokens["kari"]).get_data(as_text=True),
    ]
    for body in bodies:
        assert "Hemmelig" not in body and "Nordmann" not in body
        assert SECRET_TEXT not in json.loads(body).__repr__()
    why = question(json.loads(bodies[0]), "why")
    assert why["shown"] is True and why["n"] == 28 and why["answers"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"unit": "Døra"},  # two responses
        {"unit": "Rusteamet"},  # Døra's two are all it has
        {"channel": "paper"},  # the same two, by channel
        {"unit": "Solsiden", "channel": "kiosk"},  # four
    ],
)
def test_small_groups_are_answered_without_a_single_number(
    api: Api, place: Place, survey: Survey, tokens: dict[str, str], params: dict[str, str]
) -> None:
    query: dict[str, Any] = dict(params)
    if "unit" in query:
        query["unit"] = place.units[query["unit"]]
    body = api.json(f"/rounds/{survey.round_id}/results", tokens["kari"], **query)
    assert body["results_published_on"] == today().isoformat()
    assert body == {
        "round": survey.round_id,
        "results_published_on": body["results_published_on"],
        "selection": {
            "unit": query.get("unit"),
            "channel": query.get("channel"),
            "question": None,
            "value": None,
        },
        "shown": False,
        "reason": "too_few",
    }
    assert sorted(numbers_in(body)) == sorted([survey.round_id, *numbers_in(body["selection"])])


def test_a_question_few_answered_is_hidden_on_its_own(
    app: Flask, place: Place, api: Api, tokens: dict[str, str]
) -> None:
    with app.app_context():
        org = db.session.get(Organisation, place.org)
        round_ = designer.create_round(org, None, questionnaire(), source="test")
        round_.status = "open"
        db.session.commit()
        for index in range(10):
            answers = {"food": ["good"], "age": [str(30 + index)]}
            if index < 2:
                answers["group"] = ["yes"]  # only two answered this one
            respond.store(round_, answers, unit=None, channel="link", nonce=secrets.token_hex(16))
            db.session.commit()
        publish_now(round_.id)
        round_id = round_.id
    results = api.json(f"/rounds/{round_id}/results", tokens["kari"])
    assert results["shown"] is True and results["responses"] == 10
    group = question(results, "group")
    assert group == {
        "question": group["question"],
        "key": "group",
        "number": 3,
        "kind": "yes_no",
        "shown": False,
        "reason": "too_few",
    }
    assert question(results, "food")["answers"][0]["count"] == 10
    # A number question is counted in ranges, labelled the same in every language; the first
    # and last are open (30 to 39, k = 5: "34 or less" and "35 or more"), so neither the
    # youngest nor the oldest shows.
    ages = question(results, "age")
    assert [(a["value"], a["count"]) for a in ages["answers"]] == [("..34", 5), ("35..", 5)]
    assert ages["answers"][0]["label"] == {"nb": "≤ 34", "nn": "≤ 34", "en": "≤ 34"}
    assert ages["mean"]["value"] == 34.5


def test_managers_read_the_totals_and_their_own_units(
    api: Api, place: Place, survey: Survey, tokens: dict[str, str]
) -> None:
    results = f"/rounds/{survey.round_id}/results"
    leder, rusleder = tokens["leder"], tokens["rusleder"]
    assert api.json(results, leder)["responses"] == 28
    assert api.json(results, leder, unit=place.units["Solsiden"])["responses"] == 12
    for unit in ("Døra", "Rusteamet"):
        response = api.get(results, leder, unit=place.units[unit])
        assert response.status_code == 404
        assert response.get_json()["error"] == "not_found"
    assert api.get(results, rusleder, unit=place.units["Solsiden"]).status_code == 404
    # Their own unit, but too few answered there: not a 404, and still no numbers.
    assert api.json(results, rusleder, unit=place.units["Døra"])["shown"] is False


@pytest.mark.parametrize(
    ("params", "wrong"),
    [
        ({"unit": "abc"}, {"unit"}),
        ({"unit": "1.5"}, {"unit"}),
        ({"unit": "-1"}, {"unit"}),
        ({"unit": "99999999999999999999999"}, {"unit"}),
        ({"unit": "4000"}, {"unit"}),  # no such unit
        ({"channel": "email"}, {"channel"}),
        ({"value": "yes"}, {"value"}),  # an answer without its question
        ({"question": "abc", "value": "yes"}, {"question"}),
        ({"question": "4000", "value": "yes"}, {"question"}),
        ({"question": "listened", "value": "3"}, {"question"}),  # not a choice question
        ({"question": "group"}, {"value"}),  # a question without the answer
        ({"question": "group", "value": "maybe"}, {"value"}),
        ({"unit": "x", "channel": "y", "value": "z"}, {"unit", "channel", "value"}),
    ],
)
def test_bad_parameters_get_400_with_a_message_for_each(
    api: Api,
    place: Place,
    survey: Survey,
    tokens: dict[str, str],
    params: dict[str, str],
    wrong: set[str],
) -> None:
    if params.get("question") in survey.question_ids:
        params = {**params, "question": str(survey.question_ids[params["question"]])}
    response = api.get(f"/rounds/{survey.round_id}/results", tokens["kari"], **params)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "bad_request"
    assert set(body["parameters"]) == wrong
    assert all(isinstance(m, str) and m for m in body["parameters"].values())


def test_another_organisations_unit_is_unknown(
    api: Api, place: Place, survey: Survey, tokens: dict[str, str]
) -> None:
    response = api.get(f"/rounds/{survey.round_id}/results", tokens["kari"], unit=place.other_unit)
    assert response.status_code == 400
    assert set(response.get_json()["parameters"]) == {"unit"}


def test_unknown_rounds_addresses_and_methods_are_answered_in_json(
    api: Api, survey: Survey, tokens: dict[str, str]
) -> None:
    for path in (
        "/rounds/99999",
        "/rounds/99999/results",
        "/rounds/99999999999999999999",
        "/rounds/abc",
        "/rounds/-1/results",
        "/nothing-here",
    ):
        response = api.get(path, tokens["kari"])
        assert response.status_code == 404, path
        assert response.get_json()["error"] == "not_found", path
        assert response.headers["Cache-Control"] == "no-store"
    posted = api.client.post(
        "/api/v1/rounds", headers={"Authorization": f"Bearer {tokens['kari']}"}
    )
    assert posted.status_code == 405
    assert posted.get_json()["error"] == "method_not_allowed"
    assert "GET" in posted.headers["Allow"]


def test_units_are_listed_as_a_tree(
    app: Flask, api: Api, place: Place, tokens: dict[str, str]
) -> None:
    with app.app_context():
        db.session.get(Unit, place.units["Døra"]).active = False
        db.session.commit()
    units = api.json("/units", tokens["leder"])["units"]
    assert [u["name"] for u in units] == [
        "Psykisk helse", "Møteplassen", "Solsiden", "Rusteamet", "Døra",
    ]  # fmt: skip
    dora = units[-1]
    assert dora == {
        "id": place.units["Døra"],
        "name": "Døra",
        "parent_id": place.units["Rusteamet"],
        "kind": "outpatient",
        "active": False,
    }
    assert units[0]["parent_id"] is None and units[0]["kind"] == "service_area"
