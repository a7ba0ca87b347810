"""A plotly figure as plain data, and what every figure shares: the app's font, colours,
layout and configuration.

The macro ``plot`` in ``macros/charts.html`` puts a figure on a page as a ``<script
type="application/json">`` (data, never run, so the strict CSP allows it) beside a table with
the same numbers; ``static/js/charts.js`` draws it. Plotly itself is not imported: a figure is
a dict built by hand, which is quick.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from feedback.i18n import current_language
from feedback.results.charts import palette
from feedback.results.charts.formats import figure_json, separators

#: The app's system font stack (app.css, body): no web font, no request elsewhere.
FONT_FAMILY = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", Arial, sans-serif'
)
#: Designsystemet's colours (``palette``). The accent blue has 6.1:1 against white, above the
#: 3:1 that WCAG 1.4.11 asks of the bars, lines and markers that carry the meaning.
COLOUR = palette.ACCENT
TEXT = palette.NEUTRAL_TEXT
AXIS = palette.NEUTRAL_BORDER  # 4.4:1 against white
GRID = palette.NEUTRAL_SURFACE  # decorative only: the values are on the bars and in the table
#: The colour of a results figure with one series (the same as COLOUR).
BRAND = COLOUR
#: Below this width (CSS pixels) static/js/charts.js draws a figure with its "phone" layout
#: on top of its layout.
PHONE_WIDTH = 600
#: What a 375 px phone leaves for the plot, and about how wide a character of a tick label is.
PHONE_PLOT_WIDTH = 280
CHARACTER_WIDTH = 8


@dataclass
class Figure:
    """A plotly figure with an id and a summary for screen readers (the table is beside it)."""

    id: str
    title: str
    summary: str
    figure: dict[str, Any]

    @property
    def has_data(self) -> bool:
        return bool(self.figure.get("data"))

    def figure_json(self) -> str:
        return figure_json(self.figure)


def base_layout(height: int, **axes: Any) -> dict[str, Any]:
    return {
        "separators": separators(),
        "font": {"family": FONT_FAMILY, "size": 14, "color": TEXT},
        "height": height,
        "autosize": True,
        "margin": {"l": 8, "r": 24, "t": 8, "b": 8, "pad": 4},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hovermode": "closest",
        "dragmode": False,
        "hoverlabel": {
            "bgcolor": "#ffffff",
            "bordercolor": BRAND,
            "font": {"family": FONT_FAMILY, "size": 14, "color": TEXT},
        },
        **axes,
    }


def phone_ticks(categories: list[str]) -> dict[str, Any]:
    """A category axis along the bottom on a phone: every n-th label, so upright labels do
    not collide (the table under the chart names every category)."""
    if not categories:
        return {"tickangle": 0}
    widest = max(len(line) for label in categories for line in label.split("<br>"))
    fits = max(1, PHONE_PLOT_WIDTH // (widest * CHARACTER_WIDTH + 12))
    shown = categories[:: math.ceil(len(categories) / fits)]
    return {"tickmode": "array", "tickvals": shown, "ticktext": shown, "tickangle": 0}


def base_config() -> dict[str, Any]:
    return {
        "displayModeBar": False,
        "responsive": True,
        "doubleClick": False,
        "locale": current_language(),
    }
