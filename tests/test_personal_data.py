"""Flagging and redacting personal data in free text (feedback.personal_data)."""

from __future__ import annotations

import time

import pytest

from feedback.personal_data import CATEGORIES, REDACTED, Finding, find, redact

K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
K2_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _check_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    remainder = sum(w * int(d) for w, d in zip(weights, digits, strict=True)) % 11
    if remainder == 1:
        return None
    return 0 if remainder == 0 else 11 - remainder


def with_check_digits(first9: str) -> str | None:
    """The 11-digit number with both check digits appended, or None if there is none."""
    k1 = _check_digit(first9, K1_WEIGHTS)
    if k1 is None:
        return None
    k2 = _check_digit(first9 + str(k1), K2_WEIGHTS)
    if k2 is None:
        return None
    return f"{first9}{k1}{k2}"


def make_fnr(birth: str, individual: int = 0) -> str:
    """A number with right check digits for the six date digits `birth` (no date check here).

    Tries individual numbers from `individual` up until one gives valid check digits.
    """
    for number in range(individual, 1000):
        full = with_check_digits(f"{birth}{number:03d}")
        if full is not None:
            return full
    raise AssertionError(f"no valid number for {birth}")


def kinds_and_texts(text: str) -> list[tuple[str, str]]:
    return [(f.category, f.text) for f in find(text)]


# --- national id ---------------------------------------------------------------------------

# Computed by hand: 01.01.90, individual number 124.
#   k1: 3*0 + 7*1 + 6*0 + 1*1 + 8*9 + 9*0 + 4*1 + 5*2 + 2*4 = 102; 102 % 11 = 3; 11 - 3 = 8
#   k2: 5*0 + 4*1 + 3*0 + 2*1 + 7*9 + 6*0 + 5*1 + 4*2 + 3*4 + 2*8 = 110; 110 % 11 = 0 -> 0
HAND_COMPUTED = "01019012480"


def test_hand_computed_example_is_found_and_agrees_with_the_helper() -> None:
    assert with_check_digits("010190124") == HAND_COMPUTED
    text = f"Pasientens fødselsnummer er {HAND_COMPUTED} ifølge journalen."
    start = text.index(HAND_COMPUTED)
    assert find(text) == [Finding("national_id", start, start + 11, HAND_COMPUTED)]


@pytest.mark.parametrize(
    "birth",
    [
        "010190",  # 1 January
        "311299",  # 31 December
        "290290",  # 29 February, accepted whatever the year
        "300486",  # 30 April
        "150505",
        "410190",  # D-number: day + 40
        "711299",  # D-number, day 31
        "694202",  # D-number (day 29) and H-number (February + 40)
        "014590",  # H-number / NAV synthetic: month + 40
        "015290",  # month 12 + 40
        "018190",  # Skatteetaten synthetic: month + 80
        "319290",  # synthetic, 31 December
    ],
)
@pytest.mark.parametrize("individual", [0, 500, 900])
def test_valid_numbers_are_found(birth: str, individual: int) -> None:
    number = make_fnr(birth, individual)
    assert kinds_and_texts(f"fnr {number}.") == [("national_id", number)]


def test_six_and_five_digits_with_one_space_are_found() -> None:
    spaced = f"{HAND_COMPUTED[:6]} {HAND_COMPUTED[6:]}"
    assert kinds_and_texts(f"Født {spaced}, bor i Bergen") == [("national_id", spaced)]


def test_no_break_space_between_the_groups_is_found() -> None:
    spaced = f"{HAND_COMPUTED[:6]}\u00a0{HAND_COMPUTED[6:]}"
    assert kinds_and_texts(spaced) == [("national_id", spaced)]


@pytest.mark.parametrize(
    "written",
    [
        f"{HAND_COMPUTED[:6]}  {HAND_COMPUTED[6:]}",  # two spaces
        f"{HAND_COMPUTED[:4]} {HAND_COMPUTED[4:]}",  # grouped 4 + 7
        f"{HAND_COMPUTED[:6]}.{HAND_COMPUTED[6:]}",  # a dot is not a separator after the date
        "01.01.9012480",  # the date grouped but run into the rest
        "01-01-90-12480",  # 2-2-2-5 with hyphens: not a usual form
        "01.01.90  12480",  # two spaces
        "01.01-90 12480",  # different separators within the date
    ],
)
def test_other_spacings_are_not_national_ids(written: str) -> None:
    assert "national_id" not in [f.category for f in find(written)]


def test_letters_next_to_the_number_are_fine() -> None:
    assert kinds_and_texts(f"fnr:{HAND_COMPUTED}") == [("national_id", HAND_COMPUTED)]
    assert kinds_and_texts(f"fnr{HAND_COMPUTED}abc") == [("national_id", HAND_COMPUTED)]


def test_wrong_second_check_digit_is_rejected() -> None:
    wrong = HAND_COMPUTED[:10] + "1"
    assert find(f"fnr {wrong}") == []


def test_wrong_first_check_digit_is_rejected() -> None:
    # Recompute k2 so only k1 is wrong.
    first10 = HAND_COMPUTED[:9] + "7"
    k2 = _check_digit(first10, K2_WEIGHTS)
    assert k2 is not None
    assert find(f"fnr {first10}{k2}") == []


def test_first_check_remainder_one_means_no_valid_number() -> None:
    # k1 sum for 010190123 is 100, 100 % 11 == 1: no check digits make this valid.
    assert with_check_digits("010190123") is None
    for ending in range(100):
        assert find(f"010190123{ending:02d}") == []


@pytest.mark.parametrize(
    "birth",
    [
        "011390",  # month 13
        "010090",  # month 0
        "015390",  # month 53: between H-numbers and synthetic numbers
        "019390",  # month 93: synthetic month 13
        "000190",  # day 0
        "320190",  # day 32
        "400190",  # day 40: neither a date nor a D-number
        "720190",  # D-number day 32
        "310490",  # 31 April
        "300290",  # 30 February
        "704290",  # D-number 30 + H-number February
    ],
)
def test_impossible_dates_are_rejected_even_with_right_check_digits(birth: str) -> None:
    number = make_fnr(birth)
    assert find(f"fnr {number}") == []


def test_longer_or_shorter_digit_runs_are_not_national_ids() -> None:
    assert find(f"{HAND_COMPUTED}0") == []  # 12 digits
    assert find(f"9{HAND_COMPUTED}") == []  # 12 digits
    assert find(HAND_COMPUTED[:10]) == []  # 10 digits
    assert find(f"{HAND_COMPUTED[:6]} {HAND_COMPUTED[6:]}7") == []  # 6 + 6 digits


def test_national_id_wins_over_a_phone_number_on_the_same_digits() -> None:
    # "+" and 11 digits also looks like an international phone number.
    assert kinds_and_texts(f"+{HAND_COMPUTED}") == [("national_id", HAND_COMPUTED)]


# --- national id written with separators or other digits (issue 19) -------------------------

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
D_NUMBER = make_fnr("410190", 300)  # day 1 + 40


def _wrong_last(digits: str) -> str:
    return digits[:10] + str((int(digits[10]) + 1) % 10)


def _wrong_first_check_only(digits: str) -> str:
    """The same nine digits with a wrong first check digit and a second one that fits it."""
    for k1 in range(10):
        first10 = f"{digits[:9]}{k1}"
        k2 = _check_digit(first10, K2_WEIGHTS)
        if str(k1) != digits[9] and k2 is not None:
            return f"{first10}{k2}"
    raise AssertionError(digits)


#: How people write the number: each turns 11 digits into the text as written.
WRITTEN_FORMS = {
    "hyphen after the date": lambda d: f"{d[:6]}-{d[6:]}",
    "dotted date, space": lambda d: f"{d[0:2]}.{d[2:4]}.{d[4:6]} {d[6:]}",
    "dotted date, hyphen": lambda d: f"{d[0:2]}.{d[2:4]}.{d[4:6]}-{d[6:]}",
    "spaced date": lambda d: f"{d[0:2]} {d[2:4]} {d[4:6]} {d[6:]}",
    "hyphenated date, space": lambda d: f"{d[0:2]}-{d[2:4]}-{d[4:6]} {d[6:]}",
    "space between every digit": lambda d: " ".join(d),
    "dot between every digit": lambda d: ".".join(d),
    "hyphen between every digit": lambda d: "-".join(d),
    "no-break space between every digit": lambda d: "\u00a0".join(d),
    "full-width digits": lambda d: d.translate(FULL_WIDTH),
    "full-width digits, hyphen": lambda d: f"{d[:6]}-{d[6:]}".translate(FULL_WIDTH),
    "full-width dotted date": lambda d: f"{d[0:2]}.{d[2:4]}.{d[4:6]} {d[6:]}".translate(FULL_WIDTH),
    "Arabic-Indic digits": lambda d: d.translate(ARABIC_INDIC),
    "full-width dots, ideographic space": lambda d: f"{d[0:2]}．{d[2:4]}．{d[4:6]}\u3000{d[6:]}",
}


@pytest.mark.parametrize("form", WRITTEN_FORMS)
@pytest.mark.parametrize("number", [HAND_COMPUTED, D_NUMBER], ids=["fnr", "d-number"])
def test_written_forms_with_right_check_digits_are_found(form: str, number: str) -> None:
    written = WRITTEN_FORMS[form](number)
    # Non-ASCII letters before the number: positions count characters of the text as written.
    text = f"Pårørende oppgir fødselsnr. {written}, så å si."
    start = text.index(written)
    assert find(text) == [Finding("national_id", start, start + len(written), written)]
    assert redact(text, [f.text for f in find(text)]) == (
        f"Pårørende oppgir fødselsnr. {REDACTED}, så å si.",
        1,
    )


@pytest.mark.parametrize("form", WRITTEN_FORMS)
@pytest.mark.parametrize("wrong", [_wrong_last, _wrong_first_check_only], ids=["k2", "k1"])
@pytest.mark.parametrize("number", [HAND_COMPUTED, D_NUMBER], ids=["fnr", "d-number"])
def test_written_forms_with_wrong_check_digits_are_not_found(
    form: str, wrong: object, number: str
) -> None:
    digits = wrong(number)  # type: ignore[operator]
    assert digits != number
    written = WRITTEN_FORMS[form](digits)
    assert find(f"Pårørende oppgir fødselsnr. {written}, så å si.") == []


@pytest.mark.parametrize(
    "text",
    [
        "Møtet 01.01.90 ble avlyst.",
        "Fra 01.01.90 til 31.12.99",
        "Innlagt 12.03.24 kl. 14.30",
        "Vakt 08.00-15.30, 2 000 kr",
        "Sak 24/01234 og 2024/0313",
        "Kontonummer 1503 12 34567",
        "I 2023, 2024 og 2025",
        "Beløp: １ ０００ ０００ kr i ２０２４",
        "Dato １２.０３.２０２４",
        "Referanse 1 2 3 4 5",
        "Tall 0 1 0 1 9 0 1 2 4 8 0 5",  # 12 digits spaced: longer than a national id
        "Superskrift ⁹¹²³⁴⁵⁶⁷ og ringtall ⑨①②③④⑤⑥⑦",  # look like digits, are not
    ],
)
def test_dates_amounts_and_other_numbers_are_not_flagged(text: str) -> None:
    assert find(text) == []


def test_a_longer_run_spaced_the_same_way_is_not_a_national_id() -> None:
    spaced = " ".join(HAND_COMPUTED)
    assert find(f"1 {spaced}") == []
    assert find(f"{spaced} 7") == []


# --- phone -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "91234567",
        "912 34 567",
        "91 23 45 67",
        "9123 4567",
        "912-34-567",
        "912.34.567",
        "91-23-45-67",
        "9123-4567",
        "22 33 44 55",  # landline
        "812 34 567",
        "912\u00a034\u00a0567",
    ],
)
def test_norwegian_numbers_are_found(number: str) -> None:
    assert kinds_and_texts(f"Ring {number} i morgen") == [("phone", number)]


@pytest.mark.parametrize(
    "number",
    [
        "+47 912 34 567",
        "+4791234567",
        "0047 91 23 45 67",
        "004791234567",
        "(+47) 9123 4567",
        "(+47)912 34 567",
    ],
)
def test_numbers_with_country_prefix_are_found_whole(number: str) -> None:
    assert kinds_and_texts(f"tlf. {number}.") == [("phone", number)]


@pytest.mark.parametrize(
    "number",
    ["+46 70 123 45 67", "+46701234567", "+44 20 7946 0958", "+1 212 555 0123", "+358 40 1234567"],
)
def test_international_numbers_are_found(number: str) -> None:
    assert kinds_and_texts(f"Pårørende i utlandet: {number}, ring etter kl. 18") == [
        ("phone", number)
    ]


def test_international_number_needs_eight_to_fifteen_digits() -> None:
    assert find("+46 70 123") == []  # 7 digits
    assert find("+1234567890123456") == []  # 16 digits
    assert kinds_and_texts("+123456789012345") == [("phone", "+123456789012345")]


@pytest.mark.parametrize(
    "text",
    [
        "Hendelsen skjedde 12.03.2024 kl. 14.30.",
        "Dato: 24.12.2023",
        "Dato: 2024-03-12",
        "Ca. 1 000 000 kr",
        "Tapet var 2 000 000 kroner.",
        "Beløp 25 000 000 kr",
        "Postnummer 5003 Bergen",
        "I 2023 og 2024",
        "Saksnummer 202412 og 345678",
        "Org.nr. 912 345 678",
        "Kontonummer 9710 05 12345",
        "Nummeret 12345678 starter med 1",
        "Nummeret 01234567 starter med 0",
        "Ti sifre 9123456789",  # 10-digit run
        "Tolv sifre 912345678901",  # 12-digit run
        "Ni sifre 912345678",
        "Lang rekke 12 34 56 78 90",
        "Kort 4925 1234 5678 9012",
        "Blandet 912 34-567",  # separators must be the same within a number
    ],
)
def test_things_that_are_not_phone_numbers(text: str) -> None:
    assert find(text) == []


def test_phone_number_embedded_in_a_longer_digit_run_is_not_found() -> None:
    assert find("Referanse 3391234567120") == []
    assert find("Referanse 091234567") == []
    assert find("Referanse 912345670") == []


def test_plain_numbers_next_to_each_other_are_both_found() -> None:
    assert kinds_and_texts("91234567 98765432") == [("phone", "91234567"), ("phone", "98765432")]


def test_phone_number_right_after_letters_is_found() -> None:
    assert kinds_and_texts("tlf91234567") == [("phone", "91234567")]


@pytest.mark.parametrize(
    "number",
    [
        "４１２３４５６７",  # full-width digits
        "９１２ ３４ ５６７",
        "＋４７ ９１２ ３４ ５６７",  # full-width plus too
        "٩١٢٣٤٥٦٧",  # Arabic-Indic digits
        "९१२३४५६७",  # Devanagari digits
        "912\u202f34\u202f567",  # narrow no-break spaces
    ],
)
def test_phone_numbers_in_other_digits_are_found_where_written(number: str) -> None:
    text = f"Ring sønnen på {number} i morgen"
    start = text.index(number)
    assert find(text) == [Finding("phone", start, start + len(number), number)]


# --- e-mail ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "kari.nordmann@eksempel.no",
        "ola_n+avvik@post.kommune.no",
        "per-ivar%x@sub-domene.eksempel.com",
        "bjørn.ærlig@åsen.no",
        "KARI@EKSEMPEL.NO",
        "a1@b2.museum",
    ],
)
def test_email_addresses_are_found(address: str) -> None:
    assert kinds_and_texts(f"Skriv til {address} i dag") == [("email", address)]


@pytest.mark.parametrize("after", [".", ",", ";", ":", "!", "?", ")", ". Neste setning"])
def test_trailing_punctuation_is_not_part_of_the_address(after: str) -> None:
    text = f"(send til kari@eksempel.no{after}"
    assert kinds_and_texts(text) == [("email", "kari@eksempel.no")]


def test_leading_dots_are_not_part_of_the_address() -> None:
    assert kinds_and_texts("Se ...kari@eksempel.no") == [("email", "kari@eksempel.no")]


@pytest.mark.parametrize(
    "text", ["kari@eksempel", "kari@eksempel.n", "@eksempel.no", "kari@.no", "kari @ .no"]
)
def test_incomplete_addresses_are_not_found(text: str) -> None:
    assert [f.category for f in find(text)] == []


def test_email_with_digits_beats_the_phone_number_inside_it() -> None:
    assert kinds_and_texts("91234567@sms.eksempel.no") == [("email", "91234567@sms.eksempel.no")]
    assert kinds_and_texts("kari+4791234567@eksempel.no") == [
        ("email", "kari+4791234567@eksempel.no")
    ]


@pytest.mark.parametrize(
    "address",
    [
        "ola (at) example.no",
        "ola(at)example.no",
        "ola [at] example.no",
        "ola {at} example.no",
        "ola <at> example.no",
        "ola (AT) example.no",
        "ola (a) example.no",
        "ola(a)example.no",
        "ola (@) example.no",
        "ola AT example.no",
        "ola @ example.no",
        "ola @example.no",
        "ola@ example.no",
        "kari @eksempel.no",
        "ola@example . no",
        "ola@example .no",
        "ola @ post . example . no",
        "ola [at] example [dot] no",
        "ola (at) example (dot) no",
        "ola at example dot no",
        "ola at example [dot] no",
        "ola (at) example (punktum) no",
        "ola (at) example prikk no",
        "ola＠example．no",  # full-width @ and dot
        "ｏｌａ@ｅｘａｍｐｌｅ.ｎｏ",  # full-width letters
        "kari.nordmann (at) eksempel.no",
    ],
)
def test_hidden_email_addresses_are_found_where_written(address: str) -> None:
    text = f"Datteren vår: {address}, svar gjerne."
    start = text.index(address)
    assert find(text) == [Finding("email", start, start + len(address), address)]
    assert redact(text, [address]) == (f"Datteren vår: {REDACTED}, svar gjerne.", 1)


@pytest.mark.parametrize(
    "text",
    [
        "Jeg leste at vg.no skrev om det.",  # "at" is a Norwegian word
        "Hun sa at hun kommer. Neste gang.",
        "Han mente at nav.no var nede.",
        "Skriv til ola@example. Neste setning.",  # a sentence ends, no address
        "Se punkt (a) og (b) i avtalen.",
        "Møte @ 14.30 i dag",
        "Avtale kl. 10 at home",
        "ola (at) example",
        "ola [at] example [dot] n",
    ],
)
def test_prose_that_only_looks_like_a_hidden_address_is_not_found(text: str) -> None:
    assert find(text) == []


def test_address_before_spaced_punctuation_ends_at_its_domain() -> None:
    assert kinds_and_texts("Skriv til ola@example.no . Takk") == [("email", "ola@example.no")]
    assert kinds_and_texts("ola (at) example.no. Takk!") == [("email", "ola (at) example.no")]


def test_redact_is_case_insensitive_for_hidden_addresses() -> None:
    text = "Fra ola (at) example.no og OLA (AT) EXAMPLE.NO"
    assert redact(text, ["ola (at) example.no"]) == (f"Fra {REDACTED} og {REDACTED}", 2)


# --- find() in prose ---------------------------------------------------------------------------


def test_brief_example() -> None:
    text = "Ring meg på 912 34 567 eller send e-post til kari.nordmann@eksempel.no."
    assert find(text) == [
        Finding("phone", 12, 22, "912 34 567"),
        Finding("email", 45, 70, "kari.nordmann@eksempel.no"),
    ]


def test_all_three_kinds_in_prose_in_order_of_position() -> None:
    fnr = make_fnr("120385", 400)
    text = (
        f"Brukeren (fnr. {fnr}) ble utskrevet 12.03.2024 uten at pårørende ble varslet. "
        "Datteren kan nås på kari.nordmann@eksempel.no, eller på +47 481 23 456. "
        "Sønnen bor i Sverige: +46 70 123 45 67. Avdelingen har 2 000 000 kroner i budsjett, "
        "postadresse 5003 Bergen, saksnummer 202411."
    )
    findings = find(text)
    assert [(f.category, f.text) for f in findings] == [
        ("national_id", fnr),
        ("email", "kari.nordmann@eksempel.no"),
        ("phone", "+47 481 23 456"),
        ("phone", "+46 70 123 45 67"),
    ]
    for finding in findings:
        assert finding.category in CATEGORIES
        assert text[finding.start : finding.end] == finding.text
    starts = [f.start for f in findings]
    assert starts == sorted(starts)
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:], strict=False))


def test_find_in_text_without_personal_data() -> None:
    assert find("") == []
    assert find("Pasienten fikk feil medisin på kvelden. Ingen ble skadet.") == []


def test_finding_is_frozen() -> None:
    finding = find("91234567")[0]
    with pytest.raises(AttributeError):
        finding.start = 3  # type: ignore[misc]


# --- redact() ----------------------------------------------------------------------------------


def test_redact_replaces_every_occurrence_and_counts_them() -> None:
    text = "Kari ringte. Senere ringte Kari igjen fra 912 34 567."
    assert redact(text, ["Kari", "912 34 567"]) == (
        f"{REDACTED} ringte. Senere ringte {REDACTED} igjen fra {REDACTED}.",
        3,
    )


def test_redact_leaves_other_text_intact() -> None:
    text = "Avvik 12.03.2024:\n  Ola  glemte medisinen.\tKari merket det."
    new, count = redact(text, ["Ola"])
    assert new == f"Avvik 12.03.2024:\n  {REDACTED}  glemte medisinen.\tKari merket det."
    assert count == 1


def test_redact_is_case_sensitive_for_other_pieces() -> None:
    assert redact("Kari og kari og KARI", ["Kari"]) == (f"{REDACTED} og kari og KARI", 1)


def test_redact_is_case_insensitive_for_email_addresses() -> None:
    text = (
        "Fra Kari.Nordmann@Eksempel.no til kari.nordmann@eksempel.NO og KARI.NORDMANN@EKSEMPEL.NO"
    )
    assert redact(text, ["kari.nordmann@eksempel.no"]) == (
        f"Fra {REDACTED} til {REDACTED} og {REDACTED}",
        3,
    )


def test_redact_longer_overlapping_piece_first() -> None:
    text = "Kari Nordmann og Kari snakket med Nordmann."
    new, count = redact(text, ["Kari", "Kari Nordmann"])
    assert new == f"{REDACTED} og {REDACTED} snakket med Nordmann."
    assert count == 2
    # Order of the pieces does not matter.
    assert redact(text, ["Kari Nordmann", "Kari"]) == (new, count)


def test_redact_partly_overlapping_pieces_leave_nothing_behind() -> None:
    new, count = redact("Hei Kari Nordmann!", ["Kari Nord", "Nordmann"])
    assert new == f"Hei {REDACTED}!"
    assert count == 1


def test_redact_ignores_empty_and_whitespace_pieces() -> None:
    text = "Ola og Kari"
    assert redact(text, ["", " ", "\t\n"]) == (text, 0)
    assert redact(text, ["", "  Kari ", " "]) == (f"Ola og {REDACTED}", 1)


def test_redact_without_matches_returns_text_unchanged() -> None:
    assert redact("Ola og Kari", ["Per"]) == ("Ola og Kari", 0)
    assert redact("Ola og Kari", []) == ("Ola og Kari", 0)


def test_redact_accepts_any_iterable_and_duplicates() -> None:
    assert redact("Ola og Ola", (p for p in ["Ola", "Ola"])) == (f"{REDACTED} og {REDACTED}", 2)


def test_redact_does_not_touch_earlier_placeholders() -> None:
    once, _ = redact("Kari og sladden", ["Kari"])
    assert once == f"{REDACTED} og sladden"
    # "ladd" occurs in the placeholder too; only the word in the text is replaced.
    assert redact(once, ["ladd"]) == (f"{REDACTED} og s{REDACTED}en", 1)


def test_redact_special_characters_are_taken_literally() -> None:
    text = "Beløp (ca.) 3+4 kr, ikke 34 kr"
    assert redact(text, ["(ca.)", "3+4"]) == (f"Beløp {REDACTED} {REDACTED} kr, ikke 34 kr", 2)


def test_redact_what_find_found() -> None:
    text = "Ring meg på 912 34 567 eller send e-post til kari.nordmann@eksempel.no."
    new, count = redact(text, [f.text for f in find(text)])
    assert new == f"Ring meg på {REDACTED} eller send e-post til {REDACTED}."
    assert count == 2
    assert find(new) == []


@pytest.mark.parametrize(
    "text",
    [
        "a" * 20_000,  # took a minute when every position tried the rest of the run
        "x." * 10_000,
        "ola at " * 3_000,
        "a@" + "x." * 10_000,
        "a (at) " + "x . " * 5_000,
        "0 1 " * 10_000,
    ],
    ids=["letters", "dots", "at", "labels", "spaced-labels", "digits"],
)
def test_long_adversarial_text_is_searched_in_linear_time(text: str) -> None:
    started = time.perf_counter()
    find(text)
    assert time.perf_counter() - started < 2


def test_very_long_local_part_is_still_flagged() -> None:
    text = f"{'a' * 100}@eksempel.no"
    [finding] = find(text)
    assert finding.category == "email" and finding.text.endswith("@eksempel.no")
