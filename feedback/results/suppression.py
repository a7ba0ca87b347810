"""Small-group suppression (docs/design.md rule 3): no count below k is shown, and none can be
worked out from what is shown.

Primary suppression hides every group with 1 to k-1 answers. Secondary suppression then hides
more, so that no hidden group follows by subtraction:

- in a row of groups that add up to a shown total, either nothing is hidden, or at least two
  groups are hidden and together they hold at least k answers (else the hidden remainder
  would itself be a small group);
- in a tree of units (a unit's number includes the units below it), each unit's row is its
  own answers plus its children; a hidden unit must keep at least two hidden parts below it,
  or its number would follow from its parts.

Units held back for padding (``padding.py``: a warning the quality group has not checked) are
hidden like a small group, whatever their count, and count for nothing towards the k answers
that the other hidden parts of their row must hold together: their answers may all be someone's
own, known to him. When a row cannot be made safe so, the number above it is held back too; at
the top, the total itself.

Numbers and dates a respondent types are shown in bins. The lowest and highest bins are open
(``open_ends``): they hold every answer below or above the k-th answer from each end, so no bin
at an edge shows one person's number or month, and the range of the bins says nothing about the
smallest or largest answer. With fewer than 2k such answers no spread is shown at all.

Zero is shown as zero: "nobody answered here" discloses no one. A total below k hides its
whole row. The functions are pure: they take counts and return what to hide.

Which selections of a round may be shown (``allowed``) is decided here too, so that this one
module holds every rule that hides a number. The whole round is cut into *cells*: unit (the
unit's own answers) × channel × the filter question's answer. Whether a selection is shown
depends on those cells for the whole round, never on who is looking, so two people can not
combine what they see:

- the selection must hold 0 or at least k answers;
- each of its parts alone must survive row suppression (above): the unit within the
  unit tree, the channel among channels, the answer among the question's answers (with "no
  answer" as one of them), so that no hidden group follows from a total minus its siblings;
- two or more filters together are shown only when every non-empty cell of the round (unit ×
  channel, and × answer with an answer filter) has at least k answers, so no hidden group
  follows from combining filters either; this holds for an empty crossing too, since a shown
  zero is also something to subtract.

The same test runs per question with the number who answered that question, so a question few
people answered (a follow-up question, say) is hidden on its own. Within a group that is shown,
the spread of answers is shown (that is what a result is).

Numbers per unit (``unit_rows``) and per channel (``channel_row``) are held back by the same
tree and row suppression.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from feedback.questionnaire.registry import question_type
from feedback.results.selection import Selection, Units

if TYPE_CHECKING:
    from feedback.models import Question

K = TypeVar("K", bound=Hashable)

#: The key for a unit's own answers (those given to the unit itself, not a unit below it).
OWN = "__own__"


def shown_total(total: int, k: int) -> int | None:
    """A total as any reader may see it: none or at least k, else held back."""
    return total if total == 0 or total >= k else None


def open_ends(numbers: Mapping[int, int], k: int) -> tuple[int, int] | None:
    """The range to bin typed numbers (or months) over: from the k-th smallest answer to the
    k-th largest, the answers beyond them counted in the open first and last bins; ``None``
    when fewer than 2k answers leave no such range."""
    if k < 1 or sum(numbers.values()) < 2 * k:
        return None
    low = _kth(sorted(numbers.items()), k)
    high = _kth(sorted(numbers.items(), reverse=True), k)
    return (low, high) if low < high else None


def _kth(counts: list[tuple[int, int]], k: int) -> int:
    """The k-th answer in this order of (number, how many gave it): counted, not expanded, as
    a round may hold many thousand answers."""
    seen = 0
    for number, count in counts:
        seen += count
        if seen >= k:
            return number
    raise ValueError("fewer than k answers")


def _smallest_visible(counts: Mapping[K, int], hidden: set[K]) -> K | None:
    candidates = [(n, repr(key), key) for key, n in counts.items() if key not in hidden and n > 0]
    return min(candidates)[2] if candidates else None


def complete(
    counts: Mapping[K, int], hidden: set[K], k: int, weight: Mapping[K, int] | None = None
) -> set[K]:
    """Hide more cells of a row whose total is shown until the hidden ones are safe: none, or
    two or more holding at least k together (counted by ``weight`` when given)."""
    weight = weight if weight is not None else counts
    hidden = set(hidden)
    while hidden and (len(hidden) < 2 or sum(weight[key] for key in hidden) < k):
        extra = _smallest_visible(counts, hidden)
        if extra is None:
            break
        hidden.add(extra)
    return hidden


def suppress_row(counts: Mapping[K, int], k: int) -> tuple[set[K], bool]:
    """What to hide in a row of groups and its total: (hidden keys, whether the total is hidden).

    A total below k hides the whole row (every non-empty group is below k then too).
    """
    total = sum(counts.values())
    if 0 < total < k:
        return {key for key, n in counts.items() if n > 0}, True
    primary = {key for key, n in counts.items() if 0 < n < k}
    return complete(counts, primary, k), False


@dataclass(frozen=True)
class TreeResult:
    """Which units' numbers (each including the units below) and own answers are hidden."""

    hidden_units: frozenset[Hashable]
    #: Units whose own answers (not those of the units below) are hidden.
    hidden_own: frozenset[Hashable]
    #: The grand total is hidden too (held-back units hold all that could be shown).
    total_hidden: bool = False


def suppress_tree(
    own: Mapping[K, int], parent: Mapping[K, K | None], k: int, held: Collection[K] = ()
) -> TreeResult:
    """Suppression for a tree of units, where each unit shows its own answers plus those of
    every unit below it. ``own`` holds each unit's own answers, ``parent`` each unit's parent
    (None at the top); the top-level units form one row under the grand total. ``held``: units
    held back for padding (see the module)."""
    numbers: set[K] = set()
    while True:
        result, unsafe = _suppress_tree(own, parent, k, set(held), numbers)
        if not unsafe:
            return result
        more = {unit for unit in unsafe if unit is not None} - numbers
        if None in unsafe or not more:
            return TreeResult(
                frozenset(unit for unit in own if _subtotal(unit, own, parent) > 0),
                frozenset(unit for unit, n in own.items() if n > 0),
                total_hidden=True,
            )
        # A row that held-back answers make unsafe: the number above it is held back too.
        numbers |= more


def _subtotal(unit: K, own: Mapping[K, int], parent: Mapping[K, K | None]) -> int:
    total = 0
    for other, n in own.items():
        above: K | None = other
        while above is not None and above != unit:
            above = parent.get(above)
        total += n if above == unit else 0
    return total


def _suppress_tree(
    own: Mapping[K, int], parent: Mapping[K, K | None], k: int, held: set[K], numbers: set[K]
) -> tuple[TreeResult, set[K | None]]:
    """One pass of suppress_tree: the result, and the units (None: the top) whose rows the
    held-back answers make unsafe. ``numbers``: units whose whole number is held back (an
    unsafe row below them)."""
    children: dict[K | None, list[K]] = {}
    for unit in own:
        children.setdefault(parent.get(unit), []).append(unit)
    subtotal: dict[K, int] = {}

    def add_up(unit: K) -> int:
        subtotal[unit] = own[unit] + sum(add_up(child) for child in children.get(unit, []))
        return subtotal[unit]

    for top in children.get(None, []):
        add_up(top)

    hidden_units: set[Hashable] = set()
    hidden_own: set[Hashable] = set()
    unsafe: set[K | None] = set()

    def row_of(unit: K | None) -> dict[Hashable, int]:
        row: dict[Hashable, int] = {child: subtotal[child] for child in children.get(unit, [])}
        if unit is not None:
            row[OWN] = own[unit]
        return row

    def visit(unit: K | None, unit_hidden: bool) -> None:
        row = row_of(unit)
        if not row:
            return
        # A held-back unit's own answers, and the number of a held-back unit below that has
        # no units below it (its number is its own answers). A held-back unit with units below
        # keeps its number: its own answers are held back in its own row, with a part of k or
        # more real answers beside them, so that number minus the rest is never them alone
        # (holding its number would hide the whole round when it is the top unit).
        held_keys = {
            key
            for key, n in row.items()
            if n > 0
            and (
                key in numbers
                or (key in held and not children.get(key))
                or (key == OWN and unit in held)
            )
        }
        if unit_hidden:
            # The unit's number is hidden: it must not follow from its parts either, so the
            # row keeps at least two hidden parts (or all of them), holding k or more together.
            hidden = {key for key, n in row.items() if 0 < n < k} | held_keys
            hidden = _at_least_two(row, hidden, k)
        else:
            hidden, total_hidden = suppress_row(row, k)
            if held_keys and not total_hidden:
                weight = {key: 0 if key in held_keys else n for key, n in row.items()}
                hidden = complete(row, hidden | held_keys, k, weight)
                if len(hidden) < 2 or sum(weight[key] for key in hidden) < k:
                    unsafe.add(unit)
        for key in hidden:
            if key == OWN:
                hidden_own.add(unit)
            else:
                hidden_units.add(key)
        for child in children.get(unit, []):
            visit(child, child in hidden_units)

    visit(None, False)
    return TreeResult(frozenset(hidden_units), frozenset(hidden_own)), unsafe


def _at_least_two(row: Mapping[Hashable, int], hidden: set[Hashable], k: int) -> set[Hashable]:
    """For the row below a hidden number: two or more hidden parts, or every non-empty part."""
    non_empty = [key for key, n in row.items() if n > 0]
    hidden = set(hidden)
    while len(hidden) < min(2, len(non_empty)):
        extra = _smallest_visible(row, hidden)
        if extra is None:
            break
        hidden.add(extra)
    return hidden


# --- which selections of a round may be shown ---------------------------------------------------

#: Cell of a respondent with no answer to the filter question.
NO_ANSWER = ""
#: Cells of a multiple-choice filter: chose the value, or did not.
CHOSE, DID_NOT_CHOOSE = "1", "0"

Cell = tuple[int, str, str | None]  # (unit_key, channel, filter cell)


def _filter_cell(selection: Selection, question: Question | None) -> str | None:
    if selection.question_id is None or question is None:
        return None
    if question_type(question).several:
        return CHOSE
    return selection.value


def allowed(
    cells: Mapping[Cell, int],
    selection: Selection,
    units: Units,
    k: int,
    filter_question: Question | None = None,
    held: frozenset[int] = frozenset(),
) -> bool:
    """Whether a selection may be shown, judged from the whole round's cells (see module).
    ``held``: units held back for padding (padding.held_units), hidden in the unit tree."""
    return Judge(cells, units, k, filter_question, held).allowed(selection)


class Judge:
    """``allowed`` for any number of selections over the same cells: what row and tree
    suppression hide is worked out once, the first time a selection needs it."""

    def __init__(
        self,
        cells: Mapping[Cell, int],
        units: Units,
        k: int,
        filter_question: Question | None = None,
        held: frozenset[int] = frozenset(),
    ) -> None:
        self.cells = cells
        self.units = units
        self.k = k
        self.filter_question = filter_question
        self.held = held
        self.total = sum(cells.values())
        self._tree: TreeResult | None = None
        self._rows: dict[int, tuple[set[str | None], bool]] = {}
        self._small_cell = any(0 < count < k for count in cells.values())

    def tree(self) -> TreeResult:
        """The unit tree's suppression (each unit's own answers), with the held units."""
        if self._tree is None:
            self._tree = _unit_tree(self.cells, self.units, self.k, self.held)
        return self._tree

    def row(self, index: int) -> tuple[set[str | None], bool]:
        """What row suppression hides among channels (index 1) or filter answers (index 2)."""
        if index not in self._rows:
            row: dict[str | None, int] = defaultdict(int)
            for cell, count in self.cells.items():
                row[cell[index]] += count  # type: ignore[index]
            self._rows[index] = suppress_row(row, self.k)
        return self._rows[index]

    def allowed(self, selection: Selection) -> bool:
        k = self.k
        if self.total == 0:
            return True  # nothing to show, and "nobody answered" discloses no one
        if self.total < k:
            return False
        if self.held and self.tree().total_hidden:
            return False
        n = selected(self.cells, selection, self.units, self.filter_question)
        filters = selection.filters
        # An empty crossing of two filters goes through the checks below like any other:
        # "nobody at Tunet chose B" with "3 chose B" puts all three at the other unit, and
        # that unit's number minus 3 is then a group that may be small.
        if n == 0 and len(filters) < 2:
            return True
        if 0 < n < k:
            return False
        if "unit" in filters and selection.unit_id in self.tree().hidden_units:
            return False
        wanted_cell = _filter_cell(selection, self.filter_question)
        for name, index, wanted in (
            ("channel", 1, selection.channel),
            ("answer", 2, wanted_cell),
        ):
            if name in filters:
                hidden, total_hidden = self.row(index)
                if total_hidden or wanted in hidden:
                    return False
        # Two or more filters: every cell of the round must hold 0 or k, not only the crossing
        # of the filters chosen: with an answer filter the visible "unit × answer" and
        # "channel × answer" numbers together (and a shown zero) can give away a small
        # "unit × channel × answer" cell.
        return len(filters) < 2 or not self._small_cell


def _unit_tree(cells: Mapping[Cell, int], units: Units, k: int, held: frozenset[int]) -> TreeResult:
    """The unit tree's suppression for a round's cells (each unit's own answers)."""
    own: dict[int, int] = defaultdict(int)
    for (unit_key, _c, _a), count in cells.items():
        own[unit_key] += count
    for unit in units.order:
        own.setdefault(unit, 0)
    parent = {u: units.parent.get(u) for u in own}
    return suppress_tree(own, parent, k, held)


def selected(
    cells: Mapping[Cell, int], selection: Selection, units: Units, question: Question | None
) -> int:
    wanted_units = units.subtree(selection.unit_id) if selection.unit_id is not None else None
    wanted_cell = _filter_cell(selection, question)
    return sum(
        n
        for (unit_key, channel, cell), n in cells.items()
        if (wanted_units is None or unit_key in wanted_units)
        and (selection.channel is None or channel == selection.channel)
        and (wanted_cell is None or cell == wanted_cell)
    )


# --- responses per unit and channel ------------------------------------------------------------


@dataclass
class UnitRow:
    unit_id: int
    name: str
    depth: int
    #: None when held back.
    n: int | None
    #: Held back for padding (the unit itself, not one hidden around it).
    held: bool = False


def tree_of(own: Mapping[int, int], units: Units) -> tuple[dict[int, int], dict[int, int | None]]:
    """Every unit's own count (0 where none) and its parent, for suppress_tree."""
    counts: dict[int, int] = defaultdict(int, own)
    for unit in units.order:
        counts.setdefault(unit, 0)
    return counts, {u: units.parent.get(u) for u in counts}


def unit_rows(
    own: Mapping[int, int], units: Units, k: int, held: frozenset[int] = frozenset()
) -> list[UnitRow]:
    """Each unit's number (with the units below it) from each unit's own answers (``NO_UNIT``
    for none given), held back by tree suppression, with ``held`` units held back for
    padding."""
    counts, parent = tree_of(own, units)
    hidden = suppress_tree(counts, parent, k, held).hidden_units
    rows = []
    for unit in units.order:
        n = sum(counts[u] for u in units.subtree(unit))
        shown = None if unit in hidden else n
        rows.append(UnitRow(unit, units.names[unit], units.depth[unit], shown, unit in held))
    return rows


def channel_row(row: Mapping[str, int], k: int) -> list[tuple[str, int | None]]:
    """Responses per channel, held back by row suppression."""
    hidden, total_hidden = suppress_row(row, k)
    return [
        (channel, None if total_hidden or channel in hidden else n)
        for channel, n in sorted(row.items())
    ]
