"""Every question type, by kind: ``TYPES[kind]`` or ``question_type(question)``.

Each module of ``feedback.questionnaire.types`` is imported here, and a QuestionType subclass
with a ``kind`` registers itself as it is defined, so a new type is one new module (and its
template, ``templates/questionnaire/types/<kind>.html``). The database's list of kinds
(``models.survey.QUESTION_KINDS``) must name it too; a test holds the two together.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

from feedback.questionnaire import types as _package
from feedback.questionnaire.types.base import TYPES, QuestionType

if TYPE_CHECKING:
    from feedback.models import Question

for _module in pkgutil.iter_modules(_package.__path__):
    importlib.import_module(f"{_package.__name__}.{_module.name}")

__all__ = ["TYPES", "QuestionType", "free_text_kinds", "ordered", "question_type"]


def question_type(question: Question) -> QuestionType:
    """The type of a question."""
    return TYPES[question.kind]


def ordered() -> list[QuestionType]:
    """Every type, in the order the designer offers them."""
    return sorted(TYPES.values(), key=lambda t: (t.order, t.kind))


def free_text_kinds() -> list[str]:
    """The kinds whose answers are free text (counted only as answered)."""
    return sorted(kind for kind, t in TYPES.items() if t.free_text)
