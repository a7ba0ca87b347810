"""Flag likely personal data in free text so a case handler can redact it.

Deviation reports are written in free text and now and then contain a national identity number
(fødselsnummer, D-number), a phone number or an e-mail address. :func:`find` points these out;
:func:`redact` replaces the pieces the case handler chose with a placeholder.

Text is looked at through a copy of the same length in which every decimal digit of any script
(full-width ``４``, Arabic-Indic ``٤`` ...) is an ASCII digit and other compatibility characters
that stand for one character (full-width ``＠``, ``．``, thin and no-break spaces) are their NFKC
form, so the positions of a finding are positions in the text as written.

Pure Python (standard library only) so it can be used outside a request and tested on its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

CATEGORIES = ("national_id", "phone", "email")

#: Written instead of removed text; translated later in the UI, so keep this constant.
REDACTED = "[sladdet]"

# Which kind wins when two findings on the same span overlap: lower rank wins.
_PRECEDENCE = {"national_id": 0, "email": 1, "phone": 2}

# A space inside a number: a plain space or a no-break space (common in text from word processors).
_SPACE = "[ \u00a0]"

# 11 digits, not part of a longer run of digits, written as 01019012480, 010190 12480,
# 010190-12480, or with the date grouped as 01.01.90 12480, 01 01 90-12480, 01-01-90 12480
# (one separator within the date, and then one space or hyphen before the last five digits).
_NATIONAL_ID = re.compile(
    r"""
    (?<!\d)
    (?P<day>\d\d)(?P<ds>[ .\-]?)(?P<month>\d\d)(?P=ds)(?P<year>\d\d)
    (?P<gs>[ \-]?)
    (?P<rest>\d{5})
    (?!\d)
    """,
    re.VERBOSE | re.ASCII,
)
# 11 digits each set apart by the same one space, dot or hyphen: 0 1 0 1 9 0 1 2 4 8 0. Not a
# piece of a longer run grouped the same way.
_NATIONAL_ID_SPACED = re.compile(
    r"(?<!\d[ .\-])(?<!\d)\d(?P<s>[ .\-])\d(?:(?P=s)\d){9}(?!(?P=s)?\d)", re.ASCII
)

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
# Parts are at most 64 characters (RFC 5321) and possessive (they never give back what they
# took: what follows each starts with a character they cannot hold), so a long run of letters
# or "x.x.x..." costs a bounded amount of work per position instead of the rest of the run.
_LOCAL = rf"[{_EMAIL_CHARS}%+\-][{_EMAIL_CHARS}._%+\-]{{0,63}}+"
_LABEL = rf"[{_EMAIL_CHARS}\-]{{1,63}}+"
_TLD = rf"[A-Za-zÆØÅæøå]{{2,63}}(?![{_EMAIL_CHARS}\-])"
_EMAIL = re.compile(rf"{_LOCAL}@(?:{_LABEL}\.){{1,8}}{_TLD}")

# Addresses written so that a machine would not see them: "ola (at) example.no",
# "ola@example . no", "ola [at] example [dot] no", "ola(a)example.no", "ola AT example.no",
# "ola at example dot no". A few spaces or tabs may stand around "@" and the dots; a dot may have
# spaces after it only if it has one before ("example . no"), so that the end of a sentence
# ("skriv til ola@example. Neste") is not taken for a piece of an address.
_GAP = r"[ \t]{0,3}"
_OPEN, _CLOSE = r"[(\[{<]", r"[)\]}>]"
#: "@" with spaces, or "at", "a" or "@" in brackets, or "AT" in capitals between spaces.
_AT = (
    rf"(?:{_GAP}@{_GAP}|{_GAP}{_OPEN}{_GAP}(?i:at|a|@){_GAP}{_CLOSE}{_GAP}"
    r"|[ \t]{1,3}AT[ \t]{1,3})"
)
#: "dot", "punktum" or "prikk" in brackets or between spaces.
_SPELLED_DOT = (
    rf"(?:{_GAP}{_OPEN}{_GAP}(?i:dot|punktum|prikk){_GAP}{_CLOSE}{_GAP}"
    r"|[ \t]{1,3}(?i:dot|punktum|prikk)[ \t]{1,3})"
)
# After a dot with spaces the next label starts with a small letter or a digit, so that
# "ola@example.no . Takk" ends before the spaces.
_DOT = rf"(?:\.|[ \t]{{1,3}}\.{_GAP}(?=[a-zæøå0-9])|{_SPELLED_DOT})"
_EMAIL_HIDDEN = re.compile(
    rf"{_LOCAL}{_AT}(?:{_LABEL}{_DOT}){{1,8}}{_TLD}"
    # A lower-case "at" between spaces is a common Norwegian word ("jeg leste at vg.no ..."):
    # only taken for "@" when the dots are spelled out too.
    rf"|{_LOCAL}[ \t]{{1,3}}at[ \t]{{1,3}}(?:{_LABEL}{_SPELLED_DOT}){{1,8}}{_TLD}"
)


@dataclass(frozen=True)
class Finding:
    """One piece of likely personal data: ``text == source[start:end]``."""

    category: str  # one of CATEGORIES
    start: int  # index in the text
    end: int  # exclusive
    text: str  # text[start:end]

    @property
    def is_national_id(self) -> bool:
        return self.category == "national_id"


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


def _normalise(text: str) -> str:
    """A copy of the text of the same length, character for character: decimal digits of any
    script become ASCII digits, and a compatibility character whose NFKC form is one other
    character (full-width letters and signs, odd spaces) becomes that character. Characters
    that only look like digits (superscripts, circled numbers) are left alone."""
    if text.isascii():
        return text
    chars = []
    for char in text:
        value = unicodedata.decimal(char, None)
        if value is not None:
            chars.append(str(value))
            continue
        folded = unicodedata.normalize("NFKC", char)
        chars.append(folded if len(folded) == 1 and not folded.isdigit() else char)
    return "".join(chars)


def _is_national_id_match(match: re.Match[str]) -> bool:
    date_separator, group_separator = match.group("ds"), match.group("gs")
    if date_separator and not group_separator:
        return False  # 01.01.9012480: the date grouped but run into the rest
    if date_separator == "-" and group_separator == "-":
        return False  # 01-01-90-12480 reads as one grouping of 2+2+2+5: not a usual form
    digits = "".join(match.group("day", "month", "year", "rest"))
    return _is_national_id(digits)


def _candidates(source: str) -> list[Finding]:
    """Findings in the normalised text, with positions and text of the source as written."""
    text = _normalise(source)
    found: list[Finding] = []

    def add(category: str, match: re.Match[str]) -> None:
        start, end = match.span()
        found.append(Finding(category, start, end, source[start:end]))

    for match in _NATIONAL_ID.finditer(text):
        if _is_national_id_match(match):
            add("national_id", match)
    for match in _NATIONAL_ID_SPACED.finditer(text):
        if _is_national_id(re.sub(r"\D", "", match.group(), flags=re.ASCII)):
            add("national_id", match)
    for pattern in (_EMAIL, _EMAIL_HIDDEN):
        for match in pattern.finditer(text):
            add("email", match)
    for match in _PHONE_NO.finditer(text):
        if not _continues_grouping(text, match):
            add("phone", match)
    for match in _PHONE_INTL.finditer(text):
        add("phone", match)
    return found


def find(text: str) -> list[Finding]:
    """Likely personal data in text, in order of position, not overlapping.

    A phone number that overlaps a national id is dropped. Of other overlapping findings the
    earlier is kept, then the longer, then by kind: national id, e-mail address, phone number.
    """
    candidates = _candidates(text)
    national_ids = [f for f in candidates if f.is_national_id]
    candidates = [
        f
        for f in candidates
        if f.category != "phone" or not any(_overlap(f, n) for n in national_ids)
    ]
    candidates.sort(key=lambda f: (f.start, -(f.end - f.start), _PRECEDENCE[f.category]))
    kept: list[Finding] = []
    for finding in candidates:
        if not kept or kept[-1].end <= finding.start:
            kept.append(finding)
    return kept


def _overlap(a: Finding, b: Finding) -> bool:
    return a.start < b.end and b.start < a.end


def _is_email(piece: str) -> bool:
    piece = _normalise(piece)
    return _EMAIL.fullmatch(piece) is not None or _EMAIL_HIDDEN.fullmatch(piece) is not None


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
