"""The fieldwork count per unit and channel, and the printable paper questionnaire."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import SurveyRound
from tests.fieldwork.conftest import (
    FILLED,
    entry_form,
    post_entry,
    signed_in,
    table_rows,
    walk,
)
from tests.shared import publish_now
from tests.world import Survey


def test_fieldwork_counts_per_unit_and_channel(
    app: Flask, kari: FlaskClient, survey: Survey, people: dict[str, int]
) -> None:
    respondent = app.test_client()
    for _ in range(2):
        walk(respondent, survey.unit_link("Aktivitetshuset"), {})
    walk(respondent, survey.link, {"enhet": "ingen"})
    url = f"/skjema/{survey.round_id}/registrer"
    paper_unit = survey.units["Ruspoliklinikken"]
    entered = post_entry(
        kari, url, [*entry_form(kari, url).items(), ("enhet", str(paper_unit)), *FILLED]
    )
    assert entered.status_code == 302
    # The counts are those of the published results: nothing until a publication.
    assert kari.get(f"/skjema/{survey.round_id}/feltarbeid.json").get_json()["total"] == 0
    with app.app_context():
        publish_now(survey.round_id)

    data = kari.get(f"/skjema/{survey.round_id}/feltarbeid.json").get_json()
    assert data["total"] == 4
    assert data["by_channel"] == {"link": 1, "unit_link": 2, "kiosk": 0, "code": 0, "paper": 1}
    rows = {row["unit"]: (row["counts"], row["total"]) for row in data["rows"]}
    zero = dict.fromkeys(("link", "unit_link", "kiosk", "code", "paper"), 0)
    assert rows == {
        "Aktivitetshuset": ({**zero, "unit_link": 2}, 2),
        "Ruspoliklinikken": ({**zero, "paper": 1}, 1),
        None: ({**zero, "link": 1}, 1),
    }

    # The table shows the same numbers: channels link, unit link, kiosk, code, paper, total.
    kari.set_cookie("sprak", "en")
    page = kari.get(f"/skjema/{survey.round_id}/feltarbeid")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    table = table_rows(html)
    assert table["Aktivitetshuset"] == [0, 2, 0, 0, 0, 2]
    assert table["Ruspoliklinikken"] == [0, 0, 0, 0, 1, 1]
    assert table["Not given"] == [1, 0, 0, 0, 0, 1]
    assert table["In all"] == [1, 2, 0, 0, 1, 4]
    assert list(table) == ["Aktivitetshuset", "Ruspoliklinikken", "Not given", "In all"]
    assert re.search(r'class="big-number"[^>]*><strong>4</strong>', html)
    # Counts only: no answer text reaches the page.
    assert "Jeg møter folk." not in html and "Trygt" not in html

    # A manager sees the round's total as results show it: 4 is fewer than k (5).
    leder = signed_in(app, "leder@example.no")
    assert leder.get(f"/skjema/{survey.round_id}/feltarbeid").status_code == 200
    assert leder.get(f"/skjema/{survey.round_id}/feltarbeid.json").get_json()["total"] is None
    for email in ("nabo@example.no", "ingen@example.no"):
        other = signed_in(app, email)
        assert other.get(f"/skjema/{survey.round_id}/feltarbeid").status_code == 404
        assert other.get(f"/skjema/{survey.round_id}/feltarbeid.json").status_code == 404


def test_an_empty_round_counts_zero_with_every_unit_listed(
    app: Flask, kari: FlaskClient, survey: Survey
) -> None:
    data = kari.get(f"/skjema/{survey.round_id}/feltarbeid.json").get_json()
    assert data["total"] == 0
    assert sorted(row["unit"] for row in data["rows"]) == sorted(survey.units)
    assert all(row["total"] == 0 for row in data["rows"])


def test_paper_version_shows_every_question_and_answer(
    app: Flask, kari: FlaskClient, survey: Survey
) -> None:
    response = kari.get(f"/skjema/{survey.round_id}/papir")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "print.css" in html
    assert "<h1>Brukerundersøkelse 2026</h1>" in html
    with app.app_context():
        round_ = db.session.get(SurveyRound, survey.round_id)
        assert round_ is not None
        texts = [q.text["nb"] for q in round_.questions]
    assert len(texts) == 7
    for number, text in enumerate(texts, start=1):
        assert f"<strong>{number}.</strong> {text}" in html
    for label in ("God", "Dårlig", "Tur", "Matlaging", "Kunst"):
        assert f'<span class="paper__box"></span> {label}</li>' in html
    # The scale's values, the yes/no boxes and the "don't know" box.
    assert re.search(r'paper__choices--row">\s*<li><span class="paper__box"></span> 1', html)
    assert 'class="paper__dk"' in html
    assert html.count('class="paper__lines paper__lines--long"') == 1
    assert html.count('class="paper__lines paper__lines--short"') == 1
    assert html.count('class="paper__box-number"') == 1
    # Question 3 depends on question 2: the hint names both.
    block = html.split("<strong>3.</strong>", 1)[1].split('class="paper__question"', 1)[0]
    assert 'class="paper__hint"' in block and " 2." in block

    english_html = kari.get(f"/skjema/{survey.round_id}/papir?sprak=en").get_data(as_text=True)
    assert "User survey 2026" in english_html
    assert "Do you attend a group?" in english_html
    assert "Answer only if you answered “Yes” to question 2." in english_html
    assert '<span class="paper__box"></span> Yes</li>' in english_html
    assert '<span class="paper__box"></span> No</li>' in english_html
    assert "You may cross several boxes." in english_html
    assert re.search(r"paper__dk.*Don(&#39;|')t know / Not applicable", english_html)


@pytest.mark.parametrize(
    ("email", "status"),
    [("leder@example.no", 200), ("nabo@example.no", 404), ("ingen@example.no", 404)],
)
def test_who_may_print_the_paper_version(
    app: Flask, survey: Survey, people: dict[str, int], email: str, status: int
) -> None:
    client = signed_in(app, email)
    assert client.get(f"/skjema/{survey.round_id}/papir").status_code == status
