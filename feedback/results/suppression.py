"""Small-group suppression (DESIGN.md rule 3): no count below k is shown, and none can be
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

Zero is shown as zero: "nobody answered here" discloses no one. A total below k hides its
whole row. The functions are pure: they take counts and return what to hide.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

#: The key for a unit's own answers (those given to the unit itself, not a unit below it).
OWN = "__own__"


def shown_total(total: int, k: int) -> int | None:
    """A total as any reader may see it: none or at least k, else held back."""
    return total if total == 0 or total >= k else None


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
        extra = _smallest_visible(row, hidden)  # type: ignore[arg-type]
        if extra is None:
            break
        hidden.add(extra)
    return hidden
