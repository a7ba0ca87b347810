"""The charts' colours, in one place: Designsystemet's colour tokens for series, and a
colour-blind-safe diverging scale for agreement scales.

The hex values are the light colour scheme of ``@digdir/designsystemet-theme`` 1.11.0 (MIT,
``src/themes/designsystemet.css``), copied here because a figure is data drawn by plotly.js and
cannot read CSS custom properties. The diverging scale is ColorBrewer RdBu (Brewer and Harrower,
marked colour-blind safe), with Designsystemet's neutral grey as its middle: red-orange for
"disagree", blue for "agree", the same blue family as the series.
"""

from __future__ import annotations

# --- Designsystemet tokens (light scheme) -------------------------------------------------------

ACCENT = "#0062ba"  # --ds-color-accent-base-default
BRAND1 = "#0d7a5f"  # --ds-color-brand1-base-default
BRAND2 = "#5b3fa0"  # --ds-color-brand2-base-default
WARNING = "#80540f"  # --ds-color-warning-text-subtle (the base, #ea9b1b, has 2.3:1 on white)
DANGER = "#c01b1b"  # --ds-color-danger-base-default
NEUTRAL = "#24272b"  # --ds-color-neutral-base-default
INFO_SURFACE = "#dcebf6"  # --ds-color-info-surface-tinted
NEUTRAL_TEXT = "#292c30"  # --ds-color-neutral-text-default
NEUTRAL_TEXT_SUBTLE = "#5b5d60"  # --ds-color-neutral-text-subtle
NEUTRAL_BORDER = "#77797b"  # --ds-color-neutral-border-default
NEUTRAL_SURFACE = "#e8e8e9"  # --ds-color-neutral-surface-tinted
NEUTRAL_SURFACE_ACTIVE = "#c9cacb"  # --ds-color-neutral-surface-active
WHITE = "#ffffff"  # --ds-color-neutral-background-default

#: Series side by side (units, groups), in this order. Adjacent colours differ in lightness as
#: well as hue (blue, orange, green, purple, near-black, red), so they part also for a reader
#: who does not see red and green apart; every one has at least 2:1 against white, and the bars
#: have a dark outline (WCAG 1.4.11), a legend and a table.
SERIES = (ACCENT, WARNING, BRAND1, BRAND2, NEUTRAL, DANGER)

# --- the diverging scale ------------------------------------------------------------------------

#: ColorBrewer RdBu, from the most negative answer to the most positive, by number of steps; the
#: middle of an odd scale is a neutral grey of Designsystemet's, a step darker than the pale
#: ends of RdBu's seven so that it parts from them also for a red-green colour-blind reader.
DIVERGING: dict[int, tuple[str, ...]] = {
    2: ("#ca0020", "#0571b0"),
    3: ("#ef8a62", NEUTRAL_SURFACE_ACTIVE, "#67a9cf"),
    4: ("#ca0020", "#f4a582", "#92c5de", "#0571b0"),
    5: ("#ca0020", "#f4a582", NEUTRAL_SURFACE_ACTIVE, "#92c5de", "#0571b0"),
    6: ("#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#67a9cf", "#2166ac"),
    7: ("#b2182b", "#ef8a62", "#fddbc7", NEUTRAL_SURFACE_ACTIVE, "#d1e5f0", "#67a9cf", "#2166ac"),
}


def diverging(steps: int) -> tuple[str, ...]:
    """The scale for an agreement scale of ``steps`` answers (series colours beyond seven)."""
    return DIVERGING.get(steps) or tuple(SERIES[i % len(SERIES)] for i in range(steps))


# --- contrast -----------------------------------------------------------------------------------


def luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of "#rrggbb"."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    """WCAG 2.1 contrast ratio of two colours (1 to 21)."""
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def label_colour(background: str) -> str:
    """The text colour for a label on a bar segment: Designsystemet's text colour or white,
    whichever reads better (the test checks it reaches 4.5:1 on every colour used)."""
    if contrast(NEUTRAL_TEXT, background) >= contrast(WHITE, background):
        return NEUTRAL_TEXT
    return WHITE
