"""The theme derived from an organisation's accent colour, and the WCAG 2.1 contrast checks.

The tokens override Designsystemet's accent colour (``--ds-color-accent-*``) and the app's own
``--brand`` and ``--link``. A colour is accepted only if, against white, it reaches 4.5:1 as text
and 3:1 as a control's border or fill, and if the text on a button of that colour (white or
black, whichever gives more) reaches 4.5:1 (success criteria 1.4.3 and 1.4.11).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from pathlib import Path

#: An accent colour as the form takes it: ``#rrggbb``.
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

WHITE = "#ffffff"
BLACK = "#000000"
#: The app's light panel background (``--soft`` in app.css): links stand on it too.
SOFT = "#f3f5f8"

TEXT_RATIO = 4.5
CONTROL_RATIO = 3.0

RGB = tuple[float, float, float]


def parse(colour: str) -> RGB:
    """``#rrggbb`` as three channels from 0 to 255."""
    if not HEX_COLOUR.match(colour):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def to_hex(rgb: RGB) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def _linear(channel: float) -> float:
    value = channel / 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance: 0 for black, 1 for white."""
    r, g, b = (_linear(c) for c in parse(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio (L1 + 0.05) / (L2 + 0.05), from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def mix(colour: str, other: str, amount: float) -> str:
    """``colour`` moved ``amount`` (0 to 1) of the way towards ``other``."""
    a, b = parse(colour), parse(other)
    return to_hex(tuple(x + (y - x) * amount for x, y in zip(a, b, strict=True)))  # type: ignore[arg-type]


def text_on(colour: str) -> str:
    """White or black text on the colour: white whenever it reaches 4.5:1 (as in the app's
    header), else whichever contrasts more."""
    if contrast(WHITE, colour) >= TEXT_RATIO:
        return WHITE
    return WHITE if contrast(WHITE, colour) >= contrast(BLACK, colour) else BLACK


def darken_until(colour: str, background: str, ratio: float) -> str:
    """The colour, darkened in small steps until it reaches ``ratio`` against ``background``."""
    for step in range(21):
        candidate = mix(colour, BLACK, step / 20)
        if contrast(candidate, background) >= ratio:
            return candidate
    return BLACK


@dataclass(frozen=True)
class Failure:
    """A contrast check the colour did not pass: what, the ratio reached, the ratio needed."""

    check: str  # "text", "on_accent" or "control"
    ratio: float
    needed: float


def contrast_failures(accent: str) -> list[Failure]:
    """The checks the accent colour fails, the most important first (empty: accepted)."""
    checks = [
        ("text", contrast(accent, WHITE), TEXT_RATIO),
        ("on_accent", contrast(text_on(accent), accent), TEXT_RATIO),
        ("control", contrast(accent, WHITE), CONTROL_RATIO),
    ]
    # Ratios are rounded down: 4.48 is not shown as the 4.5 it fails.
    return [
        Failure(name, int(ratio * 10) / 10, needed)
        for name, ratio, needed in checks
        if ratio < needed
    ]


def tokens(accent: str) -> dict[str, str]:
    """The CSS custom properties of the theme of an accepted accent colour."""
    accent = accent.lower()
    hover = mix(accent, BLACK, 0.18)
    active = mix(accent, BLACK, 0.34)
    on_accent = text_on(accent)
    subtle_on_accent = mix(accent, on_accent, 0.85)
    if contrast(subtle_on_accent, accent) < TEXT_RATIO:
        subtle_on_accent = on_accent
    surface_active = mix(accent, WHITE, 0.72)
    return {
        "--ds-color-accent-background-default": WHITE,
        "--ds-color-accent-background-tinted": mix(accent, WHITE, 0.94),
        "--ds-color-accent-surface-default": WHITE,
        "--ds-color-accent-surface-tinted": mix(accent, WHITE, 0.87),
        "--ds-color-accent-surface-hover": mix(accent, WHITE, 0.8),
        "--ds-color-accent-surface-active": surface_active,
        "--ds-color-accent-border-subtle": mix(accent, WHITE, 0.6),
        "--ds-color-accent-border-default": accent,
        "--ds-color-accent-border-strong": hover,
        "--ds-color-accent-text-subtle": darken_until(accent, surface_active, TEXT_RATIO),
        "--ds-color-accent-text-default": mix(accent, BLACK, 0.55),
        "--ds-color-accent-base-default": accent,
        "--ds-color-accent-base-hover": hover,
        "--ds-color-accent-base-active": active,
        "--ds-color-accent-base-contrast-subtle": subtle_on_accent,
        "--ds-color-accent-base-contrast-default": on_accent,
        # The app's own variables (feedback/static/css/app.css).
        "--brand": accent,
        "--link": darken_until(accent, SOFT, TEXT_RATIO),
    }


def stylesheet(accent: str, only: Collection[str] | None = None) -> str:
    """The theme as a stylesheet: after Designsystemet's and the app's, so its values win.
    ``only``: just these properties (the respondents' pages, which count every byte)."""
    body = ";".join(
        f"{name}:{value}" for name, value in tokens(accent).items() if only is None or name in only
    )
    return f":root,[data-color-scheme]{{{body}}}\n"


#: The sheet the respondents' pages link (scripts/designsystemet.py builds it).
RESPOND_SHEET = Path(__file__).resolve().parent.parent / "static/vendor/designsystemet/respond.css"


@cache
def respond_properties() -> frozenset[str]:
    """The theme's properties that the respondents' sheet uses: their theme holds only these."""
    used = set(re.findall(r"--[a-z0-9-]+", RESPOND_SHEET.read_text(encoding="utf-8")))
    return frozenset(name for name in tokens("#000000") if name in used)


def fingerprint(accent: str) -> str:
    """A short hash of the colour for the stylesheet's address (a new colour, a new address)."""
    return hashlib.sha256(accent.lower().encode()).hexdigest()[:12]
