"""The contrast maths (WCAG 2.1 relative luminance and contrast ratio) and the derived theme."""

from __future__ import annotations

import pytest

from feedback.brand import theme


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        # Known pairs (WebAIM's contrast checker gives the same to two decimals).
        ("#767676", "#ffffff", 4.54),
        ("#777777", "#ffffff", 4.48),
        ("#808080", "#ffffff", 3.95),
        ("#ff0000", "#ffffff", 4.0),
        ("#0000ff", "#ffffff", 8.59),
        ("#949494", "#ffffff", 3.03),
    ],
)
def test_contrast_ratio_of_known_pairs(first: str, second: str, ratio: float) -> None:
    assert theme.contrast(first, second) == pytest.approx(ratio, abs=0.01)
    assert theme.contrast(second, first) == pytest.approx(ratio, abs=0.01)


def test_relative_luminance_ends_and_a_channel() -> None:
    assert theme.relative_luminance("#000000") == 0
    assert theme.relative_luminance("#ffffff") == pytest.approx(1)
    # Pure green weighs 0.7152 in the formula.
    assert theme.relative_luminance("#00ff00") == pytest.approx(0.7152)


def test_a_dark_enough_colour_passes_every_check() -> None:
    assert theme.contrast_failures("#0062ba") == []
    assert theme.contrast_failures("#767676") == []


def test_a_light_colour_fails_text_first_with_its_ratio() -> None:
    failures = theme.contrast_failures("#949494")
    assert [f.check for f in failures] == ["text"]
    assert failures[0].ratio == 3.0 and failures[0].needed == 4.5


def test_a_very_light_colour_fails_text_and_controls() -> None:
    failures = theme.contrast_failures("#ffd700")
    assert [f.check for f in failures] == ["text", "control"]
    # Rounded down: it never shows a passing number for a failing colour.
    assert failures[0].ratio == int(theme.contrast("#ffd700", "#ffffff") * 10) / 10


def test_just_below_the_limit_is_refused() -> None:
    # 4.48:1 must not round to an accepted 4.5.
    failures = theme.contrast_failures("#777777")
    assert failures and failures[0].ratio == 4.4


@pytest.mark.parametrize(
    "accent", ["#0062ba", "#767676", "#b3261e", "#006b3c", "#5b3fa0", "#000000"]
)
def test_derived_tokens_keep_their_contrasts(accent: str) -> None:
    tokens = theme.tokens(accent)
    base = tokens["--ds-color-accent-base-default"]
    assert base == accent
    on = tokens["--ds-color-accent-base-contrast-default"]
    for state in ("base-default", "base-hover", "base-active"):
        assert theme.contrast(on, tokens[f"--ds-color-accent-{state}"]) >= 4.5, state
    assert theme.contrast(tokens["--ds-color-accent-base-contrast-subtle"], base) >= 4.5
    for surface in ("background-tinted", "surface-tinted", "surface-hover", "surface-active"):
        colour = tokens[f"--ds-color-accent-{surface}"]
        assert theme.contrast(tokens["--ds-color-accent-text-default"], colour) >= 4.5, surface
        assert theme.contrast(tokens["--ds-color-accent-text-subtle"], colour) >= 4.5, surface
    assert theme.contrast(tokens["--ds-color-accent-border-default"], "#ffffff") >= 3
    assert theme.contrast(tokens["--link"], "#ffffff") >= 4.5
    assert theme.contrast(tokens["--link"], theme.SOFT) >= 4.5
    assert tokens["--brand"] == accent


def test_hover_and_active_are_darker_than_the_base() -> None:
    tokens = theme.tokens("#0062BA")
    luminance = [
        theme.relative_luminance(tokens[f"--ds-color-accent-base-{s}"])
        for s in ("default", "hover", "active")
    ]
    assert luminance == sorted(luminance, reverse=True) and len(set(luminance)) == 3
    assert tokens["--ds-color-accent-base-default"] == "#0062ba"


def test_the_stylesheet_sets_every_token_on_the_root() -> None:
    css = theme.stylesheet("#0062ba")
    assert css.startswith(":root,[data-color-scheme]{")
    for name, value in theme.tokens("#0062ba").items():
        assert f"{name}:{value}" in css


def test_the_respondents_theme_holds_only_what_their_sheet_uses() -> None:
    sheet = theme.RESPOND_SHEET.read_text(encoding="utf-8")
    kept = theme.respond_properties()
    assert "--ds-color-accent-base-default" in kept
    css = theme.stylesheet("#0062ba", only=kept)
    for name, value in theme.tokens("#0062ba").items():
        assert (f"{name}:{value}" in css) == (name in sheet), name
    assert len(css) < len(theme.stylesheet("#0062ba")) / 2


def test_the_fingerprint_changes_with_the_colour_only() -> None:
    assert theme.fingerprint("#0062BA") == theme.fingerprint("#0062ba")
    assert theme.fingerprint("#0062ba") != theme.fingerprint("#0062bb")


@pytest.mark.parametrize("bad", ["0062ba", "#062ba", "#0062bg", "#0062ba0", ""])
def test_only_hash_and_six_hex_digits_parse(bad: str) -> None:
    with pytest.raises(ValueError):
        theme.parse(bad)
