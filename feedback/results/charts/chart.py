"""A simple chart for statistics pages: translated labels and (category, value) rows, drawn as
bars, horizontal bars or a line, with the same numbers in the table under it (the macro
``chart`` in ``macros/charts.html``): the table is the text alternative and what is left when
JavaScript or plotly.js is not there."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_decimal

from feedback.results.charts.base import (
    AXIS,
    COLOUR,
    GRID,
    TEXT,
    base_config,
    base_layout,
    phone_ticks,
)
from feedback.results.charts.formats import (
    NOT_SHOWN,
    figure_json,
    json_number,
    plot_text,
    rounded,
    wrapped,
)

SHAPES = ("bar", "hbar", "line")
#: Bars with a category label longer than this are drawn lying down ("hbar"): upright, long
#: labels would have to be turned or would collide on a phone.
UPRIGHT_LABEL = 12

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


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
    shape: str = "bar"
    summary: str = ""
    decimals: int = 0

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ValueError(f"a chart id must be a plain HTML id, not {self.id!r}")
        if self.shape not in SHAPES:
            raise ValueError(f"a chart shape is one of {SHAPES}, not {self.shape!r}")
        if not 0 <= self.decimals <= 6:
            raise ValueError("decimals must be between 0 and 6")

    @property
    def has_data(self) -> bool:
        """Whether anything would be plotted (else the macro shows only the table)."""
        return any(json_number(value) is not None for _label, value in self.rows)

    def formatted(self, value: object) -> str:
        """The value as the table shows it, for the current locale: "1 234,5"; None is "–"."""
        number = rounded(value, self.decimals)
        if number is None:
            return NOT_SHOWN
        pattern = "#,##0" + ("." + "0" * self.decimals if self.decimals else "")
        return str(format_decimal(number, format=pattern))

    def plotted_value(self, value: object) -> int | float | None:
        """The value as the chart plots it: rounded like the table, None if not shown."""
        number = rounded(value, self.decimals)
        if number is None:
            return None
        return int(number) if self.decimals == 0 else float(number)

    def figure(self) -> dict[str, Any]:
        """The plotly figure as plain data: ``data``, ``layout`` and ``config`` (for newPlot)."""
        horizontal = self.shape == "hbar" or (
            self.shape == "bar" and any(len(name) > UPRIGHT_LABEL for name, _v in self.rows)
        )
        # Long labels on several lines, never turned (a phone has room for neither).
        categories = [wrapped(name) for name, _value in self.rows]
        values = [self.plotted_value(value) for _name, value in self.rows]
        number = f",.{self.decimals}f"
        value_axis = "x" if horizontal else "y"
        category_axis = "y" if horizontal else "x"

        if self.shape == "line":
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
        trace["name"] = plot_text(self.y_label)
        trace["hovertemplate"] = (
            f"%{{{category_axis}}}<br>{plot_text(self.y_label)}: %{{{value_axis}:{number}}}"
            "<extra></extra>"
        )

        present = [v for v in values if v is not None]
        largest = max((abs(v) for v in present), default=0)
        values_layout: dict[str, Any] = {
            "title": {"text": plot_text(self.y_label), "standoff": 8},
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
            "tickangle": 0,
        }
        if self.decimals == 0 and largest <= 10:
            values_layout["dtick"] = 1  # counts: no tick at 0.5 of a person
        categories_layout: dict[str, Any] = {
            "title": {"text": plot_text(self.x_label), "standoff": 8},
            "type": "category",
            "categoryorder": "array",
            "categoryarray": categories,  # every category keeps its place, plotted or not
            "automargin": True,
            "fixedrange": True,
            "showgrid": False,
            "linecolor": AXIS,
            "ticks": "outside",
            "tickcolor": AXIS,
            "tickangle": 0,
        }
        if horizontal:
            categories_layout["autorange"] = "reversed"  # top to bottom, as in the table
            lines = sum(c.count("<br>") + 1 for c in categories)
            height = max(240, 110 + 26 * lines + 14 * len(categories))
        else:
            height = 380

        layout = base_layout(
            height,
            # Room above for the value on the tallest bar.
            margin={"l": 8, "r": 24, "t": 24, "b": 8, "pad": 4},
            showlegend=False,
            bargap=0.35,
            **{f"{value_axis}axis": values_layout, f"{category_axis}axis": categories_layout},
        )
        figure: dict[str, Any] = {"data": [trace], "layout": layout, "config": base_config()}
        if not horizontal:
            figure["phone"] = {"xaxis": phone_ticks(categories)}
        return figure

    def figure_json(self) -> str:
        """``figure()`` as JSON that is safe inside ``<script type="application/json">``.

        "<", ">" and "&" are written as \\u003c, \\u003e and \\u0026, so no label can close the
        script element ("</script>") or open a comment.
        """
        return figure_json(self.figure())
