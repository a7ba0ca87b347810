"""Charts in Chromium, under the app's own Content-Security-Policy: plotly.js from the app, the
bars drawn, no other host asked for anything, no console errors, and axe finds nothing."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask, render_template_string

from feedback.results.aggregate import Bar, Mean, QuestionResult
from feedback.results.charts import figures
from feedback.results.charts import plotly as charts_module
from feedback.results.charts.base import Figure
from feedback.results.charts.chart import Chart
from feedback.results.charts.formats import month_label
from tests.e2e.conftest import axe_violations, new_page

pytestmark = pytest.mark.e2e

PAGE = "/test/diagram"
HOSTILE = "</script><script>alert(1)</script>"
#: plotly.js's own warning when the CSP refuses its <style> element (accepted, not expected).
PLOTLY_CSP_WARNING = "Cannot addRelatedStyleRule, probably due to strict CSP"

TEMPLATE = """{% extends "base.html" %}
{% from "macros/charts.html" import chart, chart_scripts %}
{% block title %}Diagram{% endblock %}
{% block content %}
<h1>Diagram</h1>
{% for c in charts %}{{ chart(c) }}{% endfor %}
{% endblock %}
{% block scripts %}{{ chart_scripts() }}{% endblock %}
"""


def charts() -> list[Chart]:
    months = [month_label(2026, m) for m in range(1, 7)]
    return [
        Chart(
            id="chart-by-month",
            title="Avvik per måned",
            x_label="Måned",
            y_label="Antall avvik",
            rows=list(zip(months, [3, 7, None, 1234, 0, 12], strict=True)),
            summary="Flest avvik i april.",
        ),
        Chart(
            id="chart-by-unit",
            title="Avvik per enhet",
            x_label="Enhet",
            y_label="Antall avvik",
            shape="hbar",
            rows=[
                ("Psykisk helse og rus, ambulant team for unge voksne", 14),
                ("Solsiden bofellesskap", 5),
                ("Ørsta & Volda <b>dagsenter</b>", None),
                (HOSTILE, 2),
            ],
        ),
        Chart(
            id="chart-average",
            title="Gjennomsnittlig svar",
            x_label="Måned",
            y_label="Gjennomsnitt",
            shape="line",
            decimals=1,
            rows=list(zip(months[:4], [3.25, 2.5, None, 4.125], strict=True)),
        ),
    ]


@pytest.fixture
def chart_page(app: Flask) -> str:
    """A throwaway page with three charts, added before the live server serves anything."""

    def view() -> str:
        return render_template_string(TEMPLATE, charts=charts())

    app.add_url_rule(PAGE, "test_charts", view)
    return PAGE


@pytest.fixture
def expected(app: Flask) -> list[Chart]:
    """The page's charts, as the test compares them (in bokmål, the browser's language)."""
    with app.test_request_context(headers={"Accept-Language": "nb-NO"}):
        return charts()


def plotted(chart: Chart) -> int:
    return sum(1 for _label, value in chart.rows if value is not None)


class Watch:
    """What the page asked of the network and said on the console."""

    def __init__(self, page: Any, base: str) -> None:
        self.requests: list[str] = []
        self.console: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", self._dialog)
        self.base = base

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.console.append(f"{message.type}: {message.text} @ {message.location}")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def elsewhere(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(self.base + "/")]

    def problems(self) -> list[str]:
        unexpected = [m for m in self.console if PLOTLY_CSP_WARNING not in m]
        return unexpected + self.errors


def wait_for_charts(page: Any, ids: list[str]) -> None:
    from playwright.sync_api import expect

    for chart_id in ids:
        expect(page.locator(f"#{chart_id} svg.main-svg").first).to_be_attached()


def test_charts_render_under_the_csp_from_the_app_alone(
    browser: Any, live_server: str, chart_page: str, expected: list[Chart]
) -> None:
    from playwright.sync_api import expect

    with new_page(browser) as page:
        watch = Watch(page, live_server)
        response = page.goto(live_server + chart_page)
        assert response is not None
        assert "script-src 'self'" in response.headers["content-security-policy"]
        wait_for_charts(page, [c.id for c in expected])
        page.wait_for_load_state("networkidle")

        for chart in expected:
            plot = page.locator(f"#{chart.id}")
            expect(plot).to_be_visible()
            expect(plot).to_have_attribute("role", "img")
            box = plot.bounding_box()
            assert box is not None and box["height"] > 150 and box["width"] > 300, chart.id
            assert plot.locator(".point").count() == plotted(chart), chart.id
            # The table under it is there whatever happens to the chart.
            rows = page.locator(f"figure:has(#{chart.id}) table tbody tr")
            expect(rows).to_have_count(len(chart.rows))

        # A label is shown as written: not as markup, and nothing in it runs.
        # (A long label is wrapped over lines, so the words are compared without the spaces.)
        ticks = page.locator("#chart-by-unit .ytick text").all_text_contents()
        words = ["".join(tick.split()) for tick in ticks]
        assert HOSTILE in words, ticks
        assert "Ørsta&Volda<b>dagsenter</b>" in words, ticks
        assert watch.dialogs == []

        assert watch.elsewhere() == []
        assert any("/vendor/plotly-" in url for url in watch.requests)
        assert watch.problems() == []


def test_without_the_style_switches_plotly_still_draws(
    browser: Any,
    live_server: str,
    chart_page: str,
    expected: list[Chart],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the elements that keep plotly.js from adding <style> elements, the CSP refuses
    them (console errors) but the bars are drawn all the same: the CSP need not be loosened."""
    monkeypatch.setattr(charts_module, "plotly_style_ids", lambda: ())
    with new_page(browser) as page:
        watch = Watch(page, live_server)
        page.goto(live_server + chart_page)
        wait_for_charts(page, [c.id for c in expected])
        for chart in expected:
            assert page.locator(f"#{chart.id} .point").count() == plotted(chart), chart.id
        assert watch.console, "the CSP refused nothing: are the switches still needed?"
        for message in watch.console:
            assert PLOTLY_CSP_WARNING in message or "style-src 'self'" in message, message
        assert watch.errors == []
        assert watch.elsewhere() == []


def test_hover_shows_the_value_with_a_decimal_comma(
    browser: Any, live_server: str, chart_page: str
) -> None:
    from playwright.sync_api import expect

    with new_page(browser) as page:
        page.goto(live_server + chart_page)
        wait_for_charts(page, ["chart-average"])
        page.locator("#chart-average").scroll_into_view_if_needed()
        point = page.locator("#chart-average .point").first
        box = point.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        hover = page.locator("#chart-average .hovertext")
        expect(hover).to_contain_text("3,3")  # 3.25 with one decimal, in bokmål
        expect(hover).to_contain_text("Gjennomsnitt")


def test_without_plotly_the_table_is_the_chart(
    browser: Any, live_server: str, chart_page: str, expected: list[Chart]
) -> None:
    from playwright.sync_api import expect

    with new_page(browser) as page:
        page.route("**/vendor/plotly-*", lambda route: route.abort())
        page.goto(live_server + chart_page)
        page.wait_for_load_state("load")
        for chart in expected:
            expect(page.locator(f"#{chart.id}")).to_be_hidden()
        expect(page.get_by_role("table")).to_have_count(3)
        expect(page.get_by_role("table").first.locator("caption")).to_be_visible()


def test_charts_fit_a_phone_without_sideways_scrolling(
    browser: Any, live_server: str, chart_page: str, expected: list[Chart]
) -> None:
    with new_page(browser, 320, 640) as page:
        page.goto(live_server + chart_page)
        wait_for_charts(page, [c.id for c in expected])
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320


@pytest.mark.parametrize("width", [1280, 375])
def test_chart_page_has_no_axe_violations(
    browser: Any, live_server: str, chart_page: str, expected: list[Chart], width: int
) -> None:
    with new_page(browser, width, 800, bypass_csp=True) as page:
        page.goto(live_server + chart_page)
        wait_for_charts(page, [c.id for c in expected])
        assert axe_violations(page) == []


# --- a phone -----------------------------------------------------------------------------------

PHONE_PAGE = "/test/diagram-mobil"
PHONE_TEMPLATE = """{% extends "base.html" %}
{% from "macros/charts.html" import plot, chart_scripts %}
{% block title %}Diagram{% endblock %}
{% block content %}<h1>Diagram</h1>{% for f in figures %}{{ plot(f) }}{% endfor %}{% endblock %}
{% block scripts %}{{ chart_scripts() }}{% endblock %}
"""
LONG = "Jeg får være med på å bestemme hvilken hjelp jeg får"
#: What plotly.js does to a tick label it turns: transform="rotate(-30,…)" or "rotate(90,…)".
ROTATED_TICKS = """(id) => [...document.querySelectorAll(`#${id} .xtick text, #${id} .ytick text`)]
    .filter((t) => (t.getAttribute('transform') || '').includes('rotate')).length"""
#: Tick labels along the bottom whose boxes overlap another's.
OVERLAPPING_TICKS = """(id) => {
    const boxes = [...document.querySelectorAll(`#${id} .xtick text`)]
      .filter((t) => t.textContent).map((t) => t.getBoundingClientRect());
    let overlaps = 0;
    boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b) => {
      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
        overlaps += 1;
      }
    }));
    return overlaps;
  }"""
TICKS = """(id) => [...document.querySelectorAll(`#${id} .xtick text`)]
    .map((t) => t.textContent.replace(/\u00a0/g, ' ')).filter(Boolean)"""
#: Segment labels wider than their segment (plotly.js hides them instead: uniformtext).
SPILLING = """(id) => [...document.querySelectorAll(`#${id} .bars .point`)].filter((p) => {
    const text = p.querySelector('text');
    if (!text || !text.textContent || getComputedStyle(text).display === 'none') return false;
    const bar = p.querySelector('path').getBBox();
    return text.getBBox().width > bar.width + 1;
  }).length"""

VISIBLE_LABELS = """(id) => [...document.querySelectorAll(`#${id} .bars .point text`)]
    .filter((t) => t.textContent && getComputedStyle(t).display !== 'none')
    .map((t) => t.textContent)"""


def phone_figures() -> list[Figure]:
    scale = ["Helt uenig", "Litt uenig", "Verken enig eller uenig", "Litt enig", "Helt enig"]
    counts = [4, 6, 10, 30, 50]
    question = SimpleNamespace(kind="likert", text={"nb": "Spørsmål"}, dont_know=False)
    result = QuestionResult(
        question,  # type: ignore[arg-type]
        1,
        True,
        n=100,
        valid=100,
        bars=[
            Bar(str(i), s, c, c / 100) for i, (s, c) in enumerate(zip(scale, counts, strict=True))
        ],
        mean=Mean(4.1, 3.9, 4.3, 100),
    )
    units = [("Solsiden bofellesskap for unge voksne", result), ("Møteplassen", result)]
    months = [month_label(2025 + m // 12, m % 12 + 1) for m in range(3, 15)]
    by_month = Chart("months", "Per måned", "Måned", "Antall", rows=[(m, 3) for m in months])
    rows = [(f"{LONG} ({i})", 10 + i) for i in range(4)]
    lying = Chart("lying", "Lange etiketter", "Spørsmål", "Antall", rows=rows)
    control = Chart("c", "Kontroll", "Spørsmål", "Antall", rows=rows, shape="line").figure()
    control["layout"]["xaxis"].pop("tickangle")  # plotly.js's own "auto"
    control.pop("phone")
    return [
        figures.diverging("diverging", "Enig", units),
        Figure(by_month.id, by_month.title, "", by_month.figure()),
        Figure(lying.id, lying.title, "", lying.figure()),
        Figure("control", "Kontroll", "", control),
    ]


@pytest.fixture
def phone_page(app: Flask) -> str:
    def view() -> str:
        return render_template_string(PHONE_TEMPLATE, figures=phone_figures())

    app.add_url_rule(PHONE_PAGE, "test_phone_charts", view)
    return PHONE_PAGE


def test_at_375_px_tick_labels_stay_upright_and_apart_and_segment_labels_fit(
    browser: Any, live_server: str, phone_page: str
) -> None:
    with new_page(browser, 375, 800) as page:
        page.goto(live_server + phone_page)
        wait_for_charts(page, ["diverging", "months", "lying", "control"])
        # The check can see a turned label: plotly.js turns these when left to itself.
        assert page.evaluate(ROTATED_TICKS, "control") > 0
        for chart_id in ("diverging", "months", "lying"):
            assert page.evaluate(ROTATED_TICKS, chart_id) == 0, chart_id
            assert page.evaluate(OVERLAPPING_TICKS, chart_id) == 0, chart_id
            width = page.locator(f"#{chart_id} svg.main-svg").first.bounding_box()["width"]
            assert width <= 375, (chart_id, width)
        # The phone layout: three ticks on the shares, every fourth month.
        assert page.evaluate(TICKS, "diverging") == ["100 %", "0 %", "100 %"]
        assert len(page.evaluate(TICKS, "months")) == 3
        assert page.evaluate(SPILLING, "diverging") == 0
        # The widest segment keeps its number; under 5 % there is none (the table has them).
        shown = page.evaluate(VISIBLE_LABELS, "diverging")
        assert "50\u00a0%" in shown and "4\u00a0%" not in shown
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375


def test_at_1280_px_every_tick_is_there(browser: Any, live_server: str, phone_page: str) -> None:
    with new_page(browser, 1280, 800) as page:
        page.goto(live_server + phone_page)
        wait_for_charts(page, ["diverging", "months"])
        assert len(page.evaluate(TICKS, "diverging")) == 5
        assert len(page.evaluate(TICKS, "months")) == 12
        assert page.evaluate(OVERLAPPING_TICKS, "months") == 0
