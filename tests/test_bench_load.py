"""Smoke size of bench/load.py on this run's database (SQLite, or PostgreSQL when the suite runs
there): the app under gunicorn with 2 sync workers, the ceiling, the respondent flow at 1 and 8
clients, deviation reports, the results page and API, the page weight in Chromium, 16 clients ×
20 submissions stored exactly once, and kill -9 during load with every acknowledged submission
found after the restart. It asserts what was stored and that every request got its expected
answer; it says nothing about speed (the numbers are printed, not judged)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy as sa

BENCH = Path(__file__).resolve().parent.parent / "bench" / "load.py"
TEST_DATABASE_URL = os.environ.get("FEEDBACK_TEST_DATABASE_URL")


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_load", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


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
        ("ceiling (minimal Flask)", 1),
        ("ceiling (minimal Flask)", 8),
        ("respondent flow, bare Flask", 8),
        ("respondent flow, bare Flask + one INSERT", 8),
        ("respondent flow", 1),
        ("respondent flow", 8),
        ("deviation report", 1),
        ("deviation report", 8),
        ("results page", 1),
        ("results api", 1),
    }
    for row in run.rows:
        assert row.errors == 0, (row.scenario, row.concurrency)
        assert row.requests > 0 and row.median_ms > 0 and row.p95_ms >= row.median_ms
    # Every flow is GET the address (303), GET the first page's own address, POST answers,
    # GET thanks, each answered as expected.
    for n in (1, 8):
        assert rows[("respondent flow", n)].requests % 4 == 0
        assert rows[("respondent flow", n)].ceiling_rps == rows[("ceiling (minimal Flask)", n)].rps
    assert rows[("results page", 1)].requests == size.results_requests
    bare_flows = [scenario for scenario, _n in rows if scenario.startswith("respondent flow, bare")]
    assert len(bare_flows) == 2
    for scenario in bare_flows:
        bare = rows[(scenario, 8)]
        assert bare.requests % 3 == 0
        assert bare.ceiling_rps == rows[("ceiling (minimal Flask)", 8)].rps
    # The bare flow with a database stored one token per POST (a mismatch counts as errors,
    # checked above).
    bare = rows[("respondent flow, bare Flask + one INSERT", 8)]
    assert f"({bare.requests // 3:,} stored)" in bare.note

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
    assert "The same three requests from a bare Flask app" in text
    assert "the same with one committed INSERT per POST" in text
