"""A date: "Når var du sist på avdelingen?".

A browser with a date picker sends the date as 2026-11-30; without one (or without JavaScript
nothing changes) the field is plain text and a date is typed as 30.11.2026. Both are read and
stored as 2026-11-30. The results count answers per month, or per year when the answers span
more than MAX_MONTHS months; groups side by side share the same months (``binned``).
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from flask_babel import force_locale, format_date
from flask_babel import lazy_gettext as _l

from feedback.i18n import SUPPORTED_LOCALES
from feedback.models.base import today
from feedback.questionnaire.types.base import DONT_KNOW, OPEN, Row, Tallied, folded, open_label
from feedback.questionnaire.types.typed import TypedAnswer

if TYPE_CHECKING:
    from feedback.models import Question

#: What a date field sends (ISO 8601), and a date typed by hand (day.month.year; also with
#: "/", "-" or a space between).
_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_TYPED = re.compile(r"([0-9]{1,2})[./ -]([0-9]{1,2})[./ -]([0-9]{4})")
#: The dates a respondent may give.
FIRST = date(1900, 1, 1)
LAST = date(2100, 12, 31)
#: Answers spread over more months than this are counted per year.
MAX_MONTHS = 36


def parse_date(raw: str) -> date | None:
    """A date as a date field sends it or as typed by hand, else None."""
    found = _ISO.fullmatch(raw)
    if found is not None:
        year, month, day = (int(part) for part in found.groups())
    else:
        found = _TYPED.fullmatch(raw)
        if found is None:
            return None
        day, month, year = (int(part) for part in found.groups())
    try:
        given = date(year, month, day)
    except ValueError:
        return None
    return given if FIRST <= given <= LAST else None


def _month(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


class Date(TypedAnswer):
    kind = "date"
    label = _l("Date")
    hint = _l("A date, for example when someone was last at the service.")
    order = 95
    seconds = 20
    binned = True
    figure = "bars"
    #: The date field's range, as the browser's date picker wants it.
    first = FIRST.isoformat()
    last = LAST.isoformat()

    def parse(self, question: Question, raw: str) -> tuple[list[str], str | None]:
        given = parse_date(raw)
        if given is None:
            return [raw], str(_l("Write a date, for example 31.12.2025."))
        return [given.isoformat()], None

    def demo_answer(
        self, question: Question, rng: random.Random, lean: float, texts: Sequence[str]
    ) -> list[str] | None:
        return [(today() - timedelta(days=rng.randint(0, 400))).isoformat()]

    def numbers(self, values: Tallied) -> dict[int, int]:
        """How many gave each month (counted from year 0: year × 12 + month − 1)."""
        months: dict[int, int] = defaultdict(int)
        for value, (count, _number) in values.items():
            given = parse_date(value) if value != DONT_KNOW else None
            if given is not None:
                months[given.year * 12 + given.month - 1] += count
        return dict(months)

    def bin_rows(self, numbers: Mapping[int, int], low: int, high: int) -> list[Row]:
        """Every month from ``low`` to ``high`` (empty ones too, so the bars keep time), or
        every year when that is more than MAX_MONTHS months; the first and last are open
        (see ``QuestionType.bin_rows``)."""
        inside = folded(numbers, low, high)
        if high - low + 1 > MAX_MONTHS:
            years: dict[int, int] = defaultdict(int)
            for month, count in inside.items():
                years[month // 12] += count
            plain = [
                (str(year), str(year), years.get(year, 0))
                for year in range(low // 12, high // 12 + 1)
            ]
        else:
            plain = [
                (
                    f"{_month(month):%Y-%m}",
                    str(format_date(_month(month), "LLLL y")),
                    inside.get(month, 0),
                )
                for month in range(low, high + 1)
            ]
        if len(plain) < 2:
            return plain
        (first, first_label, first_n), (last, last_label, last_n) = plain[0], plain[-1]
        return [
            (f"{OPEN}{first}", f"≤ {first_label}", first_n),
            *plain[1:-1],
            (f"{last}{OPEN}", f"≥ {last_label}", last_n),
        ]

    def value_labels(self, value: str) -> dict[str, str]:
        """A month ("2026-11") named in every language; a year as it is; an open first or
        last row ("..2026-03", "2027-04..") with ≤ or ≥."""
        plain = value.strip(".")
        if len(plain) != len("2026-11"):
            return dict.fromkeys(SUPPORTED_LOCALES, open_label(plain, value))
        month = date.fromisoformat(f"{plain}-01")
        labels = {}
        for language in SUPPORTED_LOCALES:
            with force_locale(language):
                labels[language] = open_label(str(format_date(month, "LLLL y")), value)
        return labels
