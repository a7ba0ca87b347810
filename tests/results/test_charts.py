"""The chart layer: plotly figures as plain data, localized, safe to embed, with a data table;
and plotly.js served by the app itself."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from flask_babel import force_locale

from feedback.results.charts import base as charts
from feedback.results.charts import plotly
from feedback.results.charts.chart import Chart
from feedback.results.charts.formats import month_label

HOSTILE = "</script><script>alert(1)</script>"
MACRO = '{% from "macros/charts.html" import chart %}{{ chart(c) }}'
SCRIPTS = '{% from "macros/charts.html" import chart_scripts %}{{ chart_scripts() }}'


@pytest.fixture
def request_ctx(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


def make(shape: str = "bar", **overrides: Any) -> Chart:
    values: dict[str, Any] = {
        "id": "chart-by-month",
        "title": "Avvik per måned",
        "x_label": "Måned",
        "y_label": "Antall",
        "rows": [("jan.", 3), ("feb.", None), ("mars", 1234.5), ("apr.", 0)],
        "shape": shape,
        "decimals": 1,
    }
    values.update(overrides)
    return Chart(**values)


def validated(chart: Chart) -> Any:
    """The figure through plotly's own validation (unknown keys or bad values raise)."""
    import plotly.graph_objects as go

    figure = chart.figure()
    figure.pop("config")
    phone = figure.pop("phone", {})
    # The phone layout goes on top of the layout, as static/js/charts.js puts it.
    layout = {**figure["layout"]}
    for key, value in phone.items():
        layout[key] = {**layout.get(key, {}), **value}
    go.Figure({**figure, "layout": layout})
    return go.Figure(figure)


# --- the figure --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["bar", "hbar", "line"])
@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_figure_is_valid_plotly(request_ctx: None, kind: str, language: str) -> None:
    with force_locale(language):
        chart = make(kind)
        figure = chart.figure()
        validated(chart)
    assert figure["config"] == {
        "displayModeBar": False,
        "responsive": True,
        "doubleClick": False,
        "locale": language,
    }
    layout = figure["layout"]
    assert "system-ui" in layout["font"]["family"]
    axes = {"x": layout["xaxis"], "y": layout["yaxis"]}
    categories, values = (axes["y"], axes["x"]) if kind == "hbar" else (axes["x"], axes["y"])
    assert categories["title"]["text"] == "Måned"
    assert values["title"]["text"] == "Antall"
    assert categories["automargin"] and values["automargin"]
    assert categories["categoryarray"] == ["jan.", "feb.", "mars", "apr."]
    assert figure["data"][0]["hovertemplate"].endswith("<extra></extra>")


def test_figure_is_json_throughout(request_ctx: None) -> None:
    chart = make()
    assert json.loads(chart.figure_json()) == chart.figure()


def test_plotly_validation_catches_a_bad_key(request_ctx: None) -> None:
    """The check above means something: plotly refuses what it does not know."""
    import plotly.graph_objects as go

    with pytest.raises(ValueError):
        go.Figure({"data": [], "layout": {"separatorz": ", "}})


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nb", ",\N{NO-BREAK SPACE}"), ("nn", ",\N{NO-BREAK SPACE}"), ("en", ".,")],
)
def test_separators_follow_the_language(request_ctx: None, language: str, expected: str) -> None:
    with force_locale(language):
        assert make().figure()["layout"]["separators"] == expected
        # The same marks as the table, so "1 234,5" reads alike in both.
        assert make().formatted(1234.5) == f"1{expected[1]}234{expected[0]}5"


def test_none_is_left_out_of_the_bars_but_shown_as_a_dash(request_ctx: None) -> None:
    for kind, category, value in (("bar", "x", "y"), ("hbar", "y", "x")):
        trace = make(kind).figure()["data"][0]
        assert trace[category] == ["jan.", "mars", "apr."], kind
        assert trace[value] == [3, 1234.5, 0], kind
        assert trace["type"] == "bar"
    assert make("hbar").figure()["data"][0]["orientation"] == "h"
    assert make().formatted(None) == "–"
    assert make().formatted(float("nan")) == "–"


def test_none_is_a_gap_in_a_line(request_ctx: None) -> None:
    trace = make("line").figure()["data"][0]
    assert trace["x"] == ["jan.", "feb.", "mars", "apr."]
    assert trace["y"] == [3, None, 1234.5, 0]
    assert trace["connectgaps"] is False


def test_values_are_rounded_alike_in_chart_and_table(request_ctx: None) -> None:
    chart = make(rows=[("a", 3.25), ("b", 4.125), ("c", 2.675)])
    assert chart.figure()["data"][0]["y"] == [3.3, 4.1, 2.7]
    assert [chart.formatted(v) for _label, v in chart.rows] == ["3,3", "4,1", "2,7"]
    counts = make(decimals=0, rows=[("a", 2.5), ("b", 7)])
    assert counts.figure()["data"][0]["y"] == [3, 7]
    assert counts.formatted(2.5) == "3"
    assert counts.formatted(1234567) == "1\N{NO-BREAK SPACE}234\N{NO-BREAK SPACE}567"


def test_small_counts_get_whole_ticks(request_ctx: None) -> None:
    small = make(decimals=0, rows=[("a", 1), ("b", 3)]).figure()["layout"]["yaxis"]
    assert small["dtick"] == 1
    large = make(decimals=0, rows=[("a", 100)]).figure()["layout"]["yaxis"]
    assert "dtick" not in large


def test_colour_has_3_to_1_contrast_against_white() -> None:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for colour in (charts.COLOUR, charts.AXIS):
        assert 1.05 / (luminance(colour) + 0.05) >= 3, colour


def test_long_labels_of_horizontal_bars_are_wrapped(request_ctx: None) -> None:
    label = "Psykisk helse og rus, ambulant team for unge voksne"
    figure = make("hbar", rows=[(label, 4), ("Kort", 2)]).figure()
    wrapped = figure["data"][0]["y"][0]
    assert "<br>" in wrapped
    assert wrapped.replace("<br>", " ") == label
    assert figure["layout"]["yaxis"]["autorange"] == "reversed"  # top down, like the table


def test_labels_are_text_not_plotly_markup(request_ctx: None) -> None:
    figure = make("line", rows=[('<a href="https://example.org">x</a> & co', 1)]).figure()
    (label,) = figure["data"][0]["x"]
    # Wrapped onto lines (plotly's <br>, the one tag in it), and the text itself escaped.
    lines = label.split("<br>")
    assert len(lines) > 1 and "<" not in "".join(lines)
    written = '&lt;a href="https://example.org"&gt;x&lt;/a&gt; &amp; co'
    assert "".join(lines).replace(" ", "") == written.replace(" ", "")


def test_figure_json_cannot_close_the_script_element(request_ctx: None) -> None:
    chart = make(rows=[(HOSTILE, 1), ("<!-- & -->", 2)], title=HOSTILE, x_label=HOSTILE)
    text = chart.figure_json()
    for raw in ("<", ">", "&"):
        assert raw not in text
    assert json.loads(text) == chart.figure()


def test_figure_json_escapes_what_the_figure_holds(request_ctx: None) -> None:
    """Labels are already plotly text ("&lt;"); the JSON escaping stands on its own too."""

    class Raw(Chart):
        def figure(self) -> dict[str, Any]:
            return {"data": [{"x": [HOSTILE, "a & b", "\u2028"]}]}

    text = Raw(id="raw", title="t", x_label="x", y_label="y").figure_json()
    assert HOSTILE not in text and "<" not in text and ">" not in text and "&" not in text
    assert "\\u003c/script\\u003e\\u003cscript\\u003e" in text
    assert json.loads(text) == {"data": [{"x": [HOSTILE, "a & b", "\u2028"]}]}


def test_ids_and_kinds_are_checked() -> None:
    with pytest.raises(ValueError):
        make(id='x" onclick="alert(1)')
    with pytest.raises(ValueError):
        make(shape="pie")
    with pytest.raises(ValueError):
        make(decimals=-1)


@pytest.mark.parametrize(
    ("language", "january", "may"),
    [
        ("nb", "jan. 2026", "mai 2026"),
        ("nn", "jan. 2026", "mai 2026"),
        ("en", "Jan 2026", "May 2026"),
    ],
)
def test_month_label(request_ctx: None, language: str, january: str, may: str) -> None:
    with force_locale(language):
        assert month_label(2026, 1) == january
        assert month_label(2026, 5) == may


# --- the macro ---------------------------------------------------------------------------------


def test_macro_renders_a_figure_and_a_table(app: Flask) -> None:
    with app.test_request_context(), force_locale("nb"):
        html = render_template_string(MACRO, c=make(summary="Flest i mars."))
    assert '<figure class="chart">' in html
    assert '<figcaption class="chart__title">Avvik per måned</figcaption>' in html
    plot = re.search(r"<div class=\"chart__plot\"[^>]*>", html)
    assert plot
    for attribute in (
        'id="chart-by-month"',
        'data-figure="chart-by-month-data"',
        'role="img"',
        'aria-label="Flest i mars."',
        "hidden",
    ):
        assert attribute in plot.group(0)
    data = re.search(
        r'<script type="application/json" id="chart-by-month-data">(.*?)</script>', html
    )
    assert data
    assert json.loads(data.group(1))["layout"]["separators"] == ",\N{NO-BREAK SPACE}"

    assert re.search(r"<table class=\"[^\"]*\bds-table\b", html)
    assert re.search(r"<caption>\s*\S", html)
    assert '<th scope="col">Måned</th>' in html
    assert '<th scope="col" class="numeric">Antall</th>' in html
    assert html.count('<th scope="row">') == 4
    assert '<td class="numeric">1\N{NO-BREAK SPACE}234,5</td>' in html
    assert '<td class="numeric">3,0</td>' in html
    assert '<span aria-hidden="true">–</span>' in html  # the missing February
    assert "<script" not in html.replace('<script type="application/json"', "")


def test_macro_in_english_has_a_decimal_point(app: Flask) -> None:
    with app.test_request_context(), force_locale("en"):
        html = render_template_string(MACRO, c=make())
    assert '<td class="numeric">1,234.5</td>' in html
    assert "The numbers in the chart" in html


def test_macro_label_is_escaped_everywhere(app: Flask) -> None:
    chart = make(rows=[(HOSTILE, 1)], title=HOSTILE, summary=HOSTILE)
    with app.test_request_context():
        html = render_template_string(MACRO, c=chart)
    assert HOSTILE not in html
    assert "<script>" not in html


def test_macro_without_values_shows_only_the_table(app: Flask) -> None:
    with app.test_request_context():
        html = render_template_string(MACRO, c=make(rows=[("jan.", None)]))
        empty = render_template_string(MACRO, c=make(rows=[]))
    assert "data-figure" not in html and "application/json" not in html
    assert '<th scope="row">jan.</th>' in html
    assert "data-figure" not in empty
    assert '<td colspan="2">' in empty


def test_chart_scripts_load_plotly_from_the_app(app: Flask) -> None:
    found = plotly.plotly_js()
    assert found is not None
    with app.test_request_context():
        html = render_template_string(SCRIPTS)
    assert f'<script src="/vendor/plotly-{found.version}.min.js" defer></script>' in html
    assert '<script src="/static/js/charts.js" defer></script>' in html
    assert '<template id="plotly.js-style-global" class="no-inline-styles">' in html
    assert "http" not in html


# --- plotly.js, served by the app ----------------------------------------------------------------


def test_plotly_version_comes_from_the_file() -> None:
    found = plotly.plotly_js()
    assert found is not None
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", found.version)
    with found.path.open("rb") as file:
        assert f"plotly.js v{found.version}".encode() in file.read(200)
    assert found.style_ids[0] == "plotly.js-style-global"


def test_vendor_route_serves_plotly_for_a_year(client: FlaskClient) -> None:
    found = plotly.plotly_js()
    assert found is not None
    response = client.get(f"/vendor/plotly-{found.version}.min.js")
    try:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert response.cache_control.max_age == 31536000
        assert response.cache_control.public
        assert response.cache_control.immutable
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.content_length == found.path.stat().st_size
        assert response.is_streamed  # sent from the file in blocks, not read into memory
    finally:
        response.close()


@pytest.mark.parametrize("version", ["0.0.1", "latest", "4.1.1.min.js%2F..%2F..", "x"])
def test_vendor_route_404s_for_another_version(client: FlaskClient, version: str) -> None:
    found = plotly.plotly_js()
    assert found is not None and version != found.version
    assert client.get(f"/vendor/plotly-{version}.min.js").status_code == 404
