"""Scales: agree–disagree from 1 to 5, a score from 0 to 10, and smiley faces."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from feedback.i18n import in_all_languages, localized
from feedback.models.survey import TEXT_LANGUAGES, clean_text
from feedback.questionnaire.checks import TEXT_LIMITS, Problem, check_options, check_text
from feedback.questionnaire.types.base import DONT_KNOW, whole_number
from feedback.questionnaire.types.fixed import FixedAnswer, OptionAnswer

if TYPE_CHECKING:
    from feedback.models import Question


class _Numbered(FixedAnswer):
    """Answers are points on a scale: a number beside each, and a mean."""

    has_mean: ClassVar[bool] = True

    def number_value(self, question: Question, value: str) -> int | None:
        return None if value == DONT_KNOW else whole_number(value)


class _EndsLabelled(_Numbered):
    """A row of numbers with words at the low and the high end."""

    #: The answer values, lowest first.
    points: ClassVar[tuple[str, ...]] = ()
    form_fields: ClassVar[tuple[str, ...]] = ("low_label", "high_label")
    document_keys: ClassVar[frozenset[str]] = frozenset({"low_label", "high_label"})
    seconds: ClassVar[int] = 15

    def check(self, question: Mapping[str, Any], where: str) -> list[Problem]:
        problems: list[Problem] = []
        for label in ("low_label", "high_label"):
            problems += check_text(
                question.get(label), label, TEXT_LIMITS[label], where, required=False
            )
        return problems

    def export(self, question: Question, document: dict[str, Any]) -> None:
        if question.low_label:
            document["low_label"] = clean_text(question.low_label)
        if question.high_label:
            document["high_label"] = clean_text(question.high_label)

    def apply(self, question: Question, document: Mapping[str, Any]) -> None:
        super().apply(question, document)
        question.low_label = clean_text(document.get("low_label"))
        question.high_label = clean_text(document.get("high_label"))

    def document_values(self, question: Mapping[str, Any]) -> list[str]:
        return list(self.points)

    def values(self, question: Question) -> list[str]:
        return list(self.points)

    def result_labels(self, question: Question, language: str | None) -> list[tuple[str, str]]:
        """A scale's ends carry their words: "1 – Helt uenig"."""
        pairs = self.choices(question, language)
        if pairs:
            low = localized(question.low_label, language)
            high = localized(question.high_label, language)
            first, last = pairs[0], pairs[-1]
            if low:
                pairs[0] = (first[0], f"{first[1]} – {low}")
            if high:
                pairs[-1] = (last[0], f"{last[1]} – {high}")
        return pairs


class Likert(_EndsLabelled):
    kind = "likert"
    label = _l("Agree or disagree (5 points)")
    hint = _l("A statement people agree or disagree with, from 1 to 5.")
    order = 10
    points = tuple(str(n) for n in range(1, 6))
    default_ends = (_l("Strongly disagree"), _l("Strongly agree"))
    figure = "diverging"

    def scale_range(self, question: Question) -> tuple[float, float] | None:
        return (0.8, 5.2)


class Scale(_EndsLabelled):
    kind = "scale"
    label = _l("Scale from 0 to 10")
    hint = _l("A score from 0 to 10.")
    order = 90
    points = tuple(str(n) for n in range(11))
    default_ends = (_l("Very poor"), _l("Very good"))
    figure = "distribution"
    axis_title = _l("Answer")

    def scale_range(self, question: Question) -> tuple[float, float] | None:
        return (-0.2, 10.2)


#: The faces a smiley scale may have.
SMILEY_FACES = (3, 5)
DEFAULT_FACES: dict[int, tuple[LazyString, ...]] = {
    3: (_l("Dissatisfied"), _l("Neither satisfied nor dissatisfied"), _l("Satisfied")),
    5: (
        _l("Very dissatisfied"),
        _l("Dissatisfied"),
        _l("Neither satisfied nor dissatisfied"),
        _l("Satisfied"),
        _l("Very satisfied"),
    ),
}


class Smiley(OptionAnswer, _Numbered):
    """3 or 5 faces; each face's label is what a screen reader says."""

    kind = "smiley"
    label = _l("Smiley faces")
    hint = _l("3 or 5 faces from sad to happy. Easy to answer, also for children.")
    order = 20
    seconds = 10
    form_fields = ("faces", "options")
    figure = "diverging"

    def check(self, question: Mapping[str, Any], where: str) -> list[Problem]:
        options = question.get("options")
        if not isinstance(options, list) or not options:
            return [Problem(where, "options", _l("A smiley scale needs 3 or 5 faces."))]
        problems: list[Problem] = []
        if len(options) not in SMILEY_FACES:
            problems.append(Problem(where, "options", _l("A smiley scale has 3 or 5 faces.")))
        return problems + check_options(options, where)

    def setup_form(self, form: Any) -> None:
        form.options.description = _l(
            "What a screen reader says for each face, from the worst to the best, one per"
            " line. Leave empty for the standard texts."
        )

    def option_lines(self, form: Any, lines: dict[str, list[str]]) -> dict[str, list[str]] | None:
        faces = int(form.faces.data or 5)
        if not lines["nb"]:
            defaults = [in_all_languages(label) for label in DEFAULT_FACES[faces]]
            return {lang: [d[lang] for d in defaults] for lang in TEXT_LANGUAGES}
        if len(lines["nb"]) != faces:
            form.options.form.nb.errors = [
                str(_l("Write %(n)d lines, one for each face.", n=faces))
            ]
            return None
        return lines

    def scale_range(self, question: Question) -> tuple[float, float] | None:
        numbers = [int(o.value) for o in question.options if o.value.isdigit()]
        if numbers:
            return (min(numbers) - 0.2, max(numbers) + 0.2)
        return None
