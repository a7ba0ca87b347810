"""Charts for statistics pages: a plotly figure, described as plain data, and the same numbers
in a table.

A ``Chart`` holds translated labels and (category, value) rows. The template macro
``macros/charts.html`` renders it as a ``<figure>`` with the figure as JSON (a
``<script type="application/json">``, which is data and never run, so the strict CSP allows it)
and an always-visible table with the numbers: the table is the text alternative and what is
left when JavaScript or plotly.js is not there. ``static/js/charts.js`` draws the figures with
the plotly.js the app serves itself from the Python ``plotly`` package (no other host, ever).

Plotly itself is not imported here: the figure is a plain dict built by hand, which is quick.
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path
from typing import Any, NamedTuple

from babel.numbers import get_decimal_symbol, get_group_symbol
from flask_babel import format_date, format_decimal, get_locale

from feedback.i18n import DEFAULT_LOCALE, current_language

KINDS = ("bar", "hbar", "line")

#: The app's system font stack (app.css, body): no web font, no request elsewhere.
FONT_FAMILY = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", Arial, sans-serif'
)
#: The app's colours (app.css :root). The brand blue has 12.9:1 against white, far above the
#: 3:1 that WCAG 1.4.11 asks of the bars, lines and markers that carry the meaning.
COLOUR = "#14325a"  # --brand
TEXT = "#1b1b1b"  # --text
AXIS = "#6b7280"  # --border, 4.8:1 against white
GRID = "#d0d5dc"  # decorative only: the values are on the bars and in the table
#: Shown for a value that is missing or held back, in the table and by ``formatted``.
NOT_SHOWN = "–"
#: Horizontal bars: category labels are wrapped at about this many characters.
WRAP_AT = 24

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_PLOTLY_VERSION = re.compile(rb"plotly\.js v(\d+\.\d+\.\d+[0-9A-Za-z.+-]*)")
#: plotly.js adds its base rules in a <style> element unless an element with this id and the
#: class "no-inline-styles" is on the page (its own switch for a strict CSP).
PLOTLY_STYLE_ID = "plotly.js-style-global"
#: The bundle also adds the CSS of the map library it carries (83 kB, for map traces only) in a
#: <style> element unless an element with its id exists; the CSP would refuse it.
_BUNDLED_STYLE = re.compile(
    rb'getElementById\("([0-9A-Za-z_-]{16,})"\)\)\{var [\w$]+=document\.createElement\("style"\)'
)


class PlotlyJs(NamedTuple):
    path: Path
    version: str
    #: Ids of elements that stop plotly.js adding <style> elements (see chart_scripts()).
    style_ids: tuple[str, ...]


@cache
def plotly_js() -> PlotlyJs | None:
    """plotly.min.js from the installed ``plotly`` package, its plotly.js version and the ids
    that keep it from adding <style> elements.

    The version comes from the file's header comment ("plotly.js v4.1.1"), else it is the Python
    package's version. Read once per process; the package is found without importing it.
    """
    spec = find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"
    if not path.is_file():
        return None
    content = path.read_bytes()
    match = _PLOTLY_VERSION.search(content, 0, 512)
    version = match.group(1).decode("ascii") if match else metadata.version("plotly")
    bundled = dict.fromkeys(m.group(1).decode("ascii") for m in _BUNDLED_STYLE.finditer(content))
    return PlotlyJs(path, version, (PLOTLY_STYLE_ID, *bundled))


def plotly_version() -> str | None:
    """For templates: the version in the URL of the served plotly.js (None: not installed)."""
    found = plotly_js()
    return found.version if found else None


def plotly_style_ids() -> tuple[str, ...]:
    """For templates: ids for the elements that tell plotly.js its styles are in app.css."""
    found = plotly_js()
    return found.style_ids if found else ()


def month_label(year: int, month: int) -> str:
    """A month as the reader's language abbreviates it: "jan. 2026", "Jan 2026"."""
    return str(format_date(date(year, month, 1), "MMM y"))


def separators() -> str:
    """Plotly's ``separators``: the locale's decimal mark, then its thousands separator.

    Bokmål and nynorsk: a decimal comma and a (no-break) space, as in the tables; English: ".,".
    """
    locale = get_locale() or DEFAULT_LOCALE
    decimal, group = get_decimal_symbol(locale), get_group_symbol(locale)
    if len(decimal) != 1 or len(group) != 1:
        return ".,"
    return decimal + group


def _number(value: object) -> int | float | None:
    """A value fit for JSON: None (and NaN) stay None, Decimal becomes float."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) or math.isinf(number) else number


def _rounded(value: object, decimals: int) -> Decimal | None:
    """The value rounded half up to the decimals shown, as the table and the chart show it.

    Babel rounds half to even and plotly.js as JavaScript does, so both get the rounded value:
    3.25 is 3,3 in the table, on the bar and in the tooltip alike.
    """
    number = _number(value)
    if number is None:
        return None
    return Decimal(repr(number)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)


def _text(value: object) -> str:
    """Text for plotly, which reads <b>, <a href> and such in labels: show it as written."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _wrapped(value: object) -> str:
    """A long category label on several lines (plotly's <br>), so it stays readable."""
    text = str(value)
    lines = textwrap.wrap(text, WRAP_AT, break_on_hyphens=False) or [text]
    return "<br>".join(_text(line) for line in lines)


@dataclass
class Chart:
    """One chart: translated labels and (category label, value) rows, in display order.

    A value of None is "not shown" (missing, or held back because too few answered): it is left
    out of the plotted data and shown as "–" in the table.
    """

    id: str
    title: str
    x_label: str
    y_label: str
    rows: Sequence[tuple[str, float | int | None]] = field(default_factory=list)
    kind: str = "bar"
    summary: str = ""
    decimals: int = 0

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ValueError(f"a chart id must be a plain HTML id, not {self.id!r}")
        if self.kind not in KINDS:
            raise ValueError(f"a chart kind is one of {KINDS}, not {self.kind!r}")
        if not 0 <= self.decimals <= 6:
            raise ValueError("decimals must be between 0 and 6")

    @property
    def has_data(self) -> bool:
        """Whether anything would be plotted (else the macro shows only the table)."""
        return any(_number(value) is not None for _label, value in self.rows)

    def formatted(self, value: object) -> str:
        """The value as the table shows it, for the current locale: "1 234,5"; None is "–"."""
        number = _rounded(value, self.decimals)
        if number is None:
            return NOT_SHOWN
        pattern = "#,##0" + ("." + "0" * self.decimals if self.decimals else "")
        return str(format_decimal(number, format=pattern))

    def plotted_value(self, value: object) -> int | float | None:
        """The value as the chart plots it: rounded like the table, None if not shown."""
        number = _rounded(value, self.decimals)
        if number is None:
            return None
        return int(number) if self.decimals == 0 else float(number)

    def figure(self) -> dict[str, Any]:
        """The plotly figure as plain data: ``data``, ``layout`` and ``config`` (for newPlot)."""
        language = current_language()
        horizontal = self.kind == "hbar"
        label = _wrapped if horizontal else _text
        categories = [label(name) for name, _value in self.rows]
        values = [self.plotted_value(value) for _name, value in self.rows]
        number = f",.{self.decimals}f"
        value_axis = "x" if horizontal else "y"
        category_axis = "y" if horizontal else "x"

        if self.kind == "line":
            # A missing month is a gap in the line, not a line drawn across it.
            trace: dict[str, Any] = {
                "type": "scatter",
                "mode": "lines+markers",
                "x": categories,
                "y": values,
                "connectgaps": False,
                "line": {"color": COLOUR, "width": 3},
                "marker": {"color": COLOUR, "size": 9},
            }
        else:
            shown = [(c, v) for c, v in zip(categories, values, strict=True) if v is not None]
            plotted = [c for c, _v in shown]
            numbers = [v for _c, v in shown]
            trace = {
                "type": "bar",
                "orientation": "h" if horizontal else "v",
                category_axis: plotted,
                value_axis: numbers,
                "marker": {"color": COLOUR},
                "texttemplate": f"%{{{value_axis}:{number}}}",
                "textposition": "outside",
                "textfont": {"color": TEXT},
                "cliponaxis": False,
            }
        trace["name"] = _text(self.y_label)
        trace["hovertemplate"] = (
            f"%{{{category_axis}}}<br>{_text(self.y_label)}: %{{{value_axis}:{number}}}"
            "<extra></extra>"
        )

        present = [v for v in values if v is not None]
        largest = max((abs(v) for v in present), default=0)
        values_layout: dict[str, Any] = {
            "title": {"text": _text(self.y_label), "standoff": 8},
            "automargin": True,
            "fixedrange": True,
            "rangemode": "tozero",
            "gridcolor": GRID,
            "zeroline": True,
            "zerolinecolor": AXIS,
            "linecolor": AXIS,
            "tickcolor": AXIS,
            "separatethousands": True,
            "exponentformat": "none",
        }
        if self.decimals == 0 and largest <= 10:
            values_layout["dtick"] = 1  # counts: no tick at 0.5 of a person
        categories_layout: dict[str, Any] = {
            "title": {"text": _text(self.x_label), "standoff": 8},
            "type": "category",
            "categoryorder": "array",
            "categoryarray": categories,  # every category keeps its place, plotted or not
            "automargin": True,
            "fixedrange": True,
            "showgrid": False,
            "linecolor": AXIS,
            "ticks": "outside",
            "tickcolor": AXIS,
        }
        if horizontal:
            categories_layout["autorange"] = "reversed"  # top to bottom, as in the table
            lines = sum(c.count("<br>") + 1 for c in categories)
            height = max(240, 110 + 26 * lines + 14 * len(categories))
        else:
            height = 380

        layout: dict[str, Any] = {
            "separators": separators(),
            "font": {"family": FONT_FAMILY, "size": 14, "color": TEXT},
            "height": height,
            "autosize": True,
            "margin": {"l": 8, "r": 24, "t": 24, "b": 8, "pad": 4},
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
            "showlegend": False,
            "hovermode": "closest",
            "dragmode": False,
            "hoverlabel": {
                "bgcolor": "#ffffff",
                "bordercolor": COLOUR,
                "font": {"family": FONT_FAMILY, "size": 14, "color": TEXT},
            },
            "bargap": 0.35,
            f"{value_axis}axis": values_layout,
            f"{category_axis}axis": categories_layout,
        }
        return {
            "data": [trace],
            "layout": layout,
            "config": {
                "displayModeBar": False,
                "responsive": True,
                "doubleClick": False,
                "locale": language,
            },
        }

    def figure_json(self) -> str:
        """``figure()`` as JSON that is safe inside ``<script type="application/json">``.

        "<", ">" and "&" are written as \\u003c, \\u003e and \\u0026, so no label can close the
        script element ("</script>") or open a comment.
        """
        return figure_json(self.figure())


def figure_json(figure: dict[str, Any]) -> str:
    """A figure as JSON that is safe inside ``<script type="application/json">``.

    "<", ">" and "&" are written as \\u003c, \\u003e and \\u0026, so no label can close the
    script element ("</script>") or open a comment.
    """
    text = json.dumps(figure, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
