"""The results pages: who sees what, free text and redaction, bad filters, small groups, units
side by side and the trend across rounds. Pages are read in English, where every message has
its final wording (the Norwegian catalogs are filled later)."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.designer import services as designer
from feedback.extensions import db
from feedback.models import Answer, Evaluation, SurveyRound
from feedback.personal_data import REDACTED
from tests.conftest import post_form
from tests.results.conftest import per_unit_row, text_of
from tests.world import (
    RESULTS_PERSONAL,
    RESULTS_TEXTS,
    ResultsPlace,
    store_many,
)

Client = Callable[[str], FlaskClient]
TOO_FEW = "too few answers to show"
HIDDEN_NOTICE = "Too few answers to show."
#: The tabs of a round's results, after /resultater/<id> (the overview is the round's address).
TABS = ("", "/sporsmal", "/fritekst", "/sammenlign", "/utvikling", "/last-ned")


@pytest.fixture
def reader(results_client: Client) -> Client:
    """A signed-in client reading in English."""

    def make(who: str) -> FlaskClient:
        client = results_client(who)
        assert client.get("/sprak/en?next=/").status_code == 302
        return client

    return make


def get(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def unit_options(html: str) -> set[str]:
    select = html.split('name="enhet"', 1)[1].split("</select>", 1)[0]
    return {
        html_lib.unescape(label).replace("\u00a0", "").strip()
        for value, label in re.findall(r'<option[^>]*value="(\d*)"[^>]*>([^<]*)</option>', select)
        if value
    }


def answer_values(app: Flask, question_id: int) -> list[str]:
    with app.app_context():
        return sorted(
            db.session.scalars(sa.select(Answer.value).where(Answer.question_id == question_id))
        )


# --- who sees what ---------------------------------------------------------------------------


def test_quality_group_sees_every_unit_and_flagged_free_text(
    reader: Client, results_answered: ResultsPlace
) -> None:
    place = results_answered
    html = get(reader("kari"), place.url())
    assert unit_options(html) == set(place.units)
    text = text_of(html)
    assert "22 responses" in text
    for name in ("Psykisk helse", "Rusteamet", "Døra", "Tunet"):
        assert re.match(r"\d+$", per_unit_row(html, name)), name
    assert TOO_FEW in per_unit_row(html, "Møteplassen")
    assert not any(html_lib.escape(a, quote=False) in html for a in RESULTS_TEXTS)  # own tab
    html = get(reader("kari"), place.url("/fritekst"))
    for answer in RESULTS_TEXTS:
        assert html_lib.escape(answer, quote=False) in html
    flagged = re.findall(
        r'<li class="free-text__item free-text__item--flagged">(.*?)</li>', html, flags=re.S
    )
    assert len(flagged) == 2
    for piece in RESULTS_PERSONAL:
        (item,) = [i for i in flagged if piece in i]
        assert "May hold personal data:" in item and "Redact the marked data" in item


def redaction_key(html: str, text: str) -> str:
    item = next(
        i
        for i in re.findall(r'<li class="free-text__item[^"]*">(.*?)</li>', html, flags=re.S)
        if html_lib.escape(text, quote=False) in i
    )
    match = re.search(r'name="svar" value="([^"]+)"', item)
    assert match
    return match.group(1)


def test_quality_group_redacts_in_the_database(
    app: Flask, reader: Client, results_answered: ResultsPlace
) -> None:
    place = results_answered
    kari = reader("kari")
    group_yes = f"{place.questions['group']}:yes"
    url = place.url(f"/fritekst?svar={group_yes}")
    html = get(kari, url)
    phone, email = RESULTS_TEXTS[4], RESULTS_TEXTS[5]

    # The marked pieces only; the filter comes back with the redirect.
    response = post_form(
        kari,
        place.url("/fritekst/sladd"),
        {"svar": redaction_key(html, phone), "svar_filter": group_yes},
        page=url,
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert (location.path, parse_qs(location.query)) == (
        f"/resultater/{place.round_id}/fritekst",
        {"svar": [group_yes]},
    )
    assert "The answer was redacted" in get(kari, response.headers["Location"])
    # The whole answer, from the page filtered by unit.
    url = place.url(f"/fritekst?enhet={place.units['Psykisk helse']}")
    response = post_form(
        kari,
        place.url("/fritekst/sladd"),
        {"svar": redaction_key(get(kari, url), email), "hele": "1"},
        page=url,
    )
    assert response.status_code == 302

    stored = answer_values(app, place.questions["why"])
    assert f"Ring meg på {REDACTED}" in stored and REDACTED in stored
    assert not any(piece in value for value in stored for piece in RESULTS_PERSONAL)
    assert set(RESULTS_TEXTS[:4]) <= set(stored)  # nothing else changed
    after = get(kari, place.url("/fritekst"))
    assert not any(piece in after for piece in RESULTS_PERSONAL)
    assert "free-text__item--flagged" not in after


@pytest.mark.parametrize(
    "key",
    [
        "",
        "nonsense",
        "abc:1:0",
        "0" * 32 + ":99999:0",
        "x:١:0",
        "0" * 32 + ":99999999999999999999999:0",  # more than any integer column holds
        "0" * 32 + ":1:99999999999999999999999",
        "0" * 32 + ":1:-1",
    ],
)
def test_redacting_an_unknown_answer_changes_nothing(
    app: Flask, reader: Client, results_answered: ResultsPlace, key: str
) -> None:
    place = results_answered
    kari = reader("kari")
    response = post_form(
        kari, place.url("/fritekst/sladd"), {"svar": key, "hele": "1"}, page=place.url()
    )
    assert response.status_code == 302
    assert answer_values(app, place.questions["why"]) == sorted(RESULTS_TEXTS)
    assert "That answer could not be found" in get(kari, response.headers["Location"])


def test_redacting_a_choice_answer_or_another_rounds_answer_is_refused(
    app: Flask, reader: Client, results_answered: ResultsPlace
) -> None:
    place = results_answered
    with app.app_context():
        choice = db.session.scalars(
            sa.select(Answer).where(Answer.question_id == place.questions["food"])
        ).first()
        assert choice is not None
        key = f"{choice.response_id}:{choice.question_id}:{choice.position}"
    kari = reader("kari")
    post_form(kari, place.url("/fritekst/sladd"), {"svar": key, "hele": "1"}, page=place.url())
    assert REDACTED not in answer_values(app, place.questions["food"])
    # Another round of the organisation: the key is not this round's.
    with app.app_context():
        org = db.session.get(SurveyRound, place.round_id).series.organisation  # type: ignore[union-attr]
        from tests.world import make_results_round, store_response

        other = make_results_round(org)
        db.session.commit()
        store_response(other.id, {"why": "Ring 412 34 567"})
        answer = db.session.scalars(
            sa.select(Answer).where(Answer.question_id == other.questions[4].id)
        ).one()
        key = f"{answer.response_id}:{answer.question_id}:{answer.position}"
    post_form(kari, place.url("/fritekst/sladd"), {"svar": key, "hele": "1"}, page=place.url())
    with app.app_context():
        assert db.session.get(Answer, (answer.response_id, answer.question_id, 0)).value == (  # type: ignore[union-attr]
            "Ring 412 34 567"
        )


def test_manager_sees_totals_and_own_units_only(
    reader: Client, results_answered: ResultsPlace
) -> None:
    place = results_answered
    leder = reader("leder")
    html = get(leder, place.url())
    assert unit_options(html) == {"Psykisk helse", "Solsiden", "Møteplassen"}
    assert "22 responses" in text_of(html)  # the organisation's totals
    assert per_unit_row(html, "Psykisk helse") == "8"
    for name in ("Rusteamet", "Døra", "Tunet"):
        assert name not in html
    own = get(leder, place.url(f"?enhet={place.units['Psykisk helse']}"))
    assert "8 responses" in text_of(own)
    for other in ("Døra", "Tunet", "Rusteamet"):
        for page in TABS:
            get(leder, place.url(f"{page}?enhet={place.units[other]}"), status=404)
    # Rut leads Rusteamet (and Døra below it), not Psykisk helse.
    rut = reader("rusleder")
    assert "6 responses" in text_of(get(rut, place.url(f"?enhet={place.units['Døra']}")))
    get(rut, place.url(f"?enhet={place.units['Solsiden']}"), status=404)


def test_manager_reads_free_text_only_when_released_and_never_flagged(
    app: Flask, reader: Client, results_answered: ResultsPlace
) -> None:
    place = results_answered
    leder = reader("leder")
    for url in (
        place.url("/fritekst"),
        place.url(f"/fritekst?enhet={place.units['Psykisk helse']}"),
    ):
        html = get(leder, url)
        assert "The quality group reads the free text first" in html
        assert not any(html_lib.escape(t, quote=False) in html for t in RESULTS_TEXTS)
        assert "/fritekst/sladd" not in html

    with app.app_context():
        db.session.add(Evaluation(round_id=place.round_id, texts_released=True))
        db.session.commit()
    for url in (
        place.url("/fritekst"),
        place.url(f"/fritekst?enhet={place.units['Psykisk helse']}"),
    ):
        html = get(leder, url)
        for answer in RESULTS_TEXTS[:4]:
            assert html_lib.escape(answer, quote=False) in html
        assert not any(piece in html for piece in RESULTS_PERSONAL)
        assert "May hold personal data" not in html and "/fritekst/sladd" not in html


# The administrator: see the authorization matrix (tests/test_authorization.py).
@pytest.mark.parametrize("who", ["norole", "nabo"])
def test_people_without_a_results_role_get_404(
    reader: Client, results_answered: ResultsPlace, who: str
) -> None:
    place = results_answered
    client = reader(who)
    for url in [place.url(page) for page in TABS]:
        get(client, url, status=404)
    if who != "nabo":
        get(client, "/resultater/", status=404)
    else:  # their own organisation's list has none of Fjordvik's rounds
        assert f'/resultater/{place.round_id}"' not in get(client, "/resultater/")


# --- bad filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("enhet=abc", "enhet"),
        ("enhet=99999", "enhet"),
        ("enhet=-1", "enhet"),
        ("enhet=99999999999999999999999", "enhet"),
        ("enhet=%EF%BC%91", "enhet"),  # a full-width digit one
        ("kanal=x", "kanal"),
        ("svar=garbage", "svar"),
        ("svar=99999:yes", "svar"),
        ("svar={food}:nonexistent", "svar"),
        ("svar={word}:Trygt", "svar"),  # free text is not a filter
        ("svar={food}:dont_know", "svar"),
    ],
)
def test_bad_filters_get_a_message_at_the_field(
    reader: Client, results_answered: ResultsPlace, query: str, field: str
) -> None:
    place = results_answered
    query = query.format(**place.questions)
    for page in ("", "/sporsmal", "/fritekst", "/sammenlign", "/utvikling"):
        if field == "svar" and page in ("/sammenlign", "/utvikling"):
            continue  # those pages have no answer filter
        response = reader("kari").get(place.url(f"{page}?{query}"))
        assert response.status_code == 200, (page, query)
        html = response.get_data(as_text=True)
        assert f'id="{field}-error"' in html, (page, query)
        assert "Choose from the list." in html
        assert "<title>Error:" in html
        if not page:
            # The rest of the page counts everyone, as without the bad part.
            assert "22 responses" in text_of(html)


def test_a_unit_of_another_organisation_is_a_bad_value_not_a_page(
    app: Flask, reader: Client, results_answered: ResultsPlace
) -> None:
    foreign = results_answered.other_unit  # Nabohuset, of the other organisation
    html = get(reader("kari"), results_answered.url(f"?enhet={foreign}"))
    assert 'id="enhet-error"' in html and "Nabohuset" not in html


# --- small groups -----------------------------------------------------------------------------


def test_a_small_unit_shows_too_few_and_none_of_its_numbers(
    reader: Client, results_answered: ResultsPlace
) -> None:
    place = results_answered
    kari = reader("kari")
    full = get(kari, place.url())
    for name in ("Møteplassen", "Solsiden"):  # Solsiden too: 8 - 6 would give Møteplassen
        assert TOO_FEW in per_unit_row(full, name)
    assert '<td class="numeric">2</td>' not in full

    alone = get(kari, place.url(f"?enhet={place.units['Møteplassen']}"))
    assert HIDDEN_NOTICE in alone
    assert "big-number" not in alone and "<table" not in alone
    assert "application/json" not in alone  # no figure either
    # After the filter form and the date of the numbers, no number at all.
    text = text_of(alone).split(" Show ", 1)[1].split("at most once an hour.", 1)[1]
    assert not re.search(r"\d", text.replace("fewer than 5 answers", "")), text


def test_two_filters_that_isolate_a_small_group_are_hidden(
    reader: Client, results_answered: ResultsPlace
) -> None:
    """Tunet has 8, food "ok" 11, and 5 at Tunet said "ok": shown alone, each of those would
    leave the 3 at Tunet who said "good" as a difference."""
    place = results_answered
    kari = reader("kari")
    food_ok = f"svar={place.questions['food']}:ok"
    for alone in (f"enhet={place.units['Tunet']}", food_ok, "kanal=kiosk"):
        assert HIDDEN_NOTICE not in get(kari, place.url(f"?{alone}")), alone
    for both in (f"enhet={place.units['Tunet']}&{food_ok}", f"kanal=kiosk&{food_ok}"):
        html = get(kari, place.url(f"?{both}"))
        assert HIDDEN_NOTICE in html and "big-number" not in html, both


# --- units side by side and the trend ----------------------------------------------------------


@pytest.fixture
def two_rounds(app: Flask, results_answered: ResultsPlace) -> tuple[ResultsPlace, int]:
    """Round 1 (results_answered, now closed) and round 2, copied with comparable questions:
    Solsiden 5 × "listened" 4, Tunet 5 × "listened" 3."""
    place = results_answered
    with app.app_context():
        first = db.session.get(SurveyRound, place.round_id)
        assert first is not None
        first.status = "closed"
        second = designer.new_round(first, None)
        second.status = "open"
        db.session.commit()
        assert all(q.comparable and q.previous_id for q in second.questions)
        store_many(second.id, 5, {"listened": "4"}, unit=place.units["Solsiden"])
        store_many(second.id, 5, {"listened": "3"}, unit=place.units["Tunet"], channel="kiosk")
        return place, second.id


def trend_rows(html: str, title: str) -> list[str]:
    section = html.split(f"Mean per round for “{title}”", 1)[1].split("</table>", 1)[0]
    return [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", section, re.S)[1:]]


def test_trend_shows_the_mean_per_round(
    reader: Client, two_rounds: tuple[ResultsPlace, int]
) -> None:
    place, second = two_rounds
    kari = reader("kari")
    html = get(kari, place.url("/utvikling", round_id=second))
    # Round 1: 6 × 4, 2 × 1, 8 × 5, 6 × 2: mean 78/22, t(21) = 2.080.
    # Round 2: 5 × 4, 5 × 3: mean 3.5, sd 0.527, t(9) = 2.262.
    assert trend_rows(html, "I am listened to.") == [
        "Round 1 3.5 (2.9–4.2) 22",
        "Round 2 3.5 (3.1–3.9) 10",
    ]
    tunet = get(kari, place.url(f"/utvikling?enhet={place.units['Tunet']}", round_id=second))
    assert trend_rows(tunet, "I am listened to.") == [
        "Round 1 5.0 (5.0–5.0) 8",
        "Round 2 3.0 (3.0–3.0) 5",
    ]
    # Solsiden was hidden in round 1 (Møteplassen had two), not in round 2: a gap, no number.
    solsiden = get(kari, place.url(f"/utvikling?enhet={place.units['Solsiden']}", round_id=second))
    assert trend_rows(solsiden, "I am listened to.") == [
        f"Round 1 {TOO_FEW}",
        "Round 2 4.0 (4.0–4.0) 5",
    ]
    # The first round has nothing before it.
    assert "There is nothing to compare yet" in get(kari, place.url("/utvikling"))


def compare_rows(html: str, title: str) -> dict[str, list[str]]:
    section = html.split(f"The numbers for “{title}”", 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", section, re.S):
        cells = [text_of(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


def test_units_side_by_side(reader: Client, two_rounds: tuple[ResultsPlace, int]) -> None:
    place, _second = two_rounds
    kari = reader("kari")
    html = get(kari, place.url("/sammenlign"))
    rows = compare_rows(html, "I am listened to.")
    assert rows["Answer"] == ["All units", "Psykisk helse", "Rusteamet", "Tunet"]
    # Psykisk helse: 6 × 4 and 2 × 1: mean 3.25 (half up: 3.3), sd 1.389, t(7) = 2.365.
    assert rows["Mean (95 % interval)"] == [
        "3.5 (2.9–4.2)", "3.3 (2.1–4.4)", "2.0 (2.0–2.0)", "5.0 (5.0–5.0)"
    ]  # fmt: skip
    assert rows["Answered (n)"] == ["22", "8", "6", "8"]
    assert rows["4"] == ["27% (6)", "75% (6)", "0% (0)", "0% (0)"]
    # Below Psykisk helse: Solsiden and Møteplassen are both held back.
    below = compare_rows(
        get(kari, place.url(f"/sammenlign?enhet={place.units['Psykisk helse']}")),
        "I am listened to.",
    )
    assert below["Answer"] == ["All units", "Psykisk helse", "Møteplassen", "Solsiden"]
    assert below["Answered (n)"] == ["22", "8", TOO_FEW, TOO_FEW]
    assert below["Mean (95 % interval)"][2:] == [TOO_FEW, TOO_FEW]
    # A manager compares the units they lead with the totals.
    leder = compare_rows(get(reader("leder"), place.url("/sammenlign")), "I am listened to.")
    assert leder["Answer"] == ["All units", "Psykisk helse"]


def test_number_question_side_by_side_shares_its_bins(
    app: Flask, reader: Client, results_place: ResultsPlace
) -> None:
    """Groups with different ranges of answers get the same rows (this was a 500). The rows
    run from the 5th smallest age to the 5th largest (k = 5), with open ends: the youngest
    (18) and the oldest (80) show nowhere."""
    place = results_place
    with app.app_context():
        store_many(place.round_id, 1, {"age": "18"}, unit=place.units["Tunet"])
        store_many(place.round_id, 5, {"age": "20"}, unit=place.units["Tunet"])
        store_many(place.round_id, 5, {"age": "60"}, unit=place.units["Døra"])
        store_many(place.round_id, 1, {"age": "80"}, unit=place.units["Døra"])
        store_many(place.round_id, 5, {"age": "dont_know"}, unit=place.units["Solsiden"])
    html = get(reader("kari"), place.url("/sammenlign"))
    rows = compare_rows(html, "How old are you?")
    assert rows["Answer"] == ["All units", "Psykisk helse", "Rusteamet", "Tunet"]
    assert rows["≤ 24"] == ["50% (6)", "0% (0)", "0% (0)", "100% (6)"]
    assert rows["≥ 60"] == ["50% (6)", "0% (0)", "100% (6)", "0% (0)"]
    assert not any(age in label for label in rows for age in ("18", "80"))
    assert rows["Answered (n)"] == ["12", "0", "6", "6"]
