"""What part of a round's answers to count (a Selection), and the organisation's unit tree as
the results need it (Units)."""

from __future__ import annotations

from dataclasses import dataclass

from feedback.admin.services import unit_tree
from feedback.models import Organisation


@dataclass(frozen=True)
class Selection:
    """Which answers of a round to count. Empty: all of them."""

    unit_id: int | None = None
    channel: str | None = None
    question_id: int | None = None
    value: str | None = None

    @property
    def filters(self) -> tuple[str, ...]:
        """Which parts narrow the round: "unit", "channel", "answer"."""
        parts = []
        if self.unit_id is not None:
            parts.append("unit")
        if self.channel is not None:
            parts.append("channel")
        if self.question_id is not None and self.value is not None:
            parts.append("answer")
        return tuple(parts)

    def without_answer(self) -> Selection:
        return Selection(self.unit_id, self.channel)


@dataclass
class Units:
    """The organisation's unit tree, as the results need it."""

    names: dict[int, str]
    parent: dict[int, int | None]
    depth: dict[int, int]
    order: list[int]

    def subtree(self, unit_id: int) -> set[int]:
        chosen = {unit_id}
        for unit in self.order:  # depth-first: parents come before children
            if self.parent.get(unit) in chosen:
                chosen.add(unit)
        return chosen

    def children(self, unit_id: int | None) -> list[int]:
        return [u for u in self.order if self.parent.get(u) == unit_id]


def units_of(organisation: Organisation) -> Units:
    tree = unit_tree(organisation)
    return Units(
        names={u.id: u.name for u, _d in tree},
        parent={u.id: u.parent_id for u, _d in tree},
        depth={u.id: d for u, d in tree},
        order=[u.id for u, _d in tree],
    )
