"""The questionnaire document: one JSON format for sharing, templates and copying rounds.

The format is described in docs/questionnaire-format.md and docs/questionnaire.schema.json.
``check_document`` names every problem in a document; ``check_question`` is the same rule set
for one question and is what the designer's question form runs, so the two never disagree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from feedback.models import Question, QuestionOption, SurveyPage, SurveyRound
from feedback.models.survey import QUESTION_KINDS, TEXT_LANGUAGES, clean_text

FORMAT = "brukerstemmen.questionnaire"
VERSION = 1

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")

#: Longest text per field and language.
TEXT_LIMITS = {
    "title": 200,
    "intro": 5000,
    "thanks": 2000,
    "page_title": 200,
    "text": 500,
    "help": 1000,
    "low_label": 100,
    "high_label": 100,
    "label": 200,
}
MAX_PAGES = 50
MAX_QUESTIONS = 300
MAX_OPTIONS = 30
#: Longest free-text answer a question may allow, by kind.
MAX_LENGTH_LIMIT = {"text_short": 500, "text_long": 10000}
DEFAULT_MAX_LENGTH = {"text_short": 200, "text_long": 2000}
NUMBER_LIMIT = 1_000_000_000
#: How deep lists and objects may nest. A questionnaire needs 8 (document, pages, page,
#: questions, question, options, option, label); a file far deeper is not one, and is refused
#: before anything walks it (json.loads itself gives up at about 1,000 levels).
MAX_DEPTH = 20

CHOICE_KINDS = ("single_choice", "multiple_choice")
OPTION_KINDS = ("single_choice", "multiple_choice", "smiley")
SCALE_KINDS = ("likert", "scale")
TEXT_KINDS = ("text_short", "text_long")
SMILEY_FACES = (3, 5)
#: Kinds whose answers are fixed values a condition can test.
CONDITION_KINDS = ("likert", "smiley", "single_choice", "multiple_choice", "yes_no", "scale")

_COMMON_KEYS = {"key", "type", "text", "help", "required", "dont_know", "condition"}
_KIND_KEYS = {
    "likert": {"low_label", "high_label"},
    "scale": {"low_label", "high_label"},
    "smiley": {"options"},
    "single_choice": {"options"},
    "multiple_choice": {"options"},
    "yes_no": set(),
    "text_short": {"max_length"},
    "text_long": {"max_length"},
    "number": {"min", "max"},
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong: where (for people), which field (for forms) and what."""

    where: str
    field: str
    message: str | LazyString

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else str(self.message)


_FIXED_VALUES: dict[str, tuple[str, ...]] = {
    "likert": tuple(str(n) for n in range(1, 6)),
    "scale": tuple(str(n) for n in range(11)),
    "yes_no": ("yes", "no"),
}


def fixed_values(kind: str) -> list[str]:
    """Answer values of kinds without options."""
    return list(_FIXED_VALUES.get(kind, ()))


def answer_values(question: Mapping[str, Any]) -> list[str]:
    """The values a question (as a document) can be answered with; [] for free answers."""
    kind = question.get("type")
    if kind in OPTION_KINDS:
        return [str(o.get("value")) for o in question.get("options") or [] if isinstance(o, dict)]
    return fixed_values(str(kind))


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


def _check_text(value: Any, field: str, limit: int, where: str, *, required: bool) -> list[Problem]:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        return [Problem(where, field, _l("The text must be given per language (nb, nn, en)."))]
    problems = []
    for lang in value:
        if lang not in TEXT_LANGUAGES:
            problems.append(
                Problem(where, field, _l("Unknown language code “%(code)s”.", code=str(lang)))
            )
    for lang in TEXT_LANGUAGES:
        text = value.get(lang)
        if text is None:
            continue
        if not isinstance(text, str):
            problems.append(Problem(where, f"{field}.{lang}", _l("The text must be text.")))
        elif len(text.strip()) > limit:
            problems.append(
                Problem(
                    where,
                    f"{field}.{lang}",
                    _l("The text is too long: at most %(limit)d characters.", limit=limit),
                )
            )
    nb = value.get("nb")
    if required and not (isinstance(nb, str) and nb.strip()):
        problems.append(Problem(where, f"{field}.nb", _l("Write the text in bokmål.")))
    return problems


def _check_options(question: Mapping[str, Any], where: str) -> list[Problem]:
    kind = question["type"]
    options = question.get("options")
    if not isinstance(options, list) or not options:
        if kind == "smiley":
            return [Problem(where, "options", _l("A smiley scale needs 3 or 5 faces."))]
        return [Problem(where, "options", _l("Write at least two answer options."))]
    problems: list[Problem] = []
    if kind == "smiley" and len(options) not in SMILEY_FACES:
        problems.append(Problem(where, "options", _l("A smiley scale has 3 or 5 faces.")))
    if kind in CHOICE_KINDS and len(options) < 2:
        problems.append(Problem(where, "options", _l("Write at least two answer options.")))
    if len(options) > MAX_OPTIONS:
        problems.append(
            Problem(where, "options", _l("At most %(limit)d answer options.", limit=MAX_OPTIONS))
        )
    values: set[str] = set()
    labels: set[str] = set()
    for option in options:
        if not isinstance(option, dict) or set(option) - {"value", "label"}:
            problems.append(
                Problem(where, "options", _l("An answer option has a value and a label only."))
            )
            continue
        value = option.get("value")
        if not isinstance(value, str) or not KEY_PATTERN.match(value):
            problems.append(
                Problem(
                    where,
                    "options",
                    _l("An answer option's value must be short lowercase letters or digits."),
                )
            )
        elif value in values:
            problems.append(
                Problem(where, "options", _l("Two answer options have the value “%(v)s”.", v=value))
            )
        else:
            values.add(value)
        label_problems = _check_text(
            option.get("label"), "options", TEXT_LIMITS["label"], where, required=True
        )
        problems.extend(Problem(p.where, "options", p.message) for p in label_problems)
        label = option.get("label")
        nb = label.get("nb") if isinstance(label, dict) else None
        if isinstance(nb, str) and nb.strip():
            folded = nb.strip().casefold()
            if folded in labels:
                problems.append(
                    Problem(
                        where,
                        "options",
                        _l("The answer option “%(label)s” is there twice.", label=nb.strip()),
                    )
                )
            labels.add(folded)
    return problems


def _check_int(value: Any, field: str, where: str, low: int, high: int) -> list[Problem]:
    if value is None:
        return []
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return [
            Problem(
                where,
                field,
                _l("Write a whole number from %(low)s to %(high)s.", low=low, high=high),
            )
        ]
    return []


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
    if kind not in QUESTION_KINDS:
        problems.append(Problem(where, "type", _l("Unknown question type.")))
        return problems
    allowed = _COMMON_KEYS | _KIND_KEYS[kind]
    for extra in sorted(set(question) - allowed):
        problems.append(
            Problem(
                where, extra, _l("“%(field)s” does not belong to this question type.", field=extra)
            )
        )
    problems += _check_text(question.get("text"), "text", TEXT_LIMITS["text"], where, required=True)
    problems += _check_text(
        question.get("help"), "help", TEXT_LIMITS["help"], where, required=False
    )
    for flag in ("required", "dont_know"):
        if not isinstance(question.get(flag, False), bool):
            problems.append(Problem(where, flag, _l("Must be true or false.")))
    if kind in SCALE_KINDS:
        for label in ("low_label", "high_label"):
            problems += _check_text(
                question.get(label), label, TEXT_LIMITS[label], where, required=False
            )
    if kind in OPTION_KINDS:
        problems += _check_options(question, where)
    if kind in TEXT_KINDS:
        problems += _check_int(
            question.get("max_length"), "max_length", where, 1, MAX_LENGTH_LIMIT[kind]
        )
    if kind == "number":
        low, high = question.get("min"), question.get("max")
        bad = _check_int(low, "min", where, -NUMBER_LIMIT, NUMBER_LIMIT)
        bad += _check_int(high, "max", where, -NUMBER_LIMIT, NUMBER_LIMIT)
        problems += bad
        if not bad and low is not None and high is not None and low >= high:
            problems.append(
                Problem(where, "max", _l("The highest number must be larger than the lowest."))
            )
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
    if target.get("type") not in CONDITION_KINDS:
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
    problems += _check_text(document.get("title"), "title", TEXT_LIMITS["title"], "", required=True)
    for field in ("intro", "thanks"):
        problems += _check_text(document.get(field), field, TEXT_LIMITS[field], "", required=False)
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
        problems += _check_text(
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
    if question.kind in SCALE_KINDS:
        if question.low_label:
            doc["low_label"] = clean_text(question.low_label)
        if question.high_label:
            doc["high_label"] = clean_text(question.high_label)
    if question.kind in OPTION_KINDS:
        doc["options"] = [
            {"value": o.value, "label": clean_text(o.label)} for o in question.options
        ]
    if question.kind in TEXT_KINDS and question.max_length is not None:
        doc["max_length"] = question.max_length
    if question.kind == "number":
        if question.min_value is not None:
            doc["min"] = question.min_value
        if question.max_value is not None:
            doc["max"] = question.max_value
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
    kind = doc["type"]
    question.key = doc["key"]
    question.kind = kind
    question.text = clean_text(doc.get("text"))
    question.help = clean_text(doc.get("help"))
    question.required = bool(doc.get("required", False))
    question.dont_know = bool(doc.get("dont_know", False))
    question.low_label = clean_text(doc.get("low_label")) if kind in SCALE_KINDS else {}
    question.high_label = clean_text(doc.get("high_label")) if kind in SCALE_KINDS else {}
    question.max_length = (
        doc.get("max_length", DEFAULT_MAX_LENGTH[kind]) if kind in TEXT_KINDS else None
    )
    question.min_value = doc.get("min") if kind == "number" else None
    question.max_value = doc.get("max") if kind == "number" else None
    existing = {o.value: o for o in question.options}
    options: list[QuestionOption] = []
    for position, option_doc in enumerate(doc.get("options", []) if kind in OPTION_KINDS else []):
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
