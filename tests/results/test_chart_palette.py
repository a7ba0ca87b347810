"""The charts' colours and their layout on a phone: Designsystemet's series colours, the
diverging scale for agreement scales as a reader with red-green colour blindness sees it, the
text colour on each bar segment, and tick labels that are never turned."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask

from feedback.results.aggregate import Bar, Mean, QuestionResult
from feedback.results.charts import base, figures, palette
from feedback.results.charts.chart import Chart
from feedback.results.charts.formats import PHONE_WRAP_AT, WRAP_AT

WHITE = "#ffffff"
DS_THEME = "@digdir/designsystemet-theme"

#: Machado, Oliveira and Fernandes (2009), severity 1.0, on linear RGB.
SIMULATIONS = {
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "normal": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
}


def _linear(colour: str) -> list[float]:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]


def _lab(colour: str, vision: str) -> tuple[float, float, float]:
    """CIELAB (D65) of the colour as a reader with this vision sees it."""
    matrix = SIMULATIONS[vision]
    rgb = [min(1.0, max(0.0, sum(m * c for m, c in zip(row, _linear(colour), strict=True))))
           for row in matrix]  # fmt: skip
    r, g, b = rgb
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def distance(one: str, other: str, vision: str) -> float:
    """CIE76 colour difference (about 2.3 is just noticeable; 10 is plainly different)."""
    a, b = _lab(one, vision), _lab(other, vision)
    return sum((p - q) ** 2 for p, q in zip(a, b, strict=True)) ** 0.5


# --- colours -----------------------------------------------------------------------------------


def test_the_distance_measure_tells_red_from_green_only_with_normal_vision() -> None:
    # So that the checks below could fail: a red and a green of equal lightness merge.
    assert distance("#d55e00", "#009e73", "normal") > 40
    assert distance("#b4a000", "#c08a00", "deuteranopia") < 10


def test_series_are_designsystemet_tokens_with_3_to_1_against_white() -> None:
    tokens = {palette.ACCENT, palette.BRAND1, palette.BRAND2, palette.WARNING, palette.DANGER}
    assert set(palette.SERIES) >= tokens
    assert len(set(palette.SERIES)) == len(palette.SERIES)
    for colour in (*palette.SERIES, base.COLOUR, base.AXIS, base.TEXT):
        assert palette.contrast(colour, WHITE) >= 3, colour
    assert base.COLOUR == palette.ACCENT == "#0062ba"


@pytest.mark.parametrize("vision", ["normal", "protanopia", "deuteranopia"])
def test_series_side_by_side_stay_apart_for_colour_blind_readers(vision: str) -> None:
    for one, other in zip(palette.SERIES, palette.SERIES[1:], strict=False):
        assert distance(one, other, vision) >= 20, (one, other, vision)


@pytest.mark.parametrize("steps", sorted(palette.DIVERGING))
@pytest.mark.parametrize("vision", ["normal", "protanopia", "deuteranopia"])
def test_diverging_steps_stay_apart_for_colour_blind_readers(steps: int, vision: str) -> None:
    scale = palette.diverging(steps)
    assert len(scale) == steps
    for one, other in zip(scale, scale[1:], strict=False):
        assert distance(one, other, vision) >= 10, (steps, one, other, vision)


@pytest.mark.parametrize("steps", sorted(palette.DIVERGING))
def test_diverging_runs_from_red_through_grey_to_blue(steps: int) -> None:
    scale = palette.diverging(steps)
    first, last = (_linear(c) for c in (scale[0], scale[-1]))
    assert first[0] > first[2] and last[2] > last[0]  # red-orange to blue, not reversed
    if steps % 2:
        channels = [int(scale[steps // 2][i : i + 2], 16) for i in (1, 3, 5)]
        assert max(channels) - min(channels) <= 4  # a neutral grey
    # Lightest in the middle, darker outwards on each side.
    lightness = [palette.luminance(c) for c in scale]
    half = steps // 2
    assert lightness[:half] == sorted(lightness[:half])
    assert lightness[-half:] == sorted(lightness[-half:], reverse=True)


def test_label_colour_is_the_better_of_dark_and_white() -> None:
    assert palette.label_colour("#0571b0") == WHITE
    assert palette.label_colour("#f4a582") == palette.NEUTRAL_TEXT
    assert palette.label_colour("#000000") == WHITE
    assert palette.label_colour(WHITE) == palette.NEUTRAL_TEXT


@pytest.mark.parametrize("steps", [*sorted(palette.DIVERGING), 8])
def test_every_segment_label_has_4_5_to_1_on_its_segment(steps: int) -> None:
    for colour in palette.diverging(steps):
        assert palette.contrast(palette.label_colour(colour), colour) >= 4.5, colour


def test_contrast_matches_known_values() -> None:
    assert palette.contrast("#000000", WHITE) == pytest.approx(21)
    assert palette.contrast("#767676", WHITE) == pytest.approx(4.54, abs=0.01)
    assert palette.contrast(WHITE, WHITE) == 1


# --- the figures -------------------------------------------------------------------------------


@pytest.fixture
def request_ctx(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


LONG = "Jeg får være med på å bestemme hvilken hjelp jeg får"


def _result(labels: list[str], counts: list[int]) -> QuestionResult:
    question = SimpleNamespace(kind="likert", text={"nb": "Spørsmål"}, dont_know=False)
    total = sum(counts)
    return QuestionResult(
        question,  # type: ignore[arg-type]
        1,
        True,
        n=total,
        valid=total,
        bars=[
            Bar(str(i), label, c, c / total)
            for i, (label, c) in enumerate(zip(labels, counts, strict=True))
        ],
        mean=Mean(3.8, 3.5, 4.1, total),
    )


def _all_figures() -> dict[str, dict[str, Any]]:
    scale = ["Helt uenig", "Litt uenig", "Verken enig eller uenig", "Litt enig", "Helt enig"]
    likert = _result(scale, [2, 3, 5, 40, 50])
    choice = _result([LONG, "Nei", "Vet ikke helt hva jeg mener om dette"], [5, 3, 2])
    units = [(f"{LONG} {i}", likert) for i in range(3)]
    made = {
        "diverging": figures.diverging("q1", "T", units),
        "bars": figures.bars("q2", "T", [("Solsiden", choice), ("Møteplassen", choice)]),
        "distribution": figures.distribution("q3", "T", choice, "Svar"),
        "trend": figures.trend("q4", "T", [(LONG, likert.mean), ("Høst 2026", None)], "Snitt"),
    }
    out = {name: figure.figure for name, figure in made.items()}
    for shape in ("bar", "hbar", "line"):
        rows = [(LONG, 4), ("Kort", 2), ("Ørsta og Volda dagsenter for eldre", 7)]
        out[f"chart-{shape}"] = Chart("c", "T", "X", "Y", rows=rows, shape=shape).figure()
    return out


def test_no_figure_turns_its_tick_labels_and_long_labels_are_wrapped(request_ctx: None) -> None:
    for name, figure in _all_figures().items():
        layout = figure["layout"]
        axes = [key for key in layout if key.startswith(("xaxis", "yaxis"))]
        assert axes, name
        for axis in axes:
            # "auto" (plotly's default) turns labels that collide, as on a 375 px phone.
            assert layout[axis].get("tickangle") == 0, (name, axis)
        for trace in figure["data"]:
            for key in ("x", "y"):
                for value in trace.get(key, []):
                    if isinstance(value, str):
                        assert all(len(line) <= WRAP_AT for line in value.split("<br>")), value


def test_segment_labels_that_do_not_fit_are_hidden_not_shrunk(request_ctx: None) -> None:
    figure = _all_figures()["diverging"]
    assert figure["layout"]["uniformtext"] == {"mode": "hide", "minsize": figures.MIN_LABEL_SIZE}
    # Each segment's text is in its colour's label colour, and the scale is RdBu's five.
    colours = {t["marker"]["color"]: t["textfont"]["color"] for t in figure["data"]}
    assert set(colours) == set(palette.diverging(5))
    for segment, text in colours.items():
        assert palette.contrast(segment, text) >= 4.5
    # Under 5 % no label at all (1 of 100 here is the "Helt uenig" segment).
    texts = {t["name"]: t["text"] for t in figure["data"]}
    assert texts["Helt uenig"] == ["", "", ""]


def test_groups_side_by_side_take_the_series_colours_in_order(request_ctx: None) -> None:
    figure = _all_figures()["bars"]
    assert [t["marker"]["color"] for t in figure["data"]] == list(palette.SERIES[:2])


def test_the_phone_layouts_keep_labels_upright_and_apart(request_ctx: None) -> None:
    for name, figure in _all_figures().items():
        for axis, overrides in figure.get("phone", {}).items():
            assert overrides.get("tickangle", figure["layout"][axis].get("tickangle")) == 0, name
            shown = overrides.get("ticktext")
            if shown is None or axis.startswith("y"):  # labels beside bars stack, see below
                continue
            widest = max(len(line) for label in shown for line in label.split("<br>"))
            # Each label has its share of the phone's plot width.
            room = base.PHONE_PLOT_WIDTH / len(shown)
            assert widest * base.CHARACTER_WIDTH + 12 <= room, (name, shown)
            if overrides.get("tickmode") == "array":  # categories: some of the plotted ones
                assert set(overrides["tickvals"]) <= set(figure["data"][0]["x"]), name


def test_twelve_months_show_every_fourth_on_a_phone(request_ctx: None) -> None:
    months = [f"{m}. 2026" for m in ("jan", "feb", "mars", "apr", "mai", "juni")] * 2
    figure = Chart("m", "T", "X", "Y", rows=[(m, 1) for m in months]).figure()
    assert figure["data"][0]["orientation"] == "v"
    # "mars. 2026" is 10 characters, about 92 px: three fit in 280 px.
    assert figure["phone"]["xaxis"]["tickvals"] == months[::4]


def test_bars_with_long_labels_lie_down(request_ctx: None) -> None:
    upright = Chart("a", "T", "X", "Y", rows=[("Solsiden", 1), ("Døra", 2)]).figure()
    lying = Chart("b", "T", "X", "Y", rows=[("Solsiden bofellesskap", 1), ("Døra", 2)]).figure()
    assert upright["data"][0]["orientation"] == "v" and "phone" in upright
    assert lying["data"][0]["orientation"] == "h" and "phone" not in lying
    assert lying["layout"]["yaxis"]["autorange"] == "reversed"  # top down, like the table


def test_diverging_bars_have_three_ticks_on_a_phone(request_ctx: None) -> None:
    figure = _all_figures()["diverging"]
    phone = figure["phone"]["xaxis"]
    assert phone["tickvals"] == [-100, 0, 100]
    assert len(phone["ticktext"]) == 3
    # The groups' names on shorter lines, for the same categories.
    names = figure["phone"]["yaxis"]
    assert names["tickvals"] == figure["data"][0]["y"]
    for long, short in zip(names["tickvals"], names["ticktext"], strict=True):
        assert short.replace("<br>", " ") == long.replace("<br>", " ")
        assert max(len(line) for line in short.split("<br>")) <= PHONE_WRAP_AT < WRAP_AT
