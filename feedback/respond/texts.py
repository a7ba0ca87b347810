"""How a questionnaire's own texts and facts are shown to respondents: paragraphs and the
highlighted box of the introduction and thank-you texts, and the one time estimate that the
first page and the poster both give."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from feedback.models import SurveyRound
from feedback.questionnaire.registry import question_type

#: A paragraph that starts with this is shown in a box (for example where to get help now).
CALLOUT_MARK = "!"

_BLANK_LINE = re.compile(r"\n[ \t]*\n")

#: Reading the introduction and the first page.
SECONDS_TO_START = 30


@dataclass(frozen=True)
class Paragraph:
    text: str
    #: Marked with CALLOUT_MARK: shown in a box.
    callout: bool = False


def paragraphs(text: str | None) -> list[Paragraph]:
    """The paragraphs of a text as written in the designer: separated by a blank line, with
    Windows line ends as forms send them. The text stays plain (the template escapes it)."""
    normal = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    found = []
    for part in _BLANK_LINE.split(normal):
        part = part.strip()
        callout = part.startswith(CALLOUT_MARK)
        if callout:
            part = part[len(CALLOUT_MARK) :].strip()
        if part:
            found.append(Paragraph(part, callout))
    return found


def answering_minutes(round_: SurveyRound) -> int:
    """About how many minutes the questionnaire takes: its questions by kind, rounded up to
    whole minutes. The poster and the first page both say this number."""
    seconds = SECONDS_TO_START + sum(question_type(q).seconds for q in round_.questions)
    return max(1, math.ceil(seconds / 60))
