"""A case's tabs (issue 22): report and messages, handling, measures and history, each at its
own address. A change goes back to the tab it was made on, and a refused change is shown on
that tab with its message. Who may open a tab: the authorization matrix."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import Deviation
from tests.conftest import post_form
from tests.world import Place, Reporter, case_ids, signed_in

ENGLISH = {"Accept-Language": "en"}
#: The tabs: the address after the case's, the tab's name, and a heading only that tab has.
TABS = [
    ("", "Report and messages", "Messages with the reporter"),
    ("/behandling", "Handling", "Internal notes"),
    ("/tiltak", "Measures", "Add a measure"),
    ("/historikk", "History", "Changes made by staff."),
]


@pytest.fixture
def case_id(app: Flask, reporter: Reporter) -> str:
    before = set(case_ids(app))
    reporter.report()
    (new,) = set(case_ids(app)) - before
    return new


@pytest.fixture
def kari(app: Flask, place: Place) -> FlaskClient:
    client = signed_in(app, "kari@example.no")
    assert client.get("/sprak/en?next=/").status_code == 302
    return client


def current_tab(html: str) -> list[str]:
    return re.findall(r'<a class="tabs__tab" href="[^"]+" aria-current="page">([^<]+)</a>', html)


@pytest.mark.parametrize(("path", "name", "only_here"), TABS)
def test_each_tab_has_its_address_and_its_part(
    kari: FlaskClient, case_id: str, path: str, name: str, only_here: str
) -> None:
    response = kari.get(f"/avvik/saker/{case_id}{path}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert current_tab(html) == [name]
    assert f"<title>{name}: Case " in html
    for other_path, _name, other in TABS:
        assert (other in html) == (other_path == path), other
        assert f'href="/avvik/saker/{case_id}{other_path}"' in html


@pytest.mark.parametrize(
    ("action", "data", "tab"),
    [
        ("notat", {"note": "Ring tilbake"}, "/behandling"),
        ("tiltak", {"description": "Nytt rutineark", "owner": "Leder"}, "/tiltak"),
        ("melding", {"body": "Takk for meldingen."}, ""),
        ("behandling", {"status": "in_progress", "severity": "high", "handler": ""}, "/behandling"),
    ],
)
def test_a_change_returns_to_its_tab(
    kari: FlaskClient, case_id: str, action: str, data: dict[str, str], tab: str
) -> None:
    page = f"/avvik/saker/{case_id}{tab}"
    response = post_form(kari, f"/avvik/saker/{case_id}/{action}", data, page=page)
    assert response.status_code == 302
    assert response.headers["Location"] == page


def test_a_refused_change_is_shown_on_its_tab(app: Flask, kari: FlaskClient, case_id: str) -> None:
    page = f"/avvik/saker/{case_id}/tiltak"
    response = post_form(kari, f"{page}", {"description": "", "owner": "Leder"}, page=page)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert current_tab(html) == ["Measures"]
    assert 'id="description-error"' in html or "error-summary" in html
    assert 'value="Leder"' in html  # the input is kept
    with app.app_context():
        case = db.session.get(Deviation, case_id)
        assert case is not None and case.measures == []
