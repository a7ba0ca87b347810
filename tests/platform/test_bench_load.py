"""Smoke size of bench/load.py on this run's database (SQLite, or PostgreSQL when the suite runs
there): the app under gunicorn with 2 sync workers, the respondent flow at 1 and 8 clients with
the server's CPU per completed response, deviation reports, the results page and API, the page
weight in Chromium, 16 clients × 20 submissions stored exactly once, and kill -9 during load with
every acknowledged submission found after the restart. It asserts what was stored, that every
request got its expected answer and that the CPU was metered; it says nothing about speed (the
numbers are printed, not judged against the targets)."""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa

TEST_DATABASE_URL = os.environ.get("FEEDBACK_TEST_DATABASE_URL")


def _postgres_url() -> str:
    """A database of its own beside the test database (dropped and made again by the bench)."""
    assert TEST_DATABASE_URL
    url = sa.engine.make_url(TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return url.set(database=f"{url.database}_load_{worker}").render_as_string(hide_password=False)


def test_load_durability_and_crash_at_smoke_size(bench: ModuleType, tmp_path: Path) -> None:
    kind = "postgresql" if TEST_DATABASE_URL else "sqlite"
    size = bench.Size.quick()
    lines: list[str] = []
    run = bench.run(
        kind, tmp_path, size, _postgres_url() if TEST_DATABASE_URL else "", lines.append
    )
    print("\n".join(lines))

    rows = {(r.scenario, r.concurrency): r for r in run.rows}
    assert set(rows) == {
        ("respondent flow", 1),
        ("respondent flow", 8),
        ("deviation report", 1),
        ("deviation report", 8),
        ("results page", 1),
        ("results api", 1),
    }
    for row in run.rows:
        assert row.errors == 0, (row.scenario, row.concurrency)
        assert row.completed > 0 and row.seconds > 0, (row.scenario, row.concurrency)
        assert 0 < row.p50_ms <= row.p95_ms
        # The server worked for what the step completed; its CPU per unit is a finite share
        # of the CPU the whole machine was busy with.
        assert row.server_cpu > 0 and 0 < row.cpu_ms < float("inf")
        assert row.other_share >= 0
        assert (row.database_cpu is not None) == (kind == "postgresql")
    # A completed response is the whole flow: every thank-you page seen is a response the
    # round got in that step, and nothing else was stored.
    for n in (1, 8):
        flow = rows[("respondent flow", n)]
        assert flow.completed == flow.thanks == flow.stored
        assert run.flow(n) is flow
        assert f"{flow.stored:,} stored, {flow.thanks:,} thank-you pages" == flow.note
    if kind == "postgresql":
        assert rows[("respondent flow", 8)].database_cpu_ms > 0
    assert rows[("results page", 1)].completed == size.results_requests
    assert rows[("results api", 1)].completed == size.results_requests

    durability = run.durability
    assert durability.errors == []
    assert durability.acknowledged == durability.stored == durability.distinct == 16 * 20
    assert durability.tallies_match and durability.ok

    crash = run.crash
    assert crash.acknowledged >= 1 and crash.missing == 0
    assert crash.stored >= crash.acknowledged
    assert crash.integrity == ("ok" if kind == "sqlite" else "n/a")
    assert crash.after_restart == 303 and crash.tallies_match

    weight = run.weight
    assert weight is not None and weight.outside == []
    if os.environ.get("FEEDBACK_REQUIRE_BROWSER"):
        assert weight.how == "Chromium"
    assert weight.requests >= 2 and weight.bytes > weight.html_bytes > 0

    text = bench.summary([run], bench.date.today())
    assert "Exactly once: 16 clients × 20 submissions" in text
    assert f"| {kind} | respondent flow | 8 |" in text
    assert "completed responses per second (target ≥ 150)" in text
    assert "(target ≤ 15 ms at both)" in text
    verdict = "**pass**" if run.per_second_ok else "**FAIL**"
    assert f"(target ≥ 150): {verdict}" in text
    assert "ceiling" not in text and "bare Flask" not in text
