"""The results filter: a GET form (no CSRF: it changes nothing), so a filtered page has its own
address to bookmark or send, and works without JavaScript."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from feedback.exceptions import NotFound
from feedback.i18n import localized
from feedback.ids import parse_id
from feedback.models import SurveyRound
from feedback.questionnaire import runtime
from feedback.questionnaire.registry import question_type
from feedback.results import readers
from feedback.results.readers import ResultsScope
from feedback.results.selection import Selection, Units, units_of
from feedback.vocabulary import CHANNEL_LABELS
from feedback.web.forms import CHOOSE_FROM_LIST, Form, choice_values, options


class SelectionForm(Form):
    class Meta:
        csrf = False

    enhet = SelectField(_l("Unit"), validate_choice=True)
    kanal = SelectField(_l("Way of answering"), validate_choice=True)
    svar = SelectField(_l("Only those who answered"), validate_choice=True)


def selection_form(
    round_: SurveyRound,
    scope: ResultsScope,
    units: Units,
    args: object,
    *,
    with_answer: bool = True,
) -> SelectionForm:
    form = SelectionForm(formdata=args)
    everyone = _l("All units") if scope.everything else _l("All units (totals)")
    form.enhet.choices = options(
        [("", everyone)]
        + [
            (str(u), "\u00a0\u00a0" * units.depth[u] + units.names[u])
            for u in units.order
            if scope.may_see_unit(u)
        ]
    )
    form.kanal.choices = options(
        [("", _l("All ways"))] + [(c, label) for c, label in CHANNEL_LABELS.items()]
    )
    answers: list[tuple[str, str]] = [("", _l("Everyone"))]
    if with_answer:
        for question in round_.questions:
            if question_type(question).filters_results:
                text = localized(question.text)
                for value, label in runtime.choices(question):
                    answers.append((f"{question.id}:{value}", f"{text} – {label}"))
    form.svar.choices = options(answers)
    for field in (form.enhet, form.kanal, form.svar):
        field.validators = []
    return form


def requested_unit(args: Mapping[str, str], units: Units) -> int | None:
    """The unit the address asks for, when it is one of the organisation's units (whether or
    not the reader may see it: the view answers 404 for a unit that is not theirs)."""
    unit_id = parse_id(args.get("enhet"))
    return unit_id if unit_id in units.names else None


def read_selection(form: SelectionForm) -> tuple[Selection, bool]:
    """The selection the form asks for, and whether it was all valid. Invalid parts get their
    message at the field and are left out of the selection."""
    valid = True
    values = {}
    for field in (form.enhet, form.kanal, form.svar):
        raw = field.data or ""
        if raw and raw not in choice_values(field):
            field.errors = [str(CHOOSE_FROM_LIST)]
            valid = False
            raw = ""
        values[field.name] = raw
    question_id, _, value = values["svar"].partition(":")
    return (
        Selection(
            unit_id=int(values["enhet"]) if values["enhet"] else None,
            channel=values["kanal"] or None,
            question_id=int(question_id) if question_id else None,
            value=value or None,
        ),
        valid,
    )


class Selected(NamedTuple):
    """What a results page or file is about."""

    scope: ResultsScope
    round_: SurveyRound
    units: Units
    form: SelectionForm
    selection: Selection


def selected(round_id: int, *, with_answer: bool = True) -> Selected:
    """The round, the reader's scope, the unit tree, the filter form and its selection, read
    from the request's query (results pages, their files and the report)."""
    scope = readers.current_scope()
    round_ = readers.get_round(scope, round_id)
    units = units_of(scope.organisation)
    # Another unit of the organisation is not a typing error but a page that is not theirs.
    if not scope.may_see_unit(requested_unit(request.args, units)):
        raise NotFound()
    form = selection_form(round_, scope, units, request.args, with_answer=with_answer)
    selection, _valid = read_selection(form)
    return Selected(scope, round_, units, form, selection)
