"""Exports of results (CSV for Norwegian Excel, XLSX, a printable A4 report, raw responses).

Every number comes from ``aggregate.round_results``, so the files hold back exactly what the
results page holds back: a hidden question or selection is the text "for få svar til å vise"
with no number beside it. Raw responses are for the quality group only, in two files that can
not be joined: closed answers with unit and channel coarsened so no group is small, and free
text alone (``feedback.results.raw``). Neither holds a response id or a date.

CSV is written the way Excel in Norway opens it with a double-click: UTF-8 with a byte order
mark, ``;`` between fields, a decimal comma (in bokmål and nynorsk; English gets a point),
CRLF line ends. Text that starts like a formula is neutralised in both formats, since free text
comes from anonymous respondents.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.numbers import get_decimal_symbol
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask import Response as FlaskResponse
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback.i18n import current_language, localized
from feedback.models import SurveyRound
from feedback.models.base import today
from feedback.questionnaire import runtime
from feedback.results import aggregate, comparison, raw
from feedback.results import views as results_views
from feedback.results.access import ResultsScope
from feedback.results.aggregate import RoundResults
from feedback.results.forms import SelectionForm
from feedback.results.selection import Units
from feedback.results.suppression import shown_total

bp = Blueprint("exports", __name__)
#: As the results pages: the quality group and managers; 404 for anyone else.
results_access = results_views.results_access
# percent(), mean_text() and the round's sub-menu, as on the other results pages.
bp.context_processor(results_views.helpers)

TOO_FEW = _l("too few answers to show")
#: Query arguments that make up a selection (results/forms.py), passed on from page to file.
SELECTION_ARGS = ("enhet", "kanal", "svar")

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    title: str
    #: "text", "int", "share" (a fraction, written as a percentage), "decimal", or "auto"
    #: (a whole number or a text, as the value comes).
    kind: str
    #: Width in Excel's characters.
    width: int


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: Iterable[Sequence[object]]


def result_columns() -> list[Column]:
    return [
        Column(_("No."), "int", 6),
        Column(_("Question code"), "text", 14),
        Column(_("Question"), "text", 50),
        Column(_("Answer"), "text", 30),
        Column(_("Number of answers"), "int", 12),
        Column(_("Share (%)"), "share", 10),
        Column(_("Answered (n)"), "int", 12),
        Column(_("Don't know / Not applicable"), "int", 14),
        Column(_("Mean"), "decimal", 10),
        # TRANSLATORS: lower limit of the 95% confidence interval of a mean.
        Column(_("95% CI low"), "decimal", 11),
        # TRANSLATORS: upper limit of the 95% confidence interval of a mean.
        Column(_("95% CI high"), "decimal", 11),
    ]


def result_rows(results: RoundResults) -> Iterator[list[object]]:
    """One row per question and answer value; the question's n, "don't know" and mean with its
    interval repeated on each of its rows (so the sheet filters and pivots). A hidden question
    is one row that says so, with no numbers."""
    too_few = str(TOO_FEW)
    for q in results.questions:
        start: list[object] = [q.number, q.question.key, localized(q.question.text)]
        if not q.shown:
            yield [*start, too_few, None, None, None, None, None, None, None]
            continue
        mean = q.mean
        end: list[object] = [q.valid, q.dont_know] + (
            [mean.value, mean.low, mean.high] if mean else [None, None, None]
        )
        if not q.bars:  # free text, or a number question nobody answered
            label = _("(written answers)") if q.is_text else ""
            yield [*start, label, None, None, *end]
            continue
        for bar in q.bars:
            yield [*start, bar.label, bar.count, bar.share, *end]


def selection_parts(form: SelectionForm) -> list[tuple[str, str]]:
    """The selection in words: (what, chosen) for unit, way of answering and answer filter."""
    parts = []
    for field in (form.enhet, form.kanal, form.svar):
        chosen = field.data or ""
        label = next((str(c.label) for c in field.choices or [] if c.value == chosen), "")
        if not label:  # an invalid choice was dropped from the selection
            label = str(field.choices[0].label) if field.choices else ""
        parts.append((str(field.label.text), label.replace("\u00a0", "").strip()))
    return parts


def about_rows(results: RoundResults, form: SelectionForm) -> list[list[object]]:
    """What an export holds, for the sheet beside the numbers."""
    round_ = results.round
    return [
        [_("Survey"), localized(round_.title)],
        [_("Round"), round_.number],
        *[[what, chosen] for what, chosen in selection_parts(form)],
        [_("Responses"), results.n if results.shown else str(TOO_FEW)],
        [_("Smallest group shown"), results.k],
        [
            _("Numbers as of"),
            str(format_date(round_.results_published_on, format="long"))
            if round_.results_published_on
            else "",
        ],
        [_("Made on"), str(format_date(today(), format="long"))],
    ]


def raw_columns(round_: SurveyRound) -> list[Column]:
    numbers = runtime.numbering(round_)
    return [
        Column(_("Unit"), "text", 24),
        Column(_("Way of answering"), "text", 18),
        *[
            Column(f"{numbers[q.id]}. {localized(q.text)}", "auto", 24)
            for q in raw.closed_questions(round_)
        ],
    ]


def text_columns() -> list[Column]:
    return [Column(_("Question"), "text", 40), Column(_("Written answer"), "text", 80)]


# --- writing files -----------------------------------------------------------------------------

#: A text cell starting with one of these would run as a formula in a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_cell(value: object, kind: str, decimal_symbol: str) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Plain digits, no grouping: Excel in Norway reads "42,9" as a number, not "1 042,9".
        text = f"{value * 100:.1f}" if kind == "share" else f"{value:.2f}"
        return text.replace(".", decimal_symbol)
    return _safe_text(str(value))


def write_csv(table: Table) -> Iterator[str]:
    """The table as CSV for Excel in the reader's language, in pieces (first the byte order
    mark): "3,75" in bokmål and nynorsk, "3.75" in English."""
    decimal_symbol = str(get_decimal_symbol(get_locale()))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    yield "\ufeff"
    writer.writerow([_safe_text(c.title) for c in table.columns])
    for count, row in enumerate(table.rows, start=1):
        writer.writerow(
            [_csv_cell(v, c.kind, decimal_symbol) for v, c in zip(row, table.columns, strict=True)]
        )
        if count % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


_NUMBER_FORMATS = {"share": "0.0%", "decimal": "0.00", "int": "0"}
_SHEET_TITLE = re.compile(r"[\[\]:*?/\\]")


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: object, kind: str) -> object:
    if value is None:
        return value
    if isinstance(value, int | float):
        if kind in _NUMBER_FORMATS:
            cell = WriteOnlyCell(sheet, value)
            cell.number_format = _NUMBER_FORMATS[kind]
            return cell
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if not text.startswith("="):
        return text
    cell = WriteOnlyCell(sheet, text)
    cell.data_type = "s"  # text, not a formula
    return cell


def write_xlsx(tables: Sequence[Table]) -> bytes:
    """The tables as sheets of a workbook: bold header row that stays in view, real numbers."""
    book = Workbook(write_only=True)
    for table in tables:
        sheet = book.create_sheet(_SHEET_TITLE.sub(" ", table.title)[:31] or "1")
        sheet.freeze_panes = "A2"
        for index, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", column.title))
            cell.data_type = "s"
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            header.append(cell)
        sheet.append(header)
        for row in table.rows:
            sheet.append(
                [_xlsx_cell(sheet, v, c.kind) for v, c in zip(row, table.columns, strict=True)]
            )
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def slug(text: str) -> str:
    """ASCII for a file name: "Brukerundersøkelse 2026" → "brukerundersokelse-2026"."""
    text = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60].strip("-")


def filename(round_: SurveyRound, what: str, extension: str, on: date | None = None) -> str:
    parts = [slug(localized(round_.title)) or "runde", slug(what), (on or today()).isoformat()]
    return "-".join(p for p in parts if p) + "." + extension


def _download(body: Any, mimetype: str, name: str) -> FlaskResponse:
    return FlaskResponse(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


# --- pages -------------------------------------------------------------------------------------


def _query() -> dict[str, Any]:
    """The selection's query arguments, to pass on from one page or file to the next."""
    return {name: request.args[name] for name in SELECTION_ARGS if request.args.get(name)}


def _results(
    round_id: int,
) -> tuple[ResultsScope, SurveyRound, Units, SelectionForm, RoundResults]:
    """As the results page: the reader's scope (404 without one), the round, the unit tree, the
    filter form, and the numbers for its selection."""
    scope, round_, units, form, selection = results_views.selected(round_id)
    results = aggregate.round_results(round_, selection, units, current_language())
    return scope, round_, units, form, results


@bp.route("/<id:round_id>/last-ned")
@results_access
def downloads(round_id: int) -> str:
    scope, round_, _units, form, results = _results(round_id)
    return render_template(
        "exports/downloads.html",
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
    return redirect(url_for("exports.downloads", round_id=round_id, **_query()), code=303)


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
    if not scope.everything:
        abort(404)
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
        return _download("".join(write_csv(tables[0])).encode("utf-8"), CSV_TYPE, name)
    return _download(write_xlsx(tables), XLSX_TYPE, name)


@bp.route("/<id:round_id>/resultater.csv")
@results_access
def results_csv(round_id: int) -> WerkzeugResponse:
    return _send(_results_tables(round_id), _("results"), "csv")


@bp.route("/<id:round_id>/resultater.xlsx")
@results_access
def results_xlsx(round_id: int) -> WerkzeugResponse:
    return _send(_results_tables(round_id), _("results"), "xlsx")


@bp.route("/<id:round_id>/svar.csv")
@results_access
def raw_csv(round_id: int) -> WerkzeugResponse:
    return _send(_raw_tables(round_id), _("responses"), "csv")


@bp.route("/<id:round_id>/svar.xlsx")
@results_access
def raw_xlsx(round_id: int) -> WerkzeugResponse:
    return _send(_raw_tables(round_id), _("responses"), "xlsx")


@bp.route("/<id:round_id>/fritekst.csv")
@results_access
def text_csv(round_id: int) -> WerkzeugResponse:
    return _send(_text_tables(round_id), _("written answers"), "csv")


@bp.route("/<id:round_id>/fritekst.xlsx")
@results_access
def text_xlsx(round_id: int) -> WerkzeugResponse:
    return _send(_text_tables(round_id), _("written answers"), "xlsx")


@bp.route("/<id:round_id>/rapport")
@results_access
def report(round_id: int) -> str:
    _scope, round_, _units, form, results = _results(round_id)
    # The tables only: a printed page has no use for the interactive figures.
    blocks = [comparison.Block(q.question, [(_("Answers"), q)], None) for q in results.questions]
    return render_template(
        "exports/report.html",
        round=round_,
        form=form,
        results=results,
        blocks=blocks,
        # In the context itself: result_block (imported "with context") reads it.
        k=results.k,
        selection=selection_parts(form),
        printed_on=today(),
        query=_query(),
    )
