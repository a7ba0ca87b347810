"""Properties of small-group suppression, checked on random data with hypothesis: no shown
number is below k, and no hidden number follows from the shown ones."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.results.suppression import OWN, complete, open_ends, suppress_row, suppress_tree
from tests.results.conftest import rank

ks = st.integers(min_value=3, max_value=10)
counts = st.integers(min_value=0, max_value=40)


def determined(equations: list[list[Fraction]], unknown: int) -> bool:
    """Whether the equations (over the hidden values) fix this hidden value."""
    if not equations:
        return False
    unit = [Fraction(0)] * len(equations[0])
    unit[unknown] = Fraction(1)
    return rank(equations) == rank([*equations, unit])


# --- one row -------------------------------------------------------------------------------------


@given(st.dictionaries(st.sampled_from("abcdefgh"), counts, min_size=1), ks)
@settings(max_examples=400)
def test_a_row_shows_no_small_group_and_hides_none_alone(row: dict[str, int], k: int) -> None:
    hidden, total_hidden = suppress_row(row, k)
    for key, n in row.items():
        if key not in hidden:
            assert n == 0 or n >= k, (row, k, hidden)
    if total_hidden:
        assert hidden == {key for key, n in row.items() if n > 0}
    elif hidden:
        # One hidden group would follow from the total; a small remainder would be a group.
        assert len(hidden) >= 2
        assert sum(row[key] for key in hidden) >= k


def test_row_examples() -> None:
    assert suppress_row({"a": 10, "b": 2, "c": 7}, 5) == ({"b", "c"}, False)
    assert suppress_row({"a": 10, "b": 2, "c": 1, "d": 9}, 5) == ({"b", "c", "d"}, False)
    assert suppress_row({"a": 1, "b": 2}, 5) == ({"a", "b"}, True)
    assert suppress_row({"a": 6, "b": 0}, 5) == (set(), False)
    assert complete({"a": 5, "b": 5}, set(), 5) == set()


# --- a tree of units ---------------------------------------------------------------------------


@st.composite
def trees(draw: st.DrawFn) -> tuple[dict[int, int], dict[int, int | None]]:
    size = draw(st.integers(min_value=1, max_value=9))
    parent: dict[int, int | None] = {0: None}
    for unit in range(1, size):
        parent[unit] = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=unit - 1)))
    own = {unit: draw(counts) for unit in parent}
    return own, parent


def _subtotals(own: dict[int, int], parent: dict[int, int | None]) -> dict[int, int]:
    total = dict(own)
    for unit in sorted(parent, reverse=True):  # parents have smaller numbers
        up = parent[unit]
        if up is not None:
            total[up] += total[unit]
    return total


@given(trees(), ks)
@settings(max_examples=400, deadline=None)
def test_a_tree_shows_no_small_group_and_none_can_be_worked_out(
    tree: tuple[dict[int, int], dict[int, int | None]], k: int
) -> None:
    own, parent = tree
    result = suppress_tree(own, parent, k)
    subtotal = _subtotals(own, parent)
    grand = sum(subtotal[u] for u in parent if parent[u] is None)
    grand_hidden = 0 < grand < k

    for unit in parent:
        if unit not in result.hidden_units:
            assert subtotal[unit] == 0 or subtotal[unit] >= k, (own, parent, k, unit)
        if unit not in result.hidden_own:
            assert own[unit] == 0 or own[unit] >= k, (own, parent, k, unit)

    # Unknowns: hidden unit numbers, hidden own answers, and the grand total if hidden.
    unknowns = [("unit", u) for u in sorted(result.hidden_units)]  # type: ignore[type-var]
    unknowns += [("own", u) for u in sorted(result.hidden_own)]  # type: ignore[type-var]
    if grand_hidden:
        unknowns.append(("grand", None))
    index = {name: i for i, name in enumerate(unknowns)}

    def term(kind: str, unit: int | None) -> tuple[int | None, int]:
        """(unknown index or None, known value)."""
        if (kind, unit) in index:
            return index[(kind, unit)], 0
        if kind == "grand":
            return None, grand
        return None, subtotal[unit] if kind == "unit" else own[unit]  # type: ignore[index]

    equations: list[list[Fraction]] = []

    def equation(left: tuple[str, int | None], parts: list[tuple[str, int | None]]) -> None:
        row = [Fraction(0)] * len(unknowns)
        constant = 0
        position, value = term(*left)
        if position is None:
            constant -= value
        else:
            row[position] += 1
        for part in parts:
            position, value = term(*part)
            if position is None:
                constant += value
            else:
                row[position] -= 1
        if any(row):
            equations.append(row)
        # Rows whose parts are all shown must add up: a check on the test itself.
        elif constant != 0:
            raise AssertionError("inconsistent row")

    tops = [u for u in parent if parent[u] is None]
    equation(("grand", None), [("unit", u) for u in tops])
    for unit in parent:
        below = [u for u in parent if parent[u] == unit]
        equation(("unit", unit), [("own", unit), *(("unit", u) for u in below)])

    for position, name in enumerate(unknowns):
        value = subtotal.get(name[1], 0) if name[0] == "unit" else 0  # type: ignore[arg-type]
        if name[0] == "own":
            value = own[name[1]]  # type: ignore[index]
        if name[0] == "grand":
            value = grand
        if value == 0:
            continue  # an empty group discloses nobody, even when it can be worked out
        assert not determined(equations, position), (own, parent, k, name)


def test_tree_example() -> None:
    # Solsiden (1) and Møteplassen (2) below Psykisk helse (0); Møteplassen has 2 answers.
    result = suppress_tree({0: 0, 1: 12, 2: 2, 3: 20}, {0: None, 1: 0, 2: 0, 3: None}, 5)
    assert 2 in result.hidden_units
    assert 1 in result.hidden_units  # or Møteplassen = Psykisk helse - Solsiden
    assert 0 not in result.hidden_units and 3 not in result.hidden_units
    assert OWN not in result.hidden_own


# --- open ends for typed numbers and dates ------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.integers(-50, 200), st.integers(1, 6), max_size=25),
    st.integers(1, 8),
)
def test_open_ends_keep_k_answers_beyond_each_end(numbers: dict[int, int], k: int) -> None:
    """From the k-th smallest answer to the k-th largest: at least k answers at or below the
    low end and at or above the high end, so the open first and last rows hold k or more and
    the smallest and largest answers are never an end unless k people share them."""
    ends = open_ends(numbers, k)
    total = sum(numbers.values())
    if ends is None:
        values = sorted(v for v, c in numbers.items() for _ in range(c))
        assert total < 2 * k or values[k - 1] >= values[-k]
        return
    low, high = ends
    assert low < high
    assert sum(c for v, c in numbers.items() if v <= low) >= k
    assert sum(c for v, c in numbers.items() if v >= high) >= k
    if low == min(numbers):
        assert numbers[low] >= k
    if high == max(numbers):
        assert numbers[high] >= k


def test_open_ends_of_a_few_answers_give_no_range() -> None:
    assert open_ends({30: 4, 40: 4}, 5) is None  # 8 answers: fewer than 2k
    assert open_ends({30: 10}, 5) is None  # everyone gave the same number: no spread
    assert open_ends({18: 1, 30: 4, 40: 4, 88: 1}, 5) == (30, 40)
