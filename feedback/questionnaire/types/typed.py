"""Answers typed into one field: short and long free text, and a whole number."""

from __future__ import annotations

import math
import random
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from feedback.i18n import SUPPORTED_LOCALES
from feedback.questionnaire.checks import Problem, check_int
from feedback.questionnaire.types.base import (
    DONT_KNOW,
    OPEN,
    QuestionType,
    Row,
    Tallied,
    folded,
    open_label,
    whole_number,
)

if TYPE_CHECKING:
    from feedback.models import Question


class TypedAnswer(QuestionType):
    """One text field; "don't know" is a tick box of its own (``q-<key>-dk``)."""

    typed: ClassVar[bool] = True

    def read(self, question: Question, form: MultiDict[str, str]) -> tuple[list[str], str | None]:
        name = f"q-{question.key}"
        # Browsers send a line break as two characters but count it as one against maxlength.
        # NUL is dropped: PostgreSQL cannot store it in text, and no one types it.
        raw = (form.get(name) or "").replace("\r\n", "\n").replace("\x00", "").strip()
        if question.dont_know and form.get(f"{name}-dk") == DONT_KNOW:
            if raw:
                return [raw], str(_l("Write an answer or tick “Don't know”, not both."))
            return [DONT_KNOW], None
        if not raw:
            return [], None
        return self.parse(question, raw)

    def parse(self, question: Question, raw: str) -> tuple[list[str], str | None]:
        """A typed answer (not empty) as stored, and the problem with it, if any."""
        raise NotImplementedError

    def form_name(self, question: Question, value: str) -> str:
        name = f"q-{question.key}"
        return f"{name}-dk" if question.dont_know and value == DONT_KNOW else name


class _Text(TypedAnswer):
    """Free text: read one by one (never counted by value), at most ``max_length`` long."""

    free_text: ClassVar[bool] = True
    dont_know_by_default: ClassVar[bool] = False
    form_fields: ClassVar[tuple[str, ...]] = ("max_length",)
    document_keys: ClassVar[frozenset[str]] = frozenset({"max_length"})
    #: The longest answer a question of this type may allow.
    max_length_limit: ClassVar[int]
    default_max_length: ClassVar[int | None] = 200

    def check(self, question: Mapping[str, Any], where: str) -> list[Problem]:
        return check_int(question.get("max_length"), "max_length", where, 1, self.max_length_limit)

    def export(self, question: Question, document: dict[str, Any]) -> None:
        if question.max_length is not None:
            document["max_length"] = question.max_length

    def apply(self, question: Question, document: Mapping[str, Any]) -> None:
        super().apply(question, document)
        question.max_length = document.get("max_length", self.default_max_length)

    def setup_form(self, form: Any) -> None:
        form.max_length.description = _l(
            "At most %(max)d. Leave empty for %(default)d.",
            max=self.max_length_limit,
            default=self.default_max_length,
        )

    def fill_defaults(self, form: Any) -> None:
        form.max_length.data = self.default_max_length

    def parse(self, question: Question, raw: str) -> tuple[list[str], str | None]:
        limit = question.max_length or self.default_max_length or 0
        if len(raw) > limit:
            return [raw], str(
                _l(
                    "The answer is too long: at most %(limit)d characters (you wrote %(n)d).",
                    limit=limit,
                    n=len(raw),
                )
            )
        return [raw], None

    def demo_answer(
        self, question: Question, rng: random.Random, lean: float, texts: Sequence[str]
    ) -> list[str] | None:
        return [rng.choice(texts)] if rng.random() < 0.3 else None

    def rows(self, question: Question, values: Tallied, language: str | None) -> list[Row]:
        return []


class TextShort(_Text):
    kind = "text_short"
    label = _l("Short free text")
    hint = _l("A line of text, such as a word or a sentence.")
    order = 60
    seconds = 45
    max_length_limit = 500
    default_max_length = 200


class TextLong(_Text):
    kind = "text_long"
    label = _l("Long free text")
    hint = _l("Room to write freely.")
    order = 70
    seconds = 90
    max_length_limit = 10000
    default_max_length = 2000


INTEGER_DIGITS = 10
#: Plain digits only: int() would also take "²", "٣" or "３", which nobody means here.
WHOLE_NUMBER = re.compile(rf"-?[0-9]{{1,{INTEGER_DIGITS}}}")
#: The largest bound a number question may have (either sign).
NUMBER_LIMIT = 1_000_000_000
#: A number question's answers are put in at most this many bins.
NUMBER_BINS = 10


class Number(TypedAnswer):
    kind = "number"
    label = _l("Number")
    hint = _l("A whole number, for example how many times.")
    order = 80
    seconds = 15
    form_fields = ("min", "max")
    document_keys = frozenset({"min", "max"})
    has_mean = True
    binned = True
    figure = "distribution"
    axis_title = _l("Range")

    def check(self, question: Mapping[str, Any], where: str) -> list[Problem]:
        low, high = question.get("min"), question.get("max")
        problems = check_int(low, "min", where, -NUMBER_LIMIT, NUMBER_LIMIT)
        problems += check_int(high, "max", where, -NUMBER_LIMIT, NUMBER_LIMIT)
        if not problems and low is not None and high is not None and low >= high:
            problems.append(
                Problem(where, "max", _l("The highest number must be larger than the lowest."))
            )
        return problems

    def export(self, question: Question, document: dict[str, Any]) -> None:
        if question.min_value is not None:
            document["min"] = question.min_value
        if question.max_value is not None:
            document["max"] = question.max_value

    def apply(self, question: Question, document: Mapping[str, Any]) -> None:
        super().apply(question, document)
        question.min_value = document.get("min")
        question.max_value = document.get("max")

    def parse(self, question: Question, raw: str) -> tuple[list[str], str | None]:
        problem = self._check(question, raw)
        # Stored as plain digits: "1 000" and "1000" are one value in the counts, and spaces
        # cannot make the value longer than a tally keeps.
        return [raw if problem else str(whole_number(raw))], problem

    @staticmethod
    def _check(question: Question, raw: str) -> str | None:
        if not WHOLE_NUMBER.fullmatch(raw.replace(" ", "").replace("\u00a0", "")):
            return str(_l("Write a whole number, for example 3."))
        number = whole_number(raw)
        assert number is not None
        low, high = question.min_value, question.max_value
        if low is not None and number < low or high is not None and number > high:
            if low is not None and high is not None:
                return str(_l("Write a number from %(low)d to %(high)d.", low=low, high=high))
            if low is not None:
                return str(_l("Write %(low)d or more.", low=low))
            return str(_l("Write %(high)d or less.", high=high))
        return None

    def number_value(self, question: Question, value: str) -> int | None:
        return None if value == DONT_KNOW else whole_number(value)

    def demo_answer(
        self, question: Question, rng: random.Random, lean: float, texts: Sequence[str]
    ) -> list[str] | None:
        low, high = question.min_value or 0, question.max_value or 100
        return [str(rng.randint(low, min(high, low + 60)))]

    def numbers(self, values: Tallied) -> dict[int, int]:
        numbers: dict[int, int] = defaultdict(int)
        for value, (count, as_number) in values.items():
            if value != DONT_KNOW and as_number is not None:
                numbers[as_number] += count
        return dict(numbers)

    def value_labels(self, value: str) -> dict[str, str]:
        """A bin's label from its value: "3-5" is "3–5", "3-3" is "3", "..5" is "≤ 5" and
        "60.." is "≥ 60"."""
        if value.startswith(OPEN) or value.endswith(OPEN):
            label = open_label(value.strip("."), value)
        else:
            low, _, high = value.partition("-")
            label = low if low == high else f"{low}–{high}"
        return dict.fromkeys(SUPPORTED_LOCALES, label)

    def bin_rows(self, numbers: Mapping[int, int], low: int, high: int) -> list[Row]:
        """At most NUMBER_BINS bins of a whole-number width, from ``low`` to ``high``; the
        first and last are open (see ``QuestionType.bin_rows``)."""
        width = max(1, math.ceil((high - low + 1) / NUMBER_BINS))
        inside = folded(numbers, low, high)
        rows: list[Row] = []
        start = low
        while start <= high:
            end = start + width - 1
            n = sum(c for v, c in inside.items() if start <= v <= end)
            if start == low:
                value, label = f"{OPEN}{end}", f"≤ {format_decimal(end)}"
            elif end >= high:
                value, label = f"{start}{OPEN}", f"≥ {format_decimal(start)}"
            elif width == 1:
                value, label = f"{start}-{end}", str(format_decimal(start))
            else:
                value, label = f"{start}-{end}", f"{format_decimal(start)}–{format_decimal(end)}"
            rows.append((value, label, n))
            start = end + 1
        return rows
