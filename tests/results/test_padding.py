"""Padding (issue 19, docs/design.md rule 3): someone who adds answers he knows to a unit with few
real ones must not be able to read them by subtraction. The unit is warned about and held back
in results until the quality group has checked it (feedback.results.padding)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import AuditEvent, PaddingCheck, SurveyRound, Unit
from feedback.respond import services as respond
from feedback.results import aggregate, padding
from feedback.results.selection import Selection, units_of
from feedback.results.suppression import UnitRow, suppress_tree
from tests.conftest import post_form
from tests.results.conftest import per_unit_row, text_of
from tests.world import ResultsPlace, store_many, store_response

Client = Callable[[str], FlaskClient]
K = 5
TODAY = date(2026, 3, 12)
WARNING = "kan bety at noen har fylt inn svar for andre"
MANAGER_NOTE = "holdes tilbake på grunn av uvanlig mange svar"


@pytest.fixture
def on_day(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[date], None]]:
    """Set the date responses are stored on (and "today" for the round's days so far)."""

    def set_day(day: date) -> None:
        monkeypatch.setattr(respond, "today", lambda: day)
        monkeypatch.setattr(padding, "today", lambda: TODAY)

    set_day(TODAY)
    yield set_day


def the_round(place: ResultsPlace) -> SurveyRound:
    round_ = db.session.get(SurveyRound, place.round_id)
    assert round_ is not None
    return round_


def everyday_answers(place: ResultsPlace, on_day: Callable[[date], None]) -> None:
    """Two answers a day for four days at Solsiden and at Rusteamet: nothing unusual."""
    for back in range(4):
        on_day(TODAY - timedelta(days=back))
        store_many(place.round_id, 2, {"listened": "4"}, unit=place.units["Solsiden"])
        store_many(place.round_id, 2, {"listened": "3"}, unit=place.units["Rusteamet"])
    on_day(TODAY)


def top_rows(place: ResultsPlace) -> dict[str, UnitRow]:
    round_ = the_round(place)
    units = units_of(round_.series.organisation)
    return {
        row.name: row
        for row in aggregate.responses_per_unit(round_, units, K)
        if units.parent[row.unit_id] is None
    }


def test_padding_a_unit_to_k_in_one_day_does_not_reveal_its_real_answer(
    app: Flask, results_place: ResultsPlace, results_client: Client, on_day: Any
) -> None:
    """The attack: Tunet has one real answer; its manager adds k - 1 answers he knows through
    the unit link on the same day, so that Tunet reaches k and would be shown. Its numbers
    minus his own would be the real answer exactly."""
    place = results_place
    tunet = place.units["Tunet"]
    with app.app_context():
        db.session.get(Unit, tunet).people_served = 40  # known, and not exceeded
        db.session.commit()
        everyday_answers(place, on_day)
        store_response(place.round_id, {"listened": "1"}, unit=tunet, channel="unit_link")
        # Before padding: too few, hidden with a sibling (ordinary suppression).
        assert top_rows(place)["Tunet"].n is None
        store_many(place.round_id, K - 1, {"listened": "5"}, unit=tunet, channel="unit_link")

        round_ = the_round(place)
        [warning] = padding.warnings(round_)
        assert (warning.unit_id, warning.reason, warning.day) == (tunet, "spike", TODAY)
        assert (warning.responses, warning.checked) == (K, False)

        # Held back: Tunet's own numbers are not shown, for the row or for its results.
        rows = top_rows(place)
        assert rows["Tunet"].n is None and rows["Tunet"].held
        units = units_of(round_.series.organisation)
        alone = aggregate.round_results(round_, Selection(unit_id=tunet), units)
        assert not alone.shown and alone.n is None
        assert not any(q.shown for q in alone.questions)
        # And not by subtraction: the total is shown, but a sibling with at least k answers of
        # its own is hidden with Tunet, so the total minus the visible units minus the padding
        # is Tunet's real answer plus that sibling's, never Tunet's alone.
        whole = aggregate.round_results(round_, Selection(), units)
        assert whole.shown and whole.n == 16 + 1 + (K - 1)
        hidden = [name for name, row in rows.items() if row.n is None]
        assert "Tunet" in hidden and len(hidden) >= 2
        visible = sum(row.n or 0 for row in rows.values())
        assert whole.n - visible - (K - 1) != 1
        assert whole.n - visible - (K - 1) - 1 >= K  # the sibling's own answers

    # The quality group is told, in plain words, where and when.
    kari = results_client("kari")
    html = kari.get(place.url()).get_data(as_text=True)
    text = text_of(html)
    assert WARNING in text
    assert "Tunet" in text and "12. mars 2026" in text
    assert "holdt tilbake" in per_unit_row(html, "Tunet")

    # The group has looked at it: the unit is shown again, and the check is logged.
    response = post_form(kari, place.url("/utfylling"), {"advarsel": warning.key}, page=place.url())
    assert response.status_code == 302
    html = kari.get(place.url()).get_data(as_text=True)
    assert WARNING not in text_of(html)
    assert per_unit_row(html, "Tunet") == str(K)
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "padding.checked")
        ).one()
        assert event.subject == "Tunet"
        assert event.actor_id == place.people["kari"]
        assert event.details["day"] == TODAY.isoformat()
        check = db.session.scalars(sa.select(PaddingCheck)).one()
        assert (check.unit_id, check.responses, check.checked_by_id) == (
            tunet,
            K,
            place.people["kari"],
        )
        round_ = the_round(place)
        units = units_of(round_.series.organisation)
        assert aggregate.round_results(round_, Selection(unit_id=tunet), units).shown

        # More answers that day after the check: warned about and held back again.
        store_response(place.round_id, {"listened": "5"}, unit=tunet, channel="unit_link")
        assert top_rows(place)["Tunet"].n is None
        assert [w.checked for w in padding.warnings(the_round(place))] == [False]


def test_k_minus_2_extra_answers_in_a_day_are_not_unusual(
    app: Flask, results_place: ResultsPlace, on_day: Any
) -> None:
    place = results_place
    with app.app_context():
        everyday_answers(place, on_day)  # Solsiden: 2 a day, so 2 is its usual share
        store_many(place.round_id, K - 2, unit=place.units["Solsiden"])
        assert padding.warnings(the_round(place)) == []
        store_response(place.round_id, {}, unit=place.units["Solsiden"])
        [warning] = padding.warnings(the_round(place))
        assert (warning.unit_name, warning.responses, warning.expected) == (
            "Solsiden",
            2 + K - 1,
            2.0,
        )


def test_more_responses_than_people_served_hold_the_unit_back_until_corrected(
    app: Flask, results_place: ResultsPlace, on_day: Any
) -> None:
    place = results_place
    with app.app_context():
        everyday_answers(place, on_day)
        db.session.get(Unit, place.units["Rusteamet"]).people_served = 7
        db.session.commit()
        [warning] = padding.warnings(the_round(place))
        assert (warning.unit_name, warning.reason, warning.responses) == (
            "Rusteamet",
            "population",
            8,
        )
        assert top_rows(place)["Rusteamet"].n is None
        # The group finds that the number was wrong and corrects it: no warning any more.
        db.session.get(Unit, place.units["Rusteamet"]).people_served = 12
        db.session.commit()
        assert padding.warnings(the_round(place)) == []
        assert top_rows(place)["Rusteamet"].n == 8


def test_a_manager_sees_that_a_unit_is_held_back_but_not_when_or_how(
    app: Flask, results_place: ResultsPlace, results_client: Client, on_day: Any
) -> None:
    place = results_place
    with app.app_context():
        everyday_answers(place, on_day)
        store_many(place.round_id, K - 1, unit=place.units["Møteplassen"], channel="unit_link")
        [warning] = padding.warnings(the_round(place))
    leder = results_client("leder")  # manages Psykisk helse, with Møteplassen below it
    html = leder.get(place.url()).get_data(as_text=True)
    text = text_of(html)
    assert MANAGER_NOTE in text and "Møteplassen" in text
    assert "12. mars 2026" not in text and "Merk som kontrollert" not in text
    # Only the quality group marks it checked.
    assert (
        post_form(
            leder, place.url("/utfylling"), {"advarsel": warning.key}, page=place.url()
        ).status_code
        == 404
    )
    # The overview says so too, under the unit they lead.
    overview = text_of(leder.get("/leder/").get_data(as_text=True))
    assert "holdes tilbake på grunn av uvanlig mange svar" in overview
    # A manager of other units is not told about it.
    rusleder = results_client("rusleder")
    assert MANAGER_NOTE not in text_of(rusleder.get(place.url()).get_data(as_text=True))
    assert "uvanlig mange svar" not in text_of(rusleder.get("/leder/").get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PaddingCheck)) == 0


def test_an_unknown_warning_is_not_marked(
    app: Flask, results_place: ResultsPlace, results_client: Client, on_day: Any
) -> None:
    kari = results_client("kari")
    response = post_form(
        kari, results_place.url("/utfylling"), {"advarsel": "1:spike:"}, page=results_place.url()
    )
    assert response.status_code == 302
    assert "Fant ikke advarselen" in kari.get(results_place.url()).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PaddingCheck)) == 0


def test_held_answers_count_for_nothing_towards_the_hidden_k() -> None:
    """A held unit's answers may all be the padder's own: the other hidden parts of its row
    must hold k answers without them, or the total minus the visible parts minus his answers
    would be a small group (here Tunet's real answers plus Døra's 3)."""
    own = {"Tunet": 5, "Døra": 3, "Solsiden": 10, "Rusteamet": 12}
    parent: dict[str, str | None] = dict.fromkeys(own)
    # Without the hold, Døra's 3 and Tunet's 5 hidden together would do.
    assert suppress_tree(own, parent, K).hidden_units == {"Døra", "Tunet"}
    held = suppress_tree(own, parent, K, held={"Tunet"})
    assert {"Tunet", "Døra"} < held.hidden_units
    assert sum(own[u] for u in held.hidden_units if u != "Tunet") >= K
    assert not held.total_hidden


def test_a_held_unit_with_nothing_beside_it_hides_the_number_above_it() -> None:
    # Møteplassen's number would be Psykisk helse's: Psykisk helse is held back with it.
    own = {"Psykisk helse": 0, "Møteplassen": 5, "Solsiden": 0, "Tunet": 9, "Døra": 7}
    parent = {
        "Psykisk helse": None,
        "Møteplassen": "Psykisk helse",
        "Solsiden": "Psykisk helse",
        "Tunet": None,
        "Døra": None,
    }
    result = suppress_tree(own, parent, K, held={"Møteplassen"})
    assert {"Møteplassen", "Psykisk helse"} <= result.hidden_units
    assert sum(own[u] for u in result.hidden_units if u not in ("Møteplassen", "Psykisk helse"))
    assert not result.total_hidden
    # A held unit that holds every answer there is: the total is held back too.
    alone = suppress_tree({"Tunet": 6, "Døra": 0}, {"Tunet": None, "Døra": None}, K, {"Tunet"})
    assert alone.total_hidden and alone.hidden_units == {"Tunet"}


def test_the_whole_round_is_held_back_when_the_padded_unit_is_all_there_is(
    app: Flask, results_place: ResultsPlace, on_day: Any
) -> None:
    place = results_place
    with app.app_context():
        # Tunet serves 3 people: five answers on its first day are more than it can have.
        db.session.get(Unit, place.units["Tunet"]).people_served = 3
        db.session.commit()
        store_many(place.round_id, K, {"listened": "2"}, unit=place.units["Tunet"])
        round_ = the_round(place)
        assert [w.reason for w in padding.warnings(round_)] == ["population"]
        units = units_of(round_.series.organisation)
        assert not aggregate.round_results(round_, Selection(), units).shown


def test_the_round_list_holds_back_a_total_that_is_all_padding(
    app: Flask, results_place: ResultsPlace, results_client: Client, on_day: Any
) -> None:
    place = results_place
    with app.app_context():
        db.session.get(Unit, place.units["Tunet"]).people_served = 3
        db.session.commit()
        store_many(place.round_id, K + 1, {"listened": "2"}, unit=place.units["Tunet"])
    html = results_client("kari").get("/resultater/").get_data(as_text=True)
    row = html.split(f'href="/resultater/{place.round_id}"', 1)[1].split("</tr>", 1)[0]
    assert "too-few" in row and f">{K + 1}<" not in row


def test_a_rounds_first_day_raises_no_spike(
    app: Flask, results_place: ResultsPlace, on_day: Any
) -> None:
    """On a round's first day there is no usual share to compare with (every unit would be a
    spike): only the number of people served can raise a warning then."""
    place = results_place
    with app.app_context():
        store_many(place.round_id, K + 3, {"listened": "2"}, unit=place.units["Tunet"])
        assert padding.warnings(the_round(place)) == []
        db.session.get(Unit, place.units["Tunet"]).people_served = K
        db.session.commit()
        store_response(place.round_id, {"listened": "2"}, unit=place.units["Døra"])
        [warning] = padding.warnings(the_round(place))
        assert (warning.reason, warning.responses) == ("population", K + 3)


def test_a_held_unit_with_units_below_holds_its_own_answers_not_the_whole_round() -> None:
    """The top unit's own answers are padded: holding its whole number would hide every
    number of the round. Its own answers are held back with a part of k or more real answers
    beside them, so its number minus the visible units below is never them alone."""
    own = {"Psykisk helse": 6, "Solsiden": 12, "Møteplassen": 9, "Tunet": 7}
    parent = {"Psykisk helse": None, "Solsiden": "Psykisk helse", "Møteplassen": "Psykisk helse"}
    parent["Tunet"] = "Psykisk helse"
    result = suppress_tree(own, parent, K, held={"Psykisk helse"})
    assert not result.total_hidden
    assert "Psykisk helse" not in result.hidden_units  # its number (the round's) is shown
    assert "Psykisk helse" in result.hidden_own
    hidden_below = [
        unit for unit in ("Solsiden", "Møteplassen", "Tunet") if unit in result.hidden_units
    ]
    assert hidden_below and sum(own[unit] for unit in hidden_below) >= K
