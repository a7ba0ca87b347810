"""Flag likely personal data in free text so a case handler can redact it.

Deviation reports are written in free text and now and then contain a national identity number
(fødselsnummer, D-number), a phone number or an e-mail address. :func:`find` points these out;
:func:`redact` replaces the pieces the case handler chose with a placeholder.

Pure Python (standard library only) so it can be used outside a request and tested on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

KINDS = ("national_id", "phone", "email")

#: Written instead of removed text; translated later in the UI, so keep this constant.
REDACTED = "[sladdet]"

# Which kind wins when two findings on the same span overlap: lower rank wins.
_PRECEDENCE = {"national_id": 0, "email": 1, "phone": 2}

# A space inside a number: a plain space or a no-break space (common in text from word processors).
_SPACE = "[ \u00a0]"

# 11 digits, or 6 digits + one space + 5 digits, not part of a longer run of digits.
_NATIONAL_ID = re.compile(rf"(?<!\d)(\d{{6}}){_SPACE}?(\d{{5}})(?!\d)", re.ASCII)

_K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_K2_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
# Days per month; February has 29 since the year is not known for sure (two-digit year).
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

_DIGITS = "0123456789"
# Separator between digit groups of a phone number: one space, hyphen or dot.
_SEP = r"[ \u00a0.\-]"
# Norwegian number: optional country prefix, then 8 digits starting with 2-9, written as
# 12345678, 123 45 678, 12 34 56 78 or 1234 5678. Within one number the separators are the same
# (backreference), so "12.03 45 678" and the like are not taken for phone numbers. The number must
# not touch another digit; see also _continues_grouping().
_PHONE_NO = re.compile(
    rf"""
    (?<!\d)
    (?P<prefix>(?:\+47|0047|\(\+47\)){_SPACE}?)?
    (?P<number>
        [2-9]\d{{7}}
      | [2-9]\d{{2}}(?P<s1>{_SEP})\d{{2}}(?P=s1)\d{{3}}
      | [2-9]\d(?P<s2>{_SEP})\d{{2}}(?P=s2)\d{{2}}(?P=s2)\d{{2}}
      | [2-9]\d{{3}}{_SEP}\d{{4}}
    )
    (?!\d)
    """,
    re.VERBOSE | re.ASCII,
)
# International number: "+" and 8-15 digits, possibly in groups separated by single spaces.
_PHONE_INTL = re.compile(rf"(?<![\d+])\+\d(?:{_SPACE}?\d){{7,14}}(?!{_SPACE}?\d)", re.ASCII)

# Pragmatic e-mail address, Norwegian letters allowed. The top-level domain must be letters and
# may not be followed by a letter or digit, so a full stop or comma after it is left out. The
# local part does not start with a dot, so "...kari@eksempel.no" gives "kari@eksempel.no".
_EMAIL_CHARS = "A-Za-z0-9ÆØÅæøå"
_EMAIL = re.compile(
    rf"[{_EMAIL_CHARS}%+\-][{_EMAIL_CHARS}._%+\-]*"  # local part
    rf"@(?:[{_EMAIL_CHARS}\-]+\.)+"  # domain labels
    rf"[A-Za-zÆØÅæøå]{{2,}}(?![{_EMAIL_CHARS}\-])"  # top-level domain
)


@dataclass(frozen=True)
class Finding:
    """One piece of likely personal data: ``text == source[start:end]``."""

    kind: str  # one of KINDS
    start: int  # index in the text
    end: int  # exclusive
    text: str  # text[start:end]


def _check_digits_ok(digits: str) -> bool:
    """True if the two mod-11 check digits of an 11-digit number are right."""
    values = [int(c) for c in digits]
    for weights, position in ((_K1_WEIGHTS, 9), (_K2_WEIGHTS, 10)):
        remainder = sum(w * v for w, v in zip(weights, values, strict=False)) % 11
        if remainder == 1:
            return False
        if (0 if remainder == 0 else 11 - remainder) != values[position]:
            return False
    return True


def _date_ok(digits: str) -> bool:
    """True if the first six digits are a plausible date of birth (D-, H- and test numbers too)."""
    day, month = int(digits[0:2]), int(digits[2:4])
    if day > 40:  # D-number: day + 40
        day -= 40
    if month > 80:  # synthetic test number (Skatteetaten): month + 80
        month -= 80
    elif month > 40:  # H-number, synthetic number (NAV): month + 40
        month -= 40
    return 1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month - 1]


def _is_national_id(digits: str) -> bool:
    """True if ``digits`` (11 digits, no spaces) is a valid fødselsnummer or D-number."""
    return (
        (len(digits) == 11 and digits.isascii() and digits.isdigit())
        and _date_ok(digits)
        and _check_digits_ok(digits)
    )


def _continues_grouping(text: str, match: re.Match[str]) -> bool:
    """True if a grouped number is one piece of a longer number grouped the same way.

    "12 34 56 78 90", card numbers ("4925 1234 5678 9012") and account numbers in IBAN form hold
    digit groups that look like a phone number; they are recognised by the same separator going
    on before or after the match. A plain 8-digit number has no separator, so two of them next
    to each other ("91234567 98765432") are both still found.
    """
    number = match.group("number")
    separator = next((c for c in number if c not in _DIGITS), None)
    if separator is None:
        return False
    start, end = match.span()
    after = text[end : end + 2]
    if len(after) == 2 and after[0] == separator and after[1] in _DIGITS:
        return True
    if match.group("prefix"):
        return False
    before = text[max(start - 2, 0) : start]
    return len(before) == 2 and before[1] == separator and before[0] in _DIGITS


def _candidates(text: str) -> list[Finding]:
    found: list[Finding] = []
    for match in _NATIONAL_ID.finditer(text):
        if _is_national_id(match.group(1) + match.group(2)):
            found.append(Finding("national_id", match.start(), match.end(), match.group()))
    for match in _EMAIL.finditer(text):
        found.append(Finding("email", match.start(), match.end(), match.group()))
    for match in _PHONE_NO.finditer(text):
        if not _continues_grouping(text, match):
            found.append(Finding("phone", match.start(), match.end(), match.group()))
    for match in _PHONE_INTL.finditer(text):
        found.append(Finding("phone", match.start(), match.end(), match.group()))
    return found


def find(text: str) -> list[Finding]:
    """Likely personal data in text, in order of position, not overlapping.

    A phone number that overlaps a national id is dropped. Of other overlapping findings the
    earlier is kept, then the longer, then by kind: national id, e-mail address, phone number.
    """
    candidates = _candidates(text)
    national_ids = [f for f in candidates if f.kind == "national_id"]
    candidates = [
        f for f in candidates if f.kind != "phone" or not any(_overlap(f, n) for n in national_ids)
    ]
    candidates.sort(key=lambda f: (f.start, -(f.end - f.start), _PRECEDENCE[f.kind]))
    kept: list[Finding] = []
    for finding in candidates:
        if not kept or kept[-1].end <= finding.start:
            kept.append(finding)
    return kept


def _overlap(a: Finding, b: Finding) -> bool:
    return a.start < b.end and b.start < a.end


def _is_email(piece: str) -> bool:
    return _EMAIL.fullmatch(piece) is not None


def redact(text: str, pieces: Iterable[str]) -> tuple[str, int]:
    """Replace every occurrence of each piece with REDACTED; returns (new text, replacements).

    Matching is exact and case-sensitive, and also case-insensitive for e-mail addresses.
    Leading and trailing whitespace of a piece is ignored, and so are empty pieces.

    All occurrences are looked up in the original text and then replaced in one go, which gives
    what replacing longer pieces first would, and also copes with pieces that only partly overlap
    ("Kari Nord" and "Nordmann" in "Kari Nordmann"): occurrences that overlap become a single
    REDACTED. The count is the number of REDACTED written. A REDACTED already in the text (from
    an earlier round) is left alone: a piece never matches a part of it.
    """
    wanted = sorted({p.strip() for p in pieces if p and p.strip()}, key=len, reverse=True)
    placeholders = [m.span() for m in re.finditer(re.escape(REDACTED), text)]
    spans: list[tuple[int, int]] = []
    for piece in wanted:
        flags = re.IGNORECASE if _is_email(piece) else 0
        # A lookahead finds overlapping occurrences too ("aa" twice in "aaa").
        for match in re.finditer(f"(?=({re.escape(piece)}))", text, flags):
            start, end = match.span(1)
            if not any(
                start < p_end and p_start < end and not (start <= p_start and p_end <= end)
                for p_start, p_end in placeholders
            ):
                spans.append((start, end))
    if not spans:
        return text, 0

    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])

    parts: list[str] = []
    position = 0
    for start, end in merged:
        parts.append(text[position:start])
        parts.append(REDACTED)
        position = end
    parts.append(text[position:])
    return "".join(parts), len(merged)
