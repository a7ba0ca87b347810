"""The designer suggests "answers only with codes" for units that serve fewer than 2k people,
on the round's links page, with one click to turn it on (issue 19)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback.extensions import db
from feedback.models import AuditEvent, Unit
from tests.conftest import csrf_token, post_form
from tests.fieldwork.conftest import signed_in
from tests.world import Survey

HINT = "Forslag: svar bare med engangskode for små steder"


def served(app: Flask, survey: Survey, **people: int | None) -> None:
    with app.app_context():
        for name, n in people.items():
            unit = db.session.get(Unit, survey.units[name])
            assert unit is not None
            unit.people_served = n
        db.session.commit()


def hint(html: str) -> str:
    found = re.search(r'<section[^>]*id="bare-kode".*?</section>', html, re.S)
    return found.group(0) if found else ""


def test_units_serving_fewer_than_2k_are_suggested_codes_only(
    app: Flask, survey: Survey, people: dict[str, int]
) -> None:
    kari = signed_in(app, "kari@example.no")
    url = f"/skjema/{survey.round_id}/lenker"
    # Unknown: no suggestion. k is 5, so 2k is 10: 10 is not fewer, 9 is.
    assert HINT not in kari.get(url).get_data(as_text=True)
    served(app, survey, Aktivitetshuset=10, Ruspoliklinikken=9)
    section = hint(kari.get(url).get_data(as_text=True))
    assert HINT in section
    assert "Ruspoliklinikken" in section and "gir tilbud til 9 personer" in section
    assert "Aktivitetshuset" not in section

    # One click turns it on; the suggestion goes away and the change is logged.
    response = post_form(
        kari,
        f"{url.rsplit('/', 1)[0]}/lenker/{survey.units['Ruspoliklinikken']}/bare-kode",
        {"bare_kode": "1"},
        page=url,
    )
    assert response.status_code == 302
    html = kari.get(url).get_data(as_text=True)
    assert HINT not in html
    assert "Ja: lenken ber om en engangskode" in html
    with app.app_context():
        assert db.session.get(Unit, survey.units["Ruspoliklinikken"]).codes_only is True  # type: ignore[union-attr]
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "round.codes_only")
        ).one()
        assert event.details == {"unit": "Ruspoliklinikken", "codes_only": True}
    # Its unit link now asks for a code.
    assert "bare imot svar med engangskode" in kari.get(
        survey.unit_link("Ruspoliklinikken")
    ).get_data(as_text=True)


@pytest.mark.parametrize("email", ["leder@example.no", "nabo@example.no"])
def test_only_the_quality_group_or_an_administrator_sets_codes_only(
    app: Flask, survey: Survey, people: dict[str, int], email: str
) -> None:
    served(app, survey, Ruspoliklinikken=3)
    client = signed_in(app, email)
    url = f"/skjema/{survey.round_id}/lenker/{survey.units['Ruspoliklinikken']}/bare-kode"
    token = csrf_token(client, "/")
    assert client.post(url, data={"bare_kode": "1", "csrf_token": token}).status_code == 404
    with app.app_context():
        assert db.session.get(Unit, survey.units["Ruspoliklinikken"]).codes_only is False  # type: ignore[union-attr]
    if email == "leder@example.no":
        # A manager reads the links page and its suggestion, without the button.
        html = client.get(f"/skjema/{survey.round_id}/lenker").get_data(as_text=True)
        assert HINT in html
        assert 'bare-kode"' not in html.split('id="bare-kode"', 1)[1].split("</section>", 1)[0]
