"""Showing a questionnaire to a respondent and reading the answers, page by page.

Used by the designer's preview now and by public answering. Answers travel as form values
``q-<key>`` (several for multiple choice); "don't know" is the value ``dont_know``. Nothing
here touches the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from feedback.models import Question, SurveyPage, SurveyRound
from feedback.questionnaire.registry import QuestionType, question_type
from feedback.questionnaire.types.base import DONT_KNOW as DONT_KNOW
from feedback.questionnaire.types.base import DONT_KNOW_LABEL as DONT_KNOW_LABEL

Answers = dict[str, list[str]]


def field_name(question: Question) -> str:
    return field_name_for(question.key)


def choices(question: Question, language: str | None = None) -> list[tuple[str, str]]:
    """(value, label) for every fixed answer, in the respondent's language."""
    return question_type(question).choices(question, language)


def values_of(question: Question) -> list[str]:
    """The fixed answers' values (what choices gives, without making the labels)."""
    return question_type(question).values(question)


def is_shown(question: Question, answers: Mapping[str, list[str]]) -> bool:
    """A question with a condition shows only if the earlier answer matches."""
    target = question.condition_question
    if target is None:
        return True
    return question.condition_value in answers.get(target.key, [])


@dataclass
class ShownQuestion:
    question: Question
    number: int
    values: list[str] = field(default_factory=list)
    error: str | None = None
    #: The question it depends on, when that is on the same page (JavaScript may hide it).
    depends_here: Question | None = None
    depends_number: int | None = None

    @property
    def type(self) -> QuestionType:
        """The question's type (its template shows the answer fields)."""
        return question_type(self.question)


def _read(question: Question, form: MultiDict[str, str]) -> tuple[list[str], str | None]:
    """The answer to one question and the problem with it, if any."""
    return question_type(question).read(question, form)


def read_page(
    page: SurveyPage, form: MultiDict[str, str], earlier: Answers
) -> tuple[Answers, dict[str, str]]:
    """This page's answers (only for questions that are shown) and the problems, by key."""
    answers: Answers = {}
    problems: dict[str, str] = {}
    for question in page.questions:
        if not is_shown(question, {**earlier, **answers}):
            continue
        values, problem = _read(question, form)
        if problem is None and question.required and not values:
            problem = str(
                _l("Answer this question, or choose “Don't know”.")
                if question.dont_know
                else _l("Answer this question.")
            )
        if values:
            answers[question.key] = values
        if problem:
            problems[question.key] = problem
    return answers, problems


def carried(round_: SurveyRound, form: MultiDict[str, str], skip: SurveyPage | None) -> Answers:
    """Answers from earlier pages that the form carries along (hidden fields)."""
    answers: Answers = {}
    for question in round_.questions:
        if skip is not None and question.page_id == skip.id:
            continue
        values = [v for v in form.getlist(field_name(question)) if v]
        if values:
            answers[question.key] = values
    return answers


def numbering(round_: SurveyRound) -> dict[int, int]:
    """Question id → its number in the whole questionnaire."""
    return {q.id: n for n, q in enumerate(round_.questions, start=1)}


def shown_questions(
    page: SurveyPage,
    answers: Answers,
    problems: Mapping[str, str],
    numbers: Mapping[int, int],
) -> list[ShownQuestion]:
    """The page's questions as the respondent sees them: earlier pages decide what is shown;
    a condition on the same page is shown as a hint (and handled by JavaScript if present)."""
    here = {q.id for q in page.questions}
    shown = []
    for question in page.questions:
        target = question.condition_question
        depends_here = target if target is not None and target.id in here else None
        if depends_here is None and not is_shown(question, answers):
            continue
        shown.append(
            ShownQuestion(
                question,
                numbers[question.id],
                answers.get(question.key, []),
                problems.get(question.key),
                depends_here,
                numbers[depends_here.id] if depends_here is not None else None,
            )
        )
    return shown


def next_page(round_: SurveyRound, index: int, answers: Answers, step: int) -> int | None:
    """The next page index (in direction ``step``) with a question to show, else None."""
    pages = round_.pages
    index += step
    while 0 <= index < len(pages):
        if any(is_shown(q, answers) for q in pages[index].questions):
            return index
        index += step
    return None


#: Problem key for the whole form rather than one question.
FORM_PROBLEM = "_form"


@dataclass
class Step:
    """Where a respondent is after sending one page."""

    index: int
    answers: Answers
    problems: dict[str, str]
    #: Every page is answered and checked: the answers can be stored.
    done: bool = False


def _stray_answers(round_: SurveyRound, page: SurveyPage, form: MultiDict[str, str]) -> bool:
    """True when the form answers a question that does not exist or that this page did not
    show (its condition is on an earlier page and was not met): only a changed form does that."""
    keys = {q.key for q in round_.questions}
    for name in form:
        if name.startswith("q-") and name.removeprefix("q-").removesuffix("-dk") not in keys:
            return True
    earlier = carried(round_, form, page)
    here = {q.id for q in page.questions}
    for question in page.questions:
        target = question.condition_question
        same_page = target is not None and target.id in here
        if not same_page and not is_shown(question, earlier):
            name = field_name(question)
            if any(form.getlist(name)) or form.get(f"{name}-dk"):
                return True
    return False


def as_form(round_: SurveyRound, answers: Answers) -> MultiDict[str, str]:
    """Answers turned back into form values, so they can be checked again."""
    form: MultiDict[str, str] = MultiDict()
    for question in round_.questions:
        kind = question_type(question)
        for value in answers.get(question.key, []):
            form.add(kind.form_name(question, value), value)
    return form


def check_all(round_: SurveyRound, answers: Answers) -> tuple[Answers, int | None, dict[str, str]]:
    """All answers checked again, page by page, as one would before storing them.

    Answers to questions that are no longer shown (someone went back and changed an earlier
    answer) are dropped. Returns the clean answers and, if something is wrong, the first page
    with a problem and its problems.
    """
    form = as_form(round_, answers)
    clean: Answers = {}
    for index, page in enumerate(round_.pages):
        here, problems = read_page(page, form, clean)
        if problems:
            return clean, index, problems
        clean.update(here)
    return clean, None, {}


def step(round_: SurveyRound, form: MultiDict[str, str]) -> Step:
    """Read one sent page and decide where to go: back, the same page, the next, or done.

    ``nav`` is "next" (also the default, for Enter), "back", or "stay" (for a language change:
    nothing is checked and nothing is lost).
    """
    pages = round_.pages
    index = min(max(form.get("side", 0, type=int) or 0, 0), len(pages) - 1)
    page = pages[index]
    earlier = carried(round_, form, page)
    here, problems = read_page(page, form, earlier)
    answers = {**earlier, **here}
    nav = form.get("nav", "next")
    if nav == "stay":
        return Step(index, answers, {})
    if nav == "back":
        following = next_page(round_, index, answers, -1)
        return Step(index if following is None else following, answers, {})
    if _stray_answers(round_, page, form):
        problems[FORM_PROBLEM] = str(
            _l(
                "The form held answers to questions that are not shown to you. They were left"
                " out. Check your answers and send again."
            )
        )
    if problems:
        return Step(index, answers, problems)
    following = next_page(round_, index, answers, 1)
    if following is not None:
        return Step(following, answers, {})
    if len(pages) == 1:
        # The page just read is the whole questionnaire: nothing else to check again.
        return Step(index, answers, {}, done=True)
    clean, wrong_page, problems = check_all(round_, answers)
    if wrong_page is not None:
        return Step(wrong_page, answers, problems)
    return Step(index, clean, {}, done=True)


def number_value(question: Question, value: str) -> int | None:
    """The numeric value stored beside an answer, for averages later (None if not a number)."""
    return question_type(question).number_value(question, value)


def page_view(round_: SurveyRound, step: Step) -> dict[str, object]:
    """What the questionnaire template needs to show the page a Step points at."""
    index, answers = step.index, step.answers
    common = {
        "page_index": index,
        "answers": answers,
        "problems": step.problems,
        "form_problem": step.problems.get(FORM_PROBLEM),
        "choices": choices,
        "dont_know": DONT_KNOW,
        "dont_know_label": DONT_KNOW_LABEL,
        "page_count": len(round_.pages),
    }
    if not round_.pages:
        return {
            **common,
            "page": None,
            "shown": [],
            "hidden_answers": MultiDict(),
            "is_first": True,
        }
    page = round_.pages[index]
    here = {q.key for q in page.questions}
    hidden: MultiDict[str, str] = MultiDict(
        [
            (field_name_for(key), value)
            for key, values in answers.items()
            if key not in here
            for value in values
        ]
    )
    return {
        **common,
        "page": page,
        "shown": shown_questions(page, answers, step.problems, numbering(round_)),
        "hidden_answers": hidden,
        "is_first": next_page(round_, index, answers, -1) is None,
    }


def field_name_for(key: str) -> str:
    return f"q-{key}"


def read_paper(round_: SurveyRound, form: MultiDict[str, str]) -> tuple[Answers, dict[str, str]]:
    """Every question of a paper questionnaire, read from one data-entry form.

    Nothing is required (people skip questions on paper), but an answer to a question whose
    condition is not met is pointed out, so the person typing can leave it empty.
    """
    answers: Answers = {}
    problems: dict[str, str] = {}
    for question in round_.questions:
        values, problem = _read(question, form)
        if values and problem is None and not is_shown(question, answers):
            problem = str(
                _l("Leave this empty: on paper it is only answered after another answer.")
            )
        if values:
            answers[question.key] = values
        if problem:
            problems[question.key] = problem
    return answers, problems


def all_questions(
    round_: SurveyRound, answers: Answers, problems: Mapping[str, str]
) -> list[ShownQuestion]:
    """Every question on one page (paper and data entry), each condition shown as a hint."""
    numbers = numbering(round_)
    return [
        ShownQuestion(
            question,
            numbers[question.id],
            answers.get(question.key, []),
            problems.get(question.key),
            question.condition_question,
            numbers[question.condition_question.id] if question.condition_question else None,
        )
        for question in round_.questions
    ]
