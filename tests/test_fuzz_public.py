"""Fuzzing every public POST endpoint with hypothesis: random forms, raw bodies, and (mostly)
mutations of the real form a browser would send.

Properties, for every example:

* the answer is never a server error (a 503 counts too: the database is up), is an HTML page or
  a redirect, shows no traceback, and nothing is logged at ERROR level (or as "could not be
  stored");
* nothing partial is stored: every table is compared row by row before and after. Either nothing
  changed, or exactly one complete thing was stored (one response with valid answers and tallies
  that equal a recount, one deviation case, one reply), or the endpoint's bookkeeping changed
  (a kiosk reset burns its form token, a sign-in notes the time).

The list of endpoints comes from the app's URL map: every POST rule that answers an anonymous
request without sending it to the sign-in page. A new public POST route fails
``test_every_public_post_route_is_fuzzed`` until it has a fuzzer here.

``FEEDBACK_FUZZ_EXAMPLES`` sets the examples per endpoint (default 35, derandomized so CI is
repeatable); ``FEEDBACK_FUZZ_RANDOM=1`` draws new examples each run; ``FEEDBACK_FUZZ_SHRINK=1``
shrinks a failing example to a small one (slow).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import itsdangerous
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, currently_in_test_context, find, given, note, settings
from hypothesis import strategies as st
from limits import parse_many
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter
from werkzeug.test import encode_multipart

from feedback import ratelimit
from feedback.auth.services import LOGIN_SCOPE, RESET_SCOPE
from feedback.codes import normalise_code, show_code
from feedback.deviations.categories import categories
from feedback.deviations.receipts import RECEIPT_SCOPE, receipt_group
from feedback.deviations.receiving import (
    DESCRIPTION_MAX,
    MESSAGE_MAX,
    SUGGESTION_MAX,
    NewReport,
    submit,
)
from feedback.extensions import db, limiter
from feedback.fieldwork import services as fieldwork
from feedback.models import (
    AccessCode,
    Deviation,
    DeviationCategory,
    Organisation,
    SurveyRound,
    Unit,
    User,
)
from feedback.models.base import today
from feedback.models.deviation import REPORTER_KINDS
from feedback.questionnaire import document as doc
from feedback.questionnaire.registry import TYPES
from feedback.respond import services as respond
from feedback.results import tally
from tests.conftest import PASSWORD, build_app
from tests.world import PEOPLE, build_place, document, make_round

EXAMPLES = int(os.environ.get("FEEDBACK_FUZZ_EXAMPLES", "35"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("FEEDBACK_FUZZ_RANDOM") != "1",
    database=None,
    print_blob=True,
    # Shrinking a failure replays hundreds of requests; the notes already show what was sent.
    phases=[Phase.explicit, Phase.generate]
    + ([Phase.shrink] if os.environ.get("FEEDBACK_FUZZ_SHRINK") == "1" else []),
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

EMAIL = PEOPLE["kari"].email
LANGUAGES = ["nb", "nn", "en"]


def say(message: str) -> None:
    """A note for a failing example's report (outside hypothesis: nothing)."""
    if currently_in_test_context():
        note(message)


#: Hypothesis tries the simplest value first: one example, not shrunk, is that value.
SIMPLEST = settings(database=None, phases=[Phase.generate], max_examples=1)


class Simplest:
    """Stands in for hypothesis' ``data``: every draw is the strategy's simplest value. The
    strategies put the plain case first (the real form, unchanged, answered in full), so this
    is the valid request each endpoint must take; with ``tamper`` one field of it is set to a
    value the endpoint must refuse."""

    def __init__(self, tamper: tuple[str, str] | None = None) -> None:
        self.tamper = tamper

    def draw(self, strategy: st.SearchStrategy[Any], label: object = None) -> Any:
        value = find(strategy, lambda _: True, settings=SIMPLEST)
        if label == "mutations" and self.tamper:
            name, new = self.tamper
            value = [(k, v) for k, v in value if k != name] + [(name, new)]
        return value


# --- the questionnaire ---------------------------------------------------------------------------


def _options(*values: str) -> list[dict[str, Any]]:
    return [{"value": v, "label": {"nb": v.capitalize()}} for v in values]


#: Every question kind, required and optional questions, "don't know", limits, a condition on
#: an earlier page and one on the same page.
QUESTIONS: list[list[dict[str, Any]]] = [
    [
        {
            "key": "listened",
            "type": "likert",
            "text": {"nb": "Jeg blir lyttet til."},
            "required": True,
            "dont_know": True,
        },
        {"key": "group", "type": "yes_no", "text": {"nb": "Går du på gruppe?"}},
        {
            "key": "mood",
            "type": "smiley",
            "text": {"nb": "Hvordan har du det?"},
            "options": _options("f1", "f2", "f3"),
        },
    ],
    [
        {
            "key": "why",
            "type": "text_long",
            "text": {"nb": "Hva betyr gruppa for deg?"},
            "max_length": 200,
            "condition": {"question": "group", "value": "yes"},
        },
        {
            "key": "food",
            "type": "single_choice",
            "text": {"nb": "Hvordan er maten?"},
            "options": _options("good", "bad"),
            "required": True,
        },
        {
            "key": "score",
            "type": "scale",
            "text": {"nb": "Hvor fornøyd er du, fra 0 til 10?"},
            "dont_know": True,
        },
    ],
    [
        {"key": "age", "type": "number", "text": {"nb": "Alder"}, "min": 16, "max": 99},
        {
            "key": "visits",
            "type": "number",
            "text": {"nb": "Hvor mange ganger har du vært her?"},
            "dont_know": True,
        },
        {
            "key": "activities",
            "type": "multiple_choice",
            "text": {"nb": "Hva deltar du på?"},
            "options": _options("walk", "cook", "art"),
            "dont_know": True,
        },
        {
            "key": "recipe",
            "type": "text_short",
            "text": {"nb": "Hva lager dere?"},
            "condition": {"question": "activities", "value": "cook"},
        },
        {
            "key": "word",
            "type": "text_short",
            "text": {"nb": "Ett ord om stedet"},
            "max_length": 20,
            "dont_know": True,
        },
    ],
]
SPEC = {q["key"]: q for page in QUESTIONS for q in page}


def text_limit(question: dict[str, Any]) -> int:
    return int(question.get("max_length") or TYPES[question["type"]].default_max_length)


# --- the world -----------------------------------------------------------------------------------


@dataclass
class World:
    slug: str
    token: str
    round_id: int
    other_round_id: int
    org_id: int
    other_org_id: int
    units: dict[str, int]
    inactive_unit: int
    other_unit: int
    kiosks: dict[str, tuple[str, int | None]]
    case_id: str
    receipt: str
    other_case_id: str
    other_receipt: str
    categories: list[int]
    inactive_category: int
    other_category: int
    #: Unused access codes by unit id (None: the respondent chooses).
    codes: dict[int | None, list[str]] = field(default_factory=dict)


#: Fjordvik kommune's units here: "Nedlagt" is closed (inactive).
UNITS = (
    ("Aktivitetshuset", None, "activity_centre"),
    ("Ruspoliklinikken", None, "outpatient"),
    ("Solsiden", "Aktivitetshuset", "housing"),
    ("Nedlagt", None, "housing"),
)


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    # Reporter actions queue a notice for the case handler when mail is set up: the notice is
    # part of a complete report. Nothing is sent during a request.
    return {"MAIL_SERVER": "127.0.0.1"}


def _report(org: Organisation, category: DeviationCategory, unit: Unit | None) -> tuple[str, str]:
    case, code = submit(
        org,
        NewReport(
            reporter_kind="service_user",
            unit=unit,
            event_date=today() - timedelta(days=3),
            category=category,
            description="Husmøtet ble avlyst uten beskjed.",
        ),
        secrets.token_hex(16),
    )
    return case.id, show_code(code)


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        # The one world with units of its own and only Kari: every other address is unknown.
        place = build_place(units=UNITS, people=("kari",))
        org = db.session.get(Organisation, place.org)
        other = db.session.get(Organisation, place.other_org)
        assert org is not None and other is not None
        units: dict[str, Unit] = {}
        for name, id_ in place.units.items():
            unit = db.session.get(Unit, id_)
            assert unit is not None
            units[name] = unit
        closed = units.pop("Nedlagt")
        closed.active = False
        cats = categories(org)
        retired = cats[-1]
        retired.active = False
        round_ = make_round(org, doc=document(*QUESTIONS, title={"nb": "Brukerundersøkelse"}))
        other_round = make_round(other, doc=document(*QUESTIONS[:1]))
        fixed = units["Ruspoliklinikken"]
        kiosks = {
            "chooses": (respond.kiosk_key(round_, None, 120), None),
            "fixed": (respond.kiosk_key(round_, fixed, 120), fixed.id),
        }
        case_id, receipt = _report(org, cats[0], units["Solsiden"])
        other_case_id, other_receipt = _report(other, categories(other)[0], None)
        db.session.commit()
        return World(
            slug=org.slug,
            token=round_.public_token,
            round_id=round_.id,
            other_round_id=other_round.id,
            org_id=org.id,
            other_org_id=other.id,
            units={name: unit.id for name, unit in units.items()},
            inactive_unit=closed.id,
            other_unit=place.other_unit,
            kiosks=kiosks,
            case_id=case_id,
            receipt=receipt,
            other_case_id=other_case_id,
            other_receipt=other_receipt,
            categories=[c.id for c in cats if c.active],
            inactive_category=retired.id,
            other_category=categories(other)[0].id,
        )


def fresh_code(app: Flask, world: World, unit_id: int | None) -> str:
    """An unused access code of the round (for this unit, or for none)."""
    pool = world.codes.setdefault(unit_id, [])
    with app.app_context():
        while pool and db.session.get(AccessCode, pool[-1]).used:  # type: ignore[union-attr]
            pool.pop()
        if not pool:
            round_ = db.session.get(SurveyRound, world.round_id)
            unit = db.session.get(Unit, unit_id) if unit_id else None
            batch = fieldwork.make_codes(round_, 20, unit)  # type: ignore[arg-type]
            pool.extend(c.code for c in fieldwork.batch_codes(round_, batch))  # type: ignore[arg-type]
            db.session.commit()
    return pool[-1]


# --- reading forms from HTML ---------------------------------------------------------------------


@dataclass
class Field:
    tag: str
    kind: str
    name: str
    value: str
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    fields: list[Field] = field(default_factory=list)

    def names(self) -> list[str]:
        return list(dict.fromkeys(f.name for f in self.fields))

    def hidden(self) -> list[tuple[str, str]]:
        return [(f.name, f.value) for f in self.fields if f.kind == "hidden"]

    def values_of(self, name: str) -> list[str]:
        """The values offered for a radio, checkbox or select field."""
        out: list[str] = []
        for f in self.fields:
            if f.name == name:
                out.extend(f.options if f.tag == "select" else [f.value])
        return out


class _FormParser(HTMLParser):
    """The forms of a page: their fields, and the values a choice field offers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: Field | None = None
        self._select: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""))
            self.forms.append(self._form)
            return
        if tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
        if self._form is None or "name" not in a:
            return
        form = self._form
        if tag == "input":
            form.fields.append(Field(tag, a.get("type", "text"), a["name"], a.get("value", "")))
        elif tag == "button":
            form.fields.append(Field(tag, "submit", a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = Field(tag, "textarea", a["name"], "")
            form.fields.append(self._textarea)
        elif tag == "select":
            self._select = Field(tag, "select", a["name"], "")
            form.fields.append(self._select)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data


def forms_in(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_posting_to(html: str, path: str) -> Form:
    found = [f for f in forms_in(html) if urlsplit(f.action).path == path or f.action == ""]
    assert found, f"no form posting to {path}"
    return found[0]


# --- values --------------------------------------------------------------------------------------

#: Any character but lone surrogates (which no browser can send as UTF-8); NUL included.
ANY_CHAR = st.characters(exclude_categories=("Cs",))
PLAIN_CHAR = st.characters(exclude_categories=("Cs", "Cc"))
#: Values that mean something to some field, or to a parser, a template or a database.
SPECIAL = [
    "", " ", "\x00", "a\x00b", "\r\n", "\t", "\u00a0", "\ufeff", "\u200b", "\u202eRTL\u202c",
    "مرحبا بالعالم", "עברית", "👩‍👩‍👧‍👦🏳️‍🌈", "e\u0301\u0301\u0301", "ØØØ",
    "dont_know", "ingen", "yes", "no", "next", "back", "stay", "nb", "nn", "en",
    "0", "-1", "1", "4", "10", "16", "99", "100", "1 000", "1\u00a0000", "2147483648",
    "99999999999999999999999", "9" * 5000, "1e3", "٣", "３", "²", "NaN", "None", "null", "true",
    "<script>alert(1)</script>", '"><img src=x>', "{{ 7*7 }}", "%(x)s %s {0}", "' OR 1=1 --",
    "../../etc/passwd", "%00", "%FF", "2026-02-30", "31.12.9999", "0001-01-01", "29.02.2023",
]  # fmt: skip
#: Characters put into an otherwise good value: NUL, line breaks, direction marks, zero-width
#: and combining characters, emoji, other control characters.
SPICES = [
    "\x00", "\x00", "\x00", "\r\n", "\r", "\n", "\u202e", "\u200f", "\u200b", "\ufeff", "\u0301",
    "\u2028", "\x1f", "\x7f", "\x85", "👍🏽", " ", "\t", "\u00a0",
]  # fmt: skip


def _spiced(value: str, spice: str, where: int) -> str:
    """The value with a character put before, after, in the middle, or instead of it."""
    middle = len(value) // 2
    return [spice + value, value + spice, value[:middle] + spice + value[middle:], spice][where]


LIMITS = [20, 21, 40, 41, 60, 61, 200, 201, 254, 255, 2000, 2001, 3000, 3001, 5000, 5001]


def oversized(max_content_length: int) -> st.SearchStrategy[str]:
    """Text of a length at (or just over) a limit of the app: a field's, a form part's (werkzeug
    keeps 500 kB of a form field in memory) or the whole request's."""
    sizes = st.one_of(
        st.sampled_from(LIMITS),
        st.sampled_from([500_000, 500_001, max_content_length - 100, max_content_length + 1]),
    )
    return st.builds(
        lambda n, chunk: (chunk * (n // len(chunk) + 1))[:n],
        sizes,
        st.text(ANY_CHAR, min_size=1, max_size=3),
    )


def wild_value(max_content_length: int, extra: list[str] | None = None) -> st.SearchStrategy[str]:
    """Any value a form field could hold: odd text, special strings, numbers, values that mean
    something here (``extra``), and text at a length limit."""
    choices: list[st.SearchStrategy[str]] = [
        st.sampled_from(SPECIAL),
        st.text(ANY_CHAR, max_size=40),
        st.integers().map(str),
        st.sampled_from(LIMITS).map(lambda n: "ø" * n),
    ]
    if extra:
        choices.insert(0, st.sampled_from(extra))
    return st.one_of(choices)


# --- what a fuzzer gives and what is checked -----------------------------------------------------


@dataclass
class Sent:
    """One request: where, what, and what the fuzzer knows about it."""

    url: str
    data: MultiDict[str, str] | bytes | None
    content_type: str | None = None
    client: FlaskClient | None = None
    #: What the checks may need (the receipt code's case, the expected unit, …).
    facts: dict[str, Any] = field(default_factory=dict)


Snapshot = dict[str, dict[tuple[str, ...], tuple[str, ...]]]


#: Left out of the snapshots: the drafts of questionnaires being filled in come and go with
#: every page sent (tests/respond/test_drafts.py checks them).
TRANSIENT = frozenset({"answer_draft"})


def snapshot(app: Flask) -> Snapshot:
    """Every row of every table by primary key, each value as text (but TRANSIENT tables)."""
    out: Snapshot = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name in TRANSIENT:
                continue
            keys = [c.name for c in table.primary_key.columns]
            rows: dict[tuple[str, ...], tuple[str, ...]] = {}
            for row in db.session.execute(sa.select(table)).mappings():
                rows[tuple(str(row[k]) for k in keys)] = tuple(str(v) for v in row.values())
            out[table.name] = rows
        db.session.remove()
    return out


@dataclass
class Diff:
    added: dict[str, list[tuple[str, ...]]]
    removed: dict[str, list[tuple[str, ...]]]
    changed: dict[str, list[tuple[str, ...]]]
    before: Snapshot
    after: Snapshot

    def count(self, table: str) -> int:
        return len(self.added.get(table, []))


def diff(before: Snapshot, after: Snapshot) -> Diff:
    added, removed, changed = {}, {}, {}
    for table, rows in after.items():
        old = before[table]
        if new := [k for k in rows if k not in old]:
            added[table] = new
        if gone := [k for k in old if k not in rows]:
            removed[table] = gone
        if moved := [k for k in rows if k in old and rows[k] != old[k]]:
            changed[table] = moved
    return Diff(added, removed, changed, before, after)


class LogWatch(logging.Handler):
    """Collects what the app logs at WARNING or above during one example."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def log_watch() -> Iterator[LogWatch]:
    handler = LogWatch()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+")


def check_answer(response: Any) -> None:
    status = response.status_code
    body = response.get_data(as_text=True)
    assert status < 500, f"status {status}: {body[:2000]}"
    assert not TRACEBACK.search(body), body[:2000]
    if 300 <= status < 400:
        assert response.headers.get("Location"), "a redirect without a Location"
        return
    assert response.mimetype == "text/html", response.mimetype
    assert body.lstrip().lower().startswith("<!doctype html"), body[:300]


def check_logs(watch: LogWatch) -> None:
    bad = [
        r
        for r in watch.records
        if r.levelno >= logging.ERROR or "could not be stored" in r.getMessage()
    ]
    assert not bad, [(r.name, r.getMessage(), r.exc_text) for r in bad]


# --- checking what was stored --------------------------------------------------------------------


def only(d: Diff, added: dict[str, int], changed: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    """Exactly these added row counts per table (0 allowed for a missing key means "none"),
    rows changed only in ``changed`` tables, and nothing removed."""
    assert not d.removed, f"rows removed: {d.removed}"
    unexpected = set(d.changed) - set(changed)
    assert not unexpected, f"rows changed in {unexpected}: {d.changed}"
    got = {table: len(rows) for table, rows in d.added.items()}
    want = {table: n for table, n in added.items() if n}
    assert got == want, f"added rows {got}, expected {want}"


def nothing_stored(d: Diff) -> None:
    only(d, {})


def stored_answers(
    app: Flask, response_id: str, round_id: int
) -> dict[str, list[tuple[int, str, int | None]]]:
    """The answers of a response by question key: (position, value, number)."""
    with app.app_context():
        rows = db.session.execute(
            sa.text(
                "SELECT q.key, q.round_id, a.position, a.value, a.number FROM answer a"
                " JOIN question q ON q.id = a.question_id WHERE a.response_id = :r"
                " ORDER BY q.key, a.position"
            ),
            {"r": response_id},
        ).all()
        db.session.remove()
    out: dict[str, list[tuple[int, str, int | None]]] = {}
    for key, question_round, position, value, number in rows:
        assert question_round == round_id, f"an answer to {key!r} of another round"
        out.setdefault(key, []).append((position, value, number))
    return out


def check_answers(answers: dict[str, list[tuple[int, str, int | None]]]) -> None:
    """The stored answers of one response against the questionnaire, checked independently of
    the app's own reading: known questions, allowed values, limits, conditions, required."""
    values = {key: [v for _, v, _ in rows] for key, rows in answers.items()}
    for key, rows in answers.items():
        assert key in SPEC, f"an answer to an unknown question {key!r}"
        question = SPEC[key]
        kind = question["type"]
        assert [p for p, _, _ in rows] == list(range(len(rows))), f"positions of {key}: {rows}"
        vals = values[key]
        if "dont_know" in vals and question.get("dont_know"):
            assert vals == ["dont_know"], f"{key}: don't know and answers {vals}"
            assert rows[0][2] is None
            continue
        if TYPES[kind].free_text:
            [text] = vals
            assert text and text == text.strip(), f"{key}: {text!r}"
            assert "\x00" not in text and "\r\n" not in text, f"{key}: {text!r}"
            assert len(text) <= text_limit(question), f"{key}: {len(text)} characters"
            assert rows[0][2] is None
        elif kind == "number":
            [text] = vals
            assert re.fullmatch(r"-?[0-9]{1,10}", text), f"{key}: {text!r}"
            number = int(text)
            assert rows[0][2] == number, f"{key}: number {rows[0][2]} for {text!r}"
            low, high = question.get("min"), question.get("max")
            assert low is None or number >= low, f"{key}: {number}"
            assert high is None or number <= high, f"{key}: {number}"
        else:
            allowed = doc.answer_values(question)
            assert all(v in allowed for v in vals), f"{key}: {vals} not in {allowed}"
            assert len(set(vals)) == len(vals), f"{key}: twice in {vals}"
            if kind != "multiple_choice":
                assert len(vals) == 1, f"{key}: {vals}"
            scored = kind in ("likert", "scale")
            for _, value, number in rows:
                assert number == (int(value) if scored else None), f"{key}: {value} → {number}"
    for key, question in SPEC.items():
        condition = question.get("condition")
        shown = condition is None or condition["value"] in values.get(condition["question"], [])
        if not shown:
            assert key not in values, f"{key} answered but not shown ({values})"
        elif question.get("required"):
            assert key in values, f"required {key} not answered ({values})"


def check_tallies(app: Flask, round_id: int) -> None:
    """The running tallies equal a count from the stored answers."""
    with app.app_context():
        session = db.session
        kept = tally.read(session, round_id)  # type: ignore[arg-type]
        tally.rebuild(session, round_id)  # type: ignore[arg-type]
        counted = tally.read(session, round_id)  # type: ignore[arg-type]
        session.rollback()
        session.remove()
    assert kept == counted


def check_response(app: Flask, world: World, d: Diff, sent: Sent) -> None:
    """Nothing, or exactly one complete response of the round through this channel."""
    if "response" not in d.added:
        nothing_stored(d)
        return
    channel = sent.facts["channel"]
    assert not sent.facts.get("used_meanwhile"), "stored with a code used in another window"
    [(response_id,)] = d.added["response"]
    answers = stored_answers(app, response_id, world.round_id)
    only(
        d,
        {
            "response": 1,
            "answer": sum(len(rows) for rows in answers.values()),
            "used_form_token": 1,
        },
        changed={"access_code"} if channel == "code" else set(),
    )
    with app.app_context():
        # It waits for a publication: the tallies readers see did not change (checked above).
        row = db.session.execute(
            sa.text(
                "SELECT round_id, unit_id, channel, submitted_on FROM response"
                " WHERE id = :r AND NOT published"
            ),
            {"r": response_id},
        ).one()
        if channel == "code":
            [(code,)] = d.changed["access_code"]
            used = db.session.get(AccessCode, code)
            assert used is not None and used.used and used.round_id == world.round_id
            assert code == sent.facts["code"]
            assert row.unit_id == (used.unit_id or row.unit_id)
        db.session.remove()
    assert row.round_id == world.round_id and row.channel == channel
    assert str(row.submitted_on) == today().isoformat()
    fixed = sent.facts.get("unit")
    if fixed is not None:
        assert row.unit_id == fixed
    else:
        assert row.unit_id is None or row.unit_id in world.units.values()
    check_answers(answers)
    check_tallies(app, world.round_id)


def check_report(app: Flask, world: World, d: Diff, sent: Sent) -> None:
    """Nothing, or exactly one complete deviation case of the organisation."""
    if "deviation" not in d.added:
        nothing_stored(d)
        return
    only(d, {"deviation": 1, "used_form_token": 1, "deviation_notice": 1})
    [(case_id,)] = d.added["deviation"]
    submitted = sent.data if isinstance(sent.data, MultiDict) else MultiDict()
    with app.app_context():
        case = db.session.get(Deviation, case_id)
        assert case is not None
        assert case.organisation_id == world.org_id
        assert case.status == "received" and case.received_on == today()
        assert case.reporter_kind in REPORTER_KINDS
        assert case.category_id in world.categories
        assert case.unit_id is None or case.unit_id in world.units.values()
        assert today() - timedelta(days=5 * 366) <= case.event_date <= today()
        for name, limit, required in [
            ("description", DESCRIPTION_MAX, True),
            ("suggestion", SUGGESTION_MAX, False),
            ("reporter_name", 200, False),
            ("reporter_contact", 254, False),
        ]:
            text = getattr(case, name) or ""
            assert len(text) <= limit and "\x00" not in text and text == text.strip(), name
            assert text or not required, name
            if text:
                sent_values = [v.replace("\x00", "").strip() for v in submitted.getlist(name)]
                assert text in sent_values, f"{name} stored {text!r}, sent {sent_values!r}"
        assert case.receipt_hash and case.receipt_bucket
        db.session.remove()


def check_reply(app: Flask, world: World, d: Diff, sent: Sent) -> None:
    """Nothing, or exactly one message from the reporter in the thread of the case."""
    if "deviation_message" not in d.added:
        nothing_stored(d)
        return
    notices = d.added.get("deviation_notice", [])
    only(d, {"deviation_message": 1, "used_form_token": 1, "deviation_notice": len(notices)})
    [(case_id, position)] = d.added["deviation_message"]
    submitted = sent.data if isinstance(sent.data, MultiDict) else MultiDict()
    # The case is the one whose receipt code was sent (the form's token must be for it too).
    owners = {
        normalise_code(world.receipt): world.case_id,
        normalise_code(world.other_receipt): world.other_case_id,
    }
    assert case_id == owners.get(normalise_code(submitted.get("kode") or ""))
    assert notices in ([], [(case_id, "reply")]), notices
    with app.app_context():
        rows = db.session.execute(
            sa.text(
                "SELECT position, from_reporter, author_id, body FROM deviation_message"
                " WHERE deviation_id = :c ORDER BY position"
            ),
            {"c": case_id},
        ).all()
        db.session.remove()
    assert [r.position for r in rows] == list(range(1, len(rows) + 1))
    last = rows[-1]
    assert str(last.position) == position and last.from_reporter and last.author_id is None
    body = last.body
    assert body and body == body.strip() and "\x00" not in body
    assert len(body) <= MESSAGE_MAX
    assert body in [v.replace("\x00", "").strip() for v in submitted.getlist("body")]


def check_nothing(app: Flask, world: World, d: Diff, sent: Sent) -> None:
    nothing_stored(d)


def check_logout(app: Flask, world: World, d: Diff, sent: Sent) -> None:
    """Signing out deletes the browser's own session and nothing else."""
    removed = d.removed.get("staff_session", [])
    assert len(removed) <= 1, removed
    others = {table: rows for table, rows in d.removed.items() if table != "staff_session"}
    only(dataclasses.replace(d, removed=others), {})


def check_kiosk_reset(app: Flask, world: World, d: Diff, sent: Sent) -> None:
    """A reset burns the questionnaire's form token, and stores nothing else."""
    only(d, {"used_form_token": min(d.count("used_form_token"), 1)})


def check_login(app: Flask, world: World, d: Diff, sent: Sent) -> None:
    """A sign-in stores its session and notes when the account last signed in; nothing else
    changes."""
    only(d, {"staff_session": min(d.count("staff_session"), 1)}, changed={"user_account"})
    if d.count("staff_session"):
        assert sent.facts.get("may_sign_in"), "a session started with a changed form"
    columns = [c.name for c in db.metadata.tables["user_account"].columns]
    for key in d.changed.get("user_account", []):
        old, new = d.before["user_account"][key], d.after["user_account"][key]
        moved = {name for name, a, b in zip(columns, old, new, strict=True) if a != b}
        assert moved == {"last_login_at"}, moved
        assert sent.facts.get("may_sign_in"), "signed in with a changed form"


# --- building requests ---------------------------------------------------------------------------

#: Field names worth sending to any public form, besides the form's own.
KNOWN_NAMES = [
    "skjema", "side", "nav", "sprak", "bytt", "enhet", "kode", "csrf_token", "body",
    "description", "category", "unit", "event_date", "reporter_kind", "email", "password",
    *(f"q-{key}" for key in SPEC), *(f"q-{key}-dk" for key in SPEC), "q-", "q-nope", "q-nope-dk",
]  # fmt: skip


class _PastSerializer(itsdangerous.URLSafeTimedSerializer):
    def get_timestamp(self) -> int:
        return int(time.time()) - 3 * 24 * 3600


def odd_tokens(
    app: Flask, purpose: str, scope: int | str, others: list[tuple[str, Any]]
) -> list[str]:
    """Signed tokens that must all be refused or handled: too old, sent in already, for
    another form or scope, with a payload of the wrong shape, unsigned, or tampered with."""
    secret = app.config["SECRET_KEY"]
    with app.app_context():
        good = respond.one_time_token(purpose, scope)
        burnt = respond.one_time_token(purpose, scope)
        nonce = itsdangerous.URLSafeTimedSerializer(secret, salt=purpose).loads(burnt)["n"]
        respond.burn(nonce)
        db.session.commit()
        tokens = [
            _PastSerializer(secret, salt=purpose).dumps({"r": scope, "n": secrets.token_hex(16)}),
            burnt,
            *(respond.one_time_token(p, s) for p, s in others),
            itsdangerous.URLSafeTimedSerializer(secret, salt=purpose).dumps("not a dict"),
            itsdangerous.URLSafeTimedSerializer(secret, salt=purpose).dumps({"r": scope, "n": 5}),
            itsdangerous.URLSafeTimedSerializer(secret, salt=purpose).dumps({"r": str(scope)}),
            itsdangerous.URLSafeTimedSerializer("not the secret", salt=purpose).dumps(
                {"r": scope, "n": secrets.token_hex(16)}
            ),
            good[:-1] + ("A" if good[-1] != "A" else "B"),
            good.split(".")[0],
            good + "." + good,
        ]
        db.session.remove()
    return tokens


@dataclass
class Ctx:
    app: Flask
    world: World
    #: Signed tokens of the wrong kind, per endpoint family.
    tokens: dict[str, list[str]]
    max_content_length: int
    other_receipt: str = ""
    used_code: str = ""
    other_round_code: str = ""


Pairs = list[tuple[str, str]]


OPS = ["drop", "set", "set", "add", "dup", "big", "reorder", "blank", "spice", "spice"]


@st.composite
def mutations(draw: Any, pairs: Pairs, ctx: Ctx, extra: list[str]) -> Pairs:
    """A valid form changed the way a tampering client, an old page or a bad proxy would:
    fields dropped, changed, duplicated, oversized, added, reordered."""
    pairs = list(pairs)
    count = draw(st.sampled_from([0, 0, 0, 1, 1, 1, 2, 3, 5]))
    own = list(dict.fromkeys(name for name, _ in pairs)) or ["x"]
    any_name = st.one_of(
        st.sampled_from(own), st.sampled_from(KNOWN_NAMES), st.text(ANY_CHAR, max_size=12)
    )
    value = wild_value(ctx.max_content_length, extra)
    for _ in range(count):
        op = draw(st.sampled_from(OPS))
        mine = op in ("drop", "dup", "big", "blank", "spice")
        name = draw(st.sampled_from(own) if mine else any_name)
        if op == "drop":
            pairs = [(k, v) for k, v in pairs if k != name]
        elif op == "set":
            new = draw(value)
            pairs = [(k, v) for k, v in pairs if k != name] + [(name, new)]
        elif op == "add":
            pairs.append((name, draw(value)))
        elif op == "dup":
            pairs += [(k, draw(st.sampled_from([v, *extra[:5]]))) for k, v in pairs if k == name]
        elif op == "big":
            new = draw(oversized(ctx.max_content_length))
            pairs = [(k, new if k == name else v) for k, v in pairs]
        elif op == "blank":
            pairs = [(k, "" if k == name else v) for k, v in pairs]
        elif op == "spice":
            spice, where = draw(st.sampled_from(SPICES)), draw(st.integers(0, 3))
            pairs = [(k, _spiced(v, spice, where) if k == name else v) for k, v in pairs]
        else:
            pairs = draw(st.permutations(pairs)) if len(pairs) < 40 else pairs[::-1]
    return pairs


@st.composite
def random_pairs(draw: Any, ctx: Ctx, extra: list[str]) -> Pairs:
    """A form of random names and values."""
    name = st.one_of(st.sampled_from(KNOWN_NAMES), st.text(ANY_CHAR, max_size=20))
    return draw(st.lists(st.tuples(name, wild_value(ctx.max_content_length, extra)), max_size=15))


RAW_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "multipart/form-data; boundary=grense",
    "multipart/form-data",
    "text/plain",
    "application/json",
    "application/octet-stream",
]


def nameless_parts(boundary: str) -> bytes:
    return (
        f"--{boundary}\r\nContent-Disposition: form-data\r\n\r\nuten navn\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; filename="a.txt"\r\n'
        "Content-Type: text/plain\r\n\r\nfil uten navn\r\n"
    ).encode()


@st.composite
def raw_body(draw: Any) -> tuple[bytes, str]:
    """A body that is not what any browser sends: random bytes, broken percent escapes, broken
    multipart."""
    body = draw(
        st.one_of(
            st.binary(max_size=300),
            st.sampled_from(
                [
                    b"skjema=%FF%FE&side=%&nav=%zz&&&==",
                    b"a=" + b"%" * 100,
                    b'--grense\r\nContent-Disposition: form-data; name="skjema"\r\n\r\nx',
                    b'--grense\r\nContent-Disposition: form-data; name="q-why"; filename="a.'
                    b'txt"\r\nContent-Type: text/plain\r\n\r\nhei\r\n--grense--\r\n',
                    b"--grense--\r\n",
                    nameless_parts("grense") + b"--grense--\r\n",
                    b'{"skjema": "x", "nav": "next"}',
                    b"side=" + b"9" * 5000 + b"&nav=next",
                    b"&".join(b"q-activities=walk" for _ in range(2000)),
                ]
            ),
            st.lists(st.text(ANY_CHAR, max_size=10), max_size=10).map(
                lambda parts: "&".join(parts).encode("utf-8", "surrogatepass")
            ),
        )
    )
    return body, draw(st.sampled_from(RAW_TYPES))


def build_request(
    data: Any,
    ctx: Ctx,
    url: str,
    valid: Callable[[], tuple[Pairs, dict[str, Any], FlaskClient | None]],
    extra: list[str],
    facts: dict[str, Any] | None = None,
) -> Sent:
    """One of: a mutation of the valid form (mostly), a random form, or a raw body."""
    how = data.draw(st.sampled_from(["mutate", "mutate", "mutate", "mutate", "random", "raw"]))
    say(f"how: {how}")
    facts = dict(facts or {})
    client: FlaskClient | None = None
    if how == "raw":
        body, content_type = data.draw(raw_body())
        return Sent(url, body, content_type, None, facts)
    if how == "random":
        pairs = data.draw(random_pairs(ctx, extra))
    else:
        form, facts, client = valid()
        pairs = data.draw(mutations(form, ctx, extra), label="mutations")
    multipart = data.draw(st.sampled_from([False, False, False, True]))
    sent = Sent(
        url,
        MultiDict(pairs),
        "multipart/form-data" if multipart else None,
        client,
        facts,
    )
    return sent


# --- answering -----------------------------------------------------------------------------------


def number_text(draw: Any, low: int, high: int) -> str:
    """A whole number as people type it: plain, with spaces between thousands, with spaces
    around."""
    number = draw(st.integers(low, high))
    plain = str(number)
    grouped = f"{number:,}".replace(",", draw(st.sampled_from([" ", "\u00a0"])))
    return draw(st.sampled_from([plain, plain, grouped, f" {plain} ", f"\t{grouped}\n"]))


@st.composite
def valid_answers(draw: Any) -> dict[str, list[str]]:
    """A complete, valid set of answers: conditions followed, required questions answered,
    values within the limits."""
    answers: dict[str, list[str]] = {}
    for key, question in SPEC.items():
        condition = question.get("condition")
        if condition and condition["value"] not in answers.get(condition["question"], []):
            continue
        if not question.get("required") and draw(st.integers(0, 3)) == 3:
            continue
        if question.get("dont_know") and draw(st.integers(0, 5)) == 5:
            answers[key] = ["dont_know"]
            continue
        kind = question["type"]
        if TYPES[kind].free_text:
            limit = text_limit(question)
            text = draw(
                st.one_of(
                    st.text(PLAIN_CHAR, min_size=1, max_size=min(limit, 60)),
                    st.text(ANY_CHAR, min_size=1, max_size=min(limit, 60)),
                    st.tuples(PLAIN_CHAR, st.sampled_from(SPICES), PLAIN_CHAR).map("".join),
                    st.tuples(st.sampled_from(SPICES), PLAIN_CHAR).map("".join),
                    st.just("Å" * limit),
                    st.just("Linje én\r\nLinje to"[:limit]),
                ).filter(lambda t, n=limit: 0 < len(t.replace("\r\n", "\n").strip()) <= n)
            )
            answers[key] = [text]
        elif kind == "number":
            answers[key] = [
                number_text(draw, question.get("min", -(10**9)), question.get("max", 10**9))
            ]
        elif kind == "multiple_choice":
            answers[key] = draw(
                st.lists(st.sampled_from(doc.answer_values(question)), min_size=1, unique=True)
            )
        else:
            answers[key] = [draw(st.sampled_from(doc.answer_values(question)))]
    return answers


def browser_pairs(form: Form, answers: dict[str, list[str]], unit: str | None) -> Pairs:
    """What a browser without JavaScript sends from this page of the questionnaire."""
    pairs: Pairs = []
    for f in form.fields:
        if f.kind == "hidden":
            pairs.append((f.name, f.value))
        elif f.name == "enhet" and f.kind == "radio":
            if f.value == unit:
                pairs.append((f.name, f.value))
        elif f.name.startswith("q-") and f.kind in ("radio", "checkbox"):
            key = f.name.removeprefix("q-").removesuffix("-dk")
            if f.value in answers.get(key, []):
                pairs.append((f.name, f.value))
        elif f.name.startswith("q-") and f.kind in ("text", "textarea"):
            given = answers.get(f.name.removeprefix("q-"), [])
            pairs.append((f.name, given[0] if given and given != ["dont_know"] else ""))
    return pairs


@dataclass
class Start:
    """Where a respondent begins: the page, where its form posts to, and what is fixed."""

    client: FlaskClient
    html: str
    post_to: str
    facts: dict[str, Any]


def walk(data: Any, start: Start) -> tuple[Pairs, dict[str, Any], FlaskClient]:
    """Answer validly up to a drawn page and return that page's form as a browser sends it."""
    answers = data.draw(valid_answers())
    last = len(QUESTIONS) - 1
    target = data.draw(st.sampled_from([last, last, last, 1, 0]))
    html = start.html
    unit = None
    for _ in range(len(QUESTIONS)):
        form = form_posting_to(html, start.post_to)
        choices = [v for v in form.values_of("enhet") if v]
        if unit is None and choices:
            unit = data.draw(st.sampled_from(choices))
        pairs = browser_pairs(form, answers, unit)
        side = int(dict(form.hidden())["side"])
        if side >= target:
            say(f"page {side}, answers {answers}, unit {unit}")
            return [*pairs, ("nav", "next")], start.facts, start.client
        response = start.client.post(
            start.post_to, data=MultiDict([*pairs, ("nav", "next")]), follow_redirects=True
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 200, (pairs, html[:3000])
    raise AssertionError("the questionnaire did not move on")


def answer_extra(ctx: Ctx) -> list[str]:
    w = ctx.world
    values = [v for q in SPEC.values() for v in doc.answer_values(q)]
    ids = [*map(str, w.units.values()), str(w.inactive_unit), str(w.other_unit), "ingen"]
    return [*ctx.tokens["answering"], *ids, *values, "dont_know", "0", "1", "2", "3", "-1", "99"]


def language(data: Any) -> str:
    return str(data.draw(st.sampled_from(LANGUAGES)))


def _fuzz_public_link(data: Any, ctx: Ctx, url: str, facts: dict[str, Any]) -> Sent:
    def valid() -> tuple[Pairs, dict[str, Any], FlaskClient]:
        client = ctx.app.test_client(use_cookies=False)
        html = client.get(f"{url}?sprak={language(data)}", follow_redirects=True).get_data(
            as_text=True
        )
        return walk(data, Start(client, html, url, facts))

    return build_request(data, ctx, url, valid, answer_extra(ctx), facts)


def fuzz_by_link(data: Any, ctx: Ctx) -> Sent:
    return _fuzz_public_link(data, ctx, f"/s/{ctx.world.token}", {"channel": "link", "unit": None})


def fuzz_by_unit_link(data: Any, ctx: Ctx) -> Sent:
    unit = data.draw(st.sampled_from(sorted(ctx.world.units.values())))
    return _fuzz_public_link(
        data, ctx, f"/s/{ctx.world.token}/{unit}", {"channel": "unit_link", "unit": unit}
    )


def fuzz_kiosk(data: Any, ctx: Ctx) -> Sent:
    key, unit = ctx.world.kiosks[data.draw(st.sampled_from(sorted(ctx.world.kiosks)))]
    url = f"/kiosk/{key}"
    facts = {"channel": "kiosk", "unit": unit}

    def valid() -> tuple[Pairs, dict[str, Any], FlaskClient]:
        client = ctx.app.test_client(use_cookies=False)
        html = client.get(f"{url}?sprak={language(data)}", follow_redirects=True).get_data(
            as_text=True
        )
        return walk(data, Start(client, html, url, facts))

    return build_request(data, ctx, url, valid, answer_extra(ctx), facts)


def code_as_typed(data: Any, code: str) -> str:
    shown = show_code(code)
    return str(
        data.draw(
            st.sampled_from([shown, code, shown.lower(), f"  {shown} ", shown.replace("-", " ")])
        )
    )


def fuzz_by_code(data: Any, ctx: Ctx) -> Sent:
    w = ctx.world
    unit = data.draw(st.sampled_from([None, w.units["Aktivitetshuset"]]))
    code = fresh_code(ctx.app, w, unit)
    facts = {"channel": "code", "unit": unit, "code": code}

    def valid() -> tuple[Pairs, dict[str, Any], FlaskClient]:
        client = ctx.app.test_client(use_cookies=False)
        first = client.post(
            "/kode",
            data={"kode": code_as_typed(data, code), "sprak": language(data)},
            follow_redirects=True,
        )
        assert first.status_code == 200, first.get_data(as_text=True)[:2000]
        walked = walk(data, Start(client, first.get_data(as_text=True), "/kode/svar", facts))
        if data.draw(st.integers(0, 7)) == 7:
            say("the code is used in another window meanwhile")
            with ctx.app.app_context():
                db.session.get(AccessCode, code).used = True  # type: ignore[union-attr]
                db.session.commit()
                db.session.remove()
            facts["used_meanwhile"] = True
        return walked

    extra = [code, show_code(code), ctx.used_code, ctx.other_round_code, *answer_extra(ctx)]
    return build_request(data, ctx, "/kode/svar", valid, extra, facts)


def fuzz_code(data: Any, ctx: Ctx) -> Sent:
    w = ctx.world
    code = fresh_code(ctx.app, w, data.draw(st.sampled_from([None, w.units["Solsiden"]])))

    def valid() -> tuple[Pairs, dict[str, Any], None]:
        form = form_posting_to(ctx.app.test_client().get("/kode").get_data(as_text=True), "/kode")
        pairs = [(n, v) for n, v in form.hidden()]
        return [*pairs, ("kode", code_as_typed(data, code))], {}, None

    extra = [code, show_code(code), ctx.used_code, ctx.other_round_code, "ABCD-EFGH"]
    return build_request(data, ctx, "/kode", valid, extra)


def fuzz_kiosk_reset(data: Any, ctx: Ctx) -> Sent:
    key, _ = ctx.world.kiosks[data.draw(st.sampled_from(sorted(ctx.world.kiosks)))]
    url = f"/kiosk/{key}/nullstill"

    def valid() -> tuple[Pairs, dict[str, Any], FlaskClient]:
        client = ctx.app.test_client(use_cookies=False)
        form = form_posting_to(
            client.get(f"/kiosk/{key}", follow_redirects=True).get_data(as_text=True), url
        )
        return form.hidden(), {}, client

    return build_request(data, ctx, url, valid, answer_extra(ctx))


# --- deviation reports ---------------------------------------------------------------------------


def date_text(data: Any) -> str:
    day = today() - timedelta(days=data.draw(st.integers(0, 5 * 365)))
    fmt = data.draw(st.sampled_from(["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y"]))
    return day.strftime(fmt)


def free_text(data: Any, limit: int, required: bool) -> str:
    text = data.draw(
        st.one_of(
            st.text(PLAIN_CHAR, max_size=80),
            st.just("Første linje.\r\n\r\nAndre linje – med «sitat»."),
            st.just("æ" * limit),
        )
    )
    if required and not text.strip():
        return "Det skjedde noe."
    return str(text)


def fuzz_report(data: Any, ctx: Ctx) -> Sent:
    w = ctx.world
    url = f"/avvik/{w.slug}"

    def valid() -> tuple[Pairs, dict[str, Any], FlaskClient]:
        client = ctx.app.test_client(use_cookies=False)
        html = client.get(f"{url}?sprak={language(data)}", follow_redirects=True).get_data(
            as_text=True
        )
        form = form_posting_to(html, url)
        pairs: Pairs = form.hidden()
        units = [v for v in form.values_of("unit") if v]
        pairs += [
            ("reporter_kind", data.draw(st.sampled_from(form.values_of("reporter_kind")))),
            ("unit", data.draw(st.sampled_from(units))),
            ("event_date", date_text(data)),
            ("category", data.draw(st.sampled_from(form.values_of("category")))),
            ("description", free_text(data, DESCRIPTION_MAX, True)),
            ("suggestion", free_text(data, SUGGESTION_MAX, False)),
            ("reporter_name", free_text(data, 200, False)),
            ("reporter_contact", free_text(data, 254, False)),
        ]
        assert set(form.names()) == {name for name, _ in pairs}, form.names()
        return pairs, {}, client

    extra = [
        *ctx.tokens["report"],
        *map(str, [*w.categories, w.inactive_category, w.other_category]),
        *map(str, [*w.units.values(), w.inactive_unit, w.other_unit]),
        *REPORTER_KINDS,
        "ingen",
        (today() + timedelta(days=1)).isoformat(),
        (today() - timedelta(days=6 * 366)).strftime("%d.%m.%Y"),
        date(1, 1, 1).isoformat(),
    ]
    return build_request(data, ctx, url, valid, extra)


def receipt_as_typed(data: Any, code: str) -> str:
    return str(
        data.draw(
            st.sampled_from(
                [code, code.lower(), code.replace("-", ""), f" {code} ", code.replace("-", " ")]
            )
        )
    )


def _follow_up_path(ctx: Ctx, own: bool) -> str:
    """The general follow-up page, or the organisation's own (/avvik/<slug>/oppfolging)."""
    return f"/avvik/{ctx.world.slug}/oppfolging" if own else "/avvik/oppfolging"


def fuzz_follow_up(data: Any, ctx: Ctx, own: bool = False) -> Sent:
    path = _follow_up_path(ctx, own)

    def valid() -> tuple[Pairs, dict[str, Any], None]:
        html = ctx.app.test_client().get(f"{path}?sprak={language(data)}")
        form = form_posting_to(html.get_data(as_text=True), path)
        return [*form.hidden(), ("kode", receipt_as_typed(data, ctx.world.receipt))], {}, None

    extra = [ctx.world.receipt, ctx.other_receipt, "ABCD-EFGH-JKMN-PQRS"]
    return build_request(data, ctx, path, valid, extra)


def fuzz_reply(data: Any, ctx: Ctx, own: bool = False) -> Sent:
    path = _follow_up_path(ctx, own)

    def valid() -> tuple[Pairs, dict[str, Any], FlaskClient]:
        client = ctx.app.test_client(use_cookies=False)
        code = receipt_as_typed(data, ctx.world.receipt)
        page = client.post(path, data={"kode": code, "sprak": language(data)})
        assert page.status_code == 200, page.get_data(as_text=True)[:2000]
        form = form_posting_to(page.get_data(as_text=True), f"{path}/svar")
        body = free_text(data, MESSAGE_MAX, True)
        return [*form.hidden(), ("body", body)], {}, client

    extra = [*ctx.tokens["reply"], ctx.world.receipt, ctx.other_receipt]
    return build_request(data, ctx, f"{path}/svar", valid, extra)


# --- signing in and out --------------------------------------------------------------------------


def login_form(client: FlaskClient) -> Form:
    return form_posting_to(client.get("/logg-inn").get_data(as_text=True), "/logg-inn")


def fuzz_login(data: Any, ctx: Ctx) -> Sent:
    def valid() -> tuple[Pairs, dict[str, Any], FlaskClient]:
        client = ctx.app.test_client()
        pairs = login_form(client).hidden()
        email = data.draw(st.sampled_from([EMAIL, EMAIL.upper(), f" {EMAIL} ", "ingen@example.no"]))
        password = data.draw(st.sampled_from([PASSWORD, PASSWORD, PASSWORD, "feil-passord-123"]))
        return [*pairs, ("email", email), ("password", password)], {}, client

    extra = [EMAIL, PASSWORD, "ingen@example.no", "a@b"]
    sent = build_request(data, ctx, "/logg-inn", valid, extra)
    if isinstance(sent.data, MultiDict):
        email = (sent.data.get("email") or "").replace("\x00", "").strip().lower()
        sent.facts["may_sign_in"] = email == EMAIL and sent.data.get("password") == PASSWORD
    return sent


def fuzz_logout(data: Any, ctx: Ctx) -> Sent:
    def valid() -> tuple[Pairs, dict[str, Any], FlaskClient]:
        client = ctx.app.test_client()
        pairs = login_form(client).hidden()
        if data.draw(st.booleans()):
            signed_in = client.post(
                "/logg-inn", data=MultiDict([*pairs, ("email", EMAIL), ("password", PASSWORD)])
            )
            assert signed_in.status_code == 302
            pairs = form_posting_to(client.get("/").get_data(as_text=True), "/logg-ut").hidden()
        return pairs, {}, client

    return build_request(data, ctx, "/logg-ut", valid, [EMAIL])


# --- forgotten passwords, password links and invitations -----------------------------------------

NEW_PASSWORD = "et-nytt-passord-123"


def fuzz_forgot(data: Any, ctx: Ctx) -> Sent:
    def valid() -> tuple[Pairs, dict[str, Any], FlaskClient]:
        client = ctx.app.test_client()
        page = client.get("/glemt-passord").get_data(as_text=True)
        email = data.draw(st.sampled_from([EMAIL, EMAIL.upper(), "ingen@example.no"]))
        return [*form_posting_to(page, "/glemt-passord").hidden(), ("email", email)], {}, client

    return build_request(data, ctx, "/glemt-passord", valid, [EMAIL, "ingen@example.no"])


def check_forgot(app: Flask, world: World, d: Diff, sent: Sent) -> None:
    """Nothing, or one new link replacing any older one (the mail goes out after the answer,
    so the link is stored whether or not the mail server takes it; on SQLite the new row may
    take the old one's id, a change)."""
    assert set(d.added) <= {"password_link"} and d.count("password_link") <= 1, d.added
    assert set(d.removed) <= {"password_link"}, d.removed
    assert set(d.changed) <= {"password_link"} and len(d.changed.get("password_link", [])) <= 1


def _password_link(ctx: Ctx) -> str:
    from feedback.auth.services import ADMIN_LINK_LIFETIME, find_user, issue_password_link

    with ctx.app.app_context():
        user = find_user(EMAIL)
        assert user is not None
        token = issue_password_link(user, ADMIN_LINK_LIFETIME)
        db.session.commit()
        db.session.remove()
    return f"/passord/{token}"


def _new_password(data: Any) -> str:
    return str(data.draw(st.sampled_from([NEW_PASSWORD, "kort", "æ" * 200, "å" * 201])))


def fuzz_reset(data: Any, ctx: Ctx) -> Sent:
    url = _password_link(ctx)

    def valid() -> tuple[Pairs, dict[str, Any], FlaskClient]:
        client = ctx.app.test_client()
        form = form_posting_to(client.get(url).get_data(as_text=True), url)
        password = _new_password(data)
        return [*form.hidden(), ("new_password", password), ("confirm", password)], {}, client

    return build_request(data, ctx, url, valid, [NEW_PASSWORD, url])


def check_reset(app: Flask, world: World, d: Diff, sent: Sent) -> None:
    """Nothing, or the new password: the link spent, the sessions ended, one audit event."""
    if not d.added and not d.removed and not d.changed:
        return
    assert {t: len(r) for t, r in d.added.items()} == {"audit_event": 1}, d.added
    removed = {t: len(r) for t, r in d.removed.items() if t != "staff_session"}
    assert removed == {"password_link": 1}, d.removed
    assert set(d.changed) == {"user_account"}, d.changed
    columns = [c.name for c in db.metadata.tables["user_account"].columns]
    (key,) = d.changed["user_account"]
    old, new = d.before["user_account"][key], d.after["user_account"][key]
    moved = {name for name, a, b in zip(columns, old, new, strict=True) if a != b}
    assert moved == {"password_hash"}, moved


def _invitation(ctx: Ctx) -> str:
    from feedback.auth.invitations import invite

    with ctx.app.app_context():
        organisation = db.session.get(Organisation, ctx.world.org_id)
        assert organisation is not None
        _invited, token = invite(
            organisation,
            None,
            email=f"ny-{secrets.token_hex(4)}@example.no",
            name="Ny Person",
            role="quality",
            representation="user_rep",
        )
        db.session.commit()
        db.session.remove()
    return f"/invitasjon/{token}"


def fuzz_join(data: Any, ctx: Ctx) -> Sent:
    url = _invitation(ctx)

    def valid() -> tuple[Pairs, dict[str, Any], FlaskClient]:
        client = ctx.app.test_client()
        form = form_posting_to(client.get(url).get_data(as_text=True), url)
        name = data.draw(st.one_of(st.just("Ny Person"), st.text(PLAIN_CHAR, max_size=80)))
        password = _new_password(data)
        pairs = [("name", name), ("new_password", password), ("confirm", password)]
        return [*form.hidden(), *pairs], {}, client

    return build_request(data, ctx, url, valid, [NEW_PASSWORD, "Ny Person", url])


def check_join(app: Flask, world: World, d: Diff, sent: Sent) -> None:
    """Nothing, or a whole account: the person, the role, the invitation closed, the log, and
    the new person's session (they are signed in)."""
    if not d.added and not d.changed:
        nothing_stored(d)
        return
    only(
        d,
        {"user_account": 1, "membership": 1, "audit_event": 3, "staff_session": 1},
        changed={"invitation"},
    )


def _email_link(ctx: Ctx) -> str:
    """A pending change of a staff account's address (the first account: its address moves
    with every confirmed change) to a new, free address."""
    from feedback.auth import email_change

    with ctx.app.app_context():
        user = db.session.scalar(sa.select(User).order_by(User.id).limit(1))
        assert user is not None
        token = email_change.request_change(
            None, user, user, f"ny-{secrets.token_hex(4)}@example.no"
        )
        db.session.commit()
        db.session.remove()
    return f"/epost/{token}"


def fuzz_confirm_email(data: Any, ctx: Ctx) -> Sent:
    url = _email_link(ctx)

    def valid() -> tuple[Pairs, dict[str, Any], FlaskClient]:
        client = ctx.app.test_client()
        form = form_posting_to(client.get(url).get_data(as_text=True), url)
        return [*form.hidden()], {}, client

    return build_request(data, ctx, url, valid, [url])


def check_confirm_email(app: Flask, world: World, d: Diff, sent: Sent) -> None:
    """Nothing, or the new address: the request spent, the sessions ended, the log of each of
    the person's organisations; only the e-mail of the account changed."""
    if not d.added and not d.removed and not d.changed:
        return
    assert set(d.added) == {"audit_event"}, d.added
    removed = {t: len(r) for t, r in d.removed.items() if t != "staff_session"}
    assert removed == {"email_change": 1}, d.removed
    assert set(d.changed) == {"user_account"}, d.changed
    columns = [c.name for c in db.metadata.tables["user_account"].columns]
    (key,) = d.changed["user_account"]
    old, new = d.before["user_account"][key], d.after["user_account"][key]
    moved = {name for name, a, b in zip(columns, old, new, strict=True) if a != b}
    assert moved == {"email"}, moved


# --- the endpoints -------------------------------------------------------------------------------

Outcome = tuple[int, frozenset[str]]


@dataclass
class Fuzzer:
    build: Callable[[Any, Ctx], Sent]
    check: Callable[[Flask, World, Diff, Sent], None]
    #: A field of the valid form and a value the endpoint refuses.
    tamper: tuple[str, str]
    #: What the valid form reaches, and what the tampered one does (by name, for messages).
    reach: dict[str, Callable[[Outcome], bool]]
    #: Attempt limits the endpoint applies to this request: (scope, identity, limit).
    limits: Callable[[Flask, Sent], list[tuple[str, str, str]]] = lambda app, sent: []
    #: Sometimes the round closes between showing the form and sending it.
    closable: bool = False
    #: Sent again, it may store again (under ``check``): a new password link replaces the one
    #: just made, whose mail goes out after the answer.
    repeatable: bool = False


def _stored(table: str) -> Callable[[Outcome], bool]:
    return lambda outcome: table in outcome[1]


def _status(*codes: int) -> Callable[[Outcome], bool]:
    return lambda outcome: outcome[0] in codes


ANSWER_REACH = {"stored a response": _stored("response"), "refused": _status(400, 409)}


def _typed_code(sent: Sent) -> str:
    return sent.data.get("kode", "") if isinstance(sent.data, MultiDict) else ""


def _receipt_limits(app: Flask, sent: Sent) -> list[tuple[str, str, str]]:
    """The counter of the typed code's prefix, and the one of impossible codes."""
    groups = {receipt_group(_typed_code(sent)), ratelimit.IMPOSSIBLE_CODES}
    return [(RECEIPT_SCOPE, g, app.config["RECEIPT_PREFIX_LIMIT"]) for g in groups]


def _code_limits(app: Flask, sent: Sent) -> list[tuple[str, str, str]]:
    groups = {respond.code_group(_typed_code(sent)), ratelimit.IMPOSSIBLE_CODES}
    return [("access-code", g, app.config["ACCESS_CODE_PREFIX_LIMIT"]) for g in groups]


TOO_YOUNG = ("q-age", "12")

FUZZERS: dict[str, Fuzzer] = {
    "respond.by_link": Fuzzer(fuzz_by_link, check_response, TOO_YOUNG, ANSWER_REACH, closable=True),
    "respond.by_unit_link": Fuzzer(
        fuzz_by_unit_link, check_response, TOO_YOUNG, ANSWER_REACH, closable=True
    ),
    "respond.kiosk": Fuzzer(fuzz_kiosk, check_response, TOO_YOUNG, ANSWER_REACH, closable=True),
    "respond.by_code": Fuzzer(fuzz_by_code, check_response, TOO_YOUNG, ANSWER_REACH, closable=True),
    "respond.code": Fuzzer(
        fuzz_code,
        check_nothing,
        ("kode", "ABCD-EFGH"),
        {"opened the questionnaire": _status(303), "refused": _status(400)},
        _code_limits,
    ),
    "respond.kiosk_reset": Fuzzer(
        fuzz_kiosk_reset,
        check_kiosk_reset,
        ("skjema", "ikke-et-skjema"),
        {
            "burnt a form token": _stored("used_form_token"),
            "burnt nothing": lambda o: o[0] == 303 and "used_form_token" not in o[1],
        },
    ),
    "report.new": Fuzzer(
        fuzz_report,
        check_report,
        ("description", " \r\n "),
        {"stored a case": _stored("deviation"), "refused": _status(400)},
    ),
    "report.follow_up": Fuzzer(
        fuzz_follow_up,
        check_nothing,
        ("kode", "ABCD-EFGH-JKMN-PQRS"),
        {"found the case": _status(200), "refused": _status(400)},
        _receipt_limits,
    ),
    "report.reply": Fuzzer(
        fuzz_reply,
        check_reply,
        ("body", ""),
        {"stored a reply": _stored("deviation_message"), "refused": _status(400)},
        _receipt_limits,
    ),
    # The organisation's own follow-up pages: the other organisation's code opens nothing there.
    "report.follow_up_at": Fuzzer(
        lambda data, ctx: fuzz_follow_up(data, ctx, own=True),
        check_nothing,
        ("kode", "ABCD-EFGH-JKMN-PQRS"),
        {"found the case": _status(200), "refused": _status(400)},
        _receipt_limits,
    ),
    "report.reply_at": Fuzzer(
        lambda data, ctx: fuzz_reply(data, ctx, own=True),
        check_reply,
        ("body", ""),
        {"stored a reply": _stored("deviation_message"), "refused": _status(400)},
        _receipt_limits,
    ),
    "auth.login": Fuzzer(
        fuzz_login,
        check_login,
        ("password", "feil-passord-123"),
        {"signed in": _status(302), "refused": _status(200)},
        lambda app, sent: [(LOGIN_SCOPE, EMAIL, app.config["LOGIN_ATTEMPT_LIMIT"])],
    ),
    "auth.forgot_password": Fuzzer(
        fuzz_forgot,
        check_forgot,
        ("email", ""),
        {"answered the same": _status(302), "refused": _status(200)},
        lambda app, sent: [(RESET_SCOPE, EMAIL, app.config["PASSWORD_LINK_LIMIT"])],
        repeatable=True,
    ),
    "auth.reset_password": Fuzzer(
        fuzz_reset,
        check_reset,
        ("confirm", "noe-helt-annet"),
        {"set the password": _stored("audit_event"), "refused": _status(200)},
    ),
    "auth.confirm_email": Fuzzer(
        fuzz_confirm_email,
        check_confirm_email,
        ("csrf_token", "ikke-et-merke"),
        {"changed the address": _stored("audit_event"), "refused": _status(400)},
    ),
    "auth.open_invitation": Fuzzer(
        fuzz_join,
        check_join,
        ("confirm", "noe-helt-annet"),
        {"joined": _stored("membership"), "refused": _status(200)},
    ),
    "auth.logout": Fuzzer(
        fuzz_logout,
        check_logout,
        ("csrf_token", "ikke-et-merke"),
        {"signed out": _status(302), "refused": _status(400)},
    ),
}


@pytest.fixture
def fuzz_ctx(app: Flask, world: World) -> Ctx:
    from feedback.deviations.receiving import REPLY_FORM, REPORT_FORM
    from feedback.respond.services import ANSWERING

    w = world
    with app.app_context():
        round_ = db.session.get(SurveyRound, w.round_id)
        other_round = db.session.get(SurveyRound, w.other_round_id)
        used = fieldwork.batch_codes(round_, fieldwork.make_codes(round_, 1, None))[0]  # type: ignore[arg-type]
        used.used = True
        other_code = fieldwork.batch_codes(
            other_round,  # type: ignore[arg-type]
            fieldwork.make_codes(other_round, 1, None),  # type: ignore[arg-type]
        )[0].code
        used_code = used.code
        db.session.commit()
        db.session.remove()
    tokens = {
        "answering": odd_tokens(
            app,
            ANSWERING,
            w.round_id,
            [(ANSWERING, w.other_round_id), (REPORT_FORM, w.round_id), (REPLY_FORM, w.round_id)],
        ),
        "report": odd_tokens(
            app,
            REPORT_FORM,
            w.org_id,
            [(REPORT_FORM, w.other_org_id), (ANSWERING, w.org_id), (REPLY_FORM, w.org_id)],
        ),
        "reply": odd_tokens(
            app,
            REPLY_FORM,
            w.case_id,
            [(REPLY_FORM, w.other_case_id), (REPORT_FORM, w.case_id), (ANSWERING, w.case_id)],
        ),
    }
    return Ctx(
        app,
        world,
        tokens,
        int(app.config["MAX_CONTENT_LENGTH"]),
        other_receipt=w.other_receipt,
        used_code=show_code(used_code),
        other_round_code=show_code(other_code),
    )


# --- the tests -----------------------------------------------------------------------------------


def public_post_endpoints(database_url: str) -> set[str]:
    """Every endpoint that takes a POST and answers an anonymous request itself, rather than
    sending it to the sign-in page. (CSRF is off here so the guard that runs is the login's.)"""
    app = build_app(database_url, WTF_CSRF_ENABLED=False)
    try:
        client = app.test_client()
        adapter = app.url_map.bind("localhost")
        public = set()
        for rule in app.url_map.iter_rules():
            if "POST" not in (rule.methods or ()):
                continue
            values = {
                name: 1 if isinstance(converter, IntegerConverter) else "x"
                for name, converter in rule._converters.items()
            }
            url = adapter.build(rule.endpoint, values, method="POST")
            response = client.post(url)
            to_login = urlsplit(response.headers.get("Location", "")).path == "/logg-inn"
            if not (300 <= response.status_code < 400 and to_login):
                public.add(rule.endpoint)
        return public
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_every_public_post_route_is_fuzzed(database_url: str) -> None:
    public = public_post_endpoints(database_url)
    assert "report.new" in public and "admin.new_account" not in public  # the probe works
    assert public == set(FUZZERS), (
        f"public POST routes without a fuzzer: {sorted(public - set(FUZZERS))}; "
        f"fuzzers for routes that are not public: {sorted(set(FUZZERS) - public)}"
    )


def encoded(data: Any, sent: Sent) -> dict[str, Any]:
    """The test client's arguments for the body and its type."""
    if sent.content_type == "multipart/form-data" and isinstance(sent.data, MultiDict):
        # Encoded here: the test client would spool a big body to a file it never closes.
        boundary, body = encode_multipart(sent.data)
        if data.draw(st.integers(0, 3)) == 3:
            # Parts a browser never sends: without a name, or a file without a name.
            end = f"--{boundary}--\r\n".encode()
            body = body.removesuffix(end) + nameless_parts(boundary) + end
        return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}
    if sent.content_type:
        return {"data": sent.data, "content_type": sent.content_type}
    return {"data": sent.data}


def post_and_check(
    app: Flask, client: FlaskClient, url: str, kwargs: dict[str, Any], log_watch: LogWatch
) -> tuple[int, Diff]:
    """Post; check the answer and the log; return the status and what changed in the tables."""
    before = snapshot(app)
    log_watch.records.clear()
    response = client.post(url, **kwargs)
    check_answer(response)
    check_logs(log_watch)
    return response.status_code, diff(before, snapshot(app))


def set_round_status(app: Flask, round_id: int, status: str) -> None:
    with app.app_context():
        db.session.get(SurveyRound, round_id).status = status  # type: ignore[union-attr]
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("endpoint", sorted(FUZZERS))
def test_public_post_endpoint_survives_fuzzing(
    endpoint: str, app: Flask, world: World, fuzz_ctx: Ctx, log_watch: LogWatch
) -> None:
    survives_fuzzing(endpoint, app, fuzz_ctx, log_watch)


def survives_fuzzing(endpoint: str, app: Flask, fuzz_ctx: Ctx, log_watch: LogWatch) -> None:
    fuzzer = FUZZERS[endpoint]
    outcomes: list[Outcome] = []

    def example(data: Any) -> None:
        with app.app_context():
            limiter.reset()
        sent = fuzzer.build(data, fuzz_ctx)
        limits = fuzzer.limits(app, sent)
        if limits and data.draw(st.integers(0, 9)) == 9:
            say("attempt limits used up")
            with app.app_context():
                for scope, identity, limit in limits:
                    for _ in range(min(item.amount for item in parse_many(limit))):
                        ratelimit.register_failure(scope, identity, limit)
        closing = fuzzer.closable and data.draw(st.integers(0, 9)) == 9
        if closing:
            say("the round closes before the form is sent")
            set_round_status(app, fuzz_ctx.world.round_id, "closed")
        say(f"POST {sent.url} {sent.content_type or ''}")
        say(repr(sent.data)[:3000])
        client = sent.client or app.test_client(use_cookies=False)
        kwargs = encoded(data, sent)
        try:
            status, changes = post_and_check(app, client, sent.url, kwargs, log_watch)
            if closing:
                nothing_stored(changes)
            fuzzer.check(app, fuzz_ctx.world, changes, sent)
            outcomes.append((status, frozenset(changes.added)))
            if data.draw(st.integers(0, 5)) == 5:
                say("sent again (a double-click, a reload)")
                again = post_and_check(app, client, sent.url, kwargs, log_watch)[1]
                if fuzzer.repeatable:
                    fuzzer.check(app, fuzz_ctx.world, again, sent)
                else:
                    nothing_stored(again)
        finally:
            if closing:
                set_round_status(app, fuzz_ctx.world.round_id, "open")

    # The valid form, and the same with one field the endpoint must refuse, first: so the
    # examples are known to start from forms that reach deep, and the checks can fail.
    (valid, reaches_valid), (refused, reaches_refused) = fuzzer.reach.items()
    example(Simplest())
    assert reaches_valid(outcomes[-1]), f"the valid form did not get {valid}: {outcomes[-1]}"
    example(Simplest(fuzzer.tamper))
    assert reaches_refused(outcomes[-1]), f"{fuzzer.tamper} was not {refused}: {outcomes[-1]}"
    FUZZ(given(data=st.data())(example))()
    if os.environ.get("FEEDBACK_FUZZ_REPORT"):
        counts = {what: sum(map(test, outcomes)) for what, test in fuzzer.reach.items()}
        print(endpoint, len(outcomes), counts, Counter(status for status, _ in outcomes))


def test_a_length_limit_with_the_default_message_answers(app: Flask) -> None:
    """Found by fuzzing the receipt code: WTForms' own message for a too long text is plural and
    has a %(max)d, which the translation hook once failed to fill in (a 500)."""
    from wtforms import StringField
    from wtforms.validators import Length

    from feedback.web.forms import Form as AppForm

    class Probe(AppForm):
        class Meta:
            csrf = False

        text = StringField(validators=[Length(max=3)])

    with app.test_request_context("/", method="POST", data={"text": "abcdef"}):
        form = Probe()
        assert not form.validate()
        [message] = form.text.errors
        assert "3" in message and "%(" not in message


def test_a_form_part_without_a_name_is_left_out(app: Flask, world: World) -> None:
    """Found by fuzzing: werkzeug kept a multipart part without a name under the key None, and
    both the CSRF check and the questionnaire's check of the field names gave a 500."""
    client = app.test_client(use_cookies=False)
    url = f"/s/{world.token}"
    page = form_posting_to(client.get(url, follow_redirects=True).get_data(as_text=True), url)
    answers = [("enhet", "ingen"), ("q-listened", "4")]
    boundary, body = encode_multipart(MultiDict([*page.hidden(), *answers]))
    end = f"--{boundary}--\r\n".encode()
    body = body.removesuffix(end) + nameless_parts(boundary) + end
    content_type = f"multipart/form-data; boundary={boundary}"
    answered = client.post(url, data=body, content_type=content_type)
    assert answered.status_code == 303  # on to page 2's own address
    assert "side=2" in answered.location
    signed_out = app.test_client().post("/logg-inn", data=body, content_type=content_type)
    assert signed_out.status_code == 400  # no CSRF token: refused, not a fault
