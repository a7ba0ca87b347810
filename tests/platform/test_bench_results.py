"""Smoke test of bench/results.py: a few hundred responses loaded into a fresh SQLite database,
each endpoint timed twice. It checks that the loading stores what it says and that the numbers
come out as sane fields; it says nothing about speed."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.platform.conftest import load_bench

RESPONSES = 300


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("results")


def test_loads_measures_and_checks_on_sqlite(bench: ModuleType, tmp_path: Path) -> None:
    lines: list[str] = []
    run = bench.run("sqlite", RESPONSES, tmp_path, warmup=1, repeat=2, report=lines.append)

    assert run.load.responses == RESPONSES
    # Ten questions, a few skipped, multiple choice gives several rows.
    assert 8 * RESPONSES < run.load.answers < 12 * RESPONSES
    assert run.load.insert_s > 0 and run.load.rebuild_s > 0
    assert run.api, "the API's results endpoint is registered"
    assert [t.endpoint for t in run.timings] == [
        "page",
        "page, unit filter",
        "page, choice filter (kept)",
        "page, choice filter (first view)",
        "API",
    ]
    assert [t.scan for t in run.timings] == [False, False, True, True, False]
    for timing in run.timings:
        assert timing.database == "sqlite"
        assert timing.responses == RESPONSES
        assert timing.samples == 2
        assert 0 < timing.median_ms <= timing.p95_ms < 60_000
        assert timing.target_ms == 150
        assert timing.passed == (timing.p95_ms <= 150)

    # The page and the API agree with a count straight from the answer table, also filtered.
    check = run.check
    assert check.ok, lines
    assert check.api == check.direct
    assert 0.9 * RESPONSES < sum(check.direct.values()) <= RESPONSES
    assert set(check.page) == {"1", "2", "3", "4", "5"}
    assert check.filtered_api == check.filtered_direct
    assert 0 < sum(check.filtered_direct.values()) < sum(check.direct.values())
    assert any("sanity check ok" in line for line in lines)

    table = bench.markdown_table(run.timings)
    assert table.count("\n") == 1 + len(run.timings)
    assert "| sqlite | 300 | page, choice filter (kept) (scan) |" in table


def test_percentile_interpolates_between_ranks(bench: ModuleType) -> None:
    samples = [float(n) for n in range(1, 101)]  # 1 … 100
    assert bench.percentile(samples, 0.5) == pytest.approx(50.5)
    assert bench.percentile(samples, 0.95) == pytest.approx(95.05)
    assert bench.percentile([3.0, 1.0, 2.0], 1.0) == 3.0
    assert bench.percentile([7.0], 0.95) == 7.0


def test_readme_table_is_replaced_between_its_markers_only(
    bench: ModuleType, tmp_path: Path
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\n## other.py\n\nTheir numbers.\n", encoding="utf-8")

    bench.write_readme(f"{bench.TABLE_START}\nfirst\n{bench.TABLE_END}", readme)
    bench.write_readme(f"{bench.TABLE_START}\nsecond\n{bench.TABLE_END}", readme)

    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\n## other.py\n\nTheir numbers.\n")
    assert text.count("## bench/results.py") == 1
    assert "second" in text and "first" not in text


def _fake_run(bench: ModuleType, database: str, responses: int, median: float) -> object:
    timing = bench.Timing(database, responses, "page", median, median * 2, 50, 150.0)
    check = bench.Check("listened", {"1": 3}, {"1": 3})
    load = bench.Load(responses, responses * 10, 1.0, 2.0)
    return bench.Run(database, load, [timing], check, True, 1.5, "SQLite 3")


def test_readme_block_keeps_rows_of_runs_not_measured_again(bench: ModuleType) -> None:
    first = bench.readme_block(
        [_fake_run(bench, "postgresql", 100_000, 40.0), _fake_run(bench, "sqlite", 100_000, 70.0)]
    )
    again = bench.readme_block([_fake_run(bench, "sqlite", 100_000, 55.0)], first)

    rows = [
        line for line in again.splitlines() if line.startswith("| sqlite") or "| postgresql" in line
    ]
    # Measured again: replaced; not measured: kept; SQLite first as in DATABASES.
    assert rows == [
        "| sqlite | 100,000 | page | 55.0 | 110.0 | 50 | ≤ 150 ms | pass |",
        "| postgresql | 100,000 | page | 40.0 | 80.0 | 50 | ≤ 150 ms | pass |",
    ]
    notes = [line for line in again.splitlines() if line.startswith("- ")]
    assert [note.split(" responses")[0] for note in notes] == [
        "- sqlite, 100,000",
        "- postgresql, 100,000",
    ]
