"""Raw responses for the quality group, in two files that can not be joined (docs/design.md rule 3).

*Closed answers* (``svar.csv``/``.xlsx``): one row per response, with its unit and way of
answering coarsened per row so that no group in the file is small:

- a unit is shown as the nearest unit at or above it that the results show (tree suppression
  over the whole round, so the file names no unit the results page hides); then, while a unit
  named in the file has 1 to k-1 rows, its rows move on up the tree, and at the top to "not
  shown"; if "not shown" then holds 1 to k-1 rows, the smallest unit named joins it;
- a way of answering is shown if the results show it (row suppression among channels), and
  only if every combination of shown unit and shown channel in the file (with "not shown" as
  one of each) holds 0 or at least k rows; otherwise no row shows its channel at all, since
  hiding only the small combinations would let them follow from the channel totals.

*Free text* (``fritekst.csv``/``.xlsx``): question and text only, no unit, channel or id.

The two files are for the whole round only: a file per unit or channel would hold the same rows
with other labels, and setting two files side by side would undo the coarsening. Rows of both
are in stable random orders made with different keys (``texts.order_key``), so the n-th text is
not the n-th response. The functions that read responses and answers are ``_responses``,
``_answers`` and ``_texts``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from feedback.extensions import db
from feedback.i18n import localized
from feedback.models import Answer, Question, Response, SurveyRound
from feedback.models.results import NO_UNIT
from feedback.models.survey import DONT_KNOW
from feedback.questionnaire import runtime
from feedback.questionnaire.registry import free_text_kinds, question_type
from feedback.results.counting import counted
from feedback.results.selection import Units
from feedback.results.suppression import suppress_row, suppress_tree
from feedback.results.texts import order_key
from feedback.vocabulary import CHANNEL_LABELS

#: Responses whose answers are read from the database at a time.
CHUNK = 1000


@dataclass(frozen=True)
class Coarse:
    """How the file names each unit and channel of the round."""

    #: Unit key (a unit id or NO_UNIT) -> the key shown for it, or None: not shown.
    unit: dict[int, int | None]
    #: Channels shown; every other one is "not shown".
    channels: frozenset[str]


def coarsen(cells: Mapping[tuple[int, str], int], units: Units, k: int) -> Coarse:
    """The coarsening of a file holding the rows counted in ``cells`` (unit key, channel)."""
    own: dict[int, int] = defaultdict(int)
    for (key, _channel), n in cells.items():
        own[key] += n
    for unit in units.order:
        own.setdefault(unit, 0)
    parent: dict[int, int | None] = {u: units.parent.get(u) for u in own}
    hidden = suppress_tree(own, parent, k).hidden_units

    def shown_at_or_above(unit: int | None) -> int | None:
        while unit is not None and unit in hidden:
            unit = parent.get(unit)
        return unit

    label = {unit: shown_at_or_above(unit) for unit in own}
    while True:
        size: dict[int | None, int] = defaultdict(int)
        for unit, n in own.items():
            size[label[unit]] += n
        small = {shown for shown, n in size.items() if shown is not None and 0 < n < k}
        if small:
            for unit in own:
                if label[unit] in small:
                    label[unit] = shown_at_or_above(parent.get(label[unit]))  # type: ignore[arg-type]
            continue
        named = [(n, repr(shown), shown) for shown, n in size.items() if shown is not None and n]
        if 0 < size[None] < k and named:
            smallest = min(named)[2]
            for unit in own:
                if label[unit] == smallest:
                    label[unit] = None
            continue
        break

    per_channel: dict[str, int] = defaultdict(int)
    for (_key, channel), n in cells.items():
        per_channel[channel] += n
    hidden_channels, all_hidden = suppress_row(per_channel, k)
    channels = {c for c in per_channel if not all_hidden and c not in hidden_channels}
    combined: dict[tuple[int | None, str | None], int] = defaultdict(int)
    for (key, channel), n in cells.items():
        combined[(label[key], channel if channel in channels else None)] += n
    if any(0 < n < k for n in combined.values()):
        channels = set()
    return Coarse(label, frozenset(channels))


# --- reading --------------------------------------------------------------------------------


def _responses(round_: SurveyRound) -> list[tuple[str, int | None, str]]:
    """(id, unit id, channel) of every published response of the round (the snapshot readers
    see, feedback.results.publish)."""
    return [
        (str(rid), unit_id, str(channel))
        for rid, unit_id, channel in db.session.execute(
            sa.select(Response.id, Response.unit_id, Response.channel).where(counted(round_))
        )
    ]


def _answers(ids: list[str], question_ids: list[int]) -> Iterator[tuple[str, int, str, int | None]]:
    """(response id, question id, value, number) of these responses' answers."""
    for rid, question_id, value, number in db.session.execute(
        sa.select(Answer.response_id, Answer.question_id, Answer.value, Answer.number)
        .where(Answer.response_id.in_(ids), Answer.question_id.in_(question_ids))
        .order_by(Answer.response_id, Answer.question_id, Answer.position)
    ):
        yield str(rid), int(question_id), str(value), number


def _texts(round_: SurveyRound) -> list[tuple[str, int, int, str]]:
    """(response id, question id, position, text) of every written answer of the round's
    published responses."""
    return [
        (str(rid), int(qid), int(position), str(value))
        for rid, qid, position, value in db.session.execute(
            sa.select(Answer.response_id, Answer.question_id, Answer.position, Answer.value)
            .join(Response, Response.id == Answer.response_id)
            .join(Question, Question.id == Answer.question_id)
            .where(
                counted(round_),
                Question.kind.in_(free_text_kinds()),
                Answer.value != DONT_KNOW,
            )
        )
    ]


# --- the files ------------------------------------------------------------------------------


def closed_questions(round_: SurveyRound) -> list[Question]:
    return [q for q in round_.questions if not question_type(q).free_text]


def _answer_reader(question: Question, language: str) -> Callable[[str, int | None], object]:
    """How one question's stored answer reads in the file: the label of an option (not its
    code), the number of a scale or number question."""
    words = dict(runtime.choices(question, language))
    words[DONT_KNOW] = str(runtime.DONT_KNOW_LABEL)
    labelled = question_type(question).labelled

    def read(value: str, number: int | None) -> object:
        if labelled or value == DONT_KNOW:
            return words.get(value, value)
        return number if number is not None else value

    return read


def closed_rows(round_: SurveyRound, units: Units, k: int, language: str) -> Iterator[list[object]]:
    """One row per response: unit and way of answering (coarsened), then each closed question's
    answer as people read it (labels, several joined with ", ")."""
    questions = closed_questions(round_)
    column = {q.id: i for i, q in enumerate(questions)}
    readers = [_answer_reader(q, language) for q in questions]
    responses = _responses(round_)
    cells: dict[tuple[int, str], int] = defaultdict(int)
    for _id, unit_id, channel in responses:
        cells[(unit_id if unit_id is not None else NO_UNIT, channel)] += 1
    coarse = coarsen(cells, units, k)
    not_shown = _("not shown")
    unit_names = {**units.names, NO_UNIT: _("No unit given")}
    responses.sort(key=lambda r: order_key("response", round_.id, r[0]))
    for start in range(0, len(responses), CHUNK):
        chunk = responses[start : start + CHUNK]
        given: dict[str, list[list[object]]] = {rid: [[] for _q in questions] for rid, *_ in chunk}
        for rid, question_id, value, number in _answers([r[0] for r in chunk], list(column)):
            i = column[question_id]
            given[rid][i].append(readers[i](value, number))
        for rid, unit_id, channel in chunk:
            shown_unit = coarse.unit[unit_id if unit_id is not None else NO_UNIT]
            row: list[object] = [
                unit_names.get(shown_unit, not_shown) if shown_unit is not None else not_shown,
                str(CHANNEL_LABELS.get(channel, channel))
                if channel in coarse.channels
                else not_shown,
            ]
            for values in given[rid]:
                if not values:
                    row.append(None)
                elif len(values) == 1:
                    row.append(values[0])
                else:
                    row.append(", ".join(str(v) for v in values))
            yield row


def text_rows(round_: SurveyRound) -> list[list[object]]:
    """Every written answer: question and text, ordered by question and then at random."""
    numbers = runtime.numbering(round_)
    questions = {q.id: q for q in round_.questions}
    found = _texts(round_)
    found.sort(key=lambda t: (numbers.get(t[1], 0), order_key("export text", round_.id, *t[:3])))
    return [
        [f"{numbers.get(qid, 0)}. {localized(questions[qid].text)}", text]
        for _rid, qid, _position, text in found
    ]
