"""Plotly figures for results, built as plain data with the reader's number format.

Every text on a figure (bar labels, hover texts) is written here with Babel, so a figure says
"42 %" and "3,8" in bokmål and nynorsk and "42%" and "3.8" in English, exactly as the table
beside it; plotly's own ``separators`` follow the same locale for the axes. Colours are from
colour-blind-safe palettes (ColorBrewer PuOr for scales, Okabe–Ito for groups), and each bar
segment has a dark outline so pale colours still stand out against white (WCAG 1.4.11).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _

from feedback.charts import (
    AXIS,
    FONT_FAMILY,
    GRID,
    TEXT,
    _rounded,
    _text,
    _wrapped,
    figure_json,
    separators,
)
from feedback.i18n import current_language
from feedback.results.aggregate import Mean, QuestionResult

#: ColorBrewer PuOr (colour-blind safe), negative to positive, by number of steps.
DIVERGING = {
    2: ("#e66101", "#5e3c99"),
    3: ("#e66101", "#f7f7f7", "#5e3c99"),
    4: ("#e66101", "#fdb863", "#b2abd2", "#5e3c99"),
    5: ("#e66101", "#fdb863", "#f7f7f7", "#b2abd2", "#5e3c99"),
    6: ("#b35806", "#f1a340", "#fee0b6", "#d8daeb", "#998ec3", "#542788"),
    7: ("#b35806", "#f1a340", "#fee0b6", "#f7f7f7", "#d8daeb", "#998ec3", "#542788"),
}
#: Segments dark enough for white text on them.
DARK = {"#e66101", "#5e3c99", "#b35806", "#542788"}
#: Okabe–Ito, for groups side by side.
GROUPS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
BRAND = "#14325a"


def percent(share: float) -> str:
    """A share as the reader writes it: "42 %" (nb, nn, with a no-break space), "42%" (en).
    Rounded half up, as every number in the app (12.5 % is "13 %")."""
    pattern = "#,##0%" if current_language() == "en" else "#,##0\u00a0%"
    return str(format_percent(_rounded(share, 2) or 0, format=pattern))


def decimal(value: float, decimals: int = 1) -> str:
    """A number with ``decimals`` decimals, rounded half up as the app's charts do (Python's
    round() and Babel round half to even: 3.25 would be "3,2" here and "3,3" elsewhere)."""
    number = _rounded(value, decimals)
    if number is None:
        return "–"
    return str(format_decimal(number, format="#,##0." + "0" * decimals))


def mean_text(mean: Mean | None) -> str:
    """ "3,8 (3,5–4,1)": the mean and its 95 % interval."""
    if mean is None:
        return "–"
    if mean.n < 2:
        return decimal(mean.value)
    return f"{decimal(mean.value)} ({decimal(mean.low)}–{decimal(mean.high)})"


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


def _layout(height: int, **axes: Any) -> dict[str, Any]:
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


def _config() -> dict[str, Any]:
    return {
        "displayModeBar": False,
        "responsive": True,
        "doubleClick": False,
        "locale": current_language(),
    }


def _share_axis(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": _text(title), "standoff": 8},
        "automargin": True,
        "fixedrange": True,
        "gridcolor": GRID,
        "zeroline": True,
        "zerolinecolor": AXIS,
        "linecolor": AXIS,
        "ticksuffix": "\u00a0%" if current_language() != "en" else "%",
        **extra,
    }


def _category_axis(labels: list[str], title: str = "") -> dict[str, Any]:
    return {
        "title": {"text": _text(title)} if title else None,
        "type": "category",
        "categoryorder": "array",
        "categoryarray": labels,
        "autorange": "reversed",
        "automargin": True,
        "fixedrange": True,
        "showgrid": False,
        "linecolor": AXIS,
    }


def diverging(fig_id: str, title: str, groups: Sequence[tuple[str, QuestionResult]]) -> Figure:
    """A diverging stacked bar per group for a Likert or smiley question: answers below the
    middle go left, above it right, the middle answer is split across zero."""
    shown = [(name, r) for name, r in groups if r.shown and r.valid]
    if not shown:
        return Figure(fig_id, title, "", {})
    steps = len(shown[0][1].bars)
    colours = DIVERGING.get(steps) or tuple(GROUPS[i % len(GROUPS)] for i in range(steps))
    middle = steps // 2 if steps % 2 else None
    labels = [_wrapped(name) for name, _r in shown]
    data: list[dict[str, Any]] = []
    # Negative side first, from the middle outwards, so the stack grows away from zero.
    order = list(range(steps))
    left = [i for i in order if i < steps / 2 - 0.5 or (middle is not None and i == middle)]
    right = [i for i in order if i not in left or (middle is not None and i == middle)]
    for side, indexes in (("left", list(reversed(left))), ("right", right)):
        for i in indexes:
            label = shown[0][1].bars[i].label
            values, texts, hovers = [], [], []
            for name, result in shown:
                bar = result.bars[i]
                share = bar.share * 100
                if i == middle:
                    share /= 2
                values.append(-share if side == "left" else share)
                texts.append(percent(bar.share) if bar.share >= 0.05 and i != middle else "")
                hovers.append(
                    f"{_text(name)}<br>{_text(label)}: {percent(bar.share)} ({bar.count})"
                )
            colour = colours[i]
            data.append(
                {
                    "type": "bar",
                    "orientation": "h",
                    "name": _text(label),
                    "y": labels,
                    "x": values,
                    "text": texts,
                    "textposition": "inside",
                    "insidetextanchor": "middle",
                    "textangle": 0,
                    "textfont": {"color": "#ffffff" if colour in DARK else TEXT},
                    "hovertext": hovers,
                    "hovertemplate": "%{hovertext}<extra></extra>",
                    "marker": {"color": colour, "line": {"color": TEXT, "width": 1}},
                    "showlegend": side == "right" or i != middle,
                    "legendrank": i,
                }
            )
    layout = _layout(
        190 + 46 * len(shown),
        barmode="relative",
        bargap=0.3,
        showlegend=True,
        legend={
            "orientation": "h",
            "traceorder": "normal",
            "x": 0,
            "y": 1.02,
            "yanchor": "bottom",
        },
        xaxis=_share_axis(
            _("Share of answers"),
            range=[-100, 100],
            tickvals=[-100, -50, 0, 50, 100],
            # Both sides count outwards from zero: the left side is not "negative people".
            ticktext=[percent(abs(v) / 100) for v in (-100, -50, 0, 50, 100)],
            ticksuffix="",
        ),
        yaxis={**_category_axis(labels), "showticklabels": len(shown) > 1},
    )
    summary = _("Diverging bar chart. The table below has the same numbers: %(title)s", title=title)
    return Figure(fig_id, title, summary, {"data": data, "layout": layout, "config": _config()})


def bars(fig_id: str, title: str, groups: Sequence[tuple[str, QuestionResult]]) -> Figure:
    """Horizontal bars of shares per answer (choices, yes/no); one colour per group."""
    shown = [(name, r) for name, r in groups if r.shown and r.valid]
    if not shown:
        return Figure(fig_id, title, "", {})
    labels = [_wrapped(b.label) for b in shown[0][1].bars]
    data = []
    for index, (name, result) in enumerate(shown):
        colour = BRAND if len(shown) == 1 else GROUPS[index % len(GROUPS)]
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": _text(name),
                "y": labels,
                "x": [round(b.share * 100, 1) for b in result.bars],
                "text": [percent(b.share) for b in result.bars],
                "textposition": "outside",
                "cliponaxis": False,
                "hovertext": [
                    f"{_text(name)}<br>{_text(b.label)}: {percent(b.share)} ({b.count})"
                    for b in result.bars
                ],
                "hovertemplate": "%{hovertext}<extra></extra>",
                "marker": {"color": colour, "line": {"color": TEXT, "width": 1}},
            }
        )
    rows = len(labels) * max(1, len(shown))
    layout = _layout(
        120 + 30 * rows,
        barmode="group",
        bargap=0.25,
        showlegend=len(shown) > 1,
        legend={"orientation": "h", "y": -0.2, "x": 0},
        xaxis=_share_axis(_("Share of answers"), rangemode="tozero"),
        yaxis=_category_axis(labels),
    )
    summary = _("Bar chart. The table below has the same numbers: %(title)s", title=title)
    return Figure(fig_id, title, summary, {"data": data, "layout": layout, "config": _config()})


def distribution(fig_id: str, title: str, result: QuestionResult, x_title: str) -> Figure:
    """Vertical bars of how many gave each value (0–10) or fell in each range (numbers)."""
    if not result.shown or not result.valid:
        return Figure(fig_id, title, "", {})
    labels = [_text(b.label) for b in result.bars]
    data = [
        {
            "type": "bar",
            "x": labels,
            "y": [b.count for b in result.bars],
            "text": [str(format_decimal(b.count)) for b in result.bars],
            "textposition": "outside",
            "cliponaxis": False,
            "hovertext": [
                f"{_text(b.label)}: {format_decimal(b.count)} ({percent(b.share)})"
                for b in result.bars
            ],
            "hovertemplate": "%{hovertext}<extra></extra>",
            "marker": {"color": BRAND},
        }
    ]
    layout = _layout(
        340,
        bargap=0.2,
        showlegend=False,
        xaxis={
            "title": {"text": _text(x_title), "standoff": 8},
            "type": "category",
            "automargin": True,
            "fixedrange": True,
            "linecolor": AXIS,
        },
        yaxis={
            "title": {"text": _text(_("Answers")), "standoff": 8},
            "automargin": True,
            "fixedrange": True,
            "rangemode": "tozero",
            "gridcolor": GRID,
            "linecolor": AXIS,
            "separatethousands": True,
        },
    )
    summary = _("Bar chart of the spread of answers: %(title)s", title=title)
    return Figure(fig_id, title, summary, {"data": data, "layout": layout, "config": _config()})


def trend(
    fig_id: str,
    title: str,
    points: Sequence[tuple[str, Mean | None]],
    y_title: str,
    y_range: tuple[float, float] | None = None,
) -> Figure:
    """The mean per round with its 95 % interval as error bars; a gap where a round is hidden."""
    if not any(m is not None for _l, m in points):
        return Figure(fig_id, title, "", {})
    labels = [_text(label) for label, _m in points]
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": labels,
            "y": [round(m.value, 2) if m else None for _l, m in points],
            "connectgaps": False,
            "error_y": {
                "type": "data",
                "symmetric": False,
                "array": [round(m.high - m.value, 2) if m else None for _l, m in points],
                "arrayminus": [round(m.value - m.low, 2) if m else None for _l, m in points],
                "color": AXIS,
            },
            "hovertext": [f"{_text(label)}: {mean_text(m)}" for label, m in points],
            "hovertemplate": "%{hovertext}<extra></extra>",
            "line": {"color": BRAND, "width": 3},
            "marker": {"color": BRAND, "size": 10},
        }
    ]
    layout = _layout(
        320,
        showlegend=False,
        xaxis={"type": "category", "automargin": True, "fixedrange": True, "linecolor": AXIS},
        yaxis={
            "title": {"text": _text(y_title), "standoff": 8},
            "automargin": True,
            "fixedrange": True,
            "gridcolor": GRID,
            "linecolor": AXIS,
            # The whole scale, so a small change does not look like a big one.
            **({"range": list(y_range)} if y_range else {}),
        },
    )
    summary = _("Line chart of the mean per round: %(title)s", title=title)
    return Figure(fig_id, title, summary, {"data": data, "layout": layout, "config": _config()})
