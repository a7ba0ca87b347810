"""What question types with fixed answers share: reading ticked boxes, options as answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from feedback.i18n import localized
from feedback.models.survey import clean_text
from feedback.questionnaire.checks import option_values
from feedback.questionnaire.types.base import DONT_KNOW, QuestionType

if TYPE_CHECKING:
    from feedback.models import Question


class FixedAnswer(QuestionType):
    """Radio buttons or tick boxes, one per answer; "don't know" is one more of them."""

    condition_target: ClassVar[bool] = True

    def read(self, question: Question, form: MultiDict[str, str]) -> tuple[list[str], str | None]:
        allowed = self.values(question) + ([DONT_KNOW] if question.dont_know else [])
        values = [v for v in form.getlist(f"q-{question.key}") if v]
        if any(v not in allowed for v in values):
            return [], str(_l("Choose from the answers shown."))
        if not self.several and len(values) > 1:
            return values[:1], str(_l("Choose one answer."))
        if DONT_KNOW in values and len(values) > 1:
            return values, str(_l("Choose answers or “Don't know”, not both."))
        return list(dict.fromkeys(values)), None


class OptionAnswer(FixedAnswer):
    """The answers are the question's own options, labelled in three languages."""

    has_options: ClassVar[bool] = True
    labelled: ClassVar[bool] = True
    document_keys: ClassVar[frozenset[str]] = frozenset({"options"})

    def export(self, question: Question, document: dict[str, Any]) -> None:
        document["options"] = [
            {"value": o.value, "label": clean_text(o.label)} for o in question.options
        ]

    def document_values(self, question: Mapping[str, Any]) -> list[str]:
        return option_values(question)

    def values(self, question: Question) -> list[str]:
        return [o.value for o in question.options]

    def choices(self, question: Question, language: str | None = None) -> list[tuple[str, str]]:
        return [(o.value, localized(o.label, language)) for o in question.options]

    def label_texts(self, question: Question) -> list[tuple[str, dict[str, str]]]:
        return [(o.value, o.label) for o in question.options]
