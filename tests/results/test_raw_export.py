"""The raw export under the small-group rule (issue 19, point 9): no row names a small unit or
a small unit × channel combination, and free text cannot be joined to the closed answers."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback.models.results import NO_UNIT
from feedback.results.raw import coarsen
from feedback.results.selection import Units
from feedback.results.suppression import suppress_tree
from tests.world import ResultsPlace, store_response

Clients = Callable[[str], FlaskClient]
K = 5
LINK, KIOSK, CODE = "Link", "Kiosk", "One-time code"


def read_csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


def download(client: FlaskClient, place: ResultsPlace, name: str) -> list[list[str]]:
    response = client.get(place.url(f"/{name}"), headers={"Accept-Language": "en"})
    assert response.status_code == 200, response.location
    return read_csv(response.data)


def test_a_unit_of_three_is_named_by_no_row(
    app: Flask, results_answered: ResultsPlace, results_client: Clients
) -> None:
    """The attack: Møteplassen has three responses; the group downloads svar.csv and looks for
    rows that carry Møteplassen, or a unit × channel combination of fewer than k rows."""
    place = results_answered
    with app.app_context():
        store_response(place.round_id, {"listened": "1"}, unit=place.units["Møteplassen"])
    kari = results_client("kari")
    kari.get("/sprak/en?next=/")
    rows = download(kari, place, "svar.csv")[1:]
    assert len(rows) == 23
    units = Counter(row[0] for row in rows)
    # Møteplassen (3) is hidden and Solsiden with it (Psykisk helse minus Solsiden): both
    # show as the unit above them.
    assert units == {"Psykisk helse": 9, "Tunet": 8, "Døra": 6}
    assert not any("Møteplassen" in cell or "Solsiden" in cell for row in rows for cell in row)
    combinations = Counter((row[0], row[1]) for row in rows)
    assert combinations == {
        ("Psykisk helse", LINK): 9,
        ("Tunet", KIOSK): 8,
        ("Døra", CODE): 6,
    }

    # One kiosk response at Døra: Døra × kiosk would be one row, so no row shows a channel.
    with app.app_context():
        store_response(place.round_id, {"listened": "3"}, unit=place.units["Døra"], channel="kiosk")
    rows = download(kari, place, "svar.csv")[1:]
    assert {row[1] for row in rows} == {"not shown"}
    assert all(n >= K for n in Counter(row[0] for row in rows).values())


def test_free_text_cannot_be_joined_to_the_closed_answers(
    app: Flask, results_place: ResultsPlace, results_client: Clients
) -> None:
    """The attack: line up fritekst.csv with svar.csv by row number, or by any shared column.
    There is none, and the orders differ (40 rows: by chance 1 in 40!)."""
    place = results_place
    with app.app_context():
        for i in range(40):
            # The age says which text is whose, so the test can tell a match.
            store_response(
                place.round_id,
                {"age": str(20 + i), "word": f"ord-{i:02d}"},
                unit=place.units["Tunet"],
                channel="kiosk",
            )
    kari = results_client("kari")
    kari.get("/sprak/en?next=/")
    closed = download(kari, place, "svar.csv")
    texts = download(kari, place, "fritekst.csv")
    assert texts[0] == ["Question", "Written answer"]
    assert all(len(row) == 2 for row in texts)
    written = [int(row[1].removeprefix("ord-")) for row in texts[1:]]
    assert sorted(written) == list(range(40))
    age_column = next(i for i, title in enumerate(closed[0]) if title.endswith("How old are you?"))
    answered = [int(row[age_column]) - 20 for row in closed[1:]]
    assert sorted(answered) == list(range(40))
    assert written != answered and written != answered[::-1]
    # No text appears in the closed answers, and no closed answer beside a text.
    assert not any(cell.startswith("ord-") for row in closed for cell in row)
    # The order is stable: a second download lines up with the first.
    assert download(kari, place, "fritekst.csv") == texts
    assert download(kari, place, "svar.csv") == closed


# --- the coarsening as a rule, over many unit trees --------------------------------------------


def random_case(seed: int) -> tuple[dict[tuple[int, str], int], Units]:
    rng = random.Random(seed)
    n_units = rng.randint(1, 14)
    parent: dict[int, int | None] = {}
    for unit in range(1, n_units + 1):
        parent[unit] = rng.choice([None, *range(1, unit)]) if unit > 1 else None
    order: list[int] = []

    def walk(top: int | None) -> None:
        for unit in sorted(u for u, p in parent.items() if p == top):
            order.append(unit)
            walk(unit)

    walk(None)
    depth = dict.fromkeys(order, 0)
    for u in order:
        if parent[u] is not None:
            depth[u] = depth[parent[u]] + 1  # type: ignore[index]
    units = Units({u: f"u{u}" for u in order}, dict(parent), depth, order)
    cells: dict[tuple[int, str], int] = {}
    for unit in [*order, NO_UNIT]:
        for channel in ("link", "kiosk", "paper"):
            if rng.random() < 0.5:
                cells[(unit, channel)] = rng.choice([1, 2, 3, 4, 5, 6, 8, 12, 20])
    return cells, units


@pytest.mark.parametrize("seed", range(300))
def test_every_group_in_the_file_holds_zero_or_k_rows(seed: int) -> None:
    cells, units = random_case(seed)
    total = sum(cells.values())
    if total < K:
        return  # no file: the round is too small to show
    coarse = coarsen(cells, units, K)
    own: Counter[int] = Counter()
    for (unit, _c), n in cells.items():
        own[unit] += n
    for unit in units.order:
        own.setdefault(unit, 0)
    hidden = suppress_tree(own, {u: units.parent.get(u) for u in own}, K).hidden_units
    labels: Counter[int | None] = Counter()
    combinations: Counter[tuple[int | None, str | None]] = Counter()
    for (unit, channel), n in cells.items():
        shown = coarse.unit[unit]
        labels[shown] += n
        combinations[(shown, channel if channel in coarse.channels else None)] += n
        # A row names its own unit or one above it, never one the results page hides.
        if shown is not None:
            assert shown not in hidden
            above = unit
            while above is not None and above != shown:
                above = units.parent.get(above)
            assert above == shown
    assert all(n == 0 or n >= K for n in labels.values()), (seed, labels)
    assert all(n == 0 or n >= K for n in combinations.values()), (seed, combinations)


def test_a_large_round_keeps_its_units_and_channels() -> None:
    """Coarsening takes only what it must: every cell of k or more keeps unit and channel."""
    units = Units({1: "A", 2: "B", 3: "C"}, {1: None, 2: 1, 3: 1}, {1: 0, 2: 1, 3: 1}, [1, 2, 3])
    cells = {(2, "link"): 6, (3, "link"): 7, (3, "kiosk"): 5, (1, "paper"): 9}
    coarse = coarsen(cells, units, K)
    assert coarse.unit == {1: 1, 2: 2, 3: 3}
    assert coarse.channels == {"link", "kiosk", "paper"}


def test_rows_below_a_hidden_unit_do_not_gather_in_a_small_group() -> None:
    """Tree suppression hides Liten (2) and, below Døra, G and H (1 each), and Døra with them,
    but shows J and K below Døra: walking up to a shown unit, the four rows of Liten, G and H
    would gather at Rusteamet, a group of four. They move on up, and no group is below k."""
    names = {1: "Rusteamet", 2: "Døra", 3: "Liten", 4: "G", 5: "H", 6: "J", 7: "K", 8: "Tunet"}
    parent = {1: None, 2: 1, 3: 1, 4: 2, 5: 2, 6: 2, 7: 2, 8: None}
    depth = {1: 0, 2: 1, 3: 1, 4: 2, 5: 2, 6: 2, 7: 2, 8: 0}
    units = Units(names, parent, depth, [1, 2, 4, 5, 6, 7, 3, 8])
    cells = {(3, "link"): 2, (4, "link"): 1, (5, "link"): 1, (6, "link"): 6, (7, "link"): 6}
    cells[(8, "link")] = 20
    own = Counter({unit: n for (unit, _c), n in cells.items()})
    hidden = suppress_tree(
        {u: own.get(u, 0) for u in names}, parent, K
    ).hidden_units  # the results page's view
    assert {2, 3, 4, 5} <= hidden and not {1, 6, 7} & hidden
    coarse = coarsen(cells, units, K)
    groups: Counter[int | None] = Counter()
    for (unit, _c), n in cells.items():
        groups[coarse.unit[unit]] += n
    assert all(n == 0 or n >= K for n in groups.values()), groups
    # The four go to "not shown", and the smallest unit shown (J, six) joins them there.
    assert coarse.unit[1] is None and coarse.unit[6] is None
    assert coarse.unit[7] == 7 and coarse.unit[8] == 8
