"""Aggregation and suppression of a round's results.

The first part counts a small hand-made round through the answering service and checks every
number against a hand count. The second part is a property (hypothesis) of ``suppression.allowed``
alone: with random organisations, cells and k, no number the pages could show lets anyone work
out a group of 1 to k-1 respondents.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, note, settings
from hypothesis import strategies as st

from feedback.extensions import db
from feedback.models import SurveyRound
from feedback.models.survey import CHANNELS
from feedback.results.aggregate import QuestionResult, RoundResults, mean_of, round_results, t975
from feedback.results.selection import Selection, Units
from feedback.results.suppression import NO_ANSWER, Cell, allowed
from tests.results.conftest import rank
from tests.world import ResultsPlace, store_response

# --- a small round, counted by hand -------------------------------------------------------------

#: 14 respondents (k is 5). "why" is the follow-up to "group" = yes; only four wrote one.
DATASET: list[tuple[str, str, dict[str, Any]]] = [
    # Solsiden (below Psykisk helse), by link
    ("Solsiden", "link", {"listened": "5", "food": "good", "activities": ["walk", "art"],
                          "group": "yes", "why": "Fint", "age": "30", "score": "8"}),
    ("Solsiden", "link", {"listened": "4", "food": "good", "activities": ["walk"],
                          "group": "yes", "why": "Godt", "age": "40", "score": "6"}),
    ("Solsiden", "link", {"listened": "4", "food": "ok", "activities": ["cook"], "group": "no",
                          "age": "dont_know", "score": "9"}),
    ("Solsiden", "link", {"listened": "2", "food": "bad", "group": "yes", "age": "61",
                          "score": "5"}),
    ("Solsiden", "link", {"listened": "dont_know", "food": "good",
                          "activities": ["walk", "cook", "art"], "group": "no", "age": "25",
                          "score": "10"}),
    ("Solsiden", "link", {"listened": "3", "food": "ok", "activities": ["art"], "age": "34",
                          "score": "7"}),
    # Tunet, on a kiosk
    ("Tunet", "kiosk", {"listened": "5", "food": "good", "activities": ["walk"], "group": "no",
                        "age": "19", "score": "10"}),
    ("Tunet", "kiosk", {"listened": "5", "food": "good", "activities": ["cook"], "group": "no",
                        "age": "22"}),
    ("Tunet", "kiosk", {"listened": "1", "food": "bad", "group": "no", "age": "88"}),
    ("Tunet", "kiosk", {"listened": "dont_know", "food": "dont_know", "group": "no",
                        "age": "45"}),
    ("Tunet", "kiosk", {"listened": "4", "food": "ok", "activities": ["walk", "art"],
                        "group": "no"}),
    ("Tunet", "kiosk", {"listened": "3", "food": "good", "group": "yes", "why": "Bra",
                        "age": "50"}),
    # Møteplassen (below Psykisk helse): only two
    ("Møteplassen", "link", {"listened": "1", "food": "bad", "group": "yes",
                             "why": "Ring meg på 412 34 567", "age": "70"}),
    ("Møteplassen", "link", {"listened": "2", "food": "bad", "group": "no"}),
]  # fmt: skip


@pytest.fixture
def counted(app: Flask, results_place: ResultsPlace) -> Iterator[ResultsPlace]:
    """The results place with DATASET stored; inside a request context (Babel needs one)."""
    with app.app_context():
        for unit, channel, answers in DATASET:
            store_response(
                results_place.round_id, answers, unit=results_place.units[unit], channel=channel
            )
    with app.test_request_context(headers={"Cookie": "sprak=nb"}):
        yield results_place


def results_for(place: ResultsPlace, selection: Selection | None = None) -> RoundResults:
    round_ = db.session.get(SurveyRound, place.round_id)
    assert round_ is not None
    return round_results(round_, selection or Selection(), language="nb")


def by_key(results: RoundResults) -> dict[str, QuestionResult]:
    return {r.question.key: r for r in results.questions}


def bars(result: QuestionResult) -> dict[str, tuple[int, float]]:
    return {b.value: (b.count, b.share) for b in result.bars}


def test_counts_shares_and_means_match_a_hand_count(counted: ResultsPlace) -> None:
    results = results_for(counted)
    assert results.shown and results.n == 14
    q = by_key(results)

    listened = q["listened"]
    # 14 answered, 2 of them "don't know": they are out of the shares and the mean.
    assert (listened.n, listened.dont_know, listened.valid) == (14, 2, 12)
    assert bars(listened) == {
        "1": (2, 2 / 12), "2": (2, 2 / 12), "3": (2, 2 / 12), "4": (3, 3 / 12), "5": (3, 3 / 12)
    }  # fmt: skip
    assert listened.mean is not None
    assert listened.mean.n == 12
    assert listened.mean.value == pytest.approx(39 / 12)
    # Sum of squares 151: variance (151 - 39²/12) / 11; t for 11 degrees of freedom is 2.201.
    half = 2.201 * math.sqrt((151 - 39**2 / 12) / 11 / 12)
    assert listened.mean.low == pytest.approx(39 / 12 - half)
    assert listened.mean.high == pytest.approx(39 / 12 + half)
    assert (round(listened.mean.low, 2), round(listened.mean.high, 2)) == (2.31, 4.19)

    food = q["food"]
    assert (food.n, food.dont_know, food.valid) == (14, 1, 13)
    assert bars(food) == {"good": (6, 6 / 13), "ok": (3, 3 / 13), "bad": (4, 4 / 13)}
    assert food.mean is None  # choices have no mean

    group = q["group"]
    assert (group.n, group.valid) == (13, 13)
    assert bars(group) == {"yes": (5, 5 / 13), "no": (8, 8 / 13)}

    score = q["score"]
    assert score.n == 7 and len(score.bars) == 11  # 0–10, every value a bar
    assert bars(score)["10"] == (2, 2 / 7) and bars(score)["0"] == (0, 0.0)
    assert score.mean is not None and score.mean.value == pytest.approx(55 / 7)

    mood = q["mood"]
    # Nobody answered: shown as zero ("nobody" discloses no one), with no mean.
    assert mood.shown and mood.n == 0 and mood.mean is None
    assert all(b.count == 0 for b in mood.bars)


def test_multiple_choice_shares_are_of_the_respondents(counted: ResultsPlace) -> None:
    activities = by_key(results_for(counted))["activities"]
    # Eight people ticked something (12 ticks); shares are of the eight, so they add up to more
    # than 100 %.
    assert (activities.n, activities.valid) == (8, 8)
    assert bars(activities) == {"walk": (5, 5 / 8), "cook": (3, 3 / 8), "art": (4, 4 / 8)}
    assert sum(b.share for b in activities.bars) > 1


def test_number_answers_in_bins_and_mean(counted: ResultsPlace) -> None:
    age = by_key(results_for(counted))["age"]
    assert (age.n, age.dont_know, age.valid) == (12, 1, 11)
    # 19, 22, 25, 30, 34, 40, 45, 50, 61, 70, 88 (k = 5): from the 5th smallest (34) to the 5th
    # largest (45) in bins of 2 (ceil(12 / 10)); the first and last are open, so neither the
    # youngest (19) nor the oldest (88) shows.
    assert [(b.value, b.label, b.count) for b in age.bars] == [
        ("..35", "≤ 35", 5), ("36-37", "36–37", 0), ("38-39", "38–39", 0),
        ("40-41", "40–41", 1), ("42-43", "42–43", 0), ("44..", "≥ 44", 5),
    ]  # fmt: skip
    assert sum(b.share for b in age.bars) == pytest.approx(1)
    assert age.mean is not None and age.mean.value == pytest.approx(484 / 11)


def test_follow_up_question_few_answered_is_hidden_on_its_own(counted: ResultsPlace) -> None:
    results = results_for(counted)
    why = by_key(results)["why"]
    assert results.shown  # the round is shown ...
    assert not why.shown  # ... but four wrote a "why": too few
    assert (why.n, why.bars, why.mean) == (0, [], None)


def test_a_small_unit_is_hidden_and_its_sibling_too(counted: ResultsPlace) -> None:
    units = counted.units
    assert not results_for(counted, Selection(unit_id=units["Møteplassen"])).shown
    # Solsiden has 6, but Psykisk helse (8) minus Solsiden would give Møteplassen's 2.
    solsiden = results_for(counted, Selection(unit_id=units["Solsiden"]))
    assert not solsiden.shown and solsiden.n is None
    assert all(not q.shown and not q.bars for q in solsiden.questions)
    psykisk = results_for(counted, Selection(unit_id=units["Psykisk helse"]))
    assert psykisk.shown and psykisk.n == 8
    assert bars(by_key(psykisk)["food"])["bad"] == (3, 3 / 8)


def expected_within(keep: Any) -> dict[str, dict[str, int]]:
    """Answers per question and value among the respondents ``keep`` picks, counted in Python."""
    found: dict[str, dict[str, int]] = {}
    for unit, channel, answers in DATASET:
        if not keep(unit, channel, answers):
            continue
        for key, value in answers.items():
            for v in value if isinstance(value, list) else [value]:
                found.setdefault(key, {}).setdefault(v, 0)
                found[key][v] += 1
    return found


def check_against_python(results: RoundResults, expected: dict[str, dict[str, int]]) -> int:
    """Compare every shown question with the Python count; returns how many were compared."""
    checked = 0
    for result in results.questions:
        if not result.shown or result.is_text:
            continue
        counts = expected.get(result.question.key, {})
        if result.kind == "number":
            valid = sum(n for v, n in counts.items() if v != "dont_know")
            # Fewer than 2k typed numbers show no spread (suppression.open_ends).
            assert sum(b.count for b in result.bars) == (valid if valid >= 2 * results.k else 0)
        else:
            assert {b.value: b.count for b in result.bars if b.count} == {
                v: n for v, n in counts.items() if v != "dont_know"
            }, result.question.key
        assert result.dont_know == counts.get("dont_know", 0), result.question.key
        checked += 1
    return checked


@pytest.mark.parametrize(
    ("question", "value"),
    [("food", "good"), ("activities", "walk"), ("group", "no")],
)
def test_filter_by_an_answer_counts_those_who_gave_it(
    counted: ResultsPlace, question: str, value: str
) -> None:
    def gave(_unit: str, _channel: str, answers: dict[str, Any]) -> bool:
        given = answers.get(question)
        return value in given if isinstance(given, list) else given == value

    selection = Selection(question_id=counted.questions[question], value=value)
    results = results_for(counted, selection)
    assert results.shown
    assert results.n == sum(1 for row in DATASET if gave(*row))
    checked = check_against_python(results, expected_within(gave))
    assert checked >= 4  # most questions are shown within these groups


def test_filter_by_single_choice_by_hand(counted: ResultsPlace) -> None:
    """food = good: A, B, E (Solsiden) and G, H, L (Tunet)."""
    results = results_for(counted, Selection(question_id=counted.questions["food"], value="good"))
    q = by_key(results)
    assert results.n == 6
    assert bars(q["food"]) == {"good": (6, 1.0), "ok": (0, 0.0), "bad": (0, 0.0)}
    assert (q["listened"].n, q["listened"].dont_know) == (6, 1)
    assert q["listened"].mean is not None and q["listened"].mean.value == pytest.approx(22 / 5)


def test_filter_by_multiple_choice_by_hand(counted: ResultsPlace) -> None:
    """activities = walk: A, B, E (Solsiden), G and K (Tunet)."""
    selection = Selection(question_id=counted.questions["activities"], value="walk")
    results = results_for(counted, selection)
    q = by_key(results)
    assert results.n == 5
    # The question itself is held back here: of the eight who ticked anything, three did not
    # tick walk, and "answered it" within and without the filter would give those three away.
    assert not q["activities"].shown
    assert bars(q["food"])["good"] == (4, 0.8)
    assert q["listened"].mean is not None and q["listened"].mean.value == pytest.approx(18 / 4)


def test_a_rare_answer_is_not_a_filter(counted: ResultsPlace) -> None:
    """food = ok was given by 3: too few, and food = bad (4) with it."""
    for value in ("ok", "bad"):
        results = results_for(
            counted, Selection(question_id=counted.questions["food"], value=value)
        )
        assert not results.shown and results.n is None


def test_two_filters_that_isolate_a_small_cell_are_hidden(counted: ResultsPlace) -> None:
    units, questions = counted.units, counted.questions
    # Tunet alone (6) and food = good alone (6) are shown ...
    assert results_for(counted, Selection(unit_id=units["Tunet"])).shown
    good = Selection(question_id=questions["food"], value="good")
    assert results_for(counted, good).shown
    # ... but together they are three people.
    both = Selection(unit_id=units["Tunet"], question_id=questions["food"], value="good")
    assert not results_for(counted, both).shown
    # Nor is an empty crossing (Tunet by link: nobody) while the round has a small crossing
    # (Møteplassen by link: two).
    assert not results_for(counted, Selection(unit_id=units["Tunet"], channel="link")).shown


def test_an_unknown_or_foreign_filter_question_is_ignored(counted: ResultsPlace) -> None:
    # A text question can not be a filter; the selection then counts everyone.
    results = results_for(counted, Selection(question_id=counted.questions["word"], value="x"))
    assert results.shown and results.n == 14 and results.selection.question_id is None


def test_t_quantiles() -> None:
    assert t975(1) == 12.706
    assert t975(11) == 2.201
    assert t975(30) == 2.042
    # Beyond the table, close to the exact quantiles (not 1.96).
    for degrees, exact in ((31, 2.0395), (40, 2.0211), (60, 2.0003), (120, 1.9799)):
        assert t975(degrees) == pytest.approx(exact, abs=2e-4)
    assert math.isnan(t975(0))


def test_mean_of_pairs() -> None:
    assert mean_of([]) is None
    single = mean_of([(4, 1)])
    assert single is not None and (single.value, single.low, single.high) == (4, 4, 4)
    # 2, 4, 6: mean 4, sd 2, half width t(2) * 2 / sqrt(3).
    mean = mean_of([(2, 1), (4, 1), (6, 1)])
    assert mean is not None
    assert mean.value == 4 and mean.n == 3
    assert mean.high - mean.value == pytest.approx(4.303 * 2 / math.sqrt(3))
    # Exact sums: a million answers give the same mean as three.
    many = mean_of([(2, 10**6), (4, 10**6), (6, 10**6)])
    assert many is not None and many.value == 4
    assert many.high - many.value == pytest.approx(
        1.96 * math.sqrt(8e6 / (3e6 - 1) / 3e6), rel=1e-4
    )


# --- derivability: no visible number gives away a small group ---------------------------------

#: Arithmetic modulo a large prime: exact for these small 0/1 systems except with a chance of
#: about 1e-18 (every leak found this way is confirmed with exact fractions before it fails).
PRIME = 2**61 - 1
FILTER_QUESTION = SimpleNamespace(kind="single_choice")


@dataclass
class Round:
    """A random round as ``allowed`` sees it: the unit tree, the channels, the answers of a
    single-choice filter question and respondents per cell."""

    units: Units
    channels: list[str]
    answers: list[str]
    cells: dict[Cell, int]
    k: int


@st.composite
def rounds(draw: st.DrawFn) -> Round:
    size = draw(st.integers(min_value=1, max_value=6))
    parent: dict[int, int | None] = {1: None}
    for unit in range(2, size + 1):
        parent[unit] = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=unit - 1)))
    order = _depth_first(parent)
    depth = {u: 0 if parent[u] is None else 0 for u in parent}
    for unit in order:
        up = parent[unit]
        depth[unit] = 0 if up is None else depth[up] + 1
    units = Units({u: f"unit {u}" for u in parent}, parent, depth, order)
    # Responses without a unit ("not given") count in the totals but can not be chosen.
    keys = [*parent, *([0] if draw(st.booleans()) else [])]
    channels = draw(st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=3, unique=True))
    answers = ["a", "b", "c"][: draw(st.integers(min_value=2, max_value=3))]
    cells = {
        (unit, channel, answer): draw(st.integers(min_value=0, max_value=12))
        for unit in keys
        for channel in channels
        for answer in [*answers, NO_ANSWER]
    }
    return Round(units, channels, answers, cells, draw(st.integers(min_value=3, max_value=5)))


def _depth_first(parent: Mapping[int, int | None]) -> list[int]:
    order: list[int] = []

    def visit(unit: int | None) -> None:
        for child in sorted(u for u, p in parent.items() if p == unit):
            order.append(child)
            visit(child)

    visit(None)
    return order


def _members(round_: Round, selection: Selection) -> list[Cell]:
    wanted = round_.units.subtree(selection.unit_id) if selection.unit_id is not None else None
    return [
        cell
        for cell in round_.cells
        if (wanted is None or cell[0] in wanted)
        and (selection.channel is None or cell[1] == selection.channel)
        and (selection.value is None or cell[2] == selection.value)
    ]


def visible_selections(round_: Round) -> list[tuple[Selection, list[Cell], int]]:
    """Every selection anyone could ask for that ``allowed`` shows, with its cells and size.

    Without an answer filter the page counts from the tallies, whose cells have no answer part
    (as ``round_results`` does); with one, from cells that have it."""
    collapsed: dict[Cell, int] = {}
    for (unit, channel, _answer), n in round_.cells.items():
        collapsed[(unit, channel, None)] = collapsed.get((unit, channel, None), 0) + n
    shown = []
    for unit, channel, answer in itertools.product(
        [None, *round_.units.order], [None, *round_.channels], [None, *round_.answers]
    ):
        selection = Selection(unit, channel, 1 if answer is not None else None, answer)
        if answer is None:
            ok = allowed(collapsed, selection, round_.units, round_.k)
        else:
            ok = allowed(round_.cells, selection, round_.units, round_.k, FILTER_QUESTION)  # type: ignore[arg-type]
        if ok:
            members = _members(round_, selection)
            shown.append((selection, members, sum(round_.cells[c] for c in members)))
    return shown


class Space:
    """The row space (mod PRIME) of what is known: visible totals and cells known to be empty."""

    def __init__(self, rows: list[list[int]], width: int) -> None:
        self.width = width
        self.basis: list[tuple[int, list[int]]] = []  # (pivot, row with 1 at the pivot)
        for row in rows:
            self.add(row)

    def reduce(self, vector: Sequence[int]) -> list[int]:
        v = [x % PRIME for x in vector]
        for pivot, row in self.basis:
            if v[pivot]:
                factor = v[pivot]
                v = [(a - factor * b) % PRIME for a, b in zip(v, row, strict=True)]
        return v

    def add(self, vector: Sequence[int]) -> bool:
        v = self.reduce(vector)
        pivot = next((i for i, x in enumerate(v) if x), None)
        if pivot is None:
            return False
        inverse = pow(v[pivot], PRIME - 2, PRIME)
        v = [x * inverse % PRIME for x in v]
        # Keep earlier rows reduced at the new pivot, so reduce() gives one residue per class.
        self.basis = [
            (p, [(a - r[pivot] * b) % PRIME for a, b in zip(r, v, strict=True)] if r[pivot] else r)
            for p, r in self.basis
        ]
        self.basis.append((pivot, v))
        return True


def _unit_vector(width: int, index: int) -> list[int]:
    v = [0] * width
    v[index] = 1
    return v


def _zero_one_solution(
    known: Space, target: list[int], free_cells: list[int], width: int
) -> list[int] | None:
    """Empty cells Z (from free_cells) such that target + 1_Z is in the known space, if any."""
    residue = known.reduce(target)
    columns = [known.reduce(_unit_vector(width, i)) for i in free_cells]
    if not any(residue):
        return []
    # Solve sum z_i * columns[i] = -residue over the rationals (mod PRIME), z_i in {0, 1}.
    equations = [[c[j] for c in columns] + [(-residue[j]) % PRIME] for j in range(width)]
    equations = [e for e in equations if any(e)]
    pivots: list[int] = []
    row = 0
    for column in range(len(columns)):
        found = next((r for r in range(row, len(equations)) if equations[r][column]), None)
        if found is None:
            continue
        equations[row], equations[found] = equations[found], equations[row]
        inverse = pow(equations[row][column], PRIME - 2, PRIME)
        equations[row] = [x * inverse % PRIME for x in equations[row]]
        for r in range(len(equations)):
            if r != row and equations[r][column]:
                factor = equations[r][column]
                equations[r] = [
                    (a - factor * b) % PRIME
                    for a, b in zip(equations[r], equations[row], strict=True)
                ]
        pivots.append(column)
        row += 1
    if any(not any(e[:-1]) and e[-1] for e in equations):
        return None  # no solution even with any real numbers for the empty cells
    free = [c for c in range(len(columns)) if c not in pivots]
    assert len(free) <= 16, "too many free empty cells to decide; make the strategy smaller"
    for choice in itertools.product((0, 1), repeat=len(free)):
        z = dict(zip(free, choice, strict=True))
        for r, pivot in enumerate(pivots):
            z[pivot] = (equations[r][-1] - sum(equations[r][f] * z[f] for f in free)) % PRIME
        if all(value in (0, 1) for value in z.values()):
            return [free_cells[c] for c, value in z.items() if value]
    return None


def small_groups_derivable(round_: Round) -> list[tuple[list[Cell], int]]:
    """Every union of cells with 1 to k-1 respondents whose size follows from what is shown."""
    cells = list(round_.cells)
    index = {cell: i for i, cell in enumerate(cells)}
    width = len(cells)
    visible = visible_selections(round_)
    rows = []
    known_empty: set[int] = set()
    for _selection, members, n in visible:
        rows.append([1 if cell in members else 0 for cell in cells])
        if n == 0:  # a shown zero tells that each of its cells is empty
            known_empty |= {index[c] for c in members}
    rows += [_unit_vector(width, i) for i in sorted(known_empty)]
    known = Space(rows, width)

    counts = [round_.cells[c] for c in cells]
    empty = [i for i in range(width) if counts[i] == 0 and i not in known_empty]
    small = [i for i in range(width) if 0 < counts[i] < round_.k]
    # Necessary condition: with any numbers at all on the empty cells. Residues are squeezed to
    # one number by a random linear map, so that subsets can be summed quickly.
    relaxed = Space([*rows, *(_unit_vector(width, i) for i in empty)], width)
    weights = [random.Random(i).randrange(PRIME) for i in range(width)]

    def squeezed(i: int) -> int:
        return (
            sum(a * b for a, b in zip(relaxed.reduce(_unit_vector(width, i)), weights, strict=True))
            % PRIME
        )

    value = {i: squeezed(i) for i in small}
    found: list[tuple[list[Cell], int]] = []

    def search(start: int, chosen: list[int], total: int, residue: int) -> None:
        if chosen and residue == 0:
            target = [0] * width
            for i in chosen:
                target[i] = 1
            extra = _zero_one_solution(known, target, empty, width)
            if extra is not None:
                group = sorted(set(chosen) | set(extra))
                vector = [Fraction(1 if i in group else 0) for i in range(width)]
                exact = [[Fraction(x) for x in r] for r in rows]
                if rank(exact) == rank([*exact, vector]):
                    found.append(([cells[i] for i in group], total))
        for position in range(start, len(small)):
            i = small[position]
            if total + counts[i] < round_.k:
                search(position + 1, [*chosen, i], total + counts[i], (residue + value[i]) % PRIME)

    search(0, [], 0, 0)
    return found


@given(rounds())
@settings(max_examples=200, deadline=None)
def test_no_visible_number_gives_away_a_small_group(round_: Round) -> None:
    visible = visible_selections(round_)
    for selection, _members, n in visible:
        assert n == 0 or n >= round_.k, (selection, n)
    leaks = small_groups_derivable(round_)
    filled = {cell: n for cell, n in round_.cells.items() if n}
    note(f"k={round_.k} parent={round_.units.parent} cells={filled}")
    note(f"visible={[(s, n) for s, _m, n in visible]}")
    assert not leaks, leaks[:3]


def test_a_filtered_count_follows_a_new_response(counted: ResultsPlace) -> None:
    """Counts with a choice filter are kept for a while per app; a new response must show at once
    (the round's running totals are part of what the kept counts are filed under)."""
    selection = Selection(question_id=counted.questions["food"], value="good")
    assert results_for(counted, selection).n == 6
    assert results_for(counted, selection).n == 6  # the kept counts, the same answer
    store_response(
        counted.round_id,
        {"listened": "4", "food": "good", "group": "no"},
        unit=counted.units["Tunet"],
        channel="kiosk",
    )
    after = results_for(counted, selection)
    assert after.n == 7
    assert by_key(after)["listened"].n == 7
