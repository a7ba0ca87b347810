"""The JSON Schema in docs/ agrees with the importer's rules (feedback.questionnaire.document)."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from flask import Flask

from feedback.designer.library import BUILTIN_DIR
from feedback.questionnaire.document import check_document, dumps

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "docs" / "questionnaire.schema.json"
FORMAT_DOC = ROOT / "docs" / "questionnaire-format.md"


def load_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


@cache
def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(load_schema())


def schema_errors(document: Any) -> list[str]:
    return [error.message for error in validator().iter_errors(document)]


def importer_problems(app: Flask, document: Any) -> list[str]:
    with app.test_request_context():
        return [str(problem) for problem in check_document(document)]


def minimal() -> dict[str, Any]:
    return {
        "format": "brukerstemmen.questionnaire",
        "version": 1,
        "title": {"nb": "Brukerundersøkelse"},
        "pages": [
            {
                "questions": [
                    {"key": "q1", "type": "likert", "text": {"nb": "Jeg blir lyttet til."}},
                ]
            }
        ],
    }


def with_question(**question: Any) -> dict[str, Any]:
    document = minimal()
    document["pages"][0]["questions"].append({"text": {"nb": "Spørsmål"}, **question})
    return document


def faces(count: int) -> list[dict[str, Any]]:
    return [{"value": str(n), "label": {"nb": f"Ansikt {n}"}} for n in range(1, count + 1)]


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"] == "https://brukerstemmen.no/schema/questionnaire-1.json"


@pytest.mark.parametrize("path", sorted(BUILTIN_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_builtin_templates_match_the_schema(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert schema_errors(document) == []


def test_minimal_document_is_accepted_by_both(app: Flask) -> None:
    document = minimal()
    assert schema_errors(document) == []
    assert importer_problems(app, document) == []


@pytest.mark.parametrize(
    "document",
    [
        pytest.param({**minimal(), "author": "Kari"}, id="unknown-top-level-field"),
        pytest.param({**minimal(), "title": {"en": "User survey"}}, id="no-bokmal-title"),
        pytest.param({**minimal(), "title": {"nb": "  "}}, id="blank-bokmal-title"),
        pytest.param(
            with_question(key="q2", type="likert", options=faces(5)), id="likert-with-options"
        ),
        pytest.param(with_question(key="mood", type="smiley", options=faces(4)), id="four-faces"),
        pytest.param(with_question(key="Q 1", type="yes_no"), id="bad-key"),
        pytest.param(
            with_question(key="free", type="text_short", max_length=501), id="text-short-501"
        ),
        pytest.param({**minimal(), "version": 2}, id="other-version"),
        pytest.param({**minimal(), "pages": []}, id="no-pages"),
        pytest.param(
            with_question(
                key="why", type="text_long", condition={"question": "q1", "value": "1", "x": 1}
            ),
            id="condition-extra-field",
        ),
    ],
)
def test_schema_rejects_what_the_importer_rejects(app: Flask, document: dict[str, Any]) -> None:
    assert importer_problems(app, document)
    assert schema_errors(document)


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(with_question(key="q1", type="yes_no"), id="duplicate-key"),
        pytest.param(
            with_question(key="q2", type="yes_no", condition={"question": "q3", "value": "yes"}),
            id="condition-on-later-question",
        ),
        pytest.param(
            with_question(key="q2", type="yes_no", condition={"question": "q1", "value": "6"}),
            id="condition-value-not-an-answer",
        ),
        pytest.param(with_question(key="n", type="number", min=5, max=5), id="min-not-below-max"),
    ],
)
def test_rules_beyond_the_schema_are_left_to_the_importer(
    app: Flask, document: dict[str, Any]
) -> None:
    """The schema cannot see across fields; these rules are in its descriptions and the docs."""
    assert schema_errors(document) == []
    assert importer_problems(app, document)


def test_example_in_the_format_reference_is_valid_and_canonical(app: Flask) -> None:
    text = FORMAT_DOC.read_text(encoding="utf-8")
    match = re.search(r"## Example\n.*?```json\n(.*?)```", text, re.DOTALL)
    assert match, "no example in the format reference"
    example = match.group(1)
    document = json.loads(example)
    assert schema_errors(document) == []
    assert importer_problems(app, document) == []
    assert dumps(document) == example
