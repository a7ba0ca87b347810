"""Numbers and texts as the charts and tables show them, in the reader's language.

Every number is rounded half up (Babel rounds half to even, plotly.js as JavaScript does), so
3.25 is "3,3" in a table, on a bar and in a tooltip alike. Texts that go into a figure are
escaped, since plotly reads <b>, <a href> and such in labels.
"""

from __future__ import annotations

import json
import math
import textwrap
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from babel.numbers import get_decimal_symbol, get_group_symbol
from flask_babel import format_date, format_decimal, format_percent, get_locale

from feedback.i18n import DEFAULT_LOCALE, current_language

if TYPE_CHECKING:
    from feedback.results.aggregate import Mean

#: Shown for a value that is missing or held back, in the table and by ``Chart.formatted``.
NOT_SHOWN = "–"
#: Horizontal bars: category labels are wrapped at about this many characters.
WRAP_AT = 24
#: The same on a phone, for labels beside bars (a figure's "phone" layout).
PHONE_WRAP_AT = 14


def month_label(year: int, month: int) -> str:
    """A month as the reader's language abbreviates it: "jan. 2026", "Jan 2026"."""
    return str(format_date(date(year, month, 1), "MMM y"))


def separators() -> str:
    """Plotly's ``separators``: the locale's decimal mark, then its thousands separator.

    Bokmål and nynorsk: a decimal comma and a (no-break) space, as in the tables; English: ".,".
    """
    locale = get_locale() or DEFAULT_LOCALE
    decimal, group = get_decimal_symbol(locale), get_group_symbol(locale)
    if len(decimal) != 1 or len(group) != 1:
        return ".,"
    return decimal + group


def json_number(value: object) -> int | float | None:
    """A value fit for JSON: None (and NaN) stay None, Decimal becomes float."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) or math.isinf(number) else number


def rounded(value: object, decimals: int) -> Decimal | None:
    """The value rounded half up to the decimals shown, as the table and the chart show it.

    Babel rounds half to even and plotly.js as JavaScript does, so both get the rounded value:
    3.25 is 3,3 in the table, on the bar and in the tooltip alike.
    """
    number = json_number(value)
    if number is None:
        return None
    return Decimal(repr(number)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)


def plot_text(value: object) -> str:
    """Text for plotly, which reads <b>, <a href> and such in labels: show it as written."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def wrapped(value: object, width: int = WRAP_AT) -> str:
    """A long category label on several lines (plotly's <br>), so it stays readable."""
    text = str(value)
    lines = textwrap.wrap(text, width, break_on_hyphens=False) or [text]
    return "<br>".join(plot_text(line) for line in lines)


def figure_json(figure: dict[str, Any]) -> str:
    """A figure as JSON that is safe inside ``<script type="application/json">``.

    "<", ">" and "&" are written as \\u003c, \\u003e and \\u0026, so no label can close the
    script element ("</script>") or open a comment.
    """
    text = json.dumps(figure, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def percent(share: float) -> str:
    """A share as the reader writes it: "42 %" (nb, nn, with a no-break space), "42%" (en).
    Rounded half up, as every number in the app (12.5 % is "13 %")."""
    pattern = "#,##0%" if current_language() == "en" else "#,##0\u00a0%"
    return str(format_percent(rounded(share, 2) or 0, format=pattern))


def decimal(value: float, decimals: int = 1) -> str:
    """A number with ``decimals`` decimals, rounded half up as the app's charts do (Python's
    round() and Babel round half to even: 3.25 would be "3,2" here and "3,3" elsewhere)."""
    number = rounded(value, decimals)
    if number is None:
        return NOT_SHOWN
    return str(format_decimal(number, format="#,##0." + "0" * decimals))


def mean_text(mean: Mean | None) -> str:
    """ "3,8 (3,5–4,1)": the mean and its 95 % interval."""
    if mean is None:
        return NOT_SHOWN
    if mean.n < 2:
        return decimal(mean.value)
    return f"{decimal(mean.value)} ({decimal(mean.low)}–{decimal(mean.high)})"


def number_formats() -> dict[str, object]:
    """A context processor: the number formats of the results templates."""
    return {"percent": percent, "mean_text": mean_text}
