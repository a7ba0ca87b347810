"""The results' figures: diverging bars for scales and faces, bars for choices, the spread of
0–10 and number answers, and the mean per round.

Every text on a figure (bar labels, hover texts) is written with Babel, so a figure says "42 %"
and "3,8" in bokmål and nynorsk and "42%" and "3.8" in English, exactly as the table beside it.
Colours are Designsystemet's (``palette``): its tokens for series and a colour-blind-safe
diverging scale (ColorBrewer RdBu) for agreement scales; each bar segment has a dark outline so
pale colours still stand out against white (WCAG 1.4.11). No tick label is ever turned
(``tickangle`` 0): long labels are wrapped onto lines, which reads on a phone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _

from feedback.i18n import current_language
from feedback.results.aggregate import Mean, QuestionResult
from feedback.results.charts import palette
from feedback.results.charts.base import (
    AXIS,
    BRAND,
    GRID,
    TEXT,
    Figure,
    base_config,
    base_layout,
    phone_ticks,
)
from feedback.results.charts.formats import PHONE_WRAP_AT, mean_text, percent, plot_text, wrapped

#: Segment labels smaller than this are left out rather than shrunk: on a phone a narrow
#: segment shows no number (the table under the chart has every one).
MIN_LABEL_SIZE = 12


def _share_axis(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": plot_text(title), "standoff": 8},
        "automargin": True,
        "fixedrange": True,
        "gridcolor": GRID,
        "zeroline": True,
        "zerolinecolor": AXIS,
        "linecolor": AXIS,
        "ticksuffix": "\u00a0%" if current_language() != "en" else "%",
        "tickangle": 0,
        **extra,
    }


def _category_axis(labels: list[str], title: str = "") -> dict[str, Any]:
    return {
        "title": {"text": plot_text(title)} if title else None,
        "type": "category",
        "categoryorder": "array",
        "categoryarray": labels,
        "autorange": "reversed",
        "automargin": True,
        "fixedrange": True,
        "showgrid": False,
        "linecolor": AXIS,
        "tickangle": 0,
    }


def diverging(fig_id: str, title: str, groups: Sequence[tuple[str, QuestionResult]]) -> Figure:
    """A diverging stacked bar per group for a Likert or smiley question: answers below the
    middle go left, above it right, the middle answer is split across zero."""
    shown = [(name, r) for name, r in groups if r.shown and r.valid]
    if not shown:
        return Figure(fig_id, title, "", {})
    steps = len(shown[0][1].bars)
    colours = palette.diverging(steps)
    middle = steps // 2 if steps % 2 else None
    labels = [wrapped(name) for name, _r in shown]
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
                    f"{plot_text(name)}<br>{plot_text(label)}: {percent(bar.share)} ({bar.count})"
                )
            colour = colours[i]
            data.append(
                {
                    "type": "bar",
                    "orientation": "h",
                    "name": plot_text(label),
                    "y": labels,
                    "x": values,
                    "text": texts,
                    "textposition": "inside",
                    "insidetextanchor": "middle",
                    "textangle": 0,
                    "textfont": {"color": palette.label_colour(colour)},
                    "hovertext": hovers,
                    "hovertemplate": "%{hovertext}<extra></extra>",
                    "marker": {"color": colour, "line": {"color": TEXT, "width": 1}},
                    "showlegend": side == "right" or i != middle,
                    "legendrank": i,
                }
            )
    layout = base_layout(
        190 + 46 * len(shown),
        barmode="relative",
        bargap=0.3,
        uniformtext={"mode": "hide", "minsize": MIN_LABEL_SIZE},
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
    # On a phone three ticks (five would collide), and the groups' names on shorter lines so
    # the bars keep more of the width.
    phone = {
        "xaxis": {
            "tickvals": [-100, 0, 100],
            "ticktext": [percent(abs(v) / 100) for v in (-100, 0, 100)],
        },
        "yaxis": {
            "tickmode": "array",
            "tickvals": labels,
            "ticktext": [wrapped(name, PHONE_WRAP_AT) for name, _r in shown],
        },
    }
    summary = _("Diverging bar chart. The table below has the same numbers: %(title)s", title=title)
    figure = {"data": data, "layout": layout, "config": base_config(), "phone": phone}
    return Figure(fig_id, title, summary, figure)


def bars(fig_id: str, title: str, groups: Sequence[tuple[str, QuestionResult]]) -> Figure:
    """Horizontal bars of shares per answer (choices, yes/no); one colour per group."""
    shown = [(name, r) for name, r in groups if r.shown and r.valid]
    if not shown:
        return Figure(fig_id, title, "", {})
    labels = [wrapped(b.label) for b in shown[0][1].bars]
    data = []
    for index, (name, result) in enumerate(shown):
        colour = BRAND if len(shown) == 1 else palette.SERIES[index % len(palette.SERIES)]
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": plot_text(name),
                "y": labels,
                "x": [round(b.share * 100, 1) for b in result.bars],
                "text": [percent(b.share) for b in result.bars],
                "textposition": "outside",
                "cliponaxis": False,
                "hovertext": [
                    f"{plot_text(name)}<br>{plot_text(b.label)}: {percent(b.share)} ({b.count})"
                    for b in result.bars
                ],
                "hovertemplate": "%{hovertext}<extra></extra>",
                "marker": {"color": colour, "line": {"color": TEXT, "width": 1}},
            }
        )
    rows = len(labels) * max(1, len(shown))
    layout = base_layout(
        120 + 30 * rows,
        barmode="group",
        bargap=0.25,
        showlegend=len(shown) > 1,
        legend={"orientation": "h", "y": -0.2, "x": 0},
        xaxis=_share_axis(_("Share of answers"), rangemode="tozero"),
        yaxis=_category_axis(labels),
    )
    summary = _("Bar chart. The table below has the same numbers: %(title)s", title=title)
    return Figure(fig_id, title, summary, {"data": data, "layout": layout, "config": base_config()})


def distribution(fig_id: str, title: str, result: QuestionResult, x_title: str) -> Figure:
    """Vertical bars of how many gave each value (0–10) or fell in each range (numbers)."""
    if not result.shown or not result.valid:
        return Figure(fig_id, title, "", {})
    labels = [wrapped(b.label) for b in result.bars]
    data = [
        {
            "type": "bar",
            "x": labels,
            "y": [b.count for b in result.bars],
            "text": [str(format_decimal(b.count)) for b in result.bars],
            "textposition": "outside",
            "cliponaxis": False,
            "hovertext": [
                f"{plot_text(b.label)}: {format_decimal(b.count)} ({percent(b.share)})"
                for b in result.bars
            ],
            "hovertemplate": "%{hovertext}<extra></extra>",
            "marker": {"color": BRAND},
        }
    ]
    layout = base_layout(
        340,
        bargap=0.2,
        showlegend=False,
        xaxis={
            "title": {"text": plot_text(x_title), "standoff": 8},
            "type": "category",
            "automargin": True,
            "fixedrange": True,
            "linecolor": AXIS,
            "tickangle": 0,
        },
        yaxis={
            "title": {"text": plot_text(_("Answers")), "standoff": 8},
            "automargin": True,
            "fixedrange": True,
            "rangemode": "tozero",
            "gridcolor": GRID,
            "linecolor": AXIS,
            "separatethousands": True,
            "tickangle": 0,
        },
    )
    summary = _("Bar chart of the spread of answers: %(title)s", title=title)
    figure = {
        "data": data,
        "layout": layout,
        "config": base_config(),
        "phone": {"xaxis": phone_ticks(labels)},
    }
    return Figure(fig_id, title, summary, figure)


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
    labels = [wrapped(label) for label, _m in points]
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
            "hovertext": [f"{plot_text(label)}: {mean_text(m)}" for label, m in points],
            "hovertemplate": "%{hovertext}<extra></extra>",
            "line": {"color": BRAND, "width": 3},
            "marker": {"color": BRAND, "size": 10},
        }
    ]
    layout = base_layout(
        320,
        showlegend=False,
        xaxis={
            "type": "category",
            "automargin": True,
            "fixedrange": True,
            "linecolor": AXIS,
            "tickangle": 0,
        },
        yaxis={
            "title": {"text": plot_text(y_title), "standoff": 8},
            "automargin": True,
            "fixedrange": True,
            "gridcolor": GRID,
            "linecolor": AXIS,
            "tickangle": 0,
            # The whole scale, so a small change does not look like a big one.
            **({"range": list(y_range)} if y_range else {}),
        },
    )
    summary = _("Line chart of the mean per round: %(title)s", title=title)
    figure = {
        "data": data,
        "layout": layout,
        "config": base_config(),
        "phone": {"xaxis": phone_ticks(labels)},
    }
    return Figure(fig_id, title, summary, figure)
