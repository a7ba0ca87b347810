"""Ids in addresses: every route takes them through the one bounded converter (``<id:...>``),
so a number that cannot be an id is not found (404), never a 500.

The walk goes through the app's url_map on the demo data, as its administrator and as someone not
signed in, with each id argument out of range in turn (the others naming real demo objects) and
all of them at once, by GET and, where the rule takes it, by POST with a valid CSRF token.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask, url_for
from flask.testing import FlaskClient
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, Rule

from feedback.demo import DEMO_PASSWORD
from feedback.extensions import db
from feedback.ids import MAX_ID, IdConverter, parse_id
from feedback.models import (
    AccessCode,
    ActionPoint,
    Deviation,
    DeviationCategory,
    DeviationMeasure,
    Membership,
    Organisation,
    Question,
    SurveyPage,
    SurveyRound,
    Unit,
    User,
)
from tests.conftest import build_app, csrf_token, login, module_database

#: Numbers that cannot be ids: beyond what any integer type binds, negative, zero, one past
#: a 32-bit integer column.
OUT_OF_RANGE = ("99999999999999999999999", "-1", "0", str(2**31))
#: Arguments named like ids that are not database integers (a deviation case's typable id).
STRING_IDS = frozenset({"case_id"})
ADMIN_EMAIL = "admin@example.no"


# --- the converter and parse_id ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/skjema/1", 1),
        ("/skjema/0007", None),  # not how url_for writes it
        (f"/skjema/{MAX_ID}", MAX_ID),
        ("/skjema/0", None),
        (f"/skjema/{MAX_ID + 1}", None),
        ("/skjema/99999999999999999999999", None),
        ("/skjema/" + "9" * 5000, None),
        ("/skjema/-1", None),
        ("/skjema/+1", None),
        ("/skjema/1.0", None),
        ("/skjema/\u0663", None),  # ARABIC-INDIC DIGIT THREE: int() reads it, an id it is not
        ("/skjema/\uff13", None),  # FULLWIDTH DIGIT THREE
    ],
)
def test_the_converter_takes_ids_from_1_to_max_id_only(
    app: Flask, path: str, expected: int | None
) -> None:
    adapter = app.url_map.bind("localhost")
    if expected is None:
        with pytest.raises(NotFound):
            adapter.match(path, method="GET")
    else:
        assert adapter.match(path, method="GET") == ("designer.show_round", {"round_id": expected})


def _near_the_bound() -> list[int]:
    """Numbers where a pattern for 1..MAX_ID could go wrong: around every power of ten, and
    MAX_ID with each of its digits one up and one down."""
    numbers = {0, 1, MAX_ID - 1, MAX_ID, MAX_ID + 1, 2**32, 10**10 - 1}
    for power in range(11):
        numbers |= {10**power - 1, 10**power, 10**power + 1}
    digits = str(MAX_ID)
    for i, digit in enumerate(digits):
        for changed in {max(int(digit) - 1, 0), min(int(digit) + 1, 9)}:
            numbers.add(int(digits[:i] + str(changed) + digits[i + 1 :]))
    return sorted(numbers)


def test_the_pattern_alone_holds_the_bound() -> None:
    """Not only the converter's check: a pattern that took 0 or 2**31 would let another rule
    with the same address answer 405 instead of 404."""
    pattern = re.compile(IdConverter.regex)
    for number in _near_the_bound():
        assert bool(pattern.fullmatch(str(number))) == (1 <= number <= MAX_ID), number


def test_addresses_are_built_with_the_converter(app: Flask) -> None:
    with app.test_request_context():
        assert url_for("designer.show_round", round_id=12) == "/skjema/12"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        ("012", 12),
        (str(MAX_ID), MAX_ID),
        ("0", None),
        (str(MAX_ID + 1), None),
        ("99999999999999999999999", None),
        ("-1", None),
        (" 1", None),
        ("1 ", None),
        ("\u0663", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_id_reads_form_values_with_the_same_bound(
    value: str | None, expected: int | None
) -> None:
    assert parse_id(value) == expected


def test_every_numeric_id_in_an_address_uses_the_bounded_converter(app: Flask) -> None:
    """No ``<int:...>`` left, and no id argument read as a string to be parsed by hand."""
    wrong = []
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            numeric = isinstance(converter, IntegerConverter)
            id_like = (name.endswith("_id") or name == "batch") and name not in STRING_IDS
            if (numeric or id_like) and type(converter) is not IdConverter:
                wrong.append(f"{rule.rule} ({name}: {type(converter).__name__})")
    assert not wrong, wrong
    assert any(_id_arguments(rule) for rule in app.url_map.iter_rules())  # the walk has work


# --- the walk over the url map -----------------------------------------------------------------


def _id_arguments(rule: Rule) -> list[str]:
    return sorted(n for n, c in rule._converters.items() if isinstance(c, IntegerConverter))


@dataclass
class Demo:
    app: Flask
    #: A real demo object for each argument name (ids as strings, as in an address).
    real: dict[str, str]
    clients: dict[str, FlaskClient]
    tokens: dict[str, str]


def _first(model: Any, *where: Any, column: Any = None) -> str:
    value = db.session.scalar(
        sa.select(column if column is not None else model.id).where(*where).limit(1)
    )
    return str(value) if value is not None else "1"


def _real_objects() -> dict[str, str]:
    round_ = db.session.scalars(sa.select(SurveyRound).order_by(SurveyRound.id)).first()
    assert round_ is not None, "the demo made no questionnaire"
    return {
        "round_id": str(round_.id),
        "page_id": _first(SurveyPage, SurveyPage.round_id == round_.id),
        "question_id": _first(Question, Question.round_id == round_.id),
        "unit_id": _first(Unit),
        "user_id": _first(User, User.email == ADMIN_EMAIL),
        "membership_id": _first(Membership),
        "organisation_id": _first(Organisation),
        "point_id": _first(ActionPoint),
        "measure_id": _first(DeviationMeasure),
        "category_id": _first(DeviationCategory),
        "batch": _first(AccessCode, column=AccessCode.batch),
        # The case of the measure when the demo has one, so measure_id is really its own.
        "case_id": _first(DeviationMeasure, column=DeviationMeasure.deviation_id)
        if db.session.scalar(sa.select(DeviationMeasure.id).limit(1)) is not None
        else _first(Deviation),
        "token": round_.public_token,
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, migrated_database: str) -> Iterator[Demo]:
    for url in module_database(tmp_path_factory, migrated_database, "ids"):
        app = build_app(url)
        try:
            result = app.test_cli_runner().invoke(args=["demo"])
            assert result.exit_code == 0, result.output
            with app.app_context():
                real = _real_objects()
            admin, anonymous = app.test_client(), app.test_client()
            assert login(admin, ADMIN_EMAIL, DEMO_PASSWORD).status_code == 302
            tokens = {
                "admin": csrf_token(admin, "/"),
                "anonymous": csrf_token(anonymous, "/logg-inn"),
            }
            yield Demo(app, real, {"admin": admin, "anonymous": anonymous}, tokens)
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def _addresses(rule: Rule, real: dict[str, str], value: str) -> list[str]:
    """The rule's address with ``value`` in each id argument in turn (the others real), and in
    all of them at once. Built by hand: building with the converter would refuse the value."""
    ids = _id_arguments(rule)
    variants = [{**{n: real.get(n, "1") for n in ids}, name: value} for name in ids]
    if len(ids) > 1:
        variants.append(dict.fromkeys(ids, value))
    addresses = []
    for chosen in variants:
        path = rule.rule
        for name, converter in rule._converters.items():
            placeholder = _placeholder(rule, name)
            text = chosen[name] if isinstance(converter, IntegerConverter) else real.get(name, "x")
            path = path.replace(placeholder, text)
        addresses.append(path)
    return addresses


def _placeholder(rule: Rule, name: str) -> str:
    start = (
        rule.rule.index(f":{name}>") if f":{name}>" in rule.rule else rule.rule.index(f"<{name}>")
    )
    return rule.rule[rule.rule.rindex("<", 0, start + 1) : rule.rule.index(">", start) + 1]


def _outcomes(demo: Demo, subject: str, value: str) -> list[tuple[str, str, int, str]]:
    """(method, address, status, redirect path) for every id address with ``value``."""
    client = demo.clients[subject]
    seen = []
    for rule in demo.app.url_map.iter_rules():
        if not _id_arguments(rule):
            continue
        methods = [m for m in ("GET", "POST") if m in (rule.methods or ())]
        for path in _addresses(rule, demo.real, value):
            for method in methods:
                data = {"csrf_token": demo.tokens[subject]} if method == "POST" else None
                response = client.open(path, method=method, data=data)
                location = urlsplit(response.headers.get("Location", "")).path
                seen.append((method, path, response.status_code, location))
                response.close()
    return seen


@pytest.mark.parametrize("subject", ["admin", "anonymous"])
@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_ids_out_of_range_are_not_found_on_every_route(
    demo: Demo, subject: str, value: str
) -> None:
    outcomes = _outcomes(demo, subject, value)
    assert len(outcomes) > 100  # every id route, by each method it takes
    wrong = [o for o in outcomes if o[2] != 404]
    assert not wrong, wrong


@pytest.mark.parametrize("subject", ["admin", "anonymous"])
def test_the_largest_id_reaches_the_views_and_they_answer_without_an_error(
    demo: Demo, subject: str
) -> None:
    """MAX_ID passes the converter and names nothing: the view looks and does not find it.
    Anonymous visitors are sent to sign in on staff pages; the public unit link and the
    organisation's logo and theme are not found."""
    outcomes = _outcomes(demo, subject, str(MAX_ID))
    if subject == "anonymous":
        wrong = [
            o
            for o in outcomes
            if not (o[2] == 302 and o[3] == "/logg-inn")
            and not (o[2] == 404 and o[1].startswith(("/s/", "/merke/")))  # public addresses
            and not (o[2] == 401 and o[1].startswith("/api/"))  # the API wants its token
        ]
    else:
        # Not found; or refused before looking (the API wants its token, API keys are not an
        # administrator's), or sent back to the round page (its links are for running rounds).
        wrong = [o for o in outcomes if o[2] not in (302, 401, 403, 404)]
    assert not wrong, wrong
    # Not every view runs for the same reason, but every one that looked found nothing.
    assert any(o[2] == 404 for o in outcomes)
