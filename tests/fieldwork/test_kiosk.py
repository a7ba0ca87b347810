"""Starting a kiosk: here (the member is signed out) or for another device; its idle time."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import SurveyRound
from feedback.respond import services
from tests.conftest import post_form
from tests.fieldwork.conftest import audit_events, english, field_error, other_org_unit, signed_in
from tests.world import Survey


def test_starting_the_kiosk_here_signs_the_member_out(
    app: Flask, kari: FlaskClient, survey: Survey
) -> None:
    url = f"/skjema/{survey.round_id}/kiosk"
    assert kari.get(url).status_code == 200
    response = post_form(kari, url, {"unit": "", "idle_seconds": "90", "where": "here"})
    assert response.status_code == 303
    assert re.search(r"/kiosk/[^/]+$", response.location)
    assert audit_events(app, "round.kiosk") == [{"unit": None, "idle_seconds": 90}]

    # The tablet no longer reaches the group's pages.
    after = kari.get(f"/skjema/{survey.round_id}/lenker")
    assert after.status_code == 302 and "/logg-inn" in after.location
    assert kari.get(url).status_code == 302

    # The kiosk itself works without a sign-in and lets each person choose the unit.
    kiosk = kari.get(response.location, follow_redirects=True)
    html = kiosk.get_data(as_text=True)
    assert kiosk.status_code == 200
    assert 'data-kiosk-idle="90"' in html
    assert 'id="answer-form"' in html and 'name="enhet"' in html
    assert "kiosk.js" in html


def test_showing_the_kiosk_address_for_another_device(
    app: Flask, kari: FlaskClient, survey: Survey
) -> None:
    url = f"/skjema/{survey.round_id}/kiosk"
    unit_id = survey.units["Aktivitetshuset"]
    response = post_form(kari, url, {"unit": str(unit_id), "idle_seconds": "300", "where": "other"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    match = re.search(r'<code class="url">http://localhost(/kiosk/[^<]+)</code>', html)
    assert match, html
    assert re.search(r'<svg [^>]*class="qr"', html)
    assert audit_events(app, "round.kiosk") == [{"unit": "Aktivitetshuset", "idle_seconds": 300}]
    # Still signed in.
    assert kari.get(f"/skjema/{survey.round_id}/lenker").status_code == 200
    # The address opens the kiosk for that unit.
    kiosk = app.test_client().get(match.group(1), follow_redirects=True).get_data(as_text=True)
    assert 'data-kiosk-idle="300"' in kiosk
    assert "Aktivitetshuset" in kiosk and 'name="enhet"' not in kiosk


@pytest.mark.parametrize("typed", ["5", "29", "1801", "5000", "abc"])
def test_a_bad_idle_time_is_refused_next_to_the_field(
    app: Flask, survey: Survey, people: dict[str, int], typed: str
) -> None:
    client = english(app, "kari@example.no")
    url = f"/skjema/{survey.round_id}/kiosk"
    response = post_form(client, url, {"unit": "", "idle_seconds": typed, "where": "here"})
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 400)
    message = field_error(html, "idle_seconds")
    assert message, html
    if typed != "abc":
        assert "30" in message and "1800" in message
    assert re.search(rf'<input[^>]*id="idle_seconds"[^>]*value="{typed}"', html)
    assert 'class="ds-error-summary error-summary"' in html
    assert audit_events(app, "round.kiosk") == []
    # Nobody was signed out.
    assert client.get(f"/skjema/{survey.round_id}/lenker").status_code == 200


def test_kiosk_for_a_unit_elsewhere_is_refused(
    app: Flask, kari: FlaskClient, survey: Survey, people: dict[str, int]
) -> None:
    foreign = other_org_unit(app, people)
    response = post_form(
        kari,
        f"/skjema/{survey.round_id}/kiosk",
        {"unit": str(foreign), "idle_seconds": "120", "where": "other"},
    )
    html = response.get_data(as_text=True)
    assert field_error(html, "unit")
    assert "/kiosk/" not in html
    assert audit_events(app, "round.kiosk") == []


# Managers and the other organisation: see the authorization matrix.
@pytest.mark.parametrize("email", ["ingen@example.no"])
def test_only_the_quality_group_starts_a_kiosk(
    app: Flask, survey: Survey, people: dict[str, int], email: str
) -> None:
    client = signed_in(app, email)
    assert client.get(f"/skjema/{survey.round_id}/kiosk").status_code == 404


def test_a_forged_kiosk_key_is_not_found(app: Flask, client: FlaskClient, survey: Survey) -> None:
    assert client.get("/kiosk/not-a-key").status_code == 404
    with app.app_context():
        round_ = db.session.get(SurveyRound, survey.round_id)
        key = services.kiosk_key(round_, None, 60)  # type: ignore[arg-type]
    assert client.get(f"/kiosk/{key}", follow_redirects=True).status_code == 200
    assert client.get(f"/kiosk/{key[:-2]}xy").status_code == 404
