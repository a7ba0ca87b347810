"""Respondent pages stay light: at most 30 KB of HTML and CSS each, no third-party request."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback.brand import services as identity
from feedback.designer import services as designer
from feedback.designer.library import builtin_templates
from feedback.extensions import db
from feedback.models import Organisation
from tests.images import SVG
from tests.world import Respondent, Survey

LIMIT = 30 * 1024
LOGO = SVG.encode()
ASSET = re.compile(r'(?:href|src)="([^"]+)"')


def _weight(client: FlaskClient, html: str) -> int:
    """Bytes of the page plus every stylesheet it links."""
    total = len(html.encode())
    for sheet in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html):
        with client.get(sheet) as response:
            assert response.status_code == 200
            total += len(response.data)
    return total


@pytest.mark.parametrize("branded", [False, True], ids=["plain", "with-logo-and-colour"])
def test_every_page_of_the_longest_builtin_questionnaire_stays_under_30_kb(
    app: Flask, client: FlaskClient, survey: Survey, branded: bool
) -> None:
    """Also with the organisation's logo and colour: their theme is a stylesheet of its own
    (cut to what the respondents' sheet uses), and it counts."""
    with app.app_context():
        org = db.session.get(Organisation, survey.org_id)
        if branded:
            assert org is not None
            identity.update_identity(
                org, None, display_name="Fjordvik kommune", accent_colour="#0b5394", logo=LOGO
            )
            db.session.commit()
        longest = max(builtin_templates(), key=lambda t: len(str(t.document)))
        round_ = designer.create_round(org, None, longest.document, source="test")
        round_.status = "open"
        db.session.commit()
        link, page_count = f"/s/{round_.public_token}", len(round_.pages)
    respondent = Respondent(client, link).start()
    weights = []
    for index in range(page_count):
        html = respondent.html
        assert f"{index + 1}" in re.search(r'class="progress">([^<]+)<', html).group(1)
        weights.append(_weight(client, html))
        for url in ASSET.findall(html):
            local = url.startswith("#") or url.startswith("/") and not url.startswith("//")
            assert local, f"third-party address {url}"
        # Move on without answering: nothing in the built-in survey is required.
        response = respondent.send({"enhet": "ingen"} if index == 0 else {})
        assert response.status_code in (200, 303), respondent.html[:500]
    assert response.status_code == 303
    assert max(weights) <= LIMIT, str(weights)
    print(f"respondent page weights (HTML + CSS, bytes): {weights}")
