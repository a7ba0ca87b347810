"""What the API answers, as plain JSON-ready data built from the domain's results.

Numbers about respondents come only from ``feedback.results.aggregate`` (held back there where
groups are small); a hidden group is answered without a single number about it. Free-text
answers are never part of the API.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from feedback.admin.services import unit_tree
from feedback.deviations.categories import categories
from feedback.deviations.scope import Scope
from feedback.deviations.stats import Statistics
from feedback.i18n import SUPPORTED_LOCALES
from feedback.models import Question, SurveyRound, Unit
from feedback.models.deviation import DEVIATION_STATUSES, SEVERITIES
from feedback.questionnaire import runtime
from feedback.questionnaire.registry import question_type
from feedback.results.aggregate import Mean, QuestionResult, RoundResults
from feedback.results.selection import Selection

Json = dict[str, Any]
#: Why a group is not shown: fewer than k answers, or a number that would give one away.
TOO_FEW = "too_few"


def local_text(text: Mapping[str, str] | None) -> Json:
    """A text in every language: bokmål always (it is required), the others or null."""
    text = text or {}
    return {lang: text.get(lang) or ("" if lang == "nb" else None) for lang in SUPPORTED_LOCALES}


def _number(value: float) -> float | None:
    return round(value, 4) if math.isfinite(value) else None


def option_labels(question: Question) -> list[tuple[str, Json]]:
    """The fixed answers of a question (none for text and number questions), labelled in
    every language."""
    return [(v, local_text(labels)) for v, labels in question_type(question).label_texts(question)]


# --- rounds ------------------------------------------------------------------------------------


def round_summary(round_: SurveyRound, responses: int, k: int) -> Json:
    return {
        "id": round_.id,
        "series_id": round_.series_id,
        "number": round_.number,
        "title": local_text(round_.title),
        "status": round_.status,
        "opens_on": round_.opens_on.isoformat() if round_.opens_on else None,
        "closes_on": round_.closes_on.isoformat() if round_.closes_on else None,
        "results_published_on": (
            round_.results_published_on.isoformat() if round_.results_published_on else None
        ),
        # As on the results pages: a round's total is shown when none or at least k answered.
        "responses": responses if responses == 0 or responses >= k else None,
    }


def rounds(found: Sequence[SurveyRound], totals: Mapping[int, int], k: int) -> Json:
    return {"rounds": [round_summary(r, totals.get(r.id, 0), k) for r in found]}


def round_detail(round_: SurveyRound, responses: int, k: int) -> Json:
    numbers = runtime.numbering(round_)
    return {
        **round_summary(round_, responses, k),
        "questions": [
            {
                "id": q.id,
                "key": q.key,
                "number": numbers.get(q.id, 0),
                "kind": q.kind,
                "text": local_text(q.text),
                "dont_know": q.dont_know,
                "options": [{"value": v, "label": label} for v, label in option_labels(q)],
            }
            for q in round_.questions
        ],
    }


# --- results -----------------------------------------------------------------------------------


def _selection(selection: Selection) -> Json:
    return {
        "unit": selection.unit_id,
        "channel": selection.channel,
        "question": selection.question_id,
        "value": selection.value,
    }


def _mean(mean: Mean | None) -> Json | None:
    if mean is None:
        return None
    return {
        "value": _number(mean.value),
        "low": _number(mean.low),
        "high": _number(mean.high),
        "n": mean.n,
    }


def question_result(result: QuestionResult) -> Json:
    question = result.question
    head: Json = {
        "question": question.id,
        "key": question.key,
        "number": result.number,
        "kind": question.kind,
    }
    if not result.shown:
        return {**head, "shown": False, "reason": TOO_FEW}
    labels = dict(option_labels(question))
    answers = [
        {
            "value": bar.value,
            "label": labels.get(bar.value)
            or local_text(question_type(question).value_labels(bar.value)),
            "count": bar.count,
            "share": _number(bar.share),
        }
        for bar in result.bars
    ]
    return {
        **head,
        "shown": True,
        "n": result.n,
        "valid": result.valid,
        "dont_know": result.dont_know,
        # Free text is counted, never given out.
        "answers": [] if result.is_text else answers,
        "mean": _mean(result.mean),
    }


def results(found: RoundResults) -> Json:
    published_on = found.round.results_published_on
    head: Json = {
        "round": found.round.id,
        "selection": _selection(found.selection),
        "results_published_on": published_on.isoformat() if published_on else None,
    }
    if not found.shown:
        return {**head, "shown": False, "reason": TOO_FEW}
    return {
        **head,
        "shown": True,
        "k": found.k,
        "responses": found.n,
        "questions": [question_result(q) for q in found.questions],
    }


# --- units and deviation statistics ------------------------------------------------------------


def units(tree: Sequence[tuple[Unit, int]]) -> Json:
    return {
        "units": [
            {
                "id": u.id,
                "name": u.name,
                "parent_id": u.parent_id,
                "kind": u.kind,
                "active": u.active,
            }
            for u, _depth in tree
        ]
    }


def deviation_statistics(scope: Scope, numbers: Statistics, first: date, last: date) -> Json:
    """The numbers of the statistics page, each chart as a list of rows."""
    organisation = scope.organisation
    # Units taken out of use still count for the reports they got.
    by_unit = [
        {"unit": unit.id, "name": unit.name, "count": numbers.by_unit[unit.id]}
        for unit, _depth in unit_tree(organisation)
        if (scope.everything or unit.id in scope.unit_ids)
        and (unit.active or numbers.by_unit[unit.id])
    ]
    if scope.everything:
        by_unit.append({"unit": None, "name": None, "count": numbers.by_unit[None]})
    median = numbers.median_days_to_close
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "total": numbers.total,
        "closed": numbers.closed,
        "median_days_to_close": float(median) if median is not None else None,
        "by_month": [
            {"month": month.strftime("%Y-%m"), "count": n} for month, n in numbers.by_month
        ],
        "by_category": [
            {"category": c.id, "name": local_text(c.names), "count": numbers.by_category[c.id]}
            for c in categories(organisation, active_only=False)
            if c.active or numbers.by_category[c.id]
        ],
        "by_unit": by_unit,
        "by_status": [
            {"status": status, "count": numbers.by_status[status]} for status in DEVIATION_STATUSES
        ],
        "by_severity": [
            {"severity": severity, "count": numbers.by_severity[severity]}
            for severity in (*SEVERITIES, None)
        ],
    }
