"""The manager overview (/leder): each reader sees the latest round's results for the units
they may read, at the top of their tree, never a count or mean below k, and nothing of another
organisation."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import Organisation, Unit
from tests import factories
from tests.world import ResultsPlace, signed_in

Clients = Callable[[str], FlaskClient]
TOO_FEW = "for få svar til å vise"


def sections(html: str) -> dict[str, str]:
    """Unit name -> the text of its section on the overview."""
    found = {}
    for name, body in re.findall(
        r'<section[^>]*aria-labelledby="unit-\d+">\s*<h3[^>]*>([^<]+)</h3>(.*?)</section>',
        html,
        re.S,
    ):
        found[name.strip()] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()
    return found


def row(section: str, question: str) -> str:
    """What a question's row says, up to the next question."""
    after = section.split(question, 1)[1]
    return re.split(r"(?:Hvor|Hvordan|Jeg) ", after, maxsplit=1)[0]


def overview(client: FlaskClient) -> dict[str, str]:
    response = client.get("/leder/", headers={"Accept-Language": "nb"})
    assert response.status_code == 200
    return sections(response.get_data(as_text=True))


def test_a_manager_sees_the_units_they_lead_and_no_other(
    results_answered: ResultsPlace, results_client: Clients
) -> None:
    assert list(overview(results_client("leder"))) == ["Psykisk helse"]
    assert list(overview(results_client("rusleder"))) == ["Rusteamet"]
    # The quality group reads every unit at the top of the tree.
    assert set(overview(results_client("kari"))) == {"Psykisk helse", "Rusteamet", "Tunet"}


def test_counts_and_means_are_shown_from_k_only(
    results_answered: ResultsPlace, results_client: Clients
) -> None:
    psykisk_helse = overview(results_client("leder"))["Psykisk helse"]
    assert "8 svar." in psykisk_helse  # Solsiden 6 + Møteplassen 2
    listened = row(psykisk_helse, "Jeg blir lyttet til.")
    assert re.search(r"\d,\d \(\d,\d–\d,\d\)", listened), listened
    # Only the two at Møteplassen gave their age: no mean here, nor for all units.
    age = row(psykisk_helse, "Hvor gammel er du?")
    assert age.count(TOO_FEW) == 2 and not re.search(r"\d", age), age


def test_a_manager_of_a_unit_below_k_reads_no_number_for_it(
    app: Flask, results_answered: ResultsPlace
) -> None:
    """Møteplassen has two responses: its manager learns neither the count nor a mean."""
    with app.app_context():
        org = db.session.get_one(Organisation, results_answered.org)
        unit = db.session.get_one(Unit, results_answered.units["Møteplassen"])
        factories.user("liten@example.no", org=org, role="manager", units=[unit])
        db.session.commit()
    section = overview(signed_in(app, "liten@example.no"))["Møteplassen"]
    assert TOO_FEW in section.lower()
    assert "2 svar" not in section and not re.search(r"\d,\d", section), section


def test_another_organisation_sees_nothing_of_this_one(
    results_answered: ResultsPlace, results_client: Clients
) -> None:
    response = results_client("nabo").get("/leder/", headers={"Accept-Language": "nb"})
    html = response.get_data(as_text=True)
    assert list(sections(html)) == ["Nabohuset"]
    for name in ("Psykisk helse", "Rusteamet", "Tunet", "Solsiden", "Døra", "Fjordvik"):
        assert name not in html
    # Fjordvik's "all units" means never reach Nabokommunen's table.
    assert not re.search(r"\d,\d \(", html)
