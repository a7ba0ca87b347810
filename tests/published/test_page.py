"""The public page "Dette sa dere – dette gjør vi": only what the group published, no owner,
no assessment, no response count below k, no cookie."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import post_form
from tests.world import Place, make_evaluation, make_point, signed_in


@pytest.fixture
def visitor(app: Flask) -> FlaskClient:
    """A browser that would keep any cookie the app set."""
    return app.test_client()


@pytest.fixture
def published(app: Flask, place: Place) -> dict[str, int]:
    make_evaluation(
        app,
        place.rounds["main"],
        assessment="INTERN VURDERING: personalet svarer for sent.",
        public_summary=(
            "Takk til alle som svarte!\nDe fleste er fornøyde.\n\nVentetiden er for lang."
        ),
        published=True,
    )
    make_evaluation(
        app,
        place.rounds["few"],
        assessment="Også intern",
        public_summary="Runde to: vi hørte dere.",
        published=True,
    )
    shown = make_point(
        app,
        place.rounds["main"],
        title="Brukermøte hver måned",
        description="På Solsiden.",
        unit_id=place.units["Solsiden"],
        owner_id=place.people["leder"],
        due_on=date(2030, 3, 15),
        status="in_progress",
        published=True,
    )
    hidden = make_point(
        app,
        place.rounds["main"],
        title="Hemmelig tiltak",
        owner_id=place.people["kari"],
        published=False,
    )
    return {"shown": shown, "hidden": hidden}


def test_shows_only_what_was_published(
    place: Place, visitor: FlaskClient, published: dict[str, int]
) -> None:
    response = visitor.get(f"/dette-gjor-vi/{place.slug}?sprak=nb")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Brukerundersøkelse 2025" in html and "Brukerundersøkelse 2026" in html
    # Newest round first.
    assert html.index("Brukerundersøkelse 2026") < html.index("Brukerundersøkelse 2025")
    assert "Takk til alle som svarte!<br>De fleste er fornøyde." in html
    assert "Ventetiden er for lang." in html
    assert "Brukermøte hver måned" in html and "På Solsiden." in html
    # The point's unit, apart from its description.
    assert "<dd>Solsiden</dd>" in html
    assert "mars 2030" in html  # the month it is due, not the day
    assert "15. mars 2030" not in html
    # Never the internal assessment, an unpublished point, or who is responsible.
    assert "INTERN VURDERING" not in html and "Også intern" not in html
    assert "Hemmelig tiltak" not in html
    assert "Lars Leder" not in html and "Kari" not in html


def test_response_count_only_from_k(
    place: Place, visitor: FlaskClient, published: dict[str, int]
) -> None:
    html = visitor.get(f"/dette-gjor-vi/{place.slug}?sprak=en").get_data(as_text=True)
    # Round 1 has 12 responses (k = 5); round 2 has 3, which is not shown in any form.
    assert "12 people answered." in html
    sections = re.findall(r"<section.*?</section>", html, re.S)
    few = next(s for s in sections if "Brukerundersøkelse 2026" in s)
    facts = re.search(r'<dl class="facts">.*?</dl>', few, re.S)
    assert facts is not None
    assert "Closed" in facts.group(0)  # the closing date is there
    assert "Responses" not in facts.group(0) and "answered" not in few


def test_sets_no_cookie_and_is_not_cached(
    place: Place, visitor: FlaskClient, published: dict[str, int]
) -> None:
    for url in (f"/dette-gjor-vi/{place.slug}", f"/dette-gjor-vi/{place.slug}?sprak=nn"):
        response = visitor.get(url)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert response.headers["Cache-Control"] == "no-store"
    assert visitor.get_cookie("brukerstemmen") is None
    assert visitor.get_cookie("session") is None


def test_language_from_the_address(
    place: Place, visitor: FlaskClient, published: dict[str, int]
) -> None:
    html = visitor.get(f"/dette-gjor-vi/{place.slug}?sprak=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "You said – we are doing" in html
    assert "March 2030" in html
    # The language links stay on this page.
    assert f'href="/dette-gjor-vi/{place.slug}?sprak=nn"' in html


def test_unpublishing_takes_it_off(
    app: Flask, place: Place, visitor: FlaskClient, published: dict[str, int]
) -> None:

    group = signed_in(app, "kari@example.no")
    post_form(
        group,
        f"/resultater/{place.rounds['main']}/vurdering",
        {"assessment": "x", "public_summary": "Takk til alle som svarte!"},
    )
    html = visitor.get(f"/dette-gjor-vi/{place.slug}").get_data(as_text=True)
    assert "Brukerundersøkelse 2025" not in html and "Brukermøte hver måned" not in html
    assert "Runde to: vi hørte dere." in html


def test_empty_state_and_unknown_organisation(
    app: Flask, place: Place, visitor: FlaskClient
) -> None:
    # An evaluation that is not published is not shown.
    make_evaluation(app, place.rounds["main"], public_summary="Ikke ennå", published=False)
    make_point(app, place.rounds["main"], title="Publisert punkt", published=True)
    response = visitor.get(f"/dette-gjor-vi/{place.slug}?sprak=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Nothing has been published here yet." in html
    assert "Ikke ennå" not in html and "Publisert punkt" not in html
    assert visitor.get("/dette-gjor-vi/finnes-ikke").status_code == 404


def test_another_organisations_page_shows_nothing_of_this_one(
    place: Place, visitor: FlaskClient, published: dict[str, int]
) -> None:
    html = visitor.get(f"/dette-gjor-vi/{place.other_slug}").get_data(as_text=True)
    assert "Brukerundersøkelse" not in html and "Brukermøte" not in html
