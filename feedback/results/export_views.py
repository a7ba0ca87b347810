"""The download page, the files and the printable A4 report of a round's results (the tables
and the writing are in ``exports``). Every file holds back exactly what the results page
holds back; the raw files are for the quality group only, for the whole round only."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback.i18n import current_language
from feedback.models import SurveyRound
from feedback.models.base import today
from feedback.results import aggregate, comparison, raw, readers
from feedback.results.aggregate import RoundResults
from feedback.results.exports import (
    CSV_TYPE,
    XLSX_TYPE,
    Column,
    Table,
    about_rows,
    download,
    filename,
    raw_columns,
    result_columns,
    result_rows,
    selection_parts,
    text_columns,
    write_csv,
    write_xlsx,
)
from feedback.results.forms import SelectionForm, selected
from feedback.results.readers import ResultsScope, results_access
from feedback.results.selection import Units
from feedback.results.suppression import shown_total

#: Query arguments that make up a selection (results/forms.py), passed on from page to file.
SELECTION_ARGS = ("enhet", "kanal", "svar")


def _query() -> dict[str, Any]:
    """The selection's query arguments, to pass on from one page or file to the next."""
    return {name: request.args[name] for name in SELECTION_ARGS if request.args.get(name)}


def _results(
    round_id: int,
) -> tuple[ResultsScope, SurveyRound, Units, SelectionForm, RoundResults]:
    """As the results page: the reader's scope (404 without one), the round, the unit tree, the
    filter form, and the numbers for its selection."""
    scope, round_, units, form, selection = selected(round_id)
    results = aggregate.round_results(round_, selection, units, current_language())
    return scope, round_, units, form, results


@results_access
def downloads(round_id: int) -> str:
    scope, round_, _units, form, results = _results(round_id)
    return render_template(
        "results/downloads.html",
        round=round_,
        form=form,
        results=results,
        selection=selection_parts(form),
        scope=scope,
        query=_query(),
        raw_offered=scope.everything and _whole_round_shown(round_),
    )


def _whole_round_shown(round_: SurveyRound) -> bool:
    """Whether the round's total may be shown: what the raw files ask."""
    total = comparison.totals([round_]).get(round_.id, 0)
    return shown_total(total, round_.series.organisation.min_group_size) is not None


def _back_to_downloads(round_id: int, message: str) -> WerkzeugResponse:
    flash(message, "error")
    return redirect(url_for("results.downloads", round_id=round_id, **_query()), code=303)


Found = tuple[SurveyRound, list[Table]] | WerkzeugResponse


def _results_tables(round_id: int) -> Found:
    """The numbers, and what they are about; back to the downloads page (which shows the
    message at the field) when the selection asks for something not on offer, rather than a
    file of other numbers than were asked for."""
    _scope, round_, _units, form, results = _results(round_id)
    if form.errors:
        return _back_to_downloads(round_id, _("Check the choice of results."))
    about = [Column(_("What"), "text", 28), Column(_("Value"), "auto", 50)]
    return round_, [
        Table(_("Results"), result_columns(), result_rows(results)),
        Table(_("About"), about, about_rows(results, form)),
    ]


def _raw_round(round_id: int) -> tuple[SurveyRound, Units] | WerkzeugResponse:
    """The round for a raw file: the quality group only (404 for anyone else, as if there were
    none), the whole round only, and not a round too small to show."""
    scope, round_, units, form, results = _results(round_id)
    readers.require_quality_group(scope)
    if form.errors:
        return _back_to_downloads(round_id, _("Check the choice of results."))
    if results.selection.filters:
        return _back_to_downloads(
            round_id,
            _("Every response is exported for the whole round only. Remove the choices above."),
        )
    if not results.shown:
        return _back_to_downloads(round_id, _("Too few answers to show. Choose a larger group."))
    return round_, units


def _raw_tables(round_id: int) -> Found:
    """Closed answers of every response, coarsened (raw.py)."""
    found = _raw_round(round_id)
    if not isinstance(found, tuple):
        return found
    round_, units = found
    k = round_.series.organisation.min_group_size
    rows = raw.closed_rows(round_, units, k, current_language())
    return round_, [Table(_("Responses"), raw_columns(round_), rows)]


def _text_tables(round_id: int) -> Found:
    """Every written answer, with its question only."""
    found = _raw_round(round_id)
    if not isinstance(found, tuple):
        return found
    round_, _units = found
    return round_, [Table(_("Written answers"), text_columns(), raw.text_rows(round_))]


def _send(found: Found, what: str, extension: str) -> WerkzeugResponse:
    """A CSV file of the first table, or a workbook of them all."""
    if not isinstance(found, tuple):
        return found
    round_, tables = found
    name = filename(round_, what, extension)
    if extension == "csv":
        return download("".join(write_csv(tables[0])).encode("utf-8"), CSV_TYPE, name)
    return download(write_xlsx(tables), XLSX_TYPE, name)


@results_access
def results_csv(round_id: int) -> WerkzeugResponse:
    return _send(_results_tables(round_id), _("results"), "csv")


@results_access
def results_xlsx(round_id: int) -> WerkzeugResponse:
    return _send(_results_tables(round_id), _("results"), "xlsx")


@results_access
def raw_csv(round_id: int) -> WerkzeugResponse:
    return _send(_raw_tables(round_id), _("responses"), "csv")


@results_access
def raw_xlsx(round_id: int) -> WerkzeugResponse:
    return _send(_raw_tables(round_id), _("responses"), "xlsx")


@results_access
def text_csv(round_id: int) -> WerkzeugResponse:
    return _send(_text_tables(round_id), _("written answers"), "csv")


@results_access
def text_xlsx(round_id: int) -> WerkzeugResponse:
    return _send(_text_tables(round_id), _("written answers"), "xlsx")


@results_access
def report(round_id: int) -> str:
    _scope, round_, _units, form, results = _results(round_id)
    # The tables only: a printed page has no use for the interactive figures.
    blocks = [comparison.Block(q.question, [(_("Answers"), q)], None) for q in results.questions]
    return render_template(
        "results/report.html",
        round=round_,
        form=form,
        results=results,
        blocks=blocks,
        # In the context itself: result_block (imported "with context") reads it.
        k=results.k,
        selection=selection_parts(form),
        printed_on=today(),
        query=_query(),
        brand_organisation=round_.series.organisation,
    )
