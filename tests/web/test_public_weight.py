"""The other public pages stay light too: the deviation form, its receipt, the follow-up pages
(code and case) and the published page "Dette sa dere – dette gjør vi", each at most 30 KB of
HTML and CSS, with and without the organisation's logo and colour, and no third-party request.

Like tests/respond/test_weight.py: what the page really loads, its HTML plus every stylesheet it
links (the organisation's theme is a stylesheet of its own, and it counts)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback.brand import services as identity
from feedback.extensions import db
from feedback.models import Organisation
from tests.images import SVG
from tests.world import (
    SKJEMA,
    Place,
    Reporter,
    add_evaluation_rounds,
    build_place,
    make_evaluation,
    make_point,
)

LIMIT = 30 * 1024
ASSET = re.compile(r'(?:href|src)="([^"]+)"')
#: A long report, as people write them: the receipt and case pages show it back.
DESCRIPTION = "Husmøtet ble avlyst uten beskjed, og ingen sa fra om hvorfor. " * 12


@pytest.fixture
def place(app: Flask) -> Place:
    """The world with the evaluation's rounds (the published page has something to show)."""
    with app.app_context():
        return add_evaluation_rounds(build_place())


def _weight(client: FlaskClient, html: str) -> int:
    """Bytes of the page plus every stylesheet it links."""
    total = len(html.encode())
    for sheet in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html):
        with client.get(sheet) as response:
            assert response.status_code == 200, sheet
            total += len(response.data)
    return total


def _publish(app: Flask, place: Place) -> None:
    make_evaluation(
        app,
        place.rounds["main"],
        assessment="Intern",
        public_summary="Takk til alle som svarte!\nDe fleste er fornøyde.\n\nVentetiden er lang.",
        published=True,
    )
    for number in range(4):
        make_point(
            app,
            place.rounds["main"],
            title=f"Brukermøte hver måned ({number + 1})",
            description="På Solsiden, med kaffe og tid til å snakke om det som er viktig.",
            unit_id=place.units["Solsiden"],
            due_on=date(2030, 3, 15),
            status="in_progress",
            published=True,
        )


def _pages(app: Flask, place: Place) -> dict[str, str]:
    """The HTML of every public page type but the questionnaire, as a reporter meets them."""
    reporter = Reporter(app, place)
    client = reporter.client
    pages = {"report form": client.get(f"/avvik/{place.slug}?sprak=nb").get_data(as_text=True)}
    receipt = reporter.send(description=DESCRIPTION)
    assert receipt.status_code == 200
    pages["receipt"] = receipt.get_data(as_text=True)
    code = re.search(r'class="receipt__code"[^>]*>([^<]+)<', pages["receipt"]).group(1).strip()
    for name, path in (
        ("follow-up code", f"/avvik/{place.slug}/oppfolging"),
        ("follow-up code (no organisation)", "/avvik/oppfolging"),
    ):
        pages[name] = client.get(f"{path}?sprak=nb").get_data(as_text=True)
    case = reporter.follow_up(code)
    assert case.status_code == 200
    pages["follow-up case"] = case.get_data(as_text=True)
    assert SKJEMA.search(pages["follow-up case"])
    published = client.get(f"/dette-gjor-vi/{place.slug}?sprak=nb")
    assert published.status_code == 200
    pages["published"] = published.get_data(as_text=True)
    return pages


@pytest.mark.parametrize("branded", [False, True], ids=["plain", "with-logo-and-colour"])
def test_every_public_page_stays_under_30_kb(app: Flask, place: Place, branded: bool) -> None:
    if branded:
        with app.app_context():
            org = db.session.get(Organisation, place.org)
            assert org is not None
            identity.update_identity(
                org,
                None,
                display_name="Fjordvik kommune, psykisk helse og rus",
                accent_colour="#0b5394",
                logo=SVG.encode(),
            )
            db.session.commit()
    _publish(app, place)
    pages = _pages(app, place)
    client = app.test_client(use_cookies=False)
    weights = {name: _weight(client, html) for name, html in pages.items()}
    for name, html in pages.items():
        for url in ASSET.findall(html):
            local = url.startswith(("#", "/")) and not url.startswith("//")
            assert local, f"{name}: third-party address {url}"
    print(f"public page weights (HTML + CSS, bytes): {weights}")
    assert max(weights.values()) <= LIMIT, str(weights)
