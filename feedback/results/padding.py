"""Padding warnings (docs/design.md rule 3, docs/padding.md): signs that someone may have added
answers he knows to a unit, so that its few real answers could be worked out by subtraction.

Padding cannot be prevented in an anonymous system; it is made visible and harder. A unit is
warned about when

- *population*: it has more responses than the people it serves (``Unit.people_served``), or
- *spike*: one day brought it at least k − 1 more responses than its usual daily share (the
  mean per day over the round's other days so far; no spike on a round's first day, when
  there is nothing to compare with: the population warning covers that day). The issue suggested
  "more than k plus the usual share", but then k − 1 padding answers in one day, the smallest
  attack that lifts a unit with one real answer to k, would pass unseen; this threshold
  catches it.

A unit under a warning that the quality group has not marked as checked is *held back* in
results: the unit tree suppression (``suppression.suppress_tree``) treats it as hidden and hides
more around it, so its numbers cannot be derived from the others. A check holds for the count it
was made at: more responses later (on that day, for a spike) raise the warning again. A
population warning also goes away by itself when the count no longer exceeds people served
(the group corrected the number, say).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from feedback import audit
from feedback.extensions import db
from feedback.models import PaddingCheck, Response, SurveyRound, Unit, User
from feedback.models.base import NORWAY, today
from feedback.results import tally

POPULATION, SPIKE = "population", "spike"


class UnknownWarning(Exception):
    """No such warning for this round now (it went away, or the request was made up)."""


@dataclass(frozen=True)
class PaddingWarning:
    unit_id: int
    unit_name: str
    #: POPULATION or SPIKE.
    reason: str
    #: The day of a spike; None for population.
    day: date | None
    #: The unit's responses (that day, for a spike).
    responses: int
    #: People served (population), or the usual daily share (spike).
    expected: float
    #: The quality group has looked at it at this count: the unit is shown.
    checked: bool

    @property
    def key(self) -> str:
        """Names the warning in a form: "unit:reason:day"."""
        return f"{self.unit_id}:{self.reason}:{self.day.isoformat() if self.day else ''}"


def _unit_days(round_: SurveyRound) -> list[tuple[int, date, int]]:
    """Responses per unit and day, kept while the round's published total is the same: a
    results page asks for every unit it shows, and each view would otherwise read every
    published response of the round again."""
    key = ("padding days", round_.id, tally.published_total(db.session(), round_.id))
    return tally.kept(key, lambda: _count_unit_days(round_))


def _count_unit_days(round_: SurveyRound) -> list[tuple[int, date, int]]:
    """Published responses per unit and day (the snapshot readers see, so the warnings change
    only as the results do): the one query here that reads responses."""
    rows = db.session.execute(
        sa.select(Response.unit_id, Response.submitted_on, sa.func.count())
        .where(
            Response.round_id == round_.id,
            Response.published.is_(True),
            Response.unit_id.is_not(None),
        )
        .group_by(Response.unit_id, Response.submitted_on)
    ).all()
    return [(int(unit_id or 0), day, int(n)) for unit_id, day, n in rows]


def _days_so_far(round_: SurveyRound, days: set[date]) -> tuple[date, date]:
    """The round's first and last day so far: from its opening (or first answer) to today while
    it is open, else to its last answer or its closing."""
    starts = set(days)
    if round_.opened_at is not None:
        starts.add(round_.opened_at.astimezone(NORWAY).date())
    ends = set(days)
    if round_.status == "open":
        ends.add(today())
    elif round_.closed_at is not None:
        ends.add(round_.closed_at.astimezone(NORWAY).date())
    return min(starts), max(ends)


def _checked(round_: SurveyRound) -> dict[tuple[int, str, date | None], int]:
    """The highest count each warning was checked at."""
    found: dict[tuple[int, str, date | None], int] = {}
    for unit_id, reason, day, n in db.session.execute(
        sa.select(
            PaddingCheck.unit_id,
            PaddingCheck.reason,
            PaddingCheck.day,
            sa.func.max(PaddingCheck.responses),
        )
        .where(PaddingCheck.round_id == round_.id)
        .group_by(PaddingCheck.unit_id, PaddingCheck.reason, PaddingCheck.day)
    ):
        found[(unit_id, reason, day)] = int(n)
    return found


def warnings(round_: SurveyRound) -> list[PaddingWarning]:
    """Every padding warning of a round, checked or not, by unit name and day."""
    rows = _unit_days(round_)
    if not rows:
        return []
    k = round_.series.organisation.min_group_size
    per_unit: dict[int, dict[date, int]] = defaultdict(dict)
    for unit_id, day, n in rows:
        per_unit[unit_id][day] = n
    first, last = _days_so_far(round_, {day for _u, day, _n in rows})
    span = (last - first).days + 1
    units = {
        u.id: u for u in db.session.scalars(sa.select(Unit).where(Unit.id.in_(sorted(per_unit))))
    }
    checked = _checked(round_)
    found: list[PaddingWarning] = []

    def add(unit: Unit, reason: str, day: date | None, n: int, expected: float) -> None:
        done = checked.get((unit.id, reason, day), -1) >= n
        found.append(PaddingWarning(unit.id, unit.name, reason, day, n, expected, done))

    for unit_id, by_day in per_unit.items():
        unit = units[unit_id]
        total = sum(by_day.values())
        if unit.people_served is not None and total > unit.people_served:
            add(unit, POPULATION, None, total, unit.people_served)
        if span == 1:
            continue  # one day so far: no usual share to compare with
        for day, n in sorted(by_day.items()):
            usual = (total - n) / (span - 1)
            if n - usual >= k - 1:
                add(unit, SPIKE, day, n, usual)
    found.sort(key=lambda w: (w.unit_name, w.reason, w.day or date.min))
    return found


def held_units(round_: SurveyRound) -> frozenset[int]:
    """Units held back in results: under a warning the quality group has not checked."""
    return frozenset(w.unit_id for w in warnings(round_) if not w.checked)


def mark_checked(round_: SurveyRound, actor: User, key: str) -> PaddingWarning:
    """The quality group has looked at a warning (named by ``PaddingWarning.key``): record who
    and when at the count it has now, in the audit log too. Raises UnknownWarning."""
    found = next((w for w in warnings(round_) if w.key == key), None)
    if found is None:
        raise UnknownWarning(key)
    if not found.checked:
        db.session.add(
            PaddingCheck(
                round_id=round_.id,
                unit_id=found.unit_id,
                reason=found.reason,
                day=found.day,
                responses=found.responses,
                checked_by=actor,
            )
        )
        audit.record(
            round_.series.organisation,
            actor,
            "padding.checked",
            found.unit_name,
            target=f"survey_round:{round_.id}",
            unit_id=found.unit_id,
            reason=found.reason,
            day=found.day.isoformat() if found.day else None,
            responses=found.responses,
        )
        db.session.flush()
    return found


@dataclass(frozen=True)
class Suggestion:
    """A unit so small that the designer suggests taking its answers only with codes."""

    unit: Unit
    #: Below this many people served, codes-only is suggested (2k).
    below: int


def codes_only_suggestions(units: list[Unit], k: int) -> list[Suggestion]:
    """Units that serve fewer than 2k people (when known) and still take answers by link:
    with so few people, k − 1 padding answers is a large share of the unit."""
    return [
        Suggestion(unit, 2 * k)
        for unit in units
        if unit.people_served is not None and unit.people_served < 2 * k and not unit.codes_only
    ]
