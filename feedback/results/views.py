"""Results pages: the list of rounds, a round's results with filters, units side by side, the
trend across a series' rounds, and redaction of free text."""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback.extensions import db
from feedback.i18n import current_language
from feedback.models import SurveyRound
from feedback.results import aggregate, comparison, padding, readers, texts
from feedback.results.forms import SelectionForm, selected
from feedback.results.readers import results_access
from feedback.results.selection import Units, units_of
from feedback.vocabulary import CHANNEL_LABELS, ROUND_STATUS_LABELS
from feedback.web.access import signed_in_user


@results_access
def index() -> str:
    scope = readers.current_scope()
    rounds = readers.rounds_with_results(scope.organisation)
    units = units_of(scope.organisation)
    k = scope.organisation.min_group_size
    totals: dict[int, int | None] = dict(comparison.totals(rounds))
    for round_ in rounds:
        if totals.get(round_.id) and aggregate.total_held_back(round_, units, k):
            totals[round_.id] = None  # held back for padding
    return render_template(
        "results/index.html",
        rounds=rounds,
        totals=totals,
        k=k,
        status_labels=ROUND_STATUS_LABELS,
    )


class RoundPage(NamedTuple):
    """What every tab of a round's results starts from: the reader, the round, the unit tree,
    the filter form and the numbers for its selection (suppressed as everywhere)."""

    scope: readers.ResultsScope
    round_: SurveyRound
    units: Units
    form: SelectionForm
    results: aggregate.RoundResults


def _round_page(round_id: int) -> RoundPage:
    scope, round_, units, form, selection = selected(round_id)
    results = aggregate.round_results(round_, selection, units, current_language())
    return RoundPage(scope, round_, units, form, results)


def _render_tab(template: str, page: RoundPage, **context: Any) -> str:
    """A tab of the round's results, with what the heading, the tabs and the filters need."""
    return render_template(
        template,
        k=page.results.k,
        round=page.round_,
        form=page.form,
        results=page.results,
        scope=page.scope,
        query=request.args.to_dict(),
        padding_warnings=_padding_warnings(page.scope, page.round_),
        **context,
    )


@results_access
def round_results(round_id: int) -> str:
    """The overview tab: how many answered, per unit and per way of answering."""
    page = _round_page(round_id)
    k = page.results.k
    per_unit = [
        row
        for row in aggregate.responses_per_unit(page.round_, page.units, k)
        if page.scope.may_see_unit(row.unit_id)
    ]
    return _render_tab(
        "results/round.html",
        page,
        per_unit=per_unit,
        per_channel=aggregate.responses_per_channel(page.round_, k),
        channel_labels=CHANNEL_LABELS,
        has_previous=bool(comparison.series_rounds(page.round_)[:-1]),
    )


@results_access
def questions(round_id: int) -> str:
    """The questions tab: a figure and a table for every question with answers to count."""
    page = _round_page(round_id)
    blocks = [
        comparison.block(q, [(_("Answers"), q)]) for q in page.results.questions if not q.is_text
    ]
    return _render_tab("results/questions.html", page, blocks=blocks)


@results_access
def free_text(round_id: int) -> str:
    """The free-text tab: the written answers, for the quality group first (rule 4)."""
    page = _round_page(round_id)
    results = page.results
    text_results = [q for q in results.questions if q.is_text]
    text_pages = {}
    if results.shown:
        for result in text_results:
            if result.shown:
                text_pages[result.question.id] = texts.text_answers(
                    page.round_,
                    result.question,
                    results.selection,
                    page.units,
                    for_quality_group=page.scope.everything,
                )
    return _render_tab(
        "results/free_text.html",
        page,
        blocks=[comparison.block(q, [(_("Answers"), q)]) for q in text_results],
        text_pages=text_pages,
        texts_released=texts.released(page.round_),
        texts_filtered=not texts.may_read(
            results.selection, for_quality_group=page.scope.everything
        ),
    )


def _padding_warnings(
    scope: readers.ResultsScope, round_: SurveyRound
) -> list[padding.PaddingWarning]:
    """The quality group sees every unchecked padding warning with its numbers and date. A
    manager sees only which of their units are held back, not why in detail (the day and the
    numbers would tell someone who padded which of his answers were noticed)."""
    return [w for w in padding.warnings(round_) if not w.checked and scope.may_see_unit(w.unit_id)]


def _group_round(round_id: int) -> SurveyRound:
    """The round, for a change only the quality group makes (404 for everyone else)."""
    scope = readers.require_quality_group(readers.current_scope())
    return readers.get_round(scope, round_id)


@results_access
def check_padding(round_id: int) -> WerkzeugResponse:
    """The quality group has looked at a padding warning: the unit is shown again."""
    round_ = _group_round(round_id)
    try:
        checked = padding.mark_checked(round_, signed_in_user(), request.form.get("advarsel", ""))
    except padding.UnknownWarning:
        flash(_("The warning was not found. It may be gone already."), "error")
    else:
        db.session.commit()
        flash(
            _("The warning for %(unit)s is marked as checked.", unit=checked.unit_name),
            "success",
        )
    return redirect(url_for("results.round_results", round_id=round_.id))


@results_access
def compare(round_id: int) -> str:
    scope, round_, units, form, selection = selected(round_id, with_answer=False)
    groups = comparison.unit_groups(scope, units, selection.unit_id)
    compared = comparison.compare_units(round_, units, groups, selection.channel)
    return render_template(
        "results/compare.html",
        k=scope.organisation.min_group_size,
        round=round_,
        form=form,
        compared=compared,
        scope=scope,
        query=request.args.to_dict(),
    )


@results_access
def trend(round_id: int) -> str:
    scope, round_, units, form, selection = selected(round_id, with_answer=False)
    series = comparison.trend(round_, units, selection)
    return render_template(
        "results/trend.html",
        round=round_,
        form=form,
        series=series,
        scope=scope,
        query=request.args.to_dict(),
    )


@results_access
def redact(round_id: int) -> WerkzeugResponse:
    round_ = _group_round(round_id)
    whole = request.form.get("hele") == "1"
    if texts.redact(round_, request.form.get("svar", ""), whole=whole):
        db.session.commit()
        flash(_("The answer was redacted. The removed text is gone from the database."), "success")
    else:
        flash(_("That answer could not be found. Nothing was changed."), "error")
    back: dict[str, Any] = {
        k: v for k, v in request.form.items() if k in ("enhet", "kanal", "svar_filter")
    }
    if "svar_filter" in back:
        back["svar"] = back.pop("svar_filter")
    return redirect(url_for("results.free_text", round_id=round_.id, **back))
