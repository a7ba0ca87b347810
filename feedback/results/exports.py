"""Exports of results (CSV for Norwegian Excel, XLSX, raw responses): the tables and the files.
The pages that send them are in ``export_views``.

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

from feedback.i18n import localized
from feedback.models import SurveyRound
from feedback.models.base import today
from feedback.questionnaire import runtime
from feedback.results import raw
from feedback.results.aggregate import RoundResults
from feedback.results.forms import SelectionForm

TOO_FEW = _l("too few answers to show")
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


def download(body: Any, mimetype: str, name: str) -> FlaskResponse:
    return FlaskResponse(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
