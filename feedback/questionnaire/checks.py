"""What the document checks share: a problem, the limits, and the checks of a text in three
languages, a whole number and a list of answer options. Question types use them for their own
checks (``feedback.questionnaire.types``); ``document`` for the rest of the document."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from feedback.models.survey import TEXT_LANGUAGES

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")

#: Longest text per field and language.
TEXT_LIMITS = {
    "title": 200,
    "intro": 5000,
    "thanks": 2000,
    "page_title": 200,
    "text": 500,
    "help": 1000,
    "low_label": 100,
    "high_label": 100,
    "label": 200,
}
MAX_OPTIONS = 30


@dataclass(frozen=True)
class Problem:
    """One thing wrong: where (for people), which field (for forms) and what."""

    where: str
    field: str
    message: str | LazyString

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else str(self.message)


def check_text(value: Any, field: str, limit: int, where: str, *, required: bool) -> list[Problem]:
    """A text given per language: known languages, text, not too long, bokmål if required."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        return [Problem(where, field, _l("The text must be given per language (nb, nn, en)."))]
    problems = []
    for lang in value:
        if lang not in TEXT_LANGUAGES:
            problems.append(
                Problem(where, field, _l("Unknown language code “%(code)s”.", code=str(lang)))
            )
    for lang in TEXT_LANGUAGES:
        text = value.get(lang)
        if text is None:
            continue
        if not isinstance(text, str):
            problems.append(Problem(where, f"{field}.{lang}", _l("The text must be text.")))
        elif len(text.strip()) > limit:
            problems.append(
                Problem(
                    where,
                    f"{field}.{lang}",
                    _l("The text is too long: at most %(limit)d characters.", limit=limit),
                )
            )
    nb = value.get("nb")
    if required and not (isinstance(nb, str) and nb.strip()):
        problems.append(Problem(where, f"{field}.nb", _l("Write the text in bokmål.")))
    return problems


def check_int(value: Any, field: str, where: str, low: int, high: int) -> list[Problem]:
    """Nothing, or a whole number (not a truth value) from ``low`` to ``high``."""
    if value is None:
        return []
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return [
            Problem(
                where,
                field,
                _l("Write a whole number from %(low)s to %(high)s.", low=low, high=high),
            )
        ]
    return []


def check_options(options: list[Any], where: str) -> list[Problem]:
    """A (non-empty) list of answer options: not too many, each a distinct value and label.
    How many a question needs is its type's to say."""
    problems: list[Problem] = []
    if len(options) > MAX_OPTIONS:
        problems.append(
            Problem(where, "options", _l("At most %(limit)d answer options.", limit=MAX_OPTIONS))
        )
    values: set[str] = set()
    labels: set[str] = set()
    for option in options:
        if not isinstance(option, dict) or set(option) - {"value", "label"}:
            problems.append(
                Problem(where, "options", _l("An answer option has a value and a label only."))
            )
            continue
        value = option.get("value")
        if not isinstance(value, str) or not KEY_PATTERN.match(value):
            problems.append(
                Problem(
                    where,
                    "options",
                    _l("An answer option's value must be short lowercase letters or digits."),
                )
            )
        elif value in values:
            problems.append(
                Problem(where, "options", _l("Two answer options have the value “%(v)s”.", v=value))
            )
        else:
            values.add(value)
        label_problems = check_text(
            option.get("label"), "options", TEXT_LIMITS["label"], where, required=True
        )
        problems.extend(Problem(p.where, "options", p.message) for p in label_problems)
        label = option.get("label")
        nb = label.get("nb") if isinstance(label, dict) else None
        if isinstance(nb, str) and nb.strip():
            folded = nb.strip().casefold()
            if folded in labels:
                problems.append(
                    Problem(
                        where,
                        "options",
                        _l("The answer option “%(label)s” is there twice.", label=nb.strip()),
                    )
                )
            labels.add(folded)
    return problems


def option_values(question: Mapping[str, Any]) -> list[str]:
    """The values of a question document's answer options."""
    return [str(o.get("value")) for o in question.get("options") or [] if isinstance(o, dict)]
