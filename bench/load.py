"""Proof under load: the app under gunicorn (2 sync workers) on SQLite and PostgreSQL, what a
completed response costs the server, with exactly-once and kill -9 durability checks.

    .venv/bin/python bench/load.py                  # full run, both databases, README updated
    .venv/bin/python bench/load.py --databases sqlite
    .venv/bin/python bench/load.py --quick          # smoke size (what CI runs), README untouched

For each database, in one run:

(a) the respondent flow at 1 and 8 clients: GET the questionnaire, POST the answers (303), GET
    the thank-you page. Reported: completed responses per second (a completed response is the
    whole flow, thank-you page included), p50 and p95 of the whole flow, and the server's CPU
    time per completed response: the CPU of gunicorn's master and workers over the step (from
    /proc, bench/cpu.py) divided by the responses completed in it; on PostgreSQL also the CPU of
    the database's backends, beside it. The responses stored in the step must equal the
    thank-you pages seen;
(b) a deviation report: GET the form, POST the report (the receipt page), at 1 and 8;
(c) the results page and the results API of a round with 100 000 responses;
(d) the respondent page's weight and request count in Chromium (when Playwright runs);
(e) exactly once: 16 clients × 1 000 submissions, each with a marker in a free-text answer,
    must store exactly 16 000 responses, no error, no duplicate, tallies equal to a recount;
(f) kill -9: the server's process group is killed during load; every submission that got its
    "thank you" redirect must be stored after the restart, SQLite's integrity check must pass
    and the restarted server must take submissions.

The targets (TARGET_PER_SECOND, TARGET_CPU_MS) are reported, not enforced; (e) and (f) are: the
command exits 1 when one fails. The load generator is bounded (a fixed time or count per client)
and only talks to 127.0.0.1. It is Python (one process per client, http.client, one connection
per request because sync workers close them), so it shares the 2 CPUs with the server: the
responses per second depend on it, the server's CPU per response does not.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib.util
import multiprocessing
import os
import platform
import random
import re
import secrets
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
if str(PROJECT_DIR) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(PROJECT_DIR))


def _results_module() -> Any:
    """bench/results.py, for its data set-up and loader (it is a script, not a package)."""
    name = "bench_results"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH_DIR / "results.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


results = _results_module()

from bench import cpu  # noqa: E402
from feedback.designer import services as designer  # noqa: E402
from feedback.extensions import db  # noqa: E402
from feedback.models import Organisation, Response, ResponseTally  # noqa: E402
from feedback.questionnaire import runtime  # noqa: E402
from feedback.questionnaire.registry import question_type  # noqa: E402
from feedback.results import tally  # noqa: E402

DATABASES = ("sqlite", "postgresql")
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1/bench_load"
README = BENCH_DIR / "README.md"
TABLE_START = "<!-- load.py:table:start -->"
TABLE_END = "<!-- load.py:table:end -->"
VENV_BIN = Path(sys.executable).parent
#: The targets (issue 20), on this 2-CPU machine, on both databases: completed responses per
#: second at 8 clients, and the server's CPU per completed response (at 1 and at 8 clients).
TARGET_PER_SECOND = 150.0
TARGET_CPU_MS = 15.0
MARKER_KEY = "comment"
FLOW = "respondent flow"
TIMEOUT = 30.0


@dataclass(frozen=True)
class Size:
    """How much each part does: the full run, or the smoke size CI runs."""

    seconds: float = 10.0
    responses: int = 100_000
    results_requests: int = 30
    clients: int = 16
    submissions: int = 1_000
    #: kill -9 once this many submissions of the load are stored (or after a minute).
    kill_after: int = 300

    @classmethod
    def quick(cls) -> Size:
        return cls(
            seconds=1.5,
            responses=1_000,
            results_requests=5,
            clients=16,
            submissions=20,
            kill_after=10,
        )


# --- HTTP --------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def call(
    port: int, method: str, path: str, form: Sequence[tuple[str, str]] | None = None, **headers: str
) -> Reply:
    """One request on a new connection to 127.0.0.1."""
    body = urllib.parse.urlencode(list(form)).encode() if form is not None else None
    sent = {k.replace("_", "-"): v for k, v in headers.items()}
    if body is not None:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    return Reply(
        response.status,
        {k.lower(): v for k, v in response.getheaders()},
        data,
        time.perf_counter() - started,
    )


_TOKEN = re.compile(r'name="skjema"(?: type="hidden")? value="([^"]+)"')
_TOKEN_ALT = re.compile(r'(?:id|name)="skjema"[^>]*value="([^"]+)"')


def form_token(html: str) -> str:
    match = _TOKEN.search(html) or _TOKEN_ALT.search(html)
    if match is None:
        raise RuntimeError("no one-time form token (skjema) on the page")
    return match.group(1)


# --- servers -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """gunicorn with the project's gunicorn.conf.py, in its own process group."""

    def __init__(self, app_spec: str, env: dict[str, str], log: Path) -> None:
        self.app_spec, self.env, self.log = app_spec, env, log
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready_path: str = "/") -> Server:
        env = {
            **os.environ,
            **self.env,
            "FEEDBACK_BIND": f"127.0.0.1:{self.port}",
            "FEEDBACK_WORKERS": "2",
        }
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", self.app_spec],
                cwd=PROJECT_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start; see {self.log}")
            try:
                if call(self.port, "GET", ready_path).status < 500:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within 30 s; see {self.log}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """kill -9 of the master and every worker."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(15)


# --- the place ---------------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    values: list[str]
    many: bool = False


@dataclass
class Place:
    """What the set-up made, in plain values a client process can use."""

    results: Any  # bench/results.py Place: the 100 000-response round, member, API token
    flow_round: int
    flow_token: str
    slug: str
    unit_ids: list[int]
    fields: list[Field]
    category_ids: list[str] = field(default_factory=list)


def flow_questionnaire() -> dict[str, Any]:
    """bench/results.py's ten questions on one page, and a free-text comment."""
    document = results.questionnaire()
    questions = [q for page in document["pages"] for q in page["questions"]]
    questions.append(
        {"key": MARKER_KEY, "type": "text_short", "text": {"nb": "Vil du si noe mer?"}}
    )
    return {
        **document,
        "title": {"nb": "Brukerundersøkelse (lasttest)"},
        "pages": [{"questions": questions}],
    }


def set_up(app: Any, kind: str, size: Size) -> tuple[Place, Any]:
    from feedback.deviations import categories as deviations

    place = results.set_up(app)
    loaded = results.load(app, kind, place, size.responses)
    with app.app_context():
        org = db.session.get(Organisation, place.org_id)
        round_ = designer.create_round(org, None, flow_questionnaire(), source="bench")
        round_.status = "open"
        deviations.add_default_categories(org)
        db.session.commit()
        fields = []
        for question in round_.questions:
            if question.key == MARKER_KEY:
                continue
            values = [value for value, _label in runtime.choices(question)]
            fields.append(
                Field(runtime.field_name(question), values, question_type(question).several)
            )
        categories = [str(c.id) for c in deviations.categories(org)]
        made = Place(
            place,
            round_.id,
            round_.public_token,
            org.slug,
            sorted(place.units.values()),
            fields,
            categories,
        )
        db.session.remove()
        db.engine.dispose()
    return made, loaded


def answers(place: Place, rng: Any, marker: str | None) -> list[tuple[str, str]]:
    form = [("enhet", str(rng.choice(place.unit_ids)))]
    for f in place.fields:
        if f.many:
            form += [(f.name, v) for v in rng.sample(f.values, rng.randint(1, 3))]
        else:
            form.append((f.name, rng.choice(f.values)))
    if marker is not None:
        form.append((runtime.field_name_for(MARKER_KEY), marker))
    return form


# --- client processes --------------------------------------------------------------------------


@dataclass
class Work:
    """What one client process does: `kind` names the loop, bounded by time and count."""

    kind: str
    port: int
    place: Place | None
    seconds: float
    count: int
    client: int = 0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Done:
    #: The seconds of every completed unit of work: a respondent flow up to its thank-you page,
    #: a deviation report up to its receipt, one results request.
    completed: list[float] = field(default_factory=list)
    #: Thank-you pages seen (each a 200 at the address the answers' 303 named).
    thanks: int = 0
    errors: list[str] = field(default_factory=list)
    #: Markers whose submission got its "thank you" redirect.
    acknowledged: list[str] = field(default_factory=list)


def _expect(done: Done, label: str, reply: Reply, *statuses: int) -> bool:
    if reply.status in statuses:
        return True
    done.errors.append(f"{label}: {reply.status}")
    return False


def first_page(port: int, path: str, done: Done | None = None) -> Reply:
    """A questionnaire's first page: the app answers its address with a redirect to the first
    page's own address (the form token and the page number), which is followed."""
    page = call(port, "GET", path)
    if page.status == 303:
        if done is not None and not _expect(done, "GET start", page, 303):
            return page
        location = urllib.parse.urlsplit(page.headers.get("location", ""))
        page = call(port, "GET", f"{location.path}?{location.query}")
    return page


def _respond(work: Work, done: Done, rng: Any, index: int, marked: bool) -> None:
    place = work.place
    assert place is not None
    path = f"/s/{place.flow_token}"
    started = time.perf_counter()
    page = first_page(work.port, path, done)
    if not _expect(done, "GET page", page, 200):
        return
    marker = f"m{work.client}-{index}-{secrets.token_hex(4)}" if marked else None
    form = [("skjema", form_token(page.text())), ("sprak", "nb"), ("side", "0"), ("nav", "next")]
    sent = call(work.port, "POST", path, form + answers(place, rng, marker))
    if not _expect(done, "POST answers", sent, 303):
        return
    if marker is not None:
        done.acknowledged.append(marker)
    if marked:
        return  # the durability loops only need the acknowledgement
    location = urllib.parse.urlsplit(sent.headers.get("location", ""))
    if location.path != f"{path}/takk":
        done.errors.append(f"POST answers: 303 to {location.path}")
        return
    thanks = call(work.port, "GET", f"{location.path}?{location.query}")
    if _expect(done, "GET thanks", thanks, 200):
        done.thanks += 1
        done.completed.append(time.perf_counter() - started)


def _report(work: Work, done: Done, rng: Any) -> None:
    place = work.place
    assert place is not None
    path = f"/avvik/{place.slug}"
    started = time.perf_counter()
    page = call(work.port, "GET", path)
    if not _expect(done, "GET report form", page, 200):
        return
    form = [
        ("skjema", form_token(page.text())),
        ("reporter_kind", rng.choice(["service_user", "relative", "employee", "other"])),
        ("unit", str(rng.choice(place.unit_ids))),
        ("event_date", date.today().isoformat()),
        ("category", rng.choice(place.category_ids)),
        ("description", "Ventetiden var lang, og ingen sa fra. " * 3),
        ("suggestion", "Si fra når det blir forsinkelser."),
    ]
    if _expect(done, "POST report", call(work.port, "POST", path, form), 200):
        done.completed.append(time.perf_counter() - started)


def client_loop(work: Work) -> Done:
    rng = random.Random(work.client * 7919 + os.getpid())
    done = Done()
    deadline = time.monotonic() + work.seconds
    index = 0
    while index < work.count and time.monotonic() < deadline:
        try:
            if work.kind == "flow":
                _respond(work, done, rng, index, marked=False)
            elif work.kind == "submit":
                _respond(work, done, rng, index, marked=True)
            elif work.kind == "report":
                _report(work, done, rng)
            elif work.kind in ("page", "api"):
                path, headers = work.headers["path"], dict(work.headers)
                headers.pop("path")
                reply = call(work.port, "GET", path, **headers)
                if _expect(done, work.kind, reply, 200):
                    done.completed.append(reply.seconds)
            else:
                raise ValueError(work.kind)
        except (OSError, http.client.HTTPException) as error:
            done.errors.append(f"{work.kind}: {type(error).__name__}")
            if work.kind == "submit":
                break  # the server is gone (kill -9): stop this client
        index += 1
    return done


def run_clients(works: Sequence[Work]) -> tuple[list[Done], float]:
    """Run each Work in its own process; the wall time of the whole batch."""
    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    with context.Pool(len(works)) as pool:
        dones = pool.map(client_loop, works, chunksize=1)
    return dones, time.perf_counter() - started


# --- measuring ---------------------------------------------------------------------------------


def percentile(samples: Sequence[float], share: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))
    return ordered[rank]


@dataclass
class Row:
    """One step: `completed` units of work (a respondent flow up to its thank-you page, a
    deviation report up to its receipt, a results request) by `concurrency` clients in
    `seconds`, and the CPU it took."""

    database: str
    scenario: str
    concurrency: int
    completed: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    #: CPU seconds of gunicorn's master and workers over the step.
    server_cpu: float
    #: CPU seconds of PostgreSQL's backends for the bench database over the step (None: SQLite).
    database_cpu: float | None
    #: Busy CPU seconds of the machine over the step that were neither the server, its database
    #: backends nor the load generator: other work.
    other_cpu: float
    #: Thank-you pages seen (respondent flow only).
    thanks: int = 0
    #: Responses the round got during the step (respondent flow only).
    stored: int = 0
    note: str = ""

    @property
    def per_second(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        """The server's CPU per completed unit, in milliseconds."""
        return self.server_cpu * 1000 / self.completed if self.completed else float("nan")

    @property
    def database_cpu_ms(self) -> float | None:
        if self.database_cpu is None or not self.completed:
            return None
        return self.database_cpu * 1000 / self.completed

    @property
    def other_share(self) -> float:
        """Other work's CPU as a share of the machine's CPUs over the step."""
        return self.other_cpu / (self.seconds * (os.cpu_count() or 1)) if self.seconds else 0.0


def measure(database: str, scenario: str, works: Sequence[Work], server: Server, url: str) -> Row:
    """Run the clients and meter the CPU of the server (and of the database) meanwhile."""
    assert server.process is not None
    meter = cpu.Meter(server.process.pid, url).start()
    dones, seconds = run_clients(works)
    meter.stop()
    samples = [s for d in dones for s in d.completed]
    return Row(
        database,
        scenario,
        len(works),
        len(samples),
        sum(len(d.errors) for d in dones),
        seconds,
        statistics.median(samples) * 1000 if samples else float("nan"),
        percentile(samples, 0.95) * 1000,
        meter.server,
        meter.database,
        meter.others,
        thanks=sum(d.thanks for d in dones),
    )


def measure_flow(database: str, server: Server, place: Place, url: str, n: int, size: Size) -> Row:
    """The respondent flow at n clients; every thank-you page seen must be a response stored
    (a difference counts as errors)."""
    before, _ = counts(url, place.flow_round)
    row = measure(database, FLOW, works("flow", server.port, place, n, size), server, url)
    row.stored = counts(url, place.flow_round)[0] - before
    row.errors += abs(row.stored - row.thanks)
    return row


def works(kind: str, port: int, place: Place | None, n: int, size: Size, **kw: Any) -> list[Work]:
    count = kw.pop("count", 10**9)
    return [Work(kind, port, place, size.seconds, count, client=i, **kw) for i in range(n)]


# --- the app's data ----------------------------------------------------------------------------


def stored_markers(url: str, round_id: int) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return list(
                connection.scalars(
                    sa.text(
                        "SELECT a.value FROM answer a JOIN question q ON q.id = a.question_id"
                        " WHERE q.round_id = :r AND q.key = :k"
                    ),
                    {"r": round_id, "k": MARKER_KEY},
                )
            )
    finally:
        engine.dispose()


def counts(url: str, round_id: int, publish: bool = False) -> tuple[int, int]:
    """Responses stored for the round, and the sum of its response tallies. With ``publish``,
    first counts every waiting response into the tallies as a round's closing does (call it
    when no one is answering any more)."""
    engine = sa.create_engine(url)
    try:
        if publish:
            with Session(engine) as session:
                tally.count_waiting(session, round_id)
                session.commit()
        with engine.connect() as connection:
            responses = connection.scalar(
                sa.select(sa.func.count())
                .select_from(Response)
                .where(Response.round_id == round_id)
            )
            tallied = connection.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(ResponseTally.n), 0)).where(
                    ResponseTally.round_id == round_id
                )
            )
            return int(responses or 0), int(tallied or 0)
    finally:
        engine.dispose()


def integrity(url: str) -> str:
    if not url.startswith("sqlite"):
        return "n/a"
    path = url.removeprefix("sqlite:///")
    connection = sqlite3.connect(path)
    try:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        connection.close()


@dataclass
class Durability:
    database: str
    clients: int
    each: int
    acknowledged: int
    stored: int
    distinct: int
    tallies_match: bool
    errors: list[str]
    seconds: float

    @property
    def ok(self) -> bool:
        expected = self.clients * self.each
        return (
            not self.errors
            and self.acknowledged == expected
            and self.stored == expected == self.distinct
            and self.tallies_match
        )


def exactly_once(database: str, url: str, server: Server, place: Place, size: Size) -> Durability:
    before = set(stored_markers(url, place.flow_round))
    batch = [
        Work("submit", server.port, place, 3600.0, size.submissions, client=i)
        for i in range(size.clients)
    ]
    dones, seconds = run_clients(batch)
    acknowledged = [m for d in dones for m in d.acknowledged]
    markers = [m for m in stored_markers(url, place.flow_round) if m not in before]
    responses, tallied = counts(url, place.flow_round, publish=True)
    return Durability(
        database,
        size.clients,
        size.submissions,
        len(acknowledged),
        len(markers),
        len(set(markers)),
        responses == tallied,
        [e for d in dones for e in d.errors],
        seconds,
    )


@dataclass
class Crash:
    database: str
    acknowledged: int
    stored: int
    missing: int
    integrity: str
    after_restart: int
    tallies_match: bool

    @property
    def ok(self) -> bool:
        return (
            self.acknowledged > 0
            and self.missing == 0
            and self.integrity in ("ok", "n/a")
            and self.after_restart == 303
            and self.tallies_match
        )


def kill_during_load(database: str, url: str, server: Server, place: Place, size: Size) -> Crash:
    """Submissions from 8 clients; kill -9 of every gunicorn process once some are stored."""
    before = set(stored_markers(url, place.flow_round))
    start_count, _ = counts(url, place.flow_round)
    context = multiprocessing.get_context("fork")
    batch = [Work("submit", server.port, place, 120.0, 10**9, client=i) for i in range(8)]
    with context.Pool(len(batch)) as pool:
        pending = pool.map_async(client_loop, batch, chunksize=1)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not pending.ready():
            if counts(url, place.flow_round)[0] - start_count >= size.kill_after:
                break
            time.sleep(0.05)
        server.kill()
        dones = pending.get(120)
    acknowledged = {m for d in dones for m in d.acknowledged}
    checked = integrity(url)
    server.start(f"/s/{place.flow_token}")
    markers = set(stored_markers(url, place.flow_round)) - before
    page = first_page(server.port, f"/s/{place.flow_token}")
    form = [("skjema", form_token(page.text())), ("sprak", "nb"), ("side", "0"), ("nav", "next")]
    again = call(
        server.port, "POST", f"/s/{place.flow_token}", form + answers(place, random.Random(), None)
    )
    responses, tallied = counts(url, place.flow_round, publish=True)
    return Crash(
        database,
        len(acknowledged),
        len(markers),
        len(acknowledged - markers),
        checked,
        again.status,
        responses == tallied,
    )


# --- page weight -------------------------------------------------------------------------------


@dataclass
class Weight:
    requests: int
    bytes: int
    html_bytes: int
    outside: list[str]
    how: str


#: As the browser tests start Chromium: no sandbox (root), nothing fetched in the background.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"]


def page_weight(port: int, path: str, tries: int = 3) -> Weight:
    """What a phone loads for the respondent page: Chromium when it runs, else the HTML's links.
    Chromium is tried again when a try fails (on a busy 2-CPU machine its start or first load
    can fail); the fallback row names the last error."""
    error: Exception | None = None
    for _ in range(tries):
        # In a thread of its own: Playwright's sync API refuses a thread whose asyncio loop
        # runs, as it does in a test process where the browser tests' Playwright is started.
        with ThreadPoolExecutor(1) as pool:
            try:
                return pool.submit(_chromium_weight, port, path).result()
            except Exception as failed:  # no browser here, or it failed: count the HTML's links
                error = failed
    text = str(error).splitlines()[0][:120] if error is not None and str(error) else ""
    return _weight_from_html(port, path, f"HTML links ({type(error).__name__}: {text})")


def _chromium_weight(port: int, path: str) -> Weight:
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{port}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 375, "height": 740})
            seen: list[tuple[str, int]] = []

            def record(response: Any) -> None:
                try:
                    seen.append((response.url, len(response.body())))
                except Exception:  # a redirect has no body
                    seen.append((response.url, 0))

            page.on("response", record)
            page.goto(base + path, wait_until="networkidle")
            html = len(page.content().encode())
            # The address redirects to the first page's own address: that is the HTML.
            landed = page.url
        finally:
            browser.close()
    outside = [u for u, _ in seen if not u.startswith(base)]
    first = next((n for u, n in seen if u == landed), html)
    return Weight(len(seen), sum(n for _, n in seen), first, outside, "Chromium")


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        for folder in os.environ.get("PATH", "").split(os.pathsep):
            candidate = Path(folder) / name
            if candidate.exists():
                return str(candidate)
    return None


def _weight_from_html(port: int, path: str, how: str) -> Weight:
    page = first_page(port, path)
    html = page.text()
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    total, outside = len(page.body), re.findall(r'(?:href|src)="(https?://[^"]+)"', html)
    for link in links:
        total += len(call(port, "GET", link).body)
    return Weight(1 + len(links), total, len(page.body), outside, how)


# --- one database ------------------------------------------------------------------------------


@dataclass
class Run:
    database: str
    rows: list[Row]
    weight: Weight | None
    durability: Durability
    crash: Crash
    responses: int
    load_seconds: float
    version: str

    def flow(self, clients: int) -> Row:
        return next(r for r in self.rows if r.scenario == FLOW and r.concurrency == clients)

    @property
    def per_second_ok(self) -> bool:
        return self.flow(8).per_second >= TARGET_PER_SECOND

    @property
    def cpu_ok(self) -> bool:
        return all(self.flow(n).cpu_ms <= TARGET_CPU_MS for n in (1, 8))


def app_env(url: str, secret: str) -> dict[str, str]:
    return {
        "FEEDBACK_ENV": "production",
        "FEEDBACK_DATABASE_URL": url,
        "FEEDBACK_SECRET_KEY": secret,
        "FEEDBACK_SECURE_COOKIES": "false",
        # The bench never reaches an attempt limit; each worker may count alone.
        "FEEDBACK_RATELIMIT_ALLOW_MEMORY": "true",
    }


def sign_in(port: int) -> str:
    """The quality-group member's session cookie, through the login form."""
    page = call(port, "GET", "/logg-inn")
    cookie = page.headers.get("set-cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.text())
    if token is None:
        raise RuntimeError("no CSRF token on /logg-inn")
    form = [
        ("csrf_token", token.group(1)),
        ("email", results.EMAIL),
        ("password", results.PASSWORD),
    ]
    reply = call(port, "POST", "/logg-inn", form, Cookie=cookie)
    if reply.status != 302:
        raise RuntimeError(f"sign-in failed: {reply.status}")
    return reply.headers.get("set-cookie", cookie).split(";")[0]


def run(
    kind: str,
    workdir: Path,
    size: Size,
    postgres_url: str = DEFAULT_POSTGRES_URL,
    report: Callable[[str], None] = print,
) -> Run:
    url = results.fresh_database(kind, workdir, postgres_url)
    app = results.build_app(url)
    started = time.perf_counter()
    place, loaded = set_up(app, kind, size)
    report(
        f"{kind}: {loaded.responses:,} responses loaded in {time.perf_counter() - started:.0f} s"
    )
    with app.app_context():
        version = _version(kind)
    log = workdir / f"gunicorn-{kind}.log"
    rows: list[Row] = []

    server = Server("feedback:create_app()", app_env(url, secrets.token_urlsafe(48)), log)
    server.start(f"/s/{place.flow_token}")
    try:
        warm_up(server, place)
        for n in (1, 8):
            row = measure_flow(kind, server, place, url, n, size)
            row.note = f"{row.stored:,} stored, {row.thanks:,} thank-you pages"
            rows.append(row)
        for n in (1, 8):
            row = measure(
                kind, "deviation report", works("report", server.port, place, n, size), server, url
            )
            row.note = "GET form + POST report"
            rows.append(row)
        cookie = sign_in(server.port)
        for name, path, headers in (
            ("page", f"/resultater/{place.results.round_id}/sporsmal", {"Cookie": cookie}),
            (
                "api",
                f"/api/v1/rounds/{place.results.round_id}/results",
                {"Authorization": f"Bearer {place.results.token}"},
            ),
        ):
            call(server.port, "GET", path, **headers)  # warm-up
            work = Work(
                name,
                server.port,
                None,
                size.seconds * 6,
                size.results_requests,
                headers={"path": path, **headers},
            )
            row = measure(kind, f"results {name}", [work], server, url)
            row.note = f"{loaded.responses:,} responses"
            rows.append(row)
        weight = page_weight(server.port, f"/s/{place.flow_token}")
        durability = exactly_once(kind, url, server, place, size)
        report(
            f"{kind}: exactly once: {durability.stored:,} of"
            f" {durability.clients * durability.each:,} stored in {durability.seconds:.0f} s,"
            f" ok={durability.ok}"
        )
        crash = kill_during_load(kind, url, server, place, size)
        report(
            f"{kind}: kill -9: {crash.acknowledged} acknowledged, {crash.missing} missing,"
            f" integrity {crash.integrity}, ok={crash.ok}"
        )
    finally:
        server.stop()
    for row in rows:
        report(format_row(row))
    return Run(kind, rows, weight, durability, crash, loaded.responses, loaded.insert_s, version)


def warm_up(server: Server, place: Place) -> None:
    """A few flows and one report from two clients, so both workers have loaded their templates
    and opened their database connections before the first step."""
    batch = [Work("flow", server.port, place, 60.0, 10, client=i) for i in range(2)]
    batch.append(Work("report", server.port, place, 60.0, 1, client=2))
    dones, _seconds = run_clients(batch)
    errors = [e for d in dones for e in d.errors]
    if errors:
        raise RuntimeError(f"warm-up failed: {errors[:5]}")


def _version(kind: str) -> str:
    if kind == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    raw = db.session.scalar(sa.text("SHOW server_version")) or ""
    db.session.remove()
    db.engine.dispose()
    return f"PostgreSQL {str(raw).split()[0]}"


# --- output ------------------------------------------------------------------------------------

HEADER = (
    "| database | scenario | clients | completed | errors | per second | p50 ms | p95 ms"
    " | server CPU ms each | database CPU ms each | other work, % of CPUs | note |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def format_row(row: Row) -> str:
    database_ms = row.database_cpu_ms
    return (
        f"| {row.database} | {row.scenario} | {row.concurrency} | {row.completed:,}"
        f" | {row.errors} | {row.per_second:,.1f} | {row.p50_ms:.1f} | {row.p95_ms:.1f}"
        f" | {row.cpu_ms:.2f} | {'—' if database_ms is None else f'{database_ms:.2f}'}"
        f" | {row.other_share * 100:.0f} | {row.note} |"
    )


def _verdict(ok: bool) -> str:
    return "**pass**" if ok else "**FAIL**"


def summary(runs: Sequence[Run], when: date, minutes: float | None = None) -> str:
    took = f" The run took {minutes:.0f} minutes." if minutes is not None else ""
    busiest = max((row.other_share for r in runs for row in r.rows), default=0.0)
    lines = [
        f"Latest numbers, {when.isoformat()}, on this machine ({os.cpu_count()} CPUs, Python"
        f" {platform.python_version()}), {' and '.join(r.database for r in runs)} in one run"
        f" of `bench/load.py`.{took} The load generator and the server share the CPUs. A"
        " completed response is the whole respondent flow: the questionnaire, the answers' POST"
        " and its 303, the thank-you page. *server CPU ms each* is the CPU of gunicorn's"
        " master and 2 workers over the step divided by what the step completed; *database CPU"
        " ms each* that of PostgreSQL's backends for the bench database (not counted in the"
        " target). *other work* is the machine's busy CPU that was neither of these nor the"
        " load generator: other programs on the machine"
        + (
            f" (other work ran during this run: up to {busiest * 100:.0f} % of the CPUs in a step)."
            if busiest >= 0.05
            else "."
        ),
        "",
        HEADER,
        *(format_row(row) for r in runs for row in r.rows),
        "",
    ]
    for r in runs:
        one, eight = r.flow(1), r.flow(8)
        database = ""
        if eight.database_cpu_ms is not None and one.database_cpu_ms is not None:
            database = (
                f" PostgreSQL's backends used a further {one.database_cpu_ms:.1f} and"
                f" {eight.database_cpu_ms:.1f} ms per response."
            )
        d, c = r.durability, r.crash
        lines += [
            f"- {r.database} ({r.version}): at 8 clients {eight.per_second:,.0f} completed"
            f" responses per second (target ≥ {TARGET_PER_SECOND:.0f}):"
            f" {_verdict(r.per_second_ok)};"
            f" server CPU per completed response {one.cpu_ms:.1f} ms at 1 client and"
            f" {eight.cpu_ms:.1f} ms at 8 (target ≤ {TARGET_CPU_MS:.0f} ms at both):"
            f" {_verdict(r.cpu_ok)}.{database}",
            f"  Exactly once: {d.clients} clients × {d.each:,} submissions in {d.seconds:.0f} s:"
            f" {d.acknowledged:,} acknowledged, {d.stored:,} stored, {d.distinct:,} distinct,"
            f" tallies equal the responses: {d.tallies_match}, {len(d.errors)} errors:"
            f" {_verdict(d.ok)}.",
            f"  kill -9 during load: {c.acknowledged:,} acknowledged, {c.stored:,} stored,"
            f" {c.missing} missing, integrity check {c.integrity}, first submission after"
            f" restart {c.after_restart}, tallies equal the responses: {c.tallies_match}:"
            f" {_verdict(c.ok)}.",
        ]
        if r.weight is not None:
            w = r.weight
            lines.append(
                f"  Respondent page ({w.how}, 375 px): {w.requests} requests, {w.bytes / 1024:.1f}"
                f" KB in all (HTML {w.html_bytes / 1024:.1f} KB), requests outside the app:"
                f" {len(w.outside)}."
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", nargs="+", choices=DATABASES, default=list(DATABASES))
    parser.add_argument("--quick", action="store_true", help="smoke size; README untouched")
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    args = parser.parse_args(argv)
    size = Size.quick() if args.quick else Size()
    runs = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        for kind in args.databases:
            runs.append(run(kind, Path(folder), size, args.postgres_url))
    text = summary(runs, date.today(), (time.monotonic() - started) / 60)
    print()
    print(text)
    if not (args.quick or args.no_readme):
        results.write_readme(
            f"{TABLE_START}\n{text}\n{TABLE_END}", README, (TABLE_START, TABLE_END), "bench/load.py"
        )
    failed = [r for r in runs if not (r.durability.ok and r.crash.ok)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
