"""Running a round: access codes in batches, "answers only with codes" per unit, and the live
fieldwork count (responses so far per unit and channel, held back as results are).

What a reader sees of the count depends on who they are (docs/design.md rule 3):

- the quality group reads raw data anyway, and sees every count of the round;
- a manager sees the round's total and its channels, and the units they lead (with the units
  below), with the results' suppression: tree suppression for units, row suppression for
  channels, and unit × channel only when every non-empty cell of the round (a unit's own
  answers × channel) has at least k responses, as ``suppression.allowed`` asks of two filters;
- anyone else who may open the round (an administrator) sees the total only, and only when
  it is 0 or at least k.

The page and its JSON feed are both made from ``fieldwork()``, so the feed holds nothing the
page does not show.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa

from feedback.designer import services as designer
from feedback.extensions import db
from feedback.models import AccessCode, ResponseTally, SurveyRound, Unit, User
from feedback.models.results import NO_UNIT
from feedback.models.survey import CHANNELS, random_token
from feedback.respond.services import CODE_LENGTH, organisation_of, units_to_choose
from feedback.results import padding
from feedback.results.readers import ResultsScope
from feedback.results.selection import units_of
from feedback.results.suppression import channel_row, shown_total, unit_rows

# --- access codes ------------------------------------------------------------------------------


def make_codes(round_: SurveyRound, count: int, unit: Unit | None) -> int:
    """Make ``count`` new codes as one batch; returns the batch number."""
    batch = (
        db.session.scalar(
            sa.select(sa.func.max(AccessCode.batch)).where(AccessCode.round_id == round_.id)
        )
        or 0
    ) + 1
    made: set[str] = set()
    while len(made) < count:
        code = random_token(CODE_LENGTH)
        if code not in made and db.session.get(AccessCode, code) is None:
            made.add(code)
    # Sorted, so the stored order says nothing about the order in which they were made.
    for code in sorted(made):
        db.session.add(AccessCode(code=code, round_id=round_.id, batch=batch, unit=unit))
    db.session.flush()
    return batch


def code_batches(round_: SurveyRound) -> list[tuple[int, Unit | None, int, int | None]]:
    """(batch, unit, codes, used) per batch. How many codes of a batch were used is shown only
    for a batch of at least k codes (None for a smaller one): "1 of 2 used" would tell whoever
    handed out the two codes that one of those two people answered (docs/design.md rule 3)."""
    k = organisation_of(round_).min_group_size
    rows = db.session.execute(
        sa.select(
            AccessCode.batch,
            AccessCode.unit_id,
            sa.func.count(),
            sa.func.sum(sa.case((AccessCode.used.is_(True), 1), else_=0)),
        )
        .where(AccessCode.round_id == round_.id)
        .group_by(AccessCode.batch, AccessCode.unit_id)
        .order_by(AccessCode.batch)
    ).all()
    return [
        (
            batch,
            db.session.get(Unit, unit_id) if unit_id else None,
            count,
            int(used or 0) if count >= k else None,
        )
        for batch, unit_id, count, used in rows
    ]


def batch_codes(round_: SurveyRound, batch: int) -> list[AccessCode]:
    return list(
        db.session.scalars(
            sa.select(AccessCode)
            .where(AccessCode.round_id == round_.id, AccessCode.batch == batch)
            .order_by(AccessCode.code)
        )
    )


def set_codes_only(round_: SurveyRound, unit: Unit, on: bool, actor: User | None) -> bool:
    """Take answers about a unit only with access codes made for it (or by link again); for
    every round, since it is the unit's setting. Logged on the round it was set from. Returns
    whether anything changed."""
    if unit.codes_only == on:
        return False
    unit.codes_only = on
    designer.log_round(round_, actor, "round.codes_only", unit=unit.name, codes_only=on)
    db.session.flush()
    return True


# --- the fieldwork count -----------------------------------------------------------------------

#: What a reader sees: every count, the units they lead, or the total only.
View = Literal["everything", "units", "total"]


@dataclass
class Row:
    #: The unit's name; None for responses that named no unit.
    unit: str | None
    #: Depth in the unit tree (0 in the quality group's flat list).
    depth: int
    #: Responses per channel; empty when unit × channel is not shown to this reader.
    cells: dict[str, int]
    #: None: too few to show.
    total: int | None


@dataclass
class Fieldwork:
    view: View
    k: int
    #: None: too few to show.
    total: int | None
    #: The channels, each with its count or None when held back; empty for the total only.
    by_channel: dict[str, int | None] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    #: Whether the rows carry counts per channel.
    cells_shown: bool = False

    @property
    def channels(self) -> list[str]:
        return list(self.by_channel)


def round_cells(round_: SurveyRound) -> dict[tuple[int, str], int]:
    """Published responses per (unit key, channel) of the round: the results' snapshot
    (feedback.results.publish), so the counts differ over time only as the results do."""
    return {
        (int(key), str(channel)): int(n)
        for key, channel, n in db.session.execute(
            sa.select(ResponseTally.unit_key, ResponseTally.channel, ResponseTally.n).where(
                ResponseTally.round_id == round_.id
            )
        )
    }


def fieldwork(round_: SurveyRound, scope: ResultsScope | None) -> Fieldwork:
    """What a reader with this results scope (None: no results role) sees of the count."""
    k = organisation_of(round_).min_group_size
    cells = round_cells(round_)
    total = sum(cells.values())
    if scope is None:
        return Fieldwork("total", k, shown_total(total, k))
    if scope.everything:
        return _everything(round_, cells, k)
    return _for_manager(round_, scope, cells, k)


def _by_channel(cells: dict[tuple[int, str], int]) -> dict[str, int]:
    row = dict.fromkeys(CHANNELS, 0)
    for (_unit, channel), n in cells.items():
        row[channel] = row.get(channel, 0) + n
    return row


def _everything(round_: SurveyRound, cells: dict[tuple[int, str], int], k: int) -> Fieldwork:
    table: dict[int, dict[str, int]] = defaultdict(dict)
    for (key, channel), n in cells.items():
        table[key][channel] = n
    # Every unit of the organisation, also inactive ones that got answers earlier.
    names = {u.id: u.name for u in organisation_of(round_).units}
    for unit in units_to_choose(round_):
        table.setdefault(unit.id, {})
    rows = sorted(
        (
            Row(
                names.get(key) if key != NO_UNIT else None,
                0,
                {c: row.get(c, 0) for c in CHANNELS},
                sum(row.values()),
            )
            for key, row in table.items()
        ),
        key=lambda row: (row.unit is None, row.unit or ""),
    )
    by_channel: dict[str, int | None] = dict(_by_channel(cells))
    return Fieldwork("everything", k, sum(cells.values()), by_channel, rows, cells_shown=True)


def _for_manager(
    round_: SurveyRound, scope: ResultsScope, cells: dict[tuple[int, str], int], k: int
) -> Fieldwork:
    units = units_of(scope.organisation)
    own: dict[int, int] = defaultdict(int)
    for (key, _channel), n in cells.items():
        own[key] += n
    # Unit × channel only when no non-empty cell of the round is small: then nothing shown
    # can be subtracted down to a small group (suppression.allowed asks the same of two filters).
    held = padding.held_units(round_)
    cells_shown = not held and not any(0 < n < k for n in cells.values())
    rows = []
    for unit_row in unit_rows(own, units, k, held):
        if unit_row.unit_id not in scope.unit_ids:
            continue
        row_cells: dict[str, int] = {}
        if cells_shown:
            below = units.subtree(unit_row.unit_id)
            row_cells = dict.fromkeys(CHANNELS, 0)
            for (key, channel), n in cells.items():
                if key in below:
                    row_cells[channel] += n
        rows.append(Row(unit_row.name, unit_row.depth, row_cells, unit_row.n))
    by_channel = dict(channel_row(_by_channel(cells), k))
    return Fieldwork(
        "units",
        k,
        shown_total(sum(cells.values()), k),
        {c: by_channel[c] for c in CHANNELS},
        rows,
        cells_shown,
    )


def as_json(work: Fieldwork) -> dict[str, Any]:
    """The feed: exactly what the page shows (None where the page says "too few")."""
    return {
        "k": work.k,
        "total": work.total,
        "by_channel": work.by_channel,
        "rows": [
            {
                "unit": row.unit,
                "counts": row.cells if work.cells_shown else None,
                "total": row.total,
            }
            for row in work.rows
        ],
    }
