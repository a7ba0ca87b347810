"""A questionnaire's tabs (issue 22): questions, texts and translations, approval, run and
history, each at its own address with the same heading. Who may open a tab: the authorization
matrix (tests/test_authorization.py)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import SurveyRound
from tests.conftest import login, post_form

#: The address after /skjema/<id>, the tab's name (bokmål) and something only that tab shows.
TABS = [
    ("", "Spørsmål", "Legg til en side"),
    ("/tekster", "Tekster og oversettelser", "Endre tittel, tekster og datoer"),
    ("/godkjenning", "Godkjenning", "Send til godkjenning"),
    ("/gjennomforing", "Svarmåter", "Lenker, plakater, koder, kiosk og papirversjon er klare"),
    ("/logg", "Historikk", "Spørreskjema opprettet"),
]


def create(client: FlaskClient) -> int:
    response = post_form(client, "/skjema/nytt", {"template": "builtin:user-survey", "title": ""})
    assert response.status_code == 302
    match = re.search(r"/skjema/(\d+)$", response.location)
    assert match
    return int(match.group(1))


def current_tab(html: str) -> list[str]:
    return re.findall(r'<a class="tabs__tab" href="[^"]+" aria-current="page">([^<]+)</a>', html)


@pytest.mark.parametrize(("path", "name", "only_here"), TABS)
def test_each_tab_has_its_address_and_its_part(
    kari: FlaskClient, path: str, name: str, only_here: str
) -> None:
    round_id = create(kari)
    response = kari.get(f"/skjema/{round_id}{path}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert current_tab(html) == [name]
    for other_path, _name, other in TABS:
        assert f'href="/skjema/{round_id}{other_path}"' in html
        assert (other in html) == (other_path == path), (path, other)


def test_a_status_change_returns_to_the_approval_tab_and_run_links_the_fieldwork(
    app: Flask, kari: FlaskClient
) -> None:
    round_id = create(kari)
    page = f"/skjema/{round_id}/godkjenning"
    response = post_form(kari, f"/skjema/{round_id}/status", {"action": "submit"}, page=page)
    assert response.status_code == 302 and response.location == page
    with app.app_context():
        round_ = db.session.get(SurveyRound, round_id)
        assert round_ is not None and round_.status == "awaiting_approval"
    run = kari.get(f"/skjema/{round_id}/gjennomforing").get_data(as_text=True)
    for address in ("lenker", "papir", "koder", "kiosk"):
        assert f'href="/skjema/{round_id}/{address}"' in run, address


def test_the_run_tab_of_a_draft_says_when_it_is_ready(app: Flask, kari: FlaskClient) -> None:
    round_id = create(kari)
    run = kari.get(f"/skjema/{round_id}/gjennomforing").get_data(as_text=True)
    assert "/lenker" not in run and "/papir" not in run
    assert "sendt til godkjenning" in run


def test_a_manager_reads_every_tab_without_buttons(
    app: Flask, client: FlaskClient, people: dict[str, int]
) -> None:
    login(client, "kari@example.no")
    round_id = create(client)
    manager = app.test_client()
    login(manager, "leder@example.no")
    for path, name, _only in TABS:
        html = manager.get(f"/skjema/{round_id}{path}").get_data(as_text=True)
        assert current_tab(html) == [name]
        assert 'name="action"' not in html and "/innstillinger" not in html, path


def test_saved_texts_return_to_the_texts_tab(app: Flask, kari: FlaskClient) -> None:
    round_id = create(kari)
    page = f"/skjema/{round_id}/innstillinger"
    data = {"title-nb": "Ny tittel", "intro-nb": "Velkommen", "thanks-nb": "Takk"}
    response = post_form(kari, page, data, page=page)
    assert response.status_code == 302
    assert response.location == f"/skjema/{round_id}/tekster"
    texts = kari.get(response.location).get_data(as_text=True)
    assert current_tab(texts) == ["Tekster og oversettelser"] and "Velkommen" in texts
