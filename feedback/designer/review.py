"""Reading aids for a round's page: texts that lack a translation, and questions that differ
from the one they were copied from."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from feedback.models import Question, SurveyRound
from feedback.models.survey import TEXT_LANGUAGES
from feedback.questionnaire import document as doc


@dataclass(frozen=True)
class MissingText:
    """A text with bokmål that lacks ``languages``: where it is and what it is."""

    where: str
    what: str
    languages: tuple[str, ...]
    question_id: int | None = None
    page_id: int | None = None


def _missing(text: dict[str, str]) -> tuple[str, ...]:
    if not text.get("nb"):
        return ()
    return tuple(lang for lang in TEXT_LANGUAGES if not text.get(lang))


def missing_translations(round_: SurveyRound) -> list[MissingText]:
    """Texts that have bokmål but lack nynorsk or English, in reading order."""
    found: list[MissingText] = []
    settings = str(_l("Title and texts"))
    for field, label in (
        ("title", _l("Title")),
        ("intro", _l("Introduction")),
        ("thanks", _l("Thank-you text")),
    ):
        languages = _missing(getattr(round_, field))
        if languages:
            found.append(MissingText(settings, str(label), languages))
    number = 0
    for page_number, page in enumerate(round_.pages, start=1):
        page_where = str(_l("Page %(n)d", n=page_number))
        languages = _missing(page.title)
        if languages:
            found.append(MissingText(page_where, str(_l("Page title")), languages, page_id=page.id))
        for question in page.questions:
            number += 1
            where = str(_l("Question %(n)d", n=number))
            texts = [
                (_l("Question text"), question.text),
                (_l("Help text"), question.help),
                (_l("Label at the low end"), question.low_label),
                (_l("Label at the high end"), question.high_label),
            ] + [
                (_l("Answer option “%(label)s”", label=o.label.get("nb", "")), o.label)
                for o in question.options
            ]
            for label, text in texts:
                languages = _missing(text)
                if languages:
                    found.append(MissingText(where, str(label), languages, question_id=question.id))
    return found


def changed_since_previous(question: Question) -> bool:
    """The question differs from the one it was copied from (so it may not compare)."""
    if question.previous is None:
        return False
    mine = doc.question_document(question)
    theirs = doc.question_document(question.previous)
    mine.pop("condition", None)
    theirs.pop("condition", None)
    return mine != theirs
