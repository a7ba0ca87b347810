"""The fieldwork count and code batches under the small-group rule (issue 19, point 4): a
manager reads only the units they lead, suppressed as results are; an administrator the total;
the quality group everything. The page and its JSON feed say the same."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.fieldwork import services as fieldwork
from feedback.models import AccessCode, SurveyRound, Unit
from tests.fieldwork.conftest import FILLED, entry_form, post_entry
from tests.world import ResultsPlace, make_results_round, store_many

Clients = Callable[[str], FlaskClient]
CHANNELS = ("link", "unit_link", "kiosk", "code", "paper")


def feed(client: FlaskClient, round_id: int) -> dict:
    response = client.get(f"/skjema/{round_id}/feltarbeid.json")
    assert response.status_code == 200
    return response.get_json()


def page(client: FlaskClient, round_id: int) -> str:
    response = client.get(f"/skjema/{round_id}/feltarbeid")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def numbers_in_rows(html: str) -> dict[str, list[str]]:
    """Row heading -> what each cell of the row says (a number or "too few")."""
    rows = {}
    for heading, cells in re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', html, re.S):
        rows[heading.replace("\u00a0", "").strip()] = [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        ]
    return rows


def test_a_manager_reads_only_their_units_and_no_small_count(
    results_answered: ResultsPlace, results_client: Clients
) -> None:
    """The attack: the manager of Rusteamet asks the page and the feed for the other units'
    counts and for Møteplassen's two link responses; the manager of Psykisk helse for the
    small unit below it. Neither gets a number that is not theirs or that is below k."""
    place = results_answered
    rusleder = results_client("rusleder")
    data = feed(rusleder, place.round_id)
    assert data == {
        "k": 5,
        "total": 22,
        # Link 8 (Solsiden 6, Møteplassen 2), kiosk 8 (Tunet), code 6 (Døra).
        "by_channel": {"link": 8, "unit_link": 0, "kiosk": 8, "code": 6, "paper": 0},
        # Unit × channel is held back: Møteplassen × link (2) is a small cell of the round.
        "rows": [
            {"unit": "Rusteamet", "counts": None, "total": 6},
            {"unit": "Døra", "counts": None, "total": 6},
        ],
    }
    html = page(rusleder, place.round_id)
    for other in ("Psykisk helse", "Solsiden", "Møteplassen", "Tunet", "Not given", "Ikke oppgitt"):
        assert other not in html
    rows = numbers_in_rows(html)
    assert rows["Rusteamet"] == ["6"] and rows["Døra"] == ["6"]
    # Query arguments change nothing: there is no unit to ask for.
    for query in ("?enhet={}".format(place.units["Møteplassen"]), "?alle=1"):
        asked = rusleder.get(f"/skjema/{place.round_id}/feltarbeid.json{query}").get_json()
        assert asked == data

    leder = results_client("leder")
    data = feed(leder, place.round_id)
    # Møteplassen (2) is hidden, and Solsiden with it: Psykisk helse (8) minus Solsiden would
    # give Møteplassen.
    assert data["rows"] == [
        {"unit": "Psykisk helse", "counts": None, "total": 8},
        {"unit": "Møteplassen", "counts": None, "total": None},
        {"unit": "Solsiden", "counts": None, "total": None},
    ]
    assert "Døra" not in json.dumps(data) and "Tunet" not in json.dumps(data)
    rows = numbers_in_rows(page(leder, place.round_id))
    assert rows["Møteplassen"] == ["too few answers to show"] or rows["Møteplassen"] == [
        "for få svar til å vise"
    ]
    assert rows["Solsiden"] == rows["Møteplassen"]
    assert "2" not in "".join(rows["Møteplassen"] + rows["Solsiden"])


def test_a_manager_sees_unit_by_channel_when_every_cell_holds_k(
    app: Flask, results_place: ResultsPlace, results_client: Clients
) -> None:
    place = results_place
    with app.app_context():
        store_many(place.round_id, 5, unit=place.units["Solsiden"])
        store_many(place.round_id, 5, unit=place.units["Møteplassen"], channel="kiosk")
        store_many(place.round_id, 6, unit=place.units["Døra"], channel="code")
    data = feed(results_client("leder"), place.round_id)
    zero = dict.fromkeys(CHANNELS, 0)
    assert data["rows"] == [
        {"unit": "Psykisk helse", "counts": {**zero, "link": 5, "kiosk": 5}, "total": 10},
        {"unit": "Møteplassen", "counts": {**zero, "kiosk": 5}, "total": 5},
        {"unit": "Solsiden", "counts": {**zero, "link": 5}, "total": 5},
    ]

    # One more response at Døra by paper: a cell of one, and unit × channel goes away for
    # every manager (Døra's paper response would be Døra minus Døra's code responses).
    with app.app_context():
        store_many(place.round_id, 1, unit=place.units["Døra"], channel="paper")
    data = feed(results_client("rusleder"), place.round_id)
    assert [row["counts"] for row in data["rows"]] == [None, None]
    # The paper channel (1) is hidden, and the next smallest channel with it.
    assert data["by_channel"]["paper"] is None
    assert sum(1 for n in data["by_channel"].values() if n is None) >= 2


def test_an_administrator_sees_only_the_total(
    app: Flask, results_answered: ResultsPlace, results_client: Clients
) -> None:
    place = results_answered
    admin = results_client("admin")
    assert feed(admin, place.round_id) == {"k": 5, "total": 22, "by_channel": {}, "rows": []}
    html = page(admin, place.round_id)
    assert "<table" not in html
    for name in ("Solsiden", "Møteplassen", "Tunet", "Døra"):
        assert name not in html

    # A total of 1–4 is not shown either.
    with app.app_context():
        org = db.session.get(SurveyRound, place.round_id).series.organisation  # type: ignore[union-attr]
        small = make_results_round(org)
        db.session.commit()
        small_id = small.id
        store_many(small_id, 3, unit=place.units["Tunet"])
    assert feed(admin, small_id) == {"k": 5, "total": None, "by_channel": {}, "rows": []}
    html = page(admin, small_id)
    assert re.search(r'class="big-number"[^>]*><strong>[^<]*5', html)
    assert "<strong>3</strong>" not in html


def test_the_quality_group_sees_every_count(
    results_answered: ResultsPlace, results_client: Clients
) -> None:
    data = feed(results_client("kari"), results_answered.round_id)
    rows = {row["unit"]: (row["counts"], row["total"]) for row in data["rows"]}
    zero = dict.fromkeys(CHANNELS, 0)
    assert rows["Møteplassen"] == ({**zero, "link": 2}, 2)
    assert rows["Solsiden"] == ({**zero, "link": 6}, 6)
    assert rows["Tunet"] == ({**zero, "kiosk": 8}, 8)
    assert data["total"] == 22


def used_cell(html: str, batch: int) -> str:
    row = re.search(rf'<tr><th scope="row">{batch}</th>(.*?)</tr>', html, re.S)
    assert row is not None, html
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    return re.sub(r"<[^>]+>", "", cells[2]).strip()


def test_code_batch_usage_is_shown_only_for_k_codes_or_more(
    app: Flask, results_place: ResultsPlace, results_client: Clients
) -> None:
    """The attack: one code handed to one person; the codes page would say whether that
    person answered. A batch of k codes says how many were used, not which."""
    place = results_place
    with app.app_context():
        round_ = db.session.get(SurveyRound, place.round_id)
        assert round_ is not None
        unit = db.session.get(Unit, place.units["Tunet"])
        one = fieldwork.make_codes(round_, 1, unit)
        five = fieldwork.make_codes(round_, 5, unit)
        for batch in (one, five):
            code = db.session.scalars(
                sa.select(AccessCode).where(AccessCode.batch == batch).limit(1)
            ).one()
            code.used = True
        db.session.commit()
        assert [used for _b, _u, _n, used in fieldwork.code_batches(round_)] == [None, 1]
    for who in ("kari", "admin"):
        html = results_client(who).get(f"/skjema/{place.round_id}/koder").get_data(as_text=True)
        assert used_cell(html, one) in ("not shown", "ikke vist")
        assert used_cell(html, five) == "1"
        assert re.search(r'class="hint">[^<]*5', html)
        # The printed cards of a batch never mark a used code.
        cards = results_client(who).get(f"/skjema/{place.round_id}/koder/{one}")
        assert cards.status_code == 200
        assert "used" not in cards.get_data(as_text=True).split('<ul class="cards">', 1)[1]


def test_the_round_page_shows_a_small_total_only_to_the_quality_group(
    app: Flask, results_place: ResultsPlace, results_client: Clients
) -> None:
    place = results_place
    with app.app_context():
        store_many(place.round_id, 3, unit=place.units["Tunet"])
    for who in ("admin", "leder"):
        client = results_client(who)
        client.get("/sprak/en?next=/")
        html = client.get(f"/skjema/{place.round_id}").get_data(as_text=True)
        assert "fewer than 5 responses" in html, who
        assert "3 responses" not in html, who
    kari = results_client("kari")
    kari.get("/sprak/en?next=/")
    assert "3 responses" in kari.get(f"/skjema/{place.round_id}").get_data(as_text=True)


def test_paper_entry_tells_each_person_only_the_forms_they_entered(
    app: Flask, results_place: ResultsPlace, results_client: Clients
) -> None:
    """Nobody learns from the confirmation that someone else entered a form meanwhile."""
    place = results_place
    url = f"/skjema/{place.round_id}/registrer"
    for who in ("admin", "kari"):
        client = results_client(who)
        client.get("/sprak/en?next=/")
        posted = post_entry(client, url, [*entry_form(client, url).items(), *FILLED])
        assert posted.status_code == 302, who
        html = client.get(posted.location).get_data(as_text=True)
        assert "Saved. You have entered 1 paper questionnaire this time." in html, who
