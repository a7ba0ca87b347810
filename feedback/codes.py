"""Codes that people type: access codes for answering, receipt codes and case ids of deviation
reports. Each is made of the typable letters and digits (feedback.models.survey.TYPABLE), shown
in groups of four and read back whatever the case, spaces or dashes."""

from __future__ import annotations


def normalise_code(text: str) -> str:
    """What someone typed, as stored: lower case, no spaces or dashes."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def show_code(code: str) -> str:
    """XXXX-XXXX (and XXXX-XXXX-XXXX-XXXX for a receipt): groups of four are easy to read aloud
    and to type."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4)).upper()
