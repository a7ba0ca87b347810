"""The links page and posters of a running round, and the public tokens each round gets."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import SurveyRound
from tests.fieldwork.conftest import TYPABLE, new_round, other_org_unit, set_status, signed_in
from tests.world import Survey


def test_links_page_lists_the_general_link_and_one_per_unit(
    app: Flask, kari: FlaskClient, survey: Survey
) -> None:
    response = kari.get(f"/skjema/{survey.round_id}/lenker")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<code class="url">http://localhost/s/{survey.token}</code>' in html
    for name, unit_id in survey.units.items():
        assert f"http://localhost/s/{survey.token}/{unit_id}</code>" in html
        assert name in html
        assert f"/skjema/{survey.round_id}/plakat/{unit_id}" in html
    assert len(re.findall(rf"/s/{survey.token}/\d+<", html)) == len(survey.units)
    # The general link itself works for a respondent.
    assert kari.get(f"/s/{survey.token}", follow_redirects=True).status_code == 200


@pytest.mark.parametrize(
    ("asked", "expected"), [("", "nb"), ("nn", "nn"), ("en", "en"), ("de", "nb"), ("x" * 500, "nb")]
)
def test_the_links_page_sets_the_language_of_the_posters(
    kari: FlaskClient, survey: Survey, asked: str, expected: str
) -> None:
    html = kari.get(f"/skjema/{survey.round_id}/lenker?plakatsprak={asked}").get_data(as_text=True)
    posters = re.findall(r'href="(/skjema/\d+/plakat[^"]*)"', html)
    assert len(posters) == 1 + len(survey.units)
    assert all(link.endswith(f"?sprak={expected}") for link in posters), posters
    assert re.search(rf'<option value="{expected}" lang="{expected}" selected>', html)
    # The page itself stays in the reader's language.
    assert "Lenker og plakater" in html


def test_posters_hold_a_qr_code_and_the_exact_address(
    app: Flask, kari: FlaskClient, survey: Survey
) -> None:
    general = kari.get(f"/skjema/{survey.round_id}/plakat")
    html = general.get_data(as_text=True)
    assert general.status_code == 200
    assert re.search(r'<svg [^>]*class="qr"', html)
    assert f'<p class="poster__url">localhost/<wbr>s/<wbr>{survey.token}</p>' in html
    assert "print.css" in html

    unit_id = survey.units["Aktivitetshuset"]
    poster = kari.get(f"/skjema/{survey.round_id}/plakat/{unit_id}?sprak=en")
    html = poster.get_data(as_text=True)
    assert poster.status_code == 200
    assert re.search(r'<svg [^>]*class="qr"', html)
    assert f'<p class="poster__url">localhost/<wbr>s/<wbr>{survey.token}/<wbr>{unit_id}</p>' in html
    assert '<p class="poster__unit">Aktivitetshuset</p>' in html
    assert "Your opinion counts" in html
    assert "User survey 2026" in html

    nynorsk = kari.get(f"/skjema/{survey.round_id}/plakat?sprak=nn").get_data(as_text=True)
    assert "Brukarundersøking 2026" in nynorsk


def test_poster_for_a_unit_elsewhere_is_not_found(
    app: Flask, kari: FlaskClient, survey: Survey, people: dict[str, int]
) -> None:
    foreign = other_org_unit(app, people)
    assert kari.get(f"/skjema/{survey.round_id}/plakat/{foreign}").status_code == 404
    assert kari.get(f"/skjema/{survey.round_id}/plakat/999999").status_code == 404


# Managers, administrators and the other organisation: see the authorization matrix
# (tests/test_authorization.py).
@pytest.mark.parametrize(("email", "status"), [("ingen@example.no", 404)])
def test_who_may_see_links_and_posters(
    app: Flask, survey: Survey, people: dict[str, int], email: str, status: int
) -> None:
    client = signed_in(app, email)
    unit_id = survey.units["Ruspoliklinikken"]
    assert client.get(f"/skjema/{survey.round_id}/lenker").status_code == status
    assert client.get(f"/skjema/{survey.round_id}/plakat").status_code == status
    assert client.get(f"/skjema/{survey.round_id}/plakat/{unit_id}").status_code == status


@pytest.mark.parametrize("status", ["draft", "closed", "archived"])
def test_links_wait_for_a_running_round(
    app: Flask, kari: FlaskClient, survey: Survey, status: str
) -> None:
    set_status(app, survey.round_id, status)
    for page in ("lenker", "plakat", "kiosk", "koder"):
        response = kari.get(f"/skjema/{survey.round_id}/{page}")
        assert response.status_code == 302, page
        assert response.location.endswith(f"/skjema/{survey.round_id}"), page


def test_links_are_ready_while_awaiting_approval(
    app: Flask, kari: FlaskClient, survey: Survey
) -> None:
    set_status(app, survey.round_id, "awaiting_approval")
    response = kari.get(f"/skjema/{survey.round_id}/lenker")
    assert response.status_code == 200
    assert f"/s/{survey.token}" in response.get_data(as_text=True)


def test_rounds_get_different_typable_tokens(app: Flask, survey: Survey) -> None:
    second = new_round(app, survey, "open")
    with app.app_context():
        first_token = db.session.get(SurveyRound, survey.round_id).public_token  # type: ignore[union-attr]
        second_token = db.session.get(SurveyRound, second).public_token  # type: ignore[union-attr]
    assert first_token == survey.token
    assert first_token != second_token
    for token in (first_token, second_token):
        assert len(token) == 12
        assert set(token) <= TYPABLE, token
        assert not set(token) & set("01ilo")
