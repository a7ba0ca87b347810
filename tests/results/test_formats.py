"""Numbers on the results pages in the reader's language: per cent, decimals, thousands, the
plotly figures' separators and texts, and "too few answers to show"."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback.results.aggregate import Bar, Mean, QuestionResult
from feedback.results.charts import figures, formats
from tests.conftest import PASSWORD, login
from tests.world import ResultsPlace, store_many

NBSP = "\u00a0"
TOO_FEW = "too few answers to show"
#: What the catalogs are expected to say (docs/design.md glossary: "for få svar til å vise"). The
#: nynorsk wording may be "vise" or "visa"; both start like this.
TOO_FEW_IN = {"nb": "for få svar til å vise", "nn": "for få svar til å vis", "en": TOO_FEW}


def in_language(app: Flask, language: str):  # type: ignore[no-untyped-def]
    return app.test_request_context(headers={"Cookie": f"sprak={language}"})


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nb", f"42{NBSP}%"), ("nn", f"42{NBSP}%"), ("en", "42%")],
)
def test_percent(app: Flask, language: str, expected: str) -> None:
    with in_language(app, language):
        assert formats.percent(0.42) == expected
        assert formats.percent(0.4249) == expected
        # Half up, like every other number in the app.
        assert formats.percent(0.125) == expected.replace("42", "13")
        assert formats.percent(12.5) == expected.replace(
            "42", "1" + ("," if language == "en" else NBSP) + "250"
        )


@pytest.mark.parametrize(
    ("language", "mean", "thousands", "half"),
    [
        ("nb", "3,8 (3,5–4,1)", f"1{NBSP}234{NBSP}567,5", "3,3"),
        ("nn", "3,8 (3,5–4,1)", f"1{NBSP}234{NBSP}567,5", "3,3"),
        ("en", "3.8 (3.5–4.1)", "1,234,567.5", "3.3"),
    ],
)
def test_decimals_means_and_thousands(
    app: Flask, language: str, mean: str, thousands: str, half: str
) -> None:
    with in_language(app, language):
        assert formats.mean_text(Mean(3.8, 3.5, 4.1, 40)) == mean
        assert formats.mean_text(Mean(3.7999, 3.46, 4.14, 40)) == mean
        assert formats.decimal(1234567.5) == thousands
        assert formats.decimal(3.25) == half  # half up, as the app's charts
        assert formats.mean_text(Mean(4.0, 4.0, 4.0, 1)) == ("4.0" if language == "en" else "4,0")
        assert formats.mean_text(None) == "–"


def _result(kind: str, bars: list[tuple[str, int]], valid: int) -> QuestionResult:
    question = SimpleNamespace(kind=kind, text={"nb": "Spørsmål"}, dont_know=False)
    return QuestionResult(
        question,  # type: ignore[arg-type]
        1,
        True,
        n=valid,
        valid=valid,
        bars=[Bar(label, label, count, count / valid) for label, count in bars],
        mean=Mean(3.8, 3.5, 4.1, valid),
    )


@pytest.mark.parametrize(
    ("language", "separators", "share", "suffix"),
    [
        ("nb", f",{NBSP}", f"42{NBSP}%", f"{NBSP}%"),
        ("nn", f",{NBSP}", f"42{NBSP}%", f"{NBSP}%"),
        ("en", ".,", "42%", "%"),
    ],
)
def test_figures_follow_the_language(
    app: Flask, language: str, separators: str, share: str, suffix: str
) -> None:
    choice = _result("single_choice", [("Ja", 42), ("Nei", 58)], 100)
    likert = _result("likert", [("1", 10), ("2", 10), ("3", 10), ("4", 42), ("5", 28)], 100)
    number = _result("number", [("16–20", 1200), ("21–25", 800)], 2000)
    with in_language(app, language):
        made = {
            "bars": figures.bars("q1", "Spørsmål", [("Svar", choice)]),
            "diverging": figures.diverging("q2", "Spørsmål", [("Svar", likert)]),
            "distribution": figures.distribution("q3", "Spørsmål", number, "Alder"),
            "trend": figures.trend("t1", "Spørsmål", [("1", likert.mean), ("2", None)], "Snitt"),
        }
    for name, figure in made.items():
        data = json.loads(figure.figure_json())  # what the page carries, parsed back
        assert data["layout"]["separators"] == separators, name
        assert data["config"]["locale"] == language, name
    bars = json.loads(made["bars"].figure_json())
    assert bars["data"][0]["text"] == [share, share.replace("42", "58")]
    assert f": {share} (42)" in bars["data"][0]["hovertext"][0]
    assert bars["layout"]["xaxis"]["ticksuffix"] == suffix
    diverging = json.loads(made["diverging"].figure_json())
    texts = [t for trace in diverging["data"] for t in trace["text"] if t]
    assert share in texts
    distribution = json.loads(made["distribution"].figure_json())
    thousands = "1,200" if language == "en" else f"1{NBSP}200"
    assert distribution["data"][0]["text"][0] == thousands
    trend = json.loads(made["trend"].figure_json())
    mean = "3.8 (3.5–4.1)" if language == "en" else "3,8 (3,5–4,1)"
    assert trend["data"][0]["hovertext"][0] == f"1: {mean}"


# --- the results page in each language ---------------------------------------------------------


@pytest.fixture
def small_unit_page(
    app: Flask, results_place: ResultsPlace
) -> Callable[[str], tuple[str, dict[str, Any]]]:
    """The round page as the quality group sees it in a language, with Møteplassen (2) hidden;
    returns the HTML and the first figure's JSON."""
    place = results_place
    with app.app_context():
        store_many(place.round_id, 8, {"listened": "4", "food": "good"}, unit=place.units["Tunet"])
        store_many(place.round_id, 4, {"listened": "2", "food": "bad"}, unit=place.units["Døra"])
        store_many(place.round_id, 2, {"listened": "5"}, unit=place.units["Møteplassen"])

    def page(language: str) -> tuple[str, dict[str, Any]]:
        client: FlaskClient = app.test_client()
        assert login(client, "kari@example.no", PASSWORD).status_code == 302
        assert client.get(f"/sprak/{language}?next=/").status_code == 302
        # The overview (with the table per unit) and the questions tab (with the figures).
        html = client.get(place.url()).get_data(as_text=True)
        html += client.get(place.url("/sporsmal")).get_data(as_text=True)
        match = re.search(r'<script type="application/json" id="q\d+-data">(.*?)</script>', html)
        assert match, "no figure on the page"
        return html, json.loads(match.group(1))

    return page


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_results_page_in_each_language(
    small_unit_page: Callable[[str], tuple[str, dict[str, Any]]], language: str
) -> None:
    html, figure = small_unit_page(language)
    assert f'<html lang="{language}"' in html
    # All 14 answered "listened"; 8 said 4: 8/14 is 57 %.
    share = "57%" if language == "en" else f"57{NBSP}%"
    assert share in html
    assert figure["layout"]["separators"] == (".," if language == "en" else f",{NBSP}")
    assert share in [t for trace in figure["data"] for t in trace["text"]]
    assert TOO_FEW_IN[language] in html
