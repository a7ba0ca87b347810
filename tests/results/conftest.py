"""Readers of result pages for the results tests: the visible text, a unit's row, and the
rank of a matrix (to check that no combination of shown numbers gives a hidden one away)."""

from __future__ import annotations

import html as html_lib
import re
from fractions import Fraction


def text_of(html: str) -> str:
    """The visible text (of the page's main part, if there is one), one space between pieces."""
    main = html.split('id="main"', 1)[-1]
    main = re.sub(r"<script.*?</script>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", main))).strip()


def per_unit_row(html: str, name: str) -> str:
    """The cell after a unit's name in the table of responses per unit."""
    match = re.search(rf"{re.escape(name)}</th><td class=\"numeric\">(.*?)</td>", html)
    assert match, f"no row for {name}"
    return match.group(1)


def rank(rows: list[list[Fraction]]) -> int:
    """Rank of a matrix by Gaussian elimination over the rationals."""
    matrix = [row[:] for row in rows if any(row)]
    found = 0
    columns = len(matrix[0]) if matrix else 0
    for column in range(columns):
        pivot = next((r for r in range(found, len(matrix)) if matrix[r][column] != 0), None)
        if pivot is None:
            continue
        matrix[found], matrix[pivot] = matrix[pivot], matrix[found]
        for r in range(len(matrix)):
            if r != found and matrix[r][column] != 0:
                factor = matrix[r][column] / matrix[found][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[found], strict=True)]
        found += 1
    return found
