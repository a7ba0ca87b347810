"""Cost of ``flask schedule``'s hourly rewrite of the current date's anonymous rows on PostgreSQL.

Loads N synthetic responses (7 answers each) into a fresh PostgreSQL database, a given share
of them dated today, then times :func:`feedback.maintenance.rewrite_recent_rows` (the step run
every hour) and, with ``--whole``, the daily whole-table rewrite
(:func:`feedback.maintenance.reorder_anonymous_tables`).

    .venv/bin/python bench/rewrite.py                                  # 100 000, 1 % and 5 % today
    .venv/bin/python bench/rewrite.py --sizes 100000 1000000 --today 0.01 0.05
    .venv/bin/python bench/rewrite.py --sizes 2000 --today 0.05 --whole

The database ``bench_rewrite`` on 127.0.0.1 as ``postgres`` is dropped and made again
(``--postgres-url`` for another). The numbers go to stdout; bench/README.md has the latest.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import statistics
import sys
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from results import fresh_postgres  # noqa: E402  (bench/results.py)

from feedback import create_app  # noqa: E402
from feedback.config import Config  # noqa: E402
from feedback.designer import services as designer  # noqa: E402
from feedback.extensions import db  # noqa: E402
from feedback.maintenance import (  # noqa: E402
    RECENT_ROWS,
    reorder_anonymous_tables,
    rewrite_recent_rows,
)
from feedback.models import Organisation, Unit  # noqa: E402
from feedback.models.base import today  # noqa: E402
from feedback.results import tally  # noqa: E402

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/bench_rewrite"
QUESTIONS = 7
ROUNDS = 10
UNITS = 12
#: Share of the responses that came by access code (each used one code).
BY_CODE = 0.2
#: Share of all responses that belong to the open round (the others to closed rounds).
OPEN_SHARE = 0.1


def questionnaire() -> dict[str, Any]:
    return {
        "format": "brukerstemmen.questionnaire",
        "version": 1,
        "title": {"nb": "Benk"},
        "pages": [
            {
                "questions": [
                    {"key": f"q{n}", "type": "likert", "text": {"nb": f"Spørsmål {n}"}}
                    for n in range(QUESTIONS)
                ]
            }
        ],
    }


@dataclass
class Loaded:
    responses: int
    todays: int
    answers: int
    used_codes: int
    seconds: float


def load(n: int, todays_share: float) -> Loaded:
    """N responses in ROUNDS rounds, the last one open; today's come last, as they would."""
    started = time.perf_counter()
    organisation = Organisation(name="Benkevik", slug="benkevik")
    db.session.add(organisation)
    units = [Unit(organisation=organisation, name=f"Enhet {i}") for i in range(UNITS)]
    db.session.add_all(units)
    db.session.flush()
    rounds = []
    for number in range(ROUNDS):
        round_ = designer.create_round(organisation, None, questionnaire(), source="bench")
        round_.status = "open" if number == ROUNDS - 1 else "closed"
        rounds.append(round_)
    db.session.commit()
    todays = int(n * todays_share)
    in_open = max(int(n * OPEN_SHARE), todays)
    current = today()
    params = {
        "n": n,
        "todays": todays,
        "in_open": in_open,
        "rounds": [r.id for r in rounds],
        "units": [u.id for u in units],
        "today": current,
        "by_code": BY_CODE,
        "seed": secrets.token_hex(4),
    }
    # Older rounds first, then the open round's earlier days, then today's.
    db.session.execute(
        sa.text(
            "INSERT INTO response (id, round_id, unit_id, channel, submitted_on)"
            " SELECT md5(:seed || i), CASE WHEN i > :n - :in_open THEN (:rounds)[10]"
            "   ELSE (:rounds)[1 + i % 9] END,"
            " (:units)[1 + i % 12],"
            " CASE WHEN (i % 100) < :by_code * 100 THEN 'code' ELSE 'link' END,"
            " CASE WHEN i > :n - :todays THEN CAST(:today AS date)"
            "   WHEN i > :n - :in_open THEN CAST(:today AS date) - 1 - i % 30"
            "   ELSE CAST(:today AS date) - 40 - i % 700 END"
            " FROM generate_series(1, :n) AS i ORDER BY i"
        ),
        params,
    )
    db.session.execute(
        sa.text(
            "INSERT INTO answer (response_id, question_id, position, value, number)"
            " SELECT r.id, q.id, 0, v::text, v FROM response r"
            " JOIN question q ON q.round_id = r.round_id,"
            " LATERAL (SELECT 1 + abs(hashtext(r.id || q.id)) % 5 AS v) AS value"
        )
    )
    db.session.execute(
        sa.text(
            "INSERT INTO access_code (code, round_id, batch, unit_id, used)"
            " SELECT upper(substr(id, 1, 12)), round_id, 1, unit_id, true FROM response"
            " WHERE channel = 'code'"
        )
    )
    db.session.execute(
        sa.text(
            "INSERT INTO used_form_token (nonce, used_on) SELECT md5(id), submitted_on"
            " FROM response WHERE submitted_on > CAST(:today AS date) - 3"
        ),
        params,
    )
    for round_ in rounds:
        tally.rebuild(db.session, round_.id)
    db.session.commit()
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(sa.text("VACUUM (ANALYZE)"))
        answers = connection.scalar(sa.text("SELECT count(*) FROM answer")) or 0
        codes = connection.scalar(sa.text("SELECT count(*) FROM access_code")) or 0
    return Loaded(n, todays, answers, codes, time.perf_counter() - started)


def rows_rewritten() -> dict[str, int]:
    """How many rows each rule of the hourly run picks (children counted with their parent)."""
    counts = {}
    since = today()
    rounds = list(
        db.session.scalars(
            sa.text("SELECT DISTINCT round_id FROM response WHERE submitted_on >= :since"),
            {"since": since},
        )
    )
    for name, where in RECENT_ROWS.items():
        counts[name] = db.session.scalar(
            sa.text(f"SELECT count(*) FROM {name} WHERE {where}"),  # noqa: S608 - constants
            {"since": since, "rounds": rounds},
        )
    counts["answer"] = db.session.scalar(
        sa.text(
            "SELECT count(*) FROM answer WHERE response_id IN"
            " (SELECT id FROM response WHERE submitted_on >= :since)"
        ),
        {"since": today()},
    )
    db.session.commit()
    return counts


def timed(step: Any, runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        result = step()
        seconds.append(time.perf_counter() - started)
        assert not result.skipped, result.skipped
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--today", type=float, nargs="+", default=[0.01, 0.05])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--whole", action="store_true", help="also time the daily rewrite")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    args = parser.parse_args()
    print(f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(
        "responses | today | answers | used codes | rows rewritten | hourly run s (median, max)"
        " | whole tables s | load avg"
    )
    for n in args.sizes:
        for share in args.today:
            url = fresh_postgres(args.postgres_url)
            config = Config({"FEEDBACK_DATABASE_URL": url, "FEEDBACK_SECRET_KEY": "x" * 48})
            app = create_app(config)
            with app.app_context():
                from flask_migrate import upgrade

                upgrade()
                loaded = load(n, share)
                rewritten = rows_rewritten()
                hourly = timed(rewrite_recent_rows, args.runs)
                # Without waiting for other sessions' transactions (tests running beside it).
                whole_run = partial(reorder_anonymous_tables, wait_seconds=0)
                whole = timed(whole_run, 1)[0] if args.whole else None
                db.engine.dispose()
            print(
                f"{n:,} | {loaded.todays:,} ({share:.0%}) | {loaded.answers:,} |"
                f" {loaded.used_codes:,} | {sum(rewritten.values()):,} |"
                f" {statistics.median(hourly):.2f}, {max(hourly):.2f} |"
                f" {'' if whole is None else f'{whole:.1f}'} |"
                f" {os.getloadavg()[0]:.1f}   (load {loaded.seconds:.0f} s; {rewritten})",
                flush=True,
            )


if __name__ == "__main__":
    main()
