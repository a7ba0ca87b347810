"""The questionnaire document: one JSON format for sharing, templates and copying rounds.

The format is described in docs/questionnaire-format.md and docs/questionnaire.schema.json.
``check_document`` names every problem in a document; ``check_question`` is the same rule set
for one question and is what the designer's question form runs, so the two never disagree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from feedback.models import Question, QuestionOption, SurveyPage, SurveyRound
from feedback.models.survey import clean_text
from feedback.questionnaire.checks import KEY_PATTERN as KEY_PATTERN
from feedback.questionnaire.checks import TEXT_LIMITS as TEXT_LIMITS
from feedback.questionnaire.checks import Problem as Problem
from feedback.questionnaire.checks import check_text
from feedback.questionnaire.registry import TYPES, question_type

FORMAT = "brukerstemmen.questionnaire"
VERSION = 1

MAX_PAGES = 50
MAX_QUESTIONS = 300
#: How deep lists and objects may nest. A questionnaire needs 8 (document, pages, page,
#: questions, question, options, option, label); a file far deeper is not one, and is refused
#: before anything walks it (json.loads itself gives up at about 1,000 levels).
MAX_DEPTH = 20

_COMMON_KEYS = {"key", "type", "text", "help", "required", "dont_know", "condition"}


def answer_values(question: Mapping[str, Any]) -> list[str]:
    """The values a question (as a document) can be answered with; [] for free answers."""
    found = TYPES.get(str(question.get("type")))
    return found.document_values(question) if found is not None else []


# --- checking ----------------------------------------------------------------------------------


def deeper_than(value: Any, limit: int) -> bool:
    """Whether lists and objects in ``value`` nest more than ``limit`` levels deep (the value
    itself is level 1). Walks without recursion, so no depth can exhaust the stack here."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def too_deep() -> Problem:
    """The problem with a document nested deeper than MAX_DEPTH (or than JSON can be read)."""
    return Problem(
        "",
        "",
        _l(
            "Lists and objects in the file are nested more than %(limit)d levels deep."
            " A questionnaire is never that deep.",
            limit=MAX_DEPTH,
        ),
    )


def _shown(value: Any) -> str:
    """A value from the file (no deeper than MAX_DEPTH) as a message shows it: short, whatever
    was there."""
    text = str(value)
    return text if len(text) <= 20 else text[:19] + "…"


def check_question(
    question: Any, earlier: Mapping[str, Mapping[str, Any]], where: str = ""
) -> list[Problem]:
    """Every problem with one question; ``earlier`` holds the questions before it, by key."""
    if not isinstance(question, dict):
        return [Problem(where, "", _l("A question must be an object."))]
    problems: list[Problem] = []
    key = question.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        problems.append(
            Problem(
                where,
                "key",
                _l("The question code must be 1–40 lowercase letters, digits, - or _."),
            )
        )
    kind = question.get("type")
    found = TYPES.get(kind) if isinstance(kind, str) else None
    if found is None:
        problems.append(Problem(where, "type", _l("Unknown question type.")))
        return problems
    allowed = _COMMON_KEYS | found.document_keys
    for extra in sorted(set(question) - allowed):
        problems.append(
            Problem(
                where, extra, _l("“%(field)s” does not belong to this question type.", field=extra)
            )
        )
    problems += check_text(question.get("text"), "text", TEXT_LIMITS["text"], where, required=True)
    problems += check_text(question.get("help"), "help", TEXT_LIMITS["help"], where, required=False)
    for flag in ("required", "dont_know"):
        if not isinstance(question.get(flag, False), bool):
            problems.append(Problem(where, flag, _l("Must be true or false.")))
    problems += found.check(question, where)
    problems += _check_condition(question, earlier, where)
    return problems


def _check_condition(
    question: Mapping[str, Any], earlier: Mapping[str, Mapping[str, Any]], where: str
) -> list[Problem]:
    condition = question.get("condition")
    if condition is None:
        return []
    if (
        not isinstance(condition, dict)
        or set(condition) != {"question", "value"}
        or not all(isinstance(v, str) for v in condition.values())
    ):
        return [
            Problem(where, "condition", _l("A condition names a question and an answer value."))
        ]
    target_key = condition["question"]
    if target_key == question.get("key"):
        return [Problem(where, "condition", _l("A question cannot depend on itself."))]
    target = earlier.get(target_key)
    if target is None:
        return [
            Problem(
                where,
                "condition",
                _l(
                    "The condition must point to an earlier question; “%(key)s” is not before"
                    " this one.",
                    key=target_key,
                ),
            )
        ]
    target_type = TYPES.get(str(target.get("type")))
    if target_type is None or not target_type.condition_target:
        return [
            Problem(
                where,
                "condition",
                _l("A condition can only test a question with fixed answer options."),
            )
        ]
    if condition["value"] not in answer_values(target):
        return [
            Problem(
                where,
                "condition",
                _l(
                    "“%(value)s” is not an answer to question “%(key)s”.",
                    value=condition["value"],
                    key=target_key,
                ),
            )
        ]
    return []


def _condition_cycles(questions: list[dict[str, Any]]) -> list[list[str]]:
    """Chains of conditions that lead back to where they started."""
    points_to = {
        q["key"]: q["condition"]["question"]
        for q in questions
        if isinstance(q.get("key"), str)
        and isinstance(q.get("condition"), dict)
        and isinstance(q["condition"].get("question"), str)
    }
    cycles: list[list[str]] = []
    seen: set[str] = set()
    for start in points_to:
        path: list[str] = []
        key: str | None = start
        while key is not None and key not in path and key not in seen:
            path.append(key)
            key = points_to.get(key)
        if key is not None and key in path:
            cycle = path[path.index(key) :]
            if not any(set(cycle) == set(c) for c in cycles):
                cycles.append(cycle)
        seen.update(path)
    return cycles


def check_document(document: Any) -> list[Problem]:
    """Every problem in a questionnaire document, in reading order."""
    if not isinstance(document, dict):
        return [Problem("", "", _l("The file does not contain a questionnaire."))]
    if deeper_than(document, MAX_DEPTH):
        return [too_deep()]
    problems: list[Problem] = []
    if document.get("format") != FORMAT:
        problems.append(Problem("", "format", _l("The file is not a Brukerstemmen questionnaire.")))
        return problems
    version = document.get("version")
    if type(version) is not int or version != VERSION:
        problems.append(
            Problem(
                "",
                "version",
                _l(
                    "The file has format version %(found)s; this Brukerstemmen reads version"
                    " %(version)s.",
                    found=_shown(version),
                    version=VERSION,
                ),
            )
        )
        return problems
    allowed = {"format", "version", "title", "intro", "thanks", "pages"}
    for extra in sorted(set(document) - allowed):
        problems.append(Problem("", extra, _l("Unknown field “%(field)s”.", field=extra)))
    problems += check_text(document.get("title"), "title", TEXT_LIMITS["title"], "", required=True)
    for field in ("intro", "thanks"):
        problems += check_text(document.get(field), field, TEXT_LIMITS[field], "", required=False)
    pages = document.get("pages")
    if not isinstance(pages, list) or not pages:
        problems.append(Problem("", "pages", _l("The questionnaire needs at least one page.")))
        return problems
    if len(pages) > MAX_PAGES:
        problems.append(Problem("", "pages", _l("At most %(limit)d pages.", limit=MAX_PAGES)))
    all_questions = [
        q
        for page in pages
        if isinstance(page, dict) and isinstance(page.get("questions"), list)
        for q in page["questions"]
        if isinstance(q, dict)
    ]
    if len(all_questions) > MAX_QUESTIONS:
        problems.append(
            Problem("", "pages", _l("At most %(limit)d questions.", limit=MAX_QUESTIONS))
        )
    cycles = _condition_cycles(all_questions)
    in_cycle = {key for cycle in cycles for key in cycle}
    for cycle in cycles:
        problems.append(
            Problem(
                "",
                "condition",
                _l(
                    "The conditions go in a circle: %(chain)s.",
                    chain=" → ".join([*cycle, cycle[0]]),
                ),
            )
        )
    earlier: dict[str, dict[str, Any]] = {}
    for page_number, page in enumerate(pages, start=1):
        page_where = str(_l("Page %(n)d", n=page_number))
        if not isinstance(page, dict) or set(page) - {"title", "questions"}:
            problems.append(
                Problem(page_where, "", _l("A page has a title and a list of questions only."))
            )
            continue
        problems += check_text(
            page.get("title"), "title", TEXT_LIMITS["page_title"], page_where, required=False
        )
        questions = page.get("questions", [])
        if not isinstance(questions, list):
            problems.append(Problem(page_where, "questions", _l("The questions must be a list.")))
            continue
        for number, question in enumerate(questions, start=1):
            key = question.get("key") if isinstance(question, dict) else None
            where = str(_l("Page %(page)d, question %(n)d", page=page_number, n=number))
            if isinstance(key, str):
                where += f" ({key})"
            found = check_question(question, earlier, where)
            if isinstance(key, str) and key in in_cycle:
                found = [p for p in found if p.field != "condition"]
            problems += found
            if isinstance(key, str):
                if key in earlier:
                    problems.append(
                        Problem(where, "key", _l("Two questions have the code “%(key)s”.", key=key))
                    )
                else:
                    earlier[key] = question
    return problems


# --- writing and reading ---------------------------------------------------------------------


def dumps(document: Mapping[str, Any]) -> str:
    """The canonical text of a document: same content, same bytes."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def question_document(question: Question) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "key": question.key,
        "type": question.kind,
        "text": clean_text(question.text),
        "required": question.required,
        "dont_know": question.dont_know,
    }
    if question.help:
        doc["help"] = clean_text(question.help)
    question_type(question).export(question, doc)
    if question.condition_question is not None and question.condition_value is not None:
        doc["condition"] = {
            "question": question.condition_question.key,
            "value": question.condition_value,
        }
    return doc


def export_round(round_: SurveyRound) -> dict[str, Any]:
    """The round's questionnaire as a document (no ids, dates or names of people)."""
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "title": clean_text(round_.title),
        "pages": [],
    }
    for field in ("intro", "thanks"):
        text = getattr(round_, field)
        if text:
            doc[field] = clean_text(text)
    for page in round_.pages:
        page_doc: dict[str, Any] = {"questions": [question_document(q) for q in page.questions]}
        if page.title:
            page_doc["title"] = clean_text(page.title)
        doc["pages"].append(page_doc)
    return doc


def apply_question(
    question: Question, doc: Mapping[str, Any], by_key: Mapping[str, Question]
) -> None:
    """Set a question from its (checked) document; options keep their rows by value."""
    kind = TYPES[doc["type"]]
    question.key = doc["key"]
    question.kind = kind.kind
    question.text = clean_text(doc.get("text"))
    question.help = clean_text(doc.get("help"))
    question.required = bool(doc.get("required", False))
    question.dont_know = bool(doc.get("dont_know", False))
    kind.apply(question, doc)
    existing = {o.value: o for o in question.options}
    options: list[QuestionOption] = []
    for position, option_doc in enumerate(doc.get("options", []) if kind.has_options else []):
        option = existing.get(option_doc["value"]) or QuestionOption(value=option_doc["value"])
        option.position = position
        option.label = clean_text(option_doc.get("label"))
        options.append(option)
    question.options = options
    condition = doc.get("condition")
    if condition:
        question.condition_question = by_key[condition["question"]]
        question.condition_value = condition["value"]
    else:
        question.condition_question = None
        question.condition_value = None


def fill_round(round_: SurveyRound, document: Mapping[str, Any]) -> None:
    """Give an empty round the texts, pages and questions of a checked document."""
    round_.title = clean_text(document.get("title"))
    round_.intro = clean_text(document.get("intro"))
    round_.thanks = clean_text(document.get("thanks"))
    by_key: dict[str, Question] = {}
    for page_position, page_doc in enumerate(document["pages"]):
        page = SurveyPage(position=page_position, title=clean_text(page_doc.get("title")))
        round_.pages.append(page)
        for position, question_doc in enumerate(page_doc.get("questions", [])):
            question = Question(position=position, round=round_)
            page.questions.append(question)
            apply_question(question, question_doc, by_key)
            by_key[question.key] = question


def blank_document(title: Mapping[str, str]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "title": dict(title),
        "pages": [{"questions": []}],
    }


def documents_in(questions: Iterable[Question]) -> dict[str, dict[str, Any]]:
    """Questions as documents by key, in the given order (for check_question's ``earlier``)."""
    return {q.key: question_document(q) for q in questions}
