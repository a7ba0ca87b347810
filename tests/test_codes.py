"""Typed codes (feedback.codes): shown in groups of four, read back however they were typed."""

from __future__ import annotations

import pytest

from feedback.codes import normalise_code, show_code


@pytest.mark.parametrize(
    ("code", "shown"),
    [("abcdefgh", "ABCD-EFGH"), ("abcdefghjkmnpqrs", "ABCD-EFGH-JKMN-PQRS")],
)
def test_codes_are_shown_in_groups_of_four(code: str, shown: str) -> None:
    assert show_code(code) == shown
    assert normalise_code(shown) == code


def test_spaces_dashes_and_case_are_forgiven() -> None:
    assert normalise_code(" abcd - EFGH\t") == "abcdefgh"
