"""The registry of question types: every kind the database allows has one class, with its
template, and every class is a kind the database allows."""

from __future__ import annotations

from pathlib import Path

import feedback
from feedback.models.survey import QUESTION_KINDS
from feedback.questionnaire import registry

TEMPLATES = Path(feedback.__file__).parent / "templates"


def test_every_kind_has_one_type_and_a_template() -> None:
    assert set(registry.TYPES) == set(QUESTION_KINDS)
    for kind, question_type in registry.TYPES.items():
        assert question_type.kind == kind
        assert (TEMPLATES / question_type.template).is_file(), kind
        assert str(question_type.label) and str(question_type.hint)


def test_designer_offers_the_types_in_their_order() -> None:
    kinds = [t.kind for t in registry.ordered()]
    assert kinds[:9] == [
        "likert",
        "smiley",
        "single_choice",
        "multiple_choice",
        "yes_no",
        "text_short",
        "text_long",
        "number",
        "scale",
    ]


def test_free_text_kinds() -> None:
    assert registry.free_text_kinds() == ["text_long", "text_short"]
