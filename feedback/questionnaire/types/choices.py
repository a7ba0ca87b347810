"""Choice questions: one of a list, one or more of a list, yes or no."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from flask_babel import lazy_gettext as _l

from feedback.i18n import in_all_languages
from feedback.questionnaire.checks import Problem, check_options
from feedback.questionnaire.types.base import Figure
from feedback.questionnaire.types.fixed import FixedAnswer, OptionAnswer

if TYPE_CHECKING:
    from feedback.models import Question


class _Choice(OptionAnswer):
    """A list of at least two answer options written by the group."""

    form_fields: ClassVar[tuple[str, ...]] = ("options",)
    filters_results: ClassVar[bool] = True
    figure: ClassVar[Figure | None] = "bars"

    def check(self, question: Mapping[str, Any], where: str) -> list[Problem]:
        options = question.get("options")
        if not isinstance(options, list) or not options:
            return [Problem(where, "options", _l("Write at least two answer options."))]
        problems: list[Problem] = []
        if len(options) < 2:
            problems.append(Problem(where, "options", _l("Write at least two answer options.")))
        return problems + check_options(options, where)


class SingleChoice(_Choice):
    kind = "single_choice"
    label = _l("Choose one")
    hint = _l("A list of answers where people pick one.")
    order = 30


class MultipleChoice(_Choice):
    kind = "multiple_choice"
    label = _l("Choose one or more")
    hint = _l("A list of answers where people pick all that fit.")
    order = 40
    seconds = 25
    several = True

    def demo_answer(
        self, question: Question, rng: random.Random, lean: float, texts: Sequence[str]
    ) -> list[str] | None:
        values = [v for v, _ in self.choices(question)]
        weights = [1 + lean * i for i in range(len(values))]
        picked = rng.choices(values, weights=weights)[0]
        return sorted({picked, rng.choice(values)})


YES_NO_LABELS = {"yes": _l("Yes"), "no": _l("No")}


class YesNo(FixedAnswer):
    kind = "yes_no"
    label = _l("Yes or no")
    hint = _l("Yes or no.")
    order = 50
    seconds = 10
    labelled = True
    filters_results = True
    figure = "bars"

    def document_values(self, question: Mapping[str, Any]) -> list[str]:
        return list(YES_NO_LABELS)

    def values(self, question: Question) -> list[str]:
        return list(YES_NO_LABELS)

    def choices(self, question: Question, language: str | None = None) -> list[tuple[str, str]]:
        return [(v, str(label)) for v, label in YES_NO_LABELS.items()]

    def label_texts(self, question: Question) -> list[tuple[str, dict[str, str]]]:
        return [(v, in_all_languages(label)) for v, label in YES_NO_LABELS.items()]
