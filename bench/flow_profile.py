"""The respondent flow measured in one process: CPU per completed response and SQL statements
per request, on SQLite and PostgreSQL, without gunicorn or a load generator.

    .venv/bin/python bench/flow_profile.py                          # both databases, 300 flows
    .venv/bin/python bench/flow_profile.py --databases sqlite -n 1000
    .venv/bin/python bench/flow_profile.py --databases postgresql --profile

It builds bench/load.py's place (its functions, with a small results round) and runs N complete
flows through ``app.test_client()`` with the configuration gunicorn gets in bench/load.py
(``Config.from_env`` with FEEDBACK_ENV=production, so ProductionConfig; never TestConfig):
GET /s/<token> → 303 to the first page's address, GET that page, POST the answers → 303 to the
thank-you address, GET the thank-you page. It prints the CPU of this process per flow
(``time.process_time``: the app and the test client; on PostgreSQL the database server's own
CPU is not in it) and the SQL statements of each request (a ``before_cursor_execute`` listener
this script installs on the app's engine). ``--profile`` adds a cProfile of the timed flows:
the top 30 functions by cumulative and by own time. Faster to repeat than bench/load.py and less
noisy on a shared machine; bench/load.py stays the number of record.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import random
import secrets
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR.parent) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(BENCH_DIR.parent))

from bench import load  # noqa: E402
from feedback import create_app  # noqa: E402
from feedback.config import Config  # noqa: E402
from feedback.extensions import db  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1/bench_flow_profile"
#: The request types of one completed response, in order.
STEPS = ("entry", "page", "post", "thanks")
#: Responses in the results round (bench/load.py loads 100 000; the flow never reads them).
HISTORY = 1_000
WARM_UP = 20


@dataclass
class Measured:
    database: str
    flows: int
    cpu_ms: list[float] = field(default_factory=list)
    statements: dict[str, Counter[int]] = field(default_factory=dict)
    profile: str = ""
    #: CPU ms of each request type, per flow.
    step_ms: dict[str, list[float]] = field(default_factory=dict)


class StatementCounter:
    """Counts the statements the app's engine runs, while ``step`` names a request type."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.step: str | None = None
        self.seen: Counter[str] = Counter()
        self.texts: dict[str, list[str]] = {}
        sa.event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.step is not None:
            self.seen[self.step] += 1
            self.texts.setdefault(self.step, []).append(" ".join(statement.split())[:160])

    def take(self) -> Counter[str]:
        seen, self.seen = self.seen, Counter()
        return seen


def flow(
    client: Any, place: load.Place, rng: random.Random, counter: StatementCounter
) -> tuple[dict[str, int], dict[str, float]]:
    """One completed response; the statements and the CPU ms of each request."""
    counts: dict[str, int] = {}
    cpu: dict[str, float] = {}
    path = f"/s/{place.flow_token}"

    def request(step: str, method: str, address: str, **kw: Any) -> Any:
        counter.step = step
        started = time.process_time()
        reply = client.open(address, method=method, **kw)
        cpu[step] = (time.process_time() - started) * 1000
        counter.step = None
        counts[step] = counter.take()[step]
        return reply

    entry = request("entry", "GET", path)
    assert entry.status_code == 303, entry.status_code
    page = request("page", "GET", _local(entry.headers["Location"]))
    assert page.status_code == 200, page.status_code
    token = load.form_token(page.get_data(as_text=True))
    form = [("skjema", token), ("sprak", "nb"), ("side", "0"), ("nav", "next")]
    form += load.answers(place, rng, None)
    sent = request(
        "post",
        "POST",
        path,
        data=urllib.parse.urlencode(form),
        content_type="application/x-www-form-urlencoded",
    )
    assert sent.status_code == 303, (sent.status_code, sent.get_data(as_text=True)[:500])
    thanks = _local(sent.headers["Location"])
    assert thanks.startswith(f"{path}/takk"), thanks
    done = request("thanks", "GET", thanks)
    assert done.status_code == 200, done.status_code
    return counts, cpu


def _local(location: str) -> str:
    parts = urllib.parse.urlsplit(location)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def measure(
    kind: str, workdir: Path, n: int, postgres_url: str, profile: bool, profile_file: str = ""
) -> Measured:
    url = load.results.fresh_database(kind, workdir, postgres_url)
    setup_app = load.results.build_app(url)  # the schema, from the migrations
    place, _loaded = load.set_up(setup_app, kind, load.Size(responses=HISTORY))
    config = Config.from_env(load.app_env(url, secrets.token_urlsafe(48)))
    app = create_app(config)
    measured = Measured(kind, n)
    rng = random.Random(7)
    with app.app_context():
        counter = StatementCounter(db.engine)
    client = app.test_client()
    for _ in range(WARM_UP):
        flow(client, place, rng, counter)
    counts: dict[str, Counter[int]] = {step: Counter() for step in STEPS}
    # CPU time, not wall time: waiting for PostgreSQL or for a CPU on a busy machine is left out.
    profiler = cProfile.Profile(time.process_time) if profile else None
    gc.collect()
    for _ in range(n):
        if profiler is not None:
            profiler.enable()
        started = time.process_time()
        seen, step_ms = flow(client, place, rng, counter)
        measured.cpu_ms.append((time.process_time() - started) * 1000)
        if profiler is not None:
            profiler.disable()
        for step in STEPS:
            counts[step][seen[step]] += 1
            measured.step_ms.setdefault(step, []).append(step_ms[step])
    measured.statements = counts
    if profiler is not None:
        measured.profile = _profile_text(profiler)
        if profile_file:
            profiler.dump_stats(profile_file)
    if profile:
        for step in STEPS:
            print(f"--- {kind}: statements of one {step} request")
            for text in counter.texts.get(step, [])[-max(counts[step]) :]:
                print("   ", text)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return measured


def _profile_text(profiler: cProfile.Profile) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs()
    for order in ("cumulative", "tottime"):
        out.write(f"\n=== top 30 by {order}\n")
        stats.sort_stats(order).print_stats(30)
    return out.getvalue()


def report(m: Measured) -> str:
    cpu = sorted(m.cpu_ms)
    lines = [
        f"{m.database}: {m.flows} flows, CPU ms per flow: median {statistics.median(cpu):.2f},"
        f" mean {statistics.fmean(cpu):.2f}, p95 {cpu[int(0.95 * (len(cpu) - 1))]:.2f}",
    ]
    total = 0.0
    for step in STEPS:
        counts = m.statements[step]
        mean = sum(k * v for k, v in counts.items()) / max(sum(counts.values()), 1)
        total += mean
        spread = ", ".join(f"{k}×{v}" for k, v in sorted(counts.items()))
        ms = statistics.median(m.step_ms[step])
        lines.append(f"  {step:7} {ms:6.2f} ms CPU (median), {mean:.2f} statements ({spread})")
    lines.append(f"  whole flow: {total:.2f} statements")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--databases", nargs="+", choices=load.DATABASES, default=list(load.DATABASES)
    )
    parser.add_argument("-n", "--flows", type=int, default=300)
    parser.add_argument("--profile", action="store_true", help="cProfile top 30 of the timed flows")
    parser.add_argument("--profile-file", default="", help="also save the profile (pstats)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-flow-") as folder:
        for kind in args.databases:
            measured = measure(
                kind,
                Path(folder),
                args.flows,
                args.postgres_url,
                args.profile or bool(args.profile_file),
                f"{args.profile_file}.{kind}" if args.profile_file else "",
            )
            if measured.profile:
                print(f"\n##### {kind}: cProfile of {args.flows} flows")
                print(measured.profile)
            results.append(measured)
    print()
    for measured in results:
        print(report(measured))
    return 0


if __name__ == "__main__":
    sys.exit(main())
