"""A questionnaire's rounds: finding them, creating and importing, templates, texts and dates,
and the bookkeeping every change to a questionnaire goes through. Services flush; views commit.

Pages and questions are edited in ``editing``, approval and the lifecycle are in ``lifecycle``,
the open and close dates are applied in ``schedule``, and the round page's reading aids are in
``review``.
- Any change to the questionnaire after an approval removes all approvals; an open round that is
  changed (possible only before the first response) goes back to awaiting approval.
- Questions lock at the first response, and in closed and archived rounds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from feedback import audit
from feedback.designer.library import builtin_templates
from feedback.exceptions import RuleBroken, get_or_404
from feedback.extensions import db
from feedback.models import (
    Organisation,
    Question,
    Response,
    SurveyPage,
    SurveyRound,
    SurveySeries,
    SurveyTemplate,
    User,
)
from feedback.models.base import utcnow
from feedback.models.survey import clean_text
from feedback.questionnaire import document as doc

#: Statuses in which the questionnaire itself may change (if nobody has answered yet).
EDITABLE_STATUSES = ("draft", "awaiting_approval", "open")


class DesignerError(RuleBroken):
    """A questionnaire change that breaks a rule."""


class ImportFailed(Exception):
    """A document that cannot be imported; ``problems`` names every reason."""

    def __init__(self, problems: list[doc.Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def _target(round_: SurveyRound) -> str:
    return f"survey_round:{round_.id}"


def round_name(round_: SurveyRound) -> str:
    """The round as the audit log names it: its title and number."""
    return f"{round_.title.get('nb', '')} ({round_.number})"


def log_round(round_: SurveyRound, actor: User | None, action: str, **details: Any) -> None:
    """Record something about the round in its organisation's audit log and its history."""
    audit.record(
        round_.series.organisation,
        actor,
        action,
        round_name(round_),
        target=_target(round_),
        **details,
    )


# --- finding ---------------------------------------------------------------------------------


def series_list(organisation: Organisation) -> list[SurveySeries]:
    """The organisation's series, newest first, each with its rounds."""
    stmt = (
        sa.select(SurveySeries)
        .where(SurveySeries.organisation_id == organisation.id)
        .order_by(SurveySeries.created_at.desc(), SurveySeries.id.desc())
    )
    return list(db.session.scalars(stmt))


def get_round(organisation: Organisation, round_id: int) -> SurveyRound:
    """The organisation's round, else NotFound (also for another organisation's round)."""
    return get_or_404(SurveyRound, round_id, lambda r: r.series.organisation_id == organisation.id)


def get_page(round_: SurveyRound, page_id: int) -> SurveyPage:
    """The round's page, else NotFound."""
    return get_or_404(SurveyPage, page_id, lambda p: p.round_id == round_.id)


def get_question(round_: SurveyRound, question_id: int) -> Question:
    """The round's question, else NotFound."""
    return get_or_404(Question, question_id, lambda q: q.round_id == round_.id)


def response_count(round_: SurveyRound) -> int:
    """Responses the round has stored."""
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Response).where(Response.round_id == round_.id)
        )
        or 0
    )


def published_count(round_: SurveyRound) -> int:
    """Responses in the round's published results (the count readers see)."""
    from feedback.results import tally  # not at import: results import the designer

    return tally.published_total(db.session(), round_.id)


def is_locked(round_: SurveyRound, responses: int | None = None) -> bool:
    """True when the questions may no longer change (``responses``: the count, if known)."""
    if round_.status not in EDITABLE_STATUSES:
        return True
    return (response_count(round_) if responses is None else responses) > 0


def ensure_editable(round_: SurveyRound) -> None:
    """DesignerError unless the round's questionnaire may change now."""
    if round_.status not in EDITABLE_STATUSES:
        raise DesignerError(
            "", _l("This round is closed. To change the questions, start a new round.")
        )
    if response_count(round_) > 0:
        raise DesignerError(
            "",
            _l(
                "The questions are locked because people have answered. To change them, start"
                " a new round."
            ),
        )


def record_change(round_: SurveyRound, actor: User | None, action: str, **details: Any) -> None:
    """Record a change to the questionnaire: approvals go, an open round waits for new ones."""
    round_.changed_at = utcnow()
    log_round(round_, actor, action, **details)
    if round_.approvals:
        names = [a.user.name for a in round_.approvals]
        round_.approvals.clear()
        log_round(round_, actor, "round.approvals_reset", approved_by=names)
    if round_.status == "open":
        round_.status = "awaiting_approval"
        round_.opened_at = None
        log_round(round_, actor, "round.back_to_approval")
    db.session.flush()


# --- creating --------------------------------------------------------------------------------


def create_round(
    organisation: Organisation, actor: User | None, document: dict[str, Any], *, source: str
) -> SurveyRound:
    """A new series whose first round holds the (checked) document's questionnaire."""
    problems = doc.check_document(document)
    if problems:
        raise ImportFailed(problems)
    series = SurveySeries(organisation=organisation)
    round_ = SurveyRound(series=series, number=1, status="draft")
    db.session.add(series)
    doc.fill_round(round_, document)
    db.session.flush()
    log_round(round_, actor, "round.create", source=source)
    return round_


def import_round(organisation: Organisation, actor: User | None, raw: bytes) -> SurveyRound:
    """Create a questionnaire from an uploaded JSON file; ImportFailed names every problem."""
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise ImportFailed(
            [doc.Problem("", "file", _l("The file is not readable JSON text (UTF-8)."))]
        ) from None
    except RecursionError:
        # json.loads reads nested lists and objects by recursion; past about 1,000 levels it
        # gives up. check_document refuses far less deep documents with the same message.
        raise ImportFailed([doc.too_deep()]) from None
    return create_round(organisation, actor, document, source="import")


def new_round(round_: SurveyRound, actor: User | None) -> SurveyRound:
    """The next round of the series with the questionnaire copied unchanged."""
    series = round_.series
    number = max(r.number for r in series.rounds) + 1
    copy = SurveyRound(series=series, number=number, status="draft", previous_id=round_.id)
    db.session.add(copy)
    doc.fill_round(copy, doc.export_round(round_))
    earlier = {q.key: q for q in round_.questions}
    for question in copy.questions:
        previous = earlier.get(question.key)
        if previous is not None:
            question.previous = previous
            question.comparable = True
    db.session.add(copy)
    db.session.flush()
    log_round(copy, actor, "round.create", source="round", previous=round_.number)
    return copy


# --- templates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateChoice:
    """A template offered for a new questionnaire."""

    #: "builtin:<name>" or "own:<id>".
    ident: str
    name: str
    document: dict[str, Any]


def template_choices(organisation: Organisation) -> list[TemplateChoice]:
    """Built-in templates first, then the organisation's own, by name."""
    choices = [
        TemplateChoice(f"builtin:{t.name}", str(t.label), t.document) for t in builtin_templates()
    ]
    own = db.session.scalars(
        sa.select(SurveyTemplate)
        .where(SurveyTemplate.organisation_id == organisation.id)
        .order_by(SurveyTemplate.name)
    )
    choices += [TemplateChoice(f"own:{t.id}", t.name, t.document) for t in own]
    return choices


def save_template(round_: SurveyRound, actor: User | None, name: str) -> SurveyTemplate:
    """Save the round's questionnaire as one of the organisation's templates."""
    organisation = round_.series.organisation
    clash = db.session.scalar(
        sa.select(SurveyTemplate.id).where(
            SurveyTemplate.organisation_id == organisation.id,
            sa.func.lower(SurveyTemplate.name) == name.lower(),
        )
    )
    if clash is not None:
        raise DesignerError("name", _l("There is already a template with this name."))
    template = SurveyTemplate(
        organisation_id=organisation.id,
        name=name,
        document=doc.export_round(round_),
        created_by_id=actor.id if actor else None,
    )
    db.session.add(template)
    db.session.flush()
    log_round(round_, actor, "template.save", name=name)
    return template


# --- texts and dates -------------------------------------------------------------------------


def update_settings(
    round_: SurveyRound,
    actor: User | None,
    *,
    title: dict[str, str],
    intro: dict[str, str],
    thanks: dict[str, str],
    opens_on: date | None,
    closes_on: date | None,
) -> None:
    """Change the round's texts (a change to the questionnaire) and its dates (not one)."""
    if round_.status == "archived":
        raise DesignerError("", _l("An archived round cannot be changed."))
    if opens_on and closes_on and closes_on < opens_on:
        raise DesignerError(
            "closes_on", _l("The closing date must be on or after the opening date.")
        )
    texts = {"title": clean_text(title), "intro": clean_text(intro), "thanks": clean_text(thanks)}
    changed_texts = [k for k, v in texts.items() if getattr(round_, k) != v]
    if changed_texts:
        ensure_editable(round_)
        for key, value in texts.items():
            setattr(round_, key, value)
        record_change(round_, actor, "round.update", fields=changed_texts)
    if (opens_on, closes_on) != (round_.opens_on, round_.closes_on):
        if round_.status in ("closed", "archived") and opens_on != round_.opens_on:
            raise DesignerError("opens_on", _l("A closed round cannot get a new opening date."))
        log_round(
            round_,
            actor,
            "round.dates",
            opens_on=opens_on.isoformat() if opens_on else None,
            closes_on=closes_on.isoformat() if closes_on else None,
        )
        round_.opens_on, round_.closes_on = opens_on, closes_on
        db.session.flush()
