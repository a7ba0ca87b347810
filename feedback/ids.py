"""Database ids read from addresses and forms: one bound, one URL converter.

Every id column is a 32-bit integer starting at 1, so a number outside 1..MAX_ID names nothing.
Routes write ``<id:round_id>``: anything else in that place (0, -1, 2**31, a hundred digits,
digits of other scripts) is not routed at all and gets the 404 page, before a view or the
database sees it (SQLite cannot even bind an integer above 2**63 - 1). Form fields and query
parameters that carry an id use ``parse_id``, with the same bound.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

#: The largest id: ids are 32-bit integer columns (SERIAL on PostgreSQL).
MAX_ID = 2**31 - 1
#: MAX_ID has ten digits; a longer run of digits cannot be an id.
_MAX_DIGITS = len(str(MAX_ID))


def _pattern_up_to(limit: int) -> str:
    """A regular expression for exactly the numbers 1..limit, in ASCII digits without leading
    zeros (no capturing groups: werkzeug reads the arguments from the groups)."""
    digits = str(limit)
    width = len(digits)
    # Shorter numbers are all below the limit; numbers as long as it go digit by digit.
    shorter = [f"[1-9][0-9]{{0,{width - 2}}}"] if width > 1 else []
    same_width = []
    for i, digit in enumerate(digits):
        lowest = 1 if i == 0 else 0
        if int(digit) > lowest:
            rest = width - i - 1
            same_width.append(f"{digits[:i]}[{lowest}-{int(digit) - 1}][0-9]{{{rest}}}")
    return "(?:" + "|".join([*shorter, *same_width, digits]) + ")"


class IdConverter(IntegerConverter):
    """``<id:name>``: a whole number from 1 to MAX_ID in ASCII digits, as ``url_for`` writes it.

    The pattern itself holds the bound, so that nothing else matches the rule: werkzeug answers
    a value the rule's pattern took but its converter refused with 405 when another rule has the
    same address for other methods. The converter's min and max say it again.
    """

    regex = _pattern_up_to(MAX_ID)

    def __init__(self, map: Map) -> None:  # noqa: A002 - werkzeug's name for it
        super().__init__(map, min=1, max=MAX_ID)


def parse_id(value: str | None) -> int | None:
    """A form or query value as an id: plain ASCII digits within 1..MAX_ID, else None (never an
    exception)."""
    if not value or len(value) > _MAX_DIGITS or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def init_app(app: Flask) -> None:
    """Register the converter; before any blueprint, whose rules are compiled as they are added."""
    app.url_map.converters["id"] = IdConverter
