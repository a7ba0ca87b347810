"""Server time of the results page and the results API with many responses.

Loads N synthetic responses to a 10-question round into a fresh database (SQLite with WAL, and
PostgreSQL), counts the tallies again from the stored answers, signs in as the quality group
and times requests through the Flask test client inside this process (so "server time" is the
whole Flask request: routing, access checks, queries, figures and template, no network).

    .venv/bin/python bench/results.py                         # 100 000 responses, both databases
    .venv/bin/python bench/results.py --sizes 100000 1000000 --databases sqlite postgresql
    .venv/bin/python bench/results.py --quick                 # small sizes, README left alone

The table goes to stdout and, for full runs, into the "bench/results.py" section of
bench/README.md. See that section for what is measured and the latest numbers.
"""

from __future__ import annotations

import argparse
import bisect
import cProfile
import io
import os
import platform
import pstats
import random
import re
import secrets
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import aliased

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR.parent) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(BENCH_DIR.parent))

from feedback import create_app  # noqa: E402
from feedback.config import Config  # noqa: E402
from feedback.designer import services as designer  # noqa: E402
from feedback.extensions import db  # noqa: E402
from feedback.models import (  # noqa: E402
    Answer,
    ApiToken,
    Membership,
    Organisation,
    Response,
    SurveyRound,
    Unit,
    User,
)
from feedback.models.api import hash_api_token, new_api_token  # noqa: E402
from feedback.results import tally  # noqa: E402

DATABASES = ("sqlite", "postgresql")
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1/bench_results"
#: p95 targets of the issue: 150 ms up to 100 000 responses, 500 ms up to 1 000 000.
TARGETS = ((100_000, 150.0), (1_000_000, 500.0))
#: Rows per executemany / COPY batch.
BATCH = 20_000
EMAIL = "kvalitet@bench.example.no"
PASSWORD = "bench-passord-" + "x" * 12
README = BENCH_DIR / "README.md"
TABLE_START = "<!-- results.py:table:start -->"
TABLE_END = "<!-- results.py:table:end -->"
#: A warm-up request slower than this makes the endpoint count as slow: fewer repetitions.
SLOW_SECONDS = 1.0
SLOW_REPEAT, SLOW_BUDGET, SLOW_MINIMUM = 10, 60.0, 3


def target_ms(responses: int) -> float:
    for limit, target in TARGETS:
        if responses <= limit:
            return target
    return TARGETS[-1][1]


# --- the questionnaire and how people answer it ---------------------------------------------

#: Unit tree: three areas with three units each (12 units), and how often each gets a response.
UNIT_TREE = {
    "Psykisk helse": ["Solsiden bofellesskap", "Møteplassen aktivitetssenter", "ACT-teamet"],
    "Rus og avhengighet": ["Døra lavterskel", "Rusteamet", "Ettervernet"],
    "Bolig og arbeid": ["Tunet bofellesskap", "Arbeidsverkstedet", "Bo-oppfølging"],
}
AREA_WEIGHT, UNIT_WEIGHTS, NO_UNIT_WEIGHT = 1, (14, 11, 9, 8, 7, 6, 12, 8, 5), 8
CHANNEL_WEIGHTS = {"link": 40, "unit_link": 20, "kiosk": 20, "code": 10, "paper": 10}
#: Answers come in over this many days before today.
DAYS = 60


def _likert(key: str, text: str) -> dict[str, Any]:
    return {
        "key": key,
        "type": "likert",
        "text": {"nb": text},
        "low_label": {"nb": "Helt uenig"},
        "high_label": {"nb": "Helt enig"},
        "dont_know": True,
    }


def _options(*pairs: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"value": value, "label": {"nb": label}} for value, label in pairs]


def questionnaire() -> dict[str, Any]:
    """Ten questions: 4 Likert, 2 smiley, single choice, multiple choice, yes/no, 0–10."""
    return {
        "format": "brukerstemmen.questionnaire",
        "version": 1,
        "title": {"nb": "Brukerundersøkelse (ytelsestest)"},
        "pages": [
            {
                "questions": [
                    _likert("listened", "Jeg blir lyttet til."),
                    _likert("respect", "Jeg blir møtt med respekt."),
                    _likert("influence", "Jeg får være med og bestemme."),
                    _likert("help", "Jeg får den hjelpen jeg trenger."),
                ]
            },
            {
                "questions": [
                    {
                        "key": "mood",
                        "type": "smiley",
                        "text": {"nb": "Hvordan har du det her?"},
                        "options": _options(("1", "Dårlig"), ("2", "Middels"), ("3", "Bra")),
                    },
                    {
                        "key": "safe",
                        "type": "smiley",
                        "text": {"nb": "Hvor trygg føler du deg her?"},
                        "options": _options(
                            ("1", "Svært utrygg"),
                            ("2", "Utrygg"),
                            ("3", "Middels"),
                            ("4", "Trygg"),
                            ("5", "Svært trygg"),
                        ),
                    },
                    {
                        "key": "contact",
                        "type": "single_choice",
                        "text": {"nb": "Hvor ofte har du kontakt med tjenesten?"},
                        "options": _options(
                            ("daily", "Hver dag"),
                            ("weekly", "Hver uke"),
                            ("monthly", "Hver måned"),
                            ("seldom", "Sjeldnere"),
                        ),
                        "dont_know": True,
                    },
                    {
                        "key": "activities",
                        "type": "multiple_choice",
                        "text": {"nb": "Hva deltar du på?"},
                        "options": _options(
                            ("walk", "Tur"),
                            ("cook", "Matlaging"),
                            ("art", "Kunst"),
                            ("work", "Arbeid"),
                            ("talk", "Samtalegruppe"),
                        ),
                    },
                    {"key": "group", "type": "yes_no", "text": {"nb": "Går du på gruppe?"}},
                    {
                        "key": "score",
                        "type": "scale",
                        "text": {"nb": "Hvor fornøyd er du alt i alt?"},
                        "low_label": {"nb": "Svært misfornøyd"},
                        "high_label": {"nb": "Svært fornøyd"},
                    },
                ]
            },
        ],
    }


#: How answers to each question are spread (weights per value), and how often it is skipped.
SPREAD: dict[str, dict[str, Any]] = {
    "listened": {"weights": (4, 8, 18, 38, 32), "skip": 0.03, "dont_know": 0.04},
    "respect": {"weights": (2, 5, 13, 37, 43), "skip": 0.03, "dont_know": 0.02},
    "influence": {"weights": (8, 14, 26, 30, 22), "skip": 0.06, "dont_know": 0.08},
    "help": {"weights": (5, 10, 22, 35, 28), "skip": 0.05, "dont_know": 0.05},
    "mood": {"weights": (12, 33, 55), "skip": 0.04},
    "safe": {"weights": (3, 6, 18, 40, 33), "skip": 0.05},
    "contact": {"weights": (35, 40, 15, 10), "skip": 0.07, "dont_know": 0.03},
    # Multiple choice: the chance of choosing each option.
    "activities": {"chosen": (0.45, 0.30, 0.15, 0.20, 0.25), "skip": 0.15},
    "group": {"weights": (58, 42), "skip": 0.06},
    "score": {"weights": (1, 1, 2, 3, 4, 8, 12, 20, 24, 15, 10), "skip": 0.08},
}
#: The choice filter measured: everyone who answered "contact" with "weekly".
FILTER = ("contact", "weekly")
#: The unit filter measured: an area with units below it.
FILTER_UNIT = "Psykisk helse"


@dataclass
class QuestionPlan:
    id: int
    key: str
    kind: str
    values: list[str]
    numbers: list[int | None]
    cumulative: list[float]
    skip: float
    dont_know: float = 0.0
    chosen: tuple[float, ...] = ()


@dataclass
class Place:
    """What the set-up made: ids the load and the requests need."""

    org_id: int
    round_id: int
    units: dict[str, int]
    questions: dict[str, int]
    plans: list[QuestionPlan]
    token: str = ""


def _plans(round_: SurveyRound) -> list[QuestionPlan]:
    from feedback.questionnaire import runtime

    plans = []
    for question in round_.questions:
        spread = SPREAD[question.key]
        values = [value for value, _label in runtime.choices(question)]
        numbers = [runtime.number_value(question, value) for value in values]
        weights = spread.get("weights", (1,) * len(values))
        assert len(weights) == len(values) or "chosen" in spread, question.key
        total, cumulative = 0.0, []
        for weight in weights:
            total += weight
            cumulative.append(total / sum(weights))
        plans.append(
            QuestionPlan(
                question.id,
                question.key,
                question.kind,
                values,
                numbers,
                cumulative,
                spread["skip"],
                spread.get("dont_know", 0.0) if question.dont_know else 0.0,
                tuple(spread.get("chosen", ())),
            )
        )
    return plans


# --- the database ------------------------------------------------------------------------------


def bench_config(url: str) -> Config:
    """The development configuration (what a small installation runs), on this database."""
    return Config({"FEEDBACK_DATABASE_URL": url, "FEEDBACK_SECRET_KEY": secrets.token_urlsafe(48)})


def fresh_database(kind: str, workdir: Path, postgres_url: str) -> str:
    """An empty database: a new SQLite file, or the PostgreSQL database dropped and made again."""
    if kind == "sqlite":
        path = workdir / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    return fresh_postgres(postgres_url)


def fresh_postgres(postgres_url: str) -> str:
    """The PostgreSQL database of the address dropped and made again (bench/rewrite.py too)."""
    url = sa.engine.make_url(postgres_url)
    name = url.database
    if not name or not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"the PostgreSQL database name must be a plain name, got {name!r}")
    engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return url.render_as_string(hide_password=False)


def build_app(url: str) -> Flask:
    from flask_migrate import upgrade

    app = create_app(bench_config(url))
    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()
    return app


def set_up(app: Flask) -> Place:
    """An organisation with 12 units in a tree, a quality-group member, an open round and an API
    token for the member."""
    from feedback.auth.services import hash_password

    with app.app_context():
        # The bench signs in with the password alone (no authenticator app to read codes from).
        org = Organisation(name="Ytelseskommune", slug="ytelse", require_second_factor=False)
        db.session.add(org)
        units: dict[str, Unit] = {}
        for area, below in UNIT_TREE.items():
            top = Unit(organisation=org, name=area, kind="service_area")
            units[area] = top
            for name in below:
                units[name] = Unit(organisation=org, name=name, parent=top, kind="housing")
        db.session.add_all(units.values())
        user = User(email=EMAIL, name="Kari Kvalitet", password_hash=hash_password(PASSWORD))
        db.session.add(user)
        db.session.add(
            Membership(user=user, organisation=org, role="quality", representation="user_rep")
        )
        round_ = designer.create_round(org, None, questionnaire(), source="bench")
        round_.status = "open"
        db.session.flush()
        token = new_api_token()
        db.session.add(
            ApiToken(
                user_id=user.id,
                organisation_id=org.id,
                name="bench",
                token_hash=hash_api_token(token),
                hint=token[:8],
            )
        )
        db.session.commit()
        place = Place(
            org.id,
            round_.id,
            {name: u.id for name, u in units.items()},
            {q.key: q.id for q in round_.questions},
            _plans(round_),
            token,
        )
        db.session.remove()
        db.engine.dispose()
    return place


# --- synthetic responses -----------------------------------------------------------------------

ResponseRow = tuple[str, int, int | None, str, date]
AnswerRow = tuple[str, int, int, str, int | None]


def _picker(
    rng: random.Random, items: Sequence[Any], weights: Sequence[float]
) -> Callable[[], Any]:
    total, cumulative = 0.0, []
    for weight in weights:
        total += weight
        cumulative.append(total)

    def pick() -> Any:
        return items[bisect.bisect_right(cumulative, rng.random() * total)]

    return pick


def synthetic(
    place: Place, n: int, seed: int, batch: int = BATCH
) -> Iterator[tuple[list[ResponseRow], list[AnswerRow]]]:
    """N responses and their answers, in batches. Ids are random (as the app makes them) and
    handed out in sorted order, so each table's key index grows at its end while loading."""
    rng = random.Random(seed)
    raw = rng.randbytes(16 * n)
    ids = sorted(raw[i : i + 16].hex() for i in range(0, 16 * n, 16))
    del raw
    unit_ids: list[int | None] = [None]
    unit_weights: list[float] = [NO_UNIT_WEIGHT]
    child = iter(UNIT_WEIGHTS)
    for area, below in UNIT_TREE.items():
        unit_ids.append(place.units[area])
        unit_weights.append(AREA_WEIGHT)
        for name in below:
            unit_ids.append(place.units[name])
            unit_weights.append(next(child))
    pick_unit = _picker(rng, unit_ids, unit_weights)
    pick_channel = _picker(rng, list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()))
    today = date.today()
    days = [today - timedelta(days=d) for d in range(DAYS)]
    rand = rng.random
    plans = place.plans
    for start in range(0, n, batch):
        responses: list[ResponseRow] = []
        answers: list[AnswerRow] = []
        for rid in ids[start : start + batch]:
            channel = pick_channel()
            unit = pick_unit() if channel != "link" or rand() < 0.7 else None
            responses.append((rid, place.round_id, unit, channel, days[int(rand() * DAYS)]))
            for plan in plans:
                if rand() < plan.skip:
                    continue
                if plan.chosen:
                    chosen = [
                        v for v, p in zip(plan.values, plan.chosen, strict=True) if rand() < p
                    ]
                    for position, value in enumerate(chosen or plan.values[:1]):
                        answers.append((rid, plan.id, position, value, None))
                elif plan.dont_know and rand() < plan.dont_know:
                    answers.append((rid, plan.id, 0, "dont_know", None))
                else:
                    i = bisect.bisect_right(plan.cumulative, rand())
                    i = min(i, len(plan.values) - 1)
                    answers.append((rid, plan.id, 0, plan.values[i], plan.numbers[i]))
        yield responses, answers


def _columns(model: Any) -> list[str]:
    return [c.name for c in model.__table__.columns]


#: The history a bench loads is published (readers see it), as after an hourly publication.
RESPONSE_COLUMNS = ["id", "round_id", "unit_id", "channel", "submitted_on", "published"]
ANSWER_COLUMNS = ["response_id", "question_id", "position", "value", "number"]
COPY_RESPONSES = (
    "COPY response (id, round_id, unit_id, channel, submitted_on, published) FROM STDIN"
)
COPY_ANSWERS = "COPY answer (response_id, question_id, position, value, number) FROM STDIN"


def _load_sqlite(url: str, batches: Iterator[tuple[list[ResponseRow], list[AnswerRow]]]) -> int:
    """Plain executemany in one transaction, without a journal or fsync while loading (the
    database is thrown away if the load fails), then WAL again as the app wants it."""
    path = sa.engine.make_url(url).database
    assert path
    answers = 0
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=OFF").fetchall()
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-1000000")
        insert_response = (
            "INSERT INTO response (id, round_id, unit_id, channel, submitted_on, published)"
            " VALUES (?, ?, ?, ?, ?, 1)"
        )
        insert_answer = (
            "INSERT INTO answer (response_id, question_id, position, value, number)"
            " VALUES (?, ?, ?, ?, ?)"
        )
        connection.execute("BEGIN")
        for response_rows, answer_rows in batches:
            connection.executemany(
                insert_response, [(r[0], r[1], r[2], r[3], r[4].isoformat()) for r in response_rows]
            )
            connection.executemany(insert_answer, answer_rows)
            answers += len(answer_rows)
        connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode=WAL").fetchall()
    finally:
        connection.close()
    return answers


def _postgres_conninfo(url: str) -> str:
    return sa.engine.make_url(url).set(drivername="postgresql").render_as_string(False)


def _load_postgresql(url: str, batches: Iterator[tuple[list[ResponseRow], list[AnswerRow]]]) -> int:
    """COPY in one transaction. The foreign-key triggers are off while loading (they took three
    quarters of the time); the rows are consistent by construction."""
    import psycopg

    answers = 0
    with psycopg.connect(_postgres_conninfo(url)) as connection, connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        for response_rows, answer_rows in batches:
            with cursor.copy(COPY_RESPONSES) as copy:
                for row in response_rows:
                    copy.write_row((*row, True))
            with cursor.copy(COPY_ANSWERS) as copy:
                for answer in answer_rows:
                    copy.write_row(answer)
            answers += len(answer_rows)
        connection.commit()
    return answers


def _analyse_postgresql(url: str) -> None:
    """What autovacuum would soon do after a big insert: statistics and the visibility map."""
    import psycopg

    with psycopg.connect(_postgres_conninfo(url), autocommit=True) as connection:
        for table in ("response", "answer"):
            connection.execute(f"VACUUM (ANALYZE) {table}")


@dataclass
class Load:
    responses: int
    answers: int
    insert_s: float
    rebuild_s: float
    analyse_s: float = 0.0


def load(app: Flask, kind: str, place: Place, n: int, seed: int = 1) -> Load:
    """Store N synthetic responses, then count the tallies again from them."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    assert _columns(Response) == RESPONSE_COLUMNS, _columns(Response)
    assert _columns(Answer) == ANSWER_COLUMNS, _columns(Answer)
    batches = synthetic(place, n, seed)
    started = time.perf_counter()
    answers = (_load_sqlite if kind == "sqlite" else _load_postgresql)(url, batches)
    inserted = time.perf_counter()
    with app.app_context():
        tally.rebuild(db.session(), place.round_id)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    rebuilt = time.perf_counter()
    analysed = rebuilt
    if kind == "postgresql":
        _analyse_postgresql(url)
        analysed = time.perf_counter()
    return Load(n, answers, inserted - started, rebuilt - inserted, analysed - rebuilt)


# --- requests ----------------------------------------------------------------------------------

_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def sign_in(app: Flask) -> FlaskClient:
    """A browser session of the quality-group member, signed in through the login form."""
    client = app.test_client()
    page = client.get("/logg-inn").get_data(as_text=True)
    match = _CSRF.search(page)
    if match is None:
        raise RuntimeError("no CSRF token on /logg-inn")
    response = client.post(
        "/logg-inn",
        data={"csrf_token": match.group(1) or match.group(2), "email": EMAIL, "password": PASSWORD},
    )
    if response.status_code != 302:
        raise RuntimeError(f"sign-in failed: {response.status_code}")
    return client


def api_available(app: Flask, round_id: int) -> bool:
    from werkzeug.exceptions import HTTPException

    try:
        app.url_map.bind("localhost").match(f"/api/v1/rounds/{round_id}/results")
    except HTTPException:
        return False
    return True


@dataclass
class Endpoint:
    name: str
    url: str
    api: bool = False
    #: Counts the answers themselves (GROUP BY over the round's answers), not the tallies.
    scan: bool = False
    #: Empty the app's kept filter counts before each request: the first view of a filter.
    cold: bool = False


def endpoints(place: Place, with_api: bool) -> list[Endpoint]:
    page = f"/resultater/{place.round_id}/sporsmal"  # the questions tab: every figure and table
    question, value = FILTER
    found = [
        Endpoint("page", page),
        Endpoint("page, unit filter", f"{page}?enhet={place.units[FILTER_UNIT]}"),
        Endpoint(
            "page, choice filter (kept)",
            f"{page}?svar={place.questions[question]}:{value}",
            scan=True,
        ),
        Endpoint(
            "page, choice filter (first view)",
            f"{page}?svar={place.questions[question]}:{value}",
            scan=True,
            cold=True,
        ),
    ]
    if with_api:
        found.append(Endpoint("API", f"/api/v1/rounds/{place.round_id}/results", api=True))
    return found


def _get(client: FlaskClient, endpoint: Endpoint, token: str) -> float:
    headers = {"Authorization": f"Bearer {token}"} if endpoint.api else {}
    if endpoint.cold:
        client.application.extensions.get("results_kept_counts", {}).clear()
    started = time.perf_counter()
    response = client.get(endpoint.url, headers=headers)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{endpoint.url} answered {response.status_code}")
    return elapsed


def percentile(samples: Sequence[float], share: float) -> float:
    """Linear interpolation between the nearest ranks (as numpy's default)."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Timing:
    database: str
    responses: int
    endpoint: str
    median_ms: float
    p95_ms: float
    samples: int
    target_ms: float
    scan: bool = False

    @property
    def passed(self) -> bool:
        return self.p95_ms <= self.target_ms


def measure(
    client: FlaskClient,
    api_client: FlaskClient,
    endpoint: Endpoint,
    token: str,
    *,
    warmup: int,
    repeat: int,
) -> list[float]:
    """Server times in seconds. An endpoint whose first request takes over a second gets no
    more warm-up and SLOW_REPEAT timed requests, or as many as fit in SLOW_BUDGET seconds (at
    least SLOW_MINIMUM), to keep the run short."""
    use = api_client if endpoint.api else client
    first = _get(use, endpoint, token)
    if first > SLOW_SECONDS:
        fit = int(SLOW_BUDGET / first)
        warmup, repeat = 1, min(repeat, max(SLOW_MINIMUM, min(SLOW_REPEAT, fit)))
    for _ in range(warmup - 1):
        _get(use, endpoint, token)
    return [_get(use, endpoint, token) for _ in range(repeat)]


# --- sanity check ------------------------------------------------------------------------------


def _direct_counts(app: Flask, place: Place, key: str, within: tuple[str, str] | None) -> dict:
    """Answers per value of one question, counted straight from the answer table."""
    answer, chosen = aliased(Answer), aliased(Answer)
    query = (
        sa.select(answer.value, sa.func.count())
        .join(Response, Response.id == answer.response_id)
        .where(Response.round_id == place.round_id, answer.question_id == place.questions[key])
        .group_by(answer.value)
    )
    if within is not None:
        query = query.join(
            chosen,
            sa.and_(
                chosen.response_id == answer.response_id,
                chosen.question_id == place.questions[within[0]],
                chosen.value == within[1],
            ),
        )
    with app.app_context():
        counts = {value: int(n) for value, n in db.session.execute(query)}
        db.session.remove()
    return counts


def _api_counts(payload: dict, question_id: int) -> dict[str, int]:
    for result in payload["questions"]:
        if result["question"] == question_id:
            counts = {a["value"]: a["count"] for a in result["answers"]}
            if result.get("dont_know"):
                counts["dont_know"] = result["dont_know"]
            return counts
    raise RuntimeError(f"question {question_id} is not in the API's answer")


def _page_counts(html: str, key: str, labels: dict[str, str]) -> dict[str, int]:
    """The numbers in brackets in the question's data table on the results page."""
    start = html.index(f'id="q-{key}"')
    section = html[start : html.index("</section>", start)]
    counts = {}
    for value, label in labels.items():
        match = re.search(
            rf'<th scope="row">{re.escape(label)}</th>\s*<td class="numeric">[^<(]*\(([^)]*)\)',
            section,
        )
        if match is None:
            raise RuntimeError(f"no row for {label!r} in the table of {key!r}")
        counts[value] = int(re.sub(r"\D", "", match.group(1)))
    return counts


@dataclass
class Check:
    question: str
    direct: dict[str, int]
    page: dict[str, int]
    api: dict[str, int] | None = None
    filtered_direct: dict[str, int] = field(default_factory=dict)
    filtered_api: dict[str, int] | None = None

    @property
    def ok(self) -> bool:
        page_ok = all(self.direct.get(v, 0) == n for v, n in self.page.items())
        api_ok = self.api is None or self.api == self.direct
        filtered_ok = self.filtered_api is None or self.filtered_api == self.filtered_direct
        return page_ok and api_ok and filtered_ok


def sanity_check(
    app: Flask, client: FlaskClient, api_client: FlaskClient, place: Place, with_api: bool
) -> Check:
    """The page's and the API's numbers for "listened" equal a count straight from the answers,
    unfiltered (tallies) and, in the API, with the choice filter (counted from the answers)."""
    key = "listened"
    plan = next(p for p in place.plans if p.key == key)
    labels = {value: value for value in plan.values}
    labels["1"], labels["5"] = "1 – Helt uenig", "5 – Helt enig"
    direct = _direct_counts(app, place, key, None)
    html = client.get(f"/resultater/{place.round_id}/sporsmal").get_data(as_text=True)
    check = Check(key, direct, _page_counts(html, key, labels))
    if with_api:
        headers = {"Authorization": f"Bearer {place.token}"}
        url = f"/api/v1/rounds/{place.round_id}/results"
        check.api = _api_counts(api_client.get(url, headers=headers).get_json(), plan.id)
        question, value = FILTER
        check.filtered_direct = _direct_counts(app, place, key, FILTER)
        filtered = api_client.get(
            url,
            headers=headers,
            query_string={"question": place.questions[question], "value": value},
        ).get_json()
        check.filtered_api = _api_counts(filtered, plan.id)
    return check


# --- one run -----------------------------------------------------------------------------------


@dataclass
class Run:
    database: str
    load: Load
    timings: list[Timing]
    check: Check
    api: bool
    #: The machine's 1-minute load average when measuring started or ended, whichever was higher.
    load_average: float = 0.0
    #: The database server's name and version.
    version: str = ""


def run(
    kind: str,
    n: int,
    workdir: Path,
    *,
    postgres_url: str = DEFAULT_POSTGRES_URL,
    warmup: int = 5,
    repeat: int = 50,
    seed: int = 1,
    report: Callable[[str], None] = print,
    profile: str | None = None,
) -> Run:
    """A fresh database with N responses, timed."""
    url = fresh_database(kind, workdir, postgres_url)
    app = build_app(url)
    place = set_up(app)
    loaded = load(app, kind, place, n, seed)
    report(
        f"{kind}: {loaded.responses:,} responses, {loaded.answers:,} answers inserted in "
        f"{loaded.insert_s:.1f} s, tallies rebuilt in {loaded.rebuild_s:.1f} s"
        + (f", vacuum/analyse {loaded.analyse_s:.1f} s" if loaded.analyse_s else "")
    )
    with app.app_context():
        info = db.engine.dialect.server_version_info or ()
        version = ("SQLite " if kind == "sqlite" else "PostgreSQL ") + ".".join(map(str, info))
    with_api = api_available(app, place.round_id)
    if not with_api:
        report("API: not available")
    client = sign_in(app)
    api_client = app.test_client(use_cookies=False)
    busy = os.getloadavg()[0]
    timings = []
    try:
        for endpoint in endpoints(place, with_api):
            samples = measure(
                client, api_client, endpoint, place.token, warmup=warmup, repeat=repeat
            )
            timing = Timing(
                kind,
                n,
                endpoint.name,
                statistics.median(samples) * 1000,
                percentile(samples, 0.95) * 1000,
                len(samples),
                target_ms(n),
                endpoint.scan,
            )
            timings.append(timing)
            report(format_row(timing))
            if profile and profile == endpoint.name:
                report(profile_request(client, api_client, endpoint, place.token))
        check = sanity_check(app, client, api_client, place, with_api)
        report(
            f"{kind}: sanity check {'ok' if check.ok else 'FAILED'}: "
            f"'{check.question}' direct SQL {sorted(check.direct.items())}, "
            f"page {sorted(check.page.items())}"
            + (f", API {sorted(check.api.items())}" if check.api is not None else "")
            + (
                f"; with the choice filter direct {sorted(check.filtered_direct.items())}, "
                f"API {sorted((check.filtered_api or {}).items())}"
                if check.filtered_api is not None
                else ""
            )
        )
        report(f"{kind}: {publication(app, place)}")
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    busy = max(busy, os.getloadavg()[0])
    report(
        f"{kind}: load average (1 min) while measuring: up to {busy:.1f} on {os.cpu_count()} CPUs"
    )
    return Run(kind, loaded, timings, check, with_api, busy, version)


#: Responses that wait for the hourly publication in ``publication``.
WAITING = 50


def publication(app: Flask, place: Place) -> str:
    """The time of one hourly publication (feedback.results.publish): WAITING responses of the
    round are made waiting again, then published. Run last: they are then counted twice."""
    from feedback.results import publish

    with app.app_context():
        db.session.execute(
            sa.update(Response)
            .where(
                Response.id.in_(
                    sa.select(Response.id)
                    .where(Response.round_id == place.round_id)
                    .order_by(Response.id)
                    .limit(WAITING)
                )
            )
            .values(published=False)
        )
        db.session.commit()
        started = time.perf_counter()
        round_ = db.session.get(SurveyRound, place.round_id)
        assert round_ is not None
        checked = publish.difference_passes(round_, thorough=True)
        check_s = time.perf_counter() - started
        started = time.perf_counter()
        outcome = publish.publish(place.round_id, force=True)
        publish_s = time.perf_counter() - started
        db.session.remove()
    return (
        f"publication of {WAITING} waiting responses: the check of every selection and question"
        f" without stopping at the first that fails (the most it costs) {check_s:.2f} s"
        f" ({'passes' if checked else 'held back'}); counting and marking"
        f" {outcome.published} responses {publish_s:.2f} s"
    )


def profile_request(
    client: FlaskClient, api_client: FlaskClient, endpoint: Endpoint, token: str, top: int = 30
) -> str:
    """cProfile of a few requests (after warm-up): time per request in the main parts, then the
    functions with the most cumulative time (summed over the requests)."""
    use = api_client if endpoint.api else client
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(PROFILED_REQUESTS):
        _get(use, endpoint, token)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    total = max(cumulative for _cc, _nc, _tt, cumulative, _callers in stats.stats.values())  # type: ignore[attr-defined]
    total /= PROFILED_REQUESTS
    out.write(f"profile of {endpoint.name} ({endpoint.url}), per request: {total * 1000:.0f} ms\n")
    for label, (suffix, function) in PROFILE_PARTS.items():
        spent = sum(
            entry[3]
            for (filename, _line, name), entry in stats.stats.items()  # type: ignore[attr-defined]
            if filename.endswith(suffix) and name == function
        )
        out.write(f"  {label:<48} {spent * 1000 / PROFILED_REQUESTS:8.1f} ms\n")
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


PROFILED_REQUESTS = 3
#: Where a request's time goes, as cumulative time of these functions (under cProfile, which
#: adds its own overhead to every Python call: compare the parts, not the total with the table).
PROFILE_PARTS = {
    "SQL (DBAPI execute, all queries)": ("sqlalchemy/engine/default.py", "do_execute"),
    "results.aggregate.round_results (counting)": (
        "feedback/results/aggregate.py",
        "round_results",
    ),
    "results.comparison.block (figures)": ("feedback/results/comparison.py", "block"),
    "render_template (Jinja)": ("flask/templating.py", "render_template"),
    "API payload + jsonify": ("flask/json/__init__.py", "jsonify"),
}


# --- output ------------------------------------------------------------------------------------

HEADER = ("database", "responses", "endpoint", "median ms", "p95 ms", "n", "target p95", "")


def _cells(t: Timing) -> tuple[str, ...]:
    verdict = "pass" if t.passed else "FAIL"
    return (
        t.database,
        f"{t.responses:,}",
        t.endpoint + (" (scan)" if t.scan else ""),
        f"{t.median_ms:.1f}",
        f"{t.p95_ms:.1f}",
        str(t.samples),
        f"≤ {t.target_ms:.0f} ms",
        verdict,
    )


def format_row(t: Timing) -> str:
    widths = (10, 10, 28, 10, 10, 4, 12, 4)
    return "  ".join(c.ljust(w) for c, w in zip(_cells(t), widths, strict=True))


def markdown_table(timings: Sequence[Timing]) -> str:
    lines = ["| " + " | ".join(HEADER[:-1]) + " | pass |", "|" + "---|" * len(HEADER)]
    for t in timings:
        lines.append("| " + " | ".join(_cells(t)) + " |")
    return "\n".join(lines)


def _run_key(line: str) -> tuple[int, int] | None:
    """(database order, responses) of a table row "| sqlite | 100,000 | …" or a loading line
    "- sqlite, 100,000 responses …"; None for other lines."""
    match = re.match(r"^[|-] ([a-z]+)(?: \||,) ([0-9,]+)[ |]", line)
    if match is None or match.group(1) not in DATABASES:
        return None
    return DATABASES.index(match.group(1)), int(match.group(2).replace(",", ""))


def readme_block(runs: Sequence[Run], previous: str = "") -> str:
    """The README's table and notes for these runs, keeping the rows of an earlier block for
    databases and sizes not measured this time (so one of them can be measured again)."""
    measured = {(DATABASES.index(r.database), r.load.responses) for r in runs}
    rows: list[tuple[tuple[int, int], str]] = []
    notes: list[tuple[tuple[int, int], str]] = []
    for line in previous.splitlines():
        key = _run_key(line)
        if key is not None and key not in measured:
            (rows if line.startswith("|") else notes).append((key, line))
    table = markdown_table([t for r in runs for t in r.timings]).splitlines()
    rows += [(_run_key(line) or (0, 0), line) for line in table[2:]]
    for r in runs:
        note = (
            f"- {r.database}, {r.load.responses:,} responses, measured {date.today().isoformat()}"
            f" ({r.version}): {r.load.answers:,} answer rows inserted in {r.load.insert_s:.0f} s,"
            f" tallies rebuilt in {r.load.rebuild_s:.0f} s"
            + (f", vacuum/analyse {r.load.analyse_s:.0f} s" if r.load.analyse_s else "")
            + f"; sanity check {'ok' if r.check.ok else 'FAILED'}"
            + f"; load average while measuring up to {r.load_average:.1f}"
            + ("" if r.api else "; API: not available")
        )
        notes.append(((DATABASES.index(r.database), r.load.responses), note))
    machine = f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    return "\n".join(
        [
            TABLE_START,
            f"Latest numbers, on this machine ({machine}). Times in milliseconds per request.",
            "",
            *table[:2],
            *(line for _key, line in sorted(rows, key=lambda row: row[0])),
            "",
            *(line for _key, line in sorted(notes, key=lambda note: note[0])),
            TABLE_END,
        ]
    )


def current_block(path: Path = README) -> str:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if TABLE_START in text and TABLE_END in text:
        return text.split(TABLE_START, 1)[1].split(TABLE_END, 1)[0]
    return ""


def write_readme(
    block: str,
    path: Path = README,
    markers: tuple[str, str] = (TABLE_START, TABLE_END),
    heading: str = "bench/results.py",
) -> None:
    """Put a script's block (with its markers) in place of the one between those markers in
    bench/README.md, or under a new heading at the end; the rest is left as it is."""
    start, end = markers
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _old, after = rest.split(end, 1)
        text = before + block + after
    else:
        text = text.rstrip("\n") + f"\n\n## {heading}\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--databases", nargs="+", choices=DATABASES, default=list(DATABASES))
    parser.add_argument("--quick", action="store_true", help="1000 and 10000 responses, no README")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--no-readme", action="store_true", help="print only")
    parser.add_argument(
        "--profile", metavar="ENDPOINT", help='cProfile a few requests of one endpoint, e.g. "page"'
    )
    args = parser.parse_args(argv)
    sizes = [1_000, 10_000] if args.quick else args.sizes
    runs = []
    workdir = Path(tempfile.mkdtemp(prefix="bench-results-"))
    try:
        for kind in args.databases:
            for n in sizes:
                runs.append(
                    run(
                        kind,
                        n,
                        workdir,
                        postgres_url=args.postgres_url,
                        warmup=args.warmup,
                        repeat=args.repeat,
                        seed=args.seed,
                        profile=args.profile,
                    )
                )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    timings = [t for r in runs for t in r.timings]
    print()
    print(format_row_header())
    for t in timings:
        print(format_row(t))
    if not all(r.api for r in runs):
        print("API: not available")
    if not (args.quick or args.no_readme):
        write_readme(readme_block(runs, current_block()))
        print(f"\nwritten to {README}")
    failed_checks = [r for r in runs if not r.check.ok]
    return 1 if failed_checks else 0


def format_row_header() -> str:
    widths = (10, 10, 28, 10, 10, 4, 12, 4)
    return "  ".join(c.ljust(w) for c, w in zip(HEADER, widths, strict=True))


if __name__ == "__main__":
    raise SystemExit(main())
