"""The base class of every question type, and the registry it fills.

A type is one class: defining a subclass with a ``kind`` registers it (``TYPES``). What differs
between kinds of question lives on the class, and nowhere else: its document fields and checks,
the designer form fields it uses, how a respondent page shows it (its template) and how the
answer is read and checked, the number stored beside an answer, and how its results are
summed up (rows, figure, mean, filter).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from feedback.i18n import SUPPORTED_LOCALES
from feedback.models.survey import DONT_KNOW as DONT_KNOW
from feedback.questionnaire.checks import Problem

if TYPE_CHECKING:
    from feedback.models import Question

DONT_KNOW_LABEL = _l("Don't know / Not applicable")

#: Answers stored in the database per answer value: (how many, the number stored beside it).
Tallied = Mapping[str, tuple[int, int | None]]
#: One row of a question's result: (value, label, how many).
Row = tuple[str, str, int]

#: How a type's results are drawn (feedback.results.charts.figures).
Figure = Literal["diverging", "bars", "distribution"]

#: Every question type by kind, filled as the classes are defined (see registry.py).
TYPES: dict[str, QuestionType] = {}


class QuestionType:
    """A kind of question. Instances hold no state; one per kind is kept in ``TYPES``."""

    #: The value of ``Question.kind`` and of ``"type"`` in a document.
    kind: ClassVar[str] = ""
    #: The designer's name for the type and a line on what it is for.
    label: ClassVar[LazyString]
    hint: ClassVar[LazyString]
    #: Where it comes in the designer's list of types (lowest first).
    order: ClassVar[int] = 100
    #: About how long one question takes to read and answer, in seconds.
    seconds: ClassVar[int] = 20
    #: Fields of the designer's question form it uses, besides text, help, required,
    #: "don't know" and condition.
    form_fields: ClassVar[tuple[str, ...]] = ()
    #: Fields of its document besides the common ones.
    document_keys: ClassVar[frozenset[str]] = frozenset()
    #: New questions offer "don't know".
    dont_know_by_default: ClassVar[bool] = True
    #: The words a new question starts with at the low and the high end of its scale.
    default_ends: ClassVar[tuple[LazyString, LazyString] | None] = None
    #: The length of the longest answer a new question allows (free text).
    default_max_length: ClassVar[int | None] = None
    #: The answer is typed into one field (a label, not a fieldset; "don't know" is a tick box).
    typed: ClassVar[bool] = False
    #: Answers are free text: counted only as answered, read one by one, never filtered on.
    free_text: ClassVar[bool] = False
    #: The answers are the question's own options (QuestionOption rows).
    has_options: ClassVar[bool] = False
    #: More than one answer may be chosen.
    several: ClassVar[bool] = False
    #: Its answers are fixed values a condition can test.
    condition_target: ClassVar[bool] = False
    #: Results can be narrowed to the people who gave one of its answers.
    filters_results: ClassVar[bool] = False
    #: Answers are numbers (stored beside the value) with a mean.
    has_mean: ClassVar[bool] = False
    #: Results of several groups are put in the same bins (``bin_rows``).
    binned: ClassVar[bool] = False
    #: In an answer file, answers read as their labels (not as their numbers).
    labelled: ClassVar[bool] = False
    #: The results figure: "diverging", "bars", "distribution" (one group; the mean per group
    #: when several) or None.
    figure: ClassVar[Figure | None] = None
    #: Title of a distribution figure's answer axis.
    axis_title: ClassVar[LazyString | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind:
            if cls.kind in TYPES:
                raise RuntimeError(f"two question types are called {cls.kind!r}")
            TYPES[cls.kind] = cls()

    @property
    def template(self) -> str:
        """Its template: macro ``answer`` for a respondent's page, ``paper`` for print."""
        return f"questionnaire/types/{self.kind}.html"

    # --- the document ------------------------------------------------------------------------

    def check(self, question: Mapping[str, Any], where: str) -> list[Problem]:
        """The problems with this type's own fields of a question document."""
        return []

    def export(self, question: Question, document: dict[str, Any]) -> None:
        """Add this type's own fields to the question's document."""

    def apply(self, question: Question, document: Mapping[str, Any]) -> None:
        """Set the question's columns from a (checked) document. Columns the type does not
        use are emptied; options are set by ``document.apply_question``."""
        question.low_label = {}
        question.high_label = {}
        question.max_length = None
        question.min_value = None
        question.max_value = None

    def document_values(self, question: Mapping[str, Any]) -> list[str]:
        """The values a question document can be answered with; [] for free answers."""
        return []

    # --- the designer's form -----------------------------------------------------------------

    def setup_form(self, form: Any) -> None:
        """Adjust the question form's descriptions for this type."""

    def fill_defaults(self, form: Any) -> None:
        """Starting values of a new question of this type, besides "don't know" and the
        scale's ends."""

    def option_lines(self, form: Any, lines: dict[str, list[str]]) -> dict[str, list[str]] | None:
        """The answer options' lines per language as the type wants them (None: an error
        was set on the form)."""
        return lines

    # --- answering ---------------------------------------------------------------------------

    def values(self, question: Question) -> list[str]:
        """The fixed answers' values; [] for typed answers."""
        return []

    def choices(self, question: Question, language: str | None = None) -> list[tuple[str, str]]:
        """(value, label) for every fixed answer, in the respondent's language."""
        return [(v, v) for v in self.values(question)]

    def label_texts(self, question: Question) -> list[tuple[str, dict[str, str]]]:
        """(value, label in every language) for every fixed answer (the API)."""
        return [(v, dict.fromkeys(SUPPORTED_LOCALES, label)) for v, label in self.choices(question)]

    def read(self, question: Question, form: MultiDict[str, str]) -> tuple[list[str], str | None]:
        """The answer to one question from a sent form, and the problem with it, if any."""
        raise NotImplementedError

    def form_name(self, question: Question, value: str) -> str:
        """The form field a stored answer value goes back into (to be checked again)."""
        return f"q-{question.key}"

    def number_value(self, question: Question, value: str) -> int | None:
        """The number stored beside an answer, for averages (None: not a number)."""
        return None

    def demo_answer(
        self, question: Question, rng: random.Random, lean: float, texts: Sequence[str]
    ) -> list[str] | None:
        """A made-up answer for the demo data (None: left empty)."""
        values = [v for v, _ in self.choices(question)]
        weights = [1 + lean * i for i in range(len(values))]
        return [rng.choices(values, weights=weights)[0]]

    # --- results -----------------------------------------------------------------------------

    def result_labels(self, question: Question, language: str | None) -> list[tuple[str, str]]:
        """(value, label) of each row of the results."""
        return self.choices(question, language)

    def rows(self, question: Question, values: Tallied, language: str | None) -> list[Row]:
        """The result rows of a group: each answer with how many gave it."""
        return [
            (value, label, values.get(value, (0, None))[0])
            for value, label in self.result_labels(question, language)
        ]

    def value_labels(self, value: str) -> dict[str, str]:
        """The label of a result row that is not a fixed answer, in every language (the API)."""
        return dict.fromkeys(SUPPORTED_LOCALES, value)

    def numbers(self, values: Tallied) -> dict[int, int]:
        """How many gave each number (binned types)."""
        return {}

    def bin_rows(self, numbers: Mapping[int, int], low: int, high: int) -> list[Row]:
        """Rows of numbers binned from ``low`` to ``high`` (binned types). The first and last
        rows are open: they also hold every answer below ``low`` or above ``high`` (their
        values start or end with OPEN, their labels with ≤ or ≥), so the rows never show the
        smallest or largest answer (``results.suppression.open_ends`` picks the range)."""
        return []

    def scale_range(self, question: Question) -> tuple[float, float] | None:
        """The ends of the answer scale for a trend of means, with room for the whiskers."""
        return None


#: Marks the open end of a result row's value: "..20" is 20 or less, "60.." 60 or more.
OPEN = ".."


def folded(numbers: Mapping[int, int], low: int, high: int) -> dict[int, int]:
    """The counts with every number below ``low`` counted at ``low`` and above ``high`` at
    ``high`` (the open first and last rows of ``bin_rows``)."""
    inside: dict[int, int] = {}
    for number, count in numbers.items():
        at = min(max(number, low), high)
        inside[at] = inside.get(at, 0) + count
    return inside


def open_label(label: str, value: str) -> str:
    """A row's label marked as open by its value's OPEN: "≤ 20" or "≥ 60"."""
    if value.startswith(OPEN):
        return f"≤ {label}"
    if value.endswith(OPEN):
        return f"≥ {label}"
    return label


def whole_number(value: str) -> int | None:
    """A stored answer as a whole number (spaces between thousands allowed), else None."""
    try:
        return int(value.replace(" ", "").replace("\u00a0", ""))
    except ValueError:
        return None


def type_of(question: Question) -> QuestionType:
    """The question's type."""
    return TYPES[question.kind]
