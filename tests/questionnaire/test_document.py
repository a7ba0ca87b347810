"""The questionnaire document: checks that name every problem, and a lossless round trip."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from feedback.designer import services
from feedback.designer.library import builtin_templates
from feedback.extensions import db
from feedback.models import Organisation
from feedback.questionnaire import document as doc
from tests import factories
from tests.world import document, likert


@pytest.fixture
def request_ctx(app: Flask) -> Iterator[None]:
    with app.test_request_context(headers={"Cookie": "sprak=en"}):
        yield


def messages(problems: list[doc.Problem]) -> list[str]:
    return [str(p) for p in problems]


def yes_no(key: str, **extra: Any) -> dict[str, Any]:
    return {
        "key": key,
        "type": "yes_no",
        "text": {"nb": "Har du en plan?"},
        "required": False,
        "dont_know": False,
        **extra,
    }


@pytest.mark.usefixtures("request_ctx")
class TestChecks:
    def test_builtin_templates_pass(self) -> None:
        templates = builtin_templates()
        assert [t.name for t in templates] == ["user-survey", "relatives-survey", "recovery"]
        for template in templates:
            assert doc.check_document(template.document) == [], template.name
            questions = [q for p in template.document["pages"] for q in p["questions"]]
            assert len(questions) >= 10
            assert any("condition" in q for q in questions)
            assert all(q["text"].get("nn") and q["text"].get("en") for q in questions)

    def test_condition_on_an_earlier_question_is_fine(self) -> None:
        ok = document(
            [yes_no("plan"), likert("with", condition={"question": "plan", "value": "yes"})]
        )
        assert doc.check_document(ok) == []

    def test_condition_on_a_later_question(self) -> None:
        bad = document(
            [likert("first", condition={"question": "plan", "value": "yes"})], [yes_no("plan")]
        )
        found = messages(doc.check_document(bad))
        assert len(found) == 1
        assert "Page 1, question 1 (first)" in found[0]
        assert "earlier question" in found[0]

    def test_condition_on_itself_and_on_a_missing_question(self) -> None:
        bad = document(
            [
                yes_no("a", condition={"question": "a", "value": "yes"}),
                yes_no("b", condition={"question": "gone", "value": "yes"}),
            ]
        )
        found = messages(doc.check_document(bad))
        assert any("circle: a → a" in m for m in found)
        assert any("(b)" in m and "“gone”" in m for m in found)

    def test_circular_conditions_are_named_as_a_circle(self) -> None:
        bad = document(
            [
                yes_no("a", condition={"question": "b", "value": "yes"}),
                yes_no("b", condition={"question": "a", "value": "no"}),
            ]
        )
        found = messages(doc.check_document(bad))
        assert found == ["The conditions go in a circle: a → b → a."]

    def test_condition_value_must_be_an_answer_and_target_must_have_fixed_answers(self) -> None:
        text = {
            "key": "t",
            "type": "text_short",
            "text": {"nb": "Hva?"},
            "required": False,
            "dont_know": False,
        }
        bad = document(
            [
                yes_no("plan"),
                text,
                likert("x", condition={"question": "plan", "value": "kanskje"}),
                likert("y", condition={"question": "t", "value": "hei"}),
            ]
        )
        found = messages(doc.check_document(bad))
        assert len(found) == 2
        assert "“kanskje” is not an answer" in found[0]
        assert "fixed answer options" in found[1]

    def test_choice_questions_need_distinct_options(self) -> None:
        def choice(key: str, labels: list[str]) -> dict[str, Any]:
            return {
                "key": key,
                "type": "single_choice",
                "text": {"nb": "Hvor ofte?"},
                "required": False,
                "dont_know": False,
                "options": [
                    {"value": str(i), "label": {"nb": lab}} for i, lab in enumerate(labels)
                ],
            }

        bad = document(
            [choice("none", []), choice("one", ["Ja"]), choice("twice", ["Ofte", "ofte "])]
        )
        found = messages(doc.check_document(bad))
        assert any("(none)" in m and "at least two" in m for m in found)
        assert any("(one)" in m and "at least two" in m for m in found)
        assert any("(twice)" in m and "“ofte”" in m.casefold() and "twice" in m for m in found)

    def test_every_problem_is_named_not_just_the_first(self) -> None:
        bad = {
            "format": "brukerstemmen.questionnaire",
            "version": 1,
            "title": {"nb": "", "xx": "?"},
            "colour": "red",
            "pages": [
                {
                    "questions": [
                        likert("dup", text="x" * 501),
                        likert("dup"),
                        {"key": "Bad Key", "type": "wat", "text": {"nb": "?"}},
                        {
                            "key": "n",
                            "type": "number",
                            "text": {"nb": "Hvor mange?"},
                            "min": 5,
                            "max": 5,
                        },
                        {"key": "s", "type": "smiley", "text": {"nb": "Hvordan?"}, "options": []},
                    ]
                }
            ],
        }
        found = messages(doc.check_document(bad))
        expected = [
            "Unknown field “colour”",
            "Unknown language code “xx”",
            "Write the text in bokmål",
            "at most 500 characters",
            "Two questions have the code “dup”",
            "question code must be",
            "Unknown question type",
            "highest number must be larger",
            "3 or 5 faces",
        ]
        for text in expected:
            assert any(text in m for m in found), (text, found)

    def test_other_files_are_refused_clearly(self) -> None:
        assert messages(doc.check_document([])) == ["The file does not contain a questionnaire."]
        assert messages(doc.check_document({"format": "x"})) == [
            "The file is not a Brukerstemmen questionnaire."
        ]
        newer = {"format": doc.FORMAT, "version": 2}
        assert "version 2" in messages(doc.check_document(newer))[0]
        # Whatever stands there, the message stays short.
        long = messages(doc.check_document({"format": doc.FORMAT, "version": ["x" * 5000]}))
        assert len(long[0]) < 200

    def test_nesting_deeper_than_a_questionnaire_is_refused_before_any_check(self) -> None:
        def nested(levels: int) -> dict[str, Any]:
            """A document whose lists and objects are ``levels`` deep, itself included."""
            inner: Any = "x"
            for _ in range(levels - 1):
                inner = [inner]
            return {"format": doc.FORMAT, "version": 1, "pages": inner}

        at_limit = messages(doc.check_document(nested(doc.MAX_DEPTH)))
        assert at_limit and not any("nested" in m for m in at_limit)  # other problems only
        for levels in (doc.MAX_DEPTH + 1, 900, 50_000):  # below and beyond json.loads' limit
            assert messages(doc.check_document(nested(levels))) == [
                f"Lists and objects in the file are nested more than {doc.MAX_DEPTH} levels"
                " deep. A questionnaire is never that deep."
            ]
        # The built-in questionnaires are well within it.
        for template in builtin_templates():
            assert not doc.deeper_than(template.document, 8)


def test_export_import_export_is_identical(app: Flask) -> None:
    with app.test_request_context(headers={"Cookie": "sprak=en"}):
        first = factories.organisation("Fjordvik kommune")
        second = factories.organisation("Nabokommunen")
        for template in builtin_templates():
            source = services.create_round(first, None, template.document, source="test")
            exported = doc.dumps(doc.export_round(source))
            copy = services.import_round(second, None, exported.encode())
            db.session.commit()
            db.session.expire_all()
            assert doc.dumps(doc.export_round(copy)) == exported
            # and the built-in file itself survives unchanged (apart from key order)
            assert json.loads(exported) == template.document
        assert db.session.get(Organisation, second.id) is not None


def test_import_refuses_non_json(app: Flask) -> None:
    with app.test_request_context(headers={"Cookie": "sprak=en"}):
        org = factories.organisation()
        for raw in (b"\xff\xfe\x00", b"{not json", b""):
            with pytest.raises(services.ImportFailed) as failed:
                services.import_round(org, None, raw)
            assert "not readable JSON" in str(failed.value.problems[0])


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_import_refuses_nesting_deeper_than_json_can_be_read(app: Flask, opening: str) -> None:
    """50,000 levels: json.loads gives up (RecursionError), and the file is refused with the
    same message as a document nested a little too deep; nothing is stored."""
    closing = "]" if opening == "[" else "}"
    raw = (opening * 50_000 + "1" + closing * 50_000).encode()
    with app.test_request_context(headers={"Cookie": "sprak=en"}):
        org = factories.organisation()
        with pytest.raises(services.ImportFailed) as failed:
            services.import_round(org, None, raw)
        assert messages(failed.value.problems) == [str(doc.too_deep())]
        assert "nested more than 20 levels" in str(failed.value.problems[0])
