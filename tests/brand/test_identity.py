"""The organisation's identity: the administrator's page, its refusals, and where the name, logo
and colour appear (staff pages, respondent pages, posters, the public page)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.brand import theme
from feedback.extensions import db
from feedback.fieldwork.services import make_codes
from feedback.logs import is_public_path
from feedback.models import AuditEvent, Organisation, SurveyRound
from tests.conftest import post_form
from tests.images import HOSTILE_SVG, SVG, png
from tests.shared import dump_tables
from tests.world import Place, make_round, signed_in, store_many

PAGE = "/admin/identitet"
NAME = "Fjordvik psykisk helse"
SCRIPT_ONLY = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"


def _send(client: FlaskClient, *, logo: tuple[bytes, str] | None = None, **fields: str) -> Any:
    data: dict[str, Any] = {"display_name": "", "accent_colour": "", **fields}
    if logo is not None:
        data["logo"] = (io.BytesIO(logo[0]), logo[1])
    return post_form(client, PAGE, data, content_type="multipart/form-data")


def _organisation(app: Flask, org_id: int) -> dict[str, Any]:
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        assert org is not None
        return {
            "display_name": org.display_name,
            "accent_colour": org.accent_colour,
            "logo": org.logo,
            "logo_type": org.logo_type,
            "logo_hash": org.logo_hash,
        }


def _events(app: Flask, org_id: int) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent).where(
                    AuditEvent.organisation_id == org_id,
                    AuditEvent.action == "organisation.identity",
                )
            )
        )


def _field_error(html: str, field: str) -> str:
    found = re.search(
        rf'<p class="ds-validation-message error-message" id="{field}-error">(.*?)</p>', html, re.S
    )
    assert found, f"no error next to {field}"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


@pytest.fixture
def admin(app: Flask, place: Place) -> FlaskClient:
    return signed_in(app, "admin")


def test_the_administrator_sets_name_colour_and_logo(
    app: Flask, place: Place, admin: FlaskClient
) -> None:
    response = _send(
        admin,
        display_name="Fjordvik kommune – psykisk helse",
        accent_colour="#0062BA",
        logo=(SVG.encode(), "logo.svg"),
    )
    assert response.status_code == 302
    saved = _organisation(app, place.org)
    assert saved["display_name"] == "Fjordvik kommune – psykisk helse"
    assert saved["accent_colour"] == "#0062ba"
    assert saved["logo_type"] == "image/svg+xml"
    assert b"<rect" in saved["logo"] and len(saved["logo_hash"]) == 64
    [event] = _events(app, place.org)
    assert set(event.details["changed"]) == {"display_name", "accent_colour", "logo"}

    page = admin.get("/admin/").get_data(as_text=True)
    # The staff header: the logo and the display name, the theme's stylesheet in <head>.
    logo_url = f"/merke/{place.org}/logo-{saved['logo_hash']}"
    theme_url = f"/merke/{place.org}/tema-{theme.fingerprint('#0062ba')}.css"
    assert f'<img class="brand__logo" src="{logo_url}" alt=""' in page
    assert '<span class="brand__name">Fjordvik kommune – psykisk helse</span>' in page
    assert f'<link rel="stylesheet" href="{theme_url}">' in page
    assert page.index(theme_url) < page.index("</head>")

    # Saving the same again changes nothing and logs nothing new.
    again = _send(admin, display_name="Fjordvik kommune – psykisk helse", accent_colour="#0062ba")
    assert again.status_code == 302
    assert len(_events(app, place.org)) == 1
    assert _organisation(app, place.org)["logo_hash"] == saved["logo_hash"]  # logo kept


def test_removing_the_logo_and_the_colour(app: Flask, place: Place, admin: FlaskClient) -> None:
    _send(admin, accent_colour="#0062ba", logo=(png(), "logo.png"))
    response = _send(admin, remove_logo="y")
    assert response.status_code == 302
    saved = _organisation(app, place.org)
    assert saved["logo"] is None and saved["logo_hash"] is None and saved["logo_type"] is None
    assert saved["accent_colour"] is None
    page = admin.get("/admin/").get_data(as_text=True)
    assert "/merke/" not in page
    assert '<span class="brand__name">Fjordvik kommune</span>' in page  # the name, as before


@pytest.mark.parametrize(
    ("fields", "logo", "field", "message"),
    [
        ({"accent_colour": "blue"}, None, "accent_colour", "for eksempel #0062ba"),
        ({"accent_colour": "#12345"}, None, "accent_colour", "for eksempel #0062ba"),
        (
            {"accent_colour": "#949494"},
            None,
            "accent_colour",
            "Fargen gir 3:1 mot hvitt; tekst må ha minst 4,5:1.",
        ),
        (
            {"accent_colour": "#ffd700"},
            None,
            "accent_colour",
            "Fargen gir 1,4:1 mot hvitt; tekst må ha minst 4,5:1.",
        ),
        ({}, (SCRIPT_ONLY, "logo.svg"), "logo", "tegner ingenting"),
        (
            {},
            (b"<html><script>alert(1)</script></html>", "logo.png"),
            "logo",
            "ikke et PNG- eller SVG-bilde",
        ),
        ({}, (b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script>", "logo.png"), "logo", "skadet"),
        ({}, (png(5000, 40), "logo.png"), "logo", "5000 × 40 piksler"),
        ({}, (b"\x89PNG" + b"\x00" * 210_000, "logo.png"), "logo", "høyst 200 KB"),
        ({}, (b"", "logo.png"), "logo", "Filen er tom"),
    ],
)
def test_a_refused_colour_or_logo_is_said_next_to_the_field_and_nothing_changes(
    app: Flask,
    place: Place,
    admin: FlaskClient,
    fields: dict[str, str],
    logo: tuple[bytes, str] | None,
    field: str,
    message: str,
) -> None:
    before = dump_tables(app)
    typed = {"display_name": "Nytt navn", **fields}
    response = _send(admin, logo=logo, **typed)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in _field_error(html, field)
    assert 'class="ds-error-summary error-summary"' in html
    # What was typed stays in the fields.
    assert 'value="Nytt navn"' in html
    if "accent_colour" in fields:
        assert f'value="{fields["accent_colour"]}"' in html
    # Nothing partial: not the name, not the colour, not the audit log.
    after = dump_tables(app)
    assert after == before


def test_an_svg_with_script_handlers_and_external_links_is_stored_clean(
    app: Flask, place: Place, admin: FlaskClient
) -> None:
    assert _send(admin, logo=(HOSTILE_SVG.encode(), "logo.svg")).status_code == 302
    stored = _organisation(app, place.org)["logo"].decode()
    for gone in ("script", "onload", "onclick", "foreignObject", "evil.example", "tracker"):
        assert gone not in stored
    assert '<rect id="shape"' in stored and 'href="#shape"' in stored


def test_a_png_named_svg_is_taken_as_png_by_its_content(
    app: Flask, place: Place, admin: FlaskClient
) -> None:
    assert _send(admin, logo=(png(), "logo.svg")).status_code == 302
    assert _organisation(app, place.org)["logo_type"] == "image/png"


def test_the_logo_and_the_theme_are_served_safely_and_cacheably(
    app: Flask, place: Place, admin: FlaskClient
) -> None:
    _send(admin, display_name="Fjordvik", accent_colour="#0062ba", logo=(SVG.encode(), "l.svg"))
    saved = _organisation(app, place.org)
    anonymous = app.test_client()
    logo = anonymous.get(f"/merke/{place.org}/logo-{saved['logo_hash']}")
    assert logo.status_code == 200
    assert logo.mimetype == "image/svg+xml"
    assert logo.data == saved["logo"]
    assert logo.headers["X-Content-Type-Options"] == "nosniff"
    assert (
        logo.headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    )
    assert "immutable" in logo.headers["Cache-Control"]
    assert "Set-Cookie" not in logo.headers

    css = anonymous.get(f"/merke/{place.org}/tema-{theme.fingerprint('#0062ba')}.css")
    assert css.status_code == 200 and css.content_type.startswith("text/css")
    text = css.get_data(as_text=True)
    tokens = theme.tokens("#0062ba")
    for name in (
        "--ds-color-accent-base-default",
        "--ds-color-accent-base-hover",
        "--ds-color-accent-base-active",
        "--ds-color-accent-base-contrast-default",
        "--ds-color-accent-surface-tinted",
        "--ds-color-accent-text-default",
        "--brand",
        "--link",
    ):
        assert f"{name}:{tokens[name]}" in text
    assert "--ds-color-accent-base-default:#0062ba" in text
    assert "--ds-color-accent-base-contrast-default:#ffffff" in text
    assert "Set-Cookie" not in css.headers
    # The respondents' cut of it: the same values, only what their sheet uses, as safely served.
    cut = anonymous.get(f"/merke/{place.org}/svar-tema-{theme.fingerprint('#0062ba')}.css")
    assert cut.status_code == 200 and cut.content_type.startswith("text/css")
    assert "--ds-color-accent-base-default:#0062ba" in cut.get_data(as_text=True)
    assert "--ds-color-accent-base-hover" not in cut.get_data(as_text=True)
    assert "immutable" in cut.headers["Cache-Control"] and "Set-Cookie" not in cut.headers
    assert anonymous.get(f"/merke/{place.org}/svar-tema-000000000000.css").status_code == 404

    # A signed-in person gets them cacheable too (they are the same for everyone).
    assert (
        "no-store"
        not in admin.get(f"/merke/{place.org}/logo-{saved['logo_hash']}").headers["Cache-Control"]
    )
    # An old or made-up hash, or another organisation's id: not found.
    assert anonymous.get(f"/merke/{place.org}/logo-{'0' * 64}").status_code == 404
    assert anonymous.get(f"/merke/{place.other_org}/logo-{saved['logo_hash']}").status_code == 404
    assert anonymous.get(f"/merke/{place.org}/tema-000000000000.css").status_code == 404
    # These addresses are not logged (they would tell when a respondent's page was opened).
    assert is_public_path(f"/merke/{place.org}/logo-{saved['logo_hash']}")
    assert is_public_path(f"/merke/{place.org}/tema-{theme.fingerprint('#0062ba')}.css")


def test_another_organisations_administrator_changes_only_their_own(
    app: Flask, place: Place
) -> None:
    nabo_admin = "nabo-admin@example.no"
    with app.app_context():
        from tests import factories

        other = db.session.get(Organisation, place.other_org)
        factories.user(nabo_admin, org=other, role="admin")
        db.session.commit()
    client = signed_in(app, nabo_admin)
    response = _send(client, display_name="Kapret", accent_colour="#b3261e")
    assert response.status_code == 302
    assert _organisation(app, place.org)["display_name"] is None
    assert _organisation(app, place.org)["accent_colour"] is None
    assert _organisation(app, place.other_org)["display_name"] == "Kapret"
    # The quality group of Fjordvik cannot change it at all.
    kari = signed_in(app, "kari")
    assert kari.get(PAGE).status_code == 403


def test_respondent_pages_show_the_organisations_logo_name_and_colour(
    app: Flask, place: Place, admin: FlaskClient
) -> None:
    _send(
        admin, display_name="Fjordvik psykisk helse", accent_colour="#006b3c", logo=(png(), "l.png")
    )
    saved = _organisation(app, place.org)
    with app.app_context():
        org = db.session.get(Organisation, place.org)
        assert org is not None
        token = make_round(org).public_token
    visitor = app.test_client()
    page = visitor.get(f"/s/{token}", follow_redirects=True)  # to the first page's address
    assert page.status_code == 200 and "<form" in page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    assert f'src="/merke/{place.org}/logo-{saved["logo_hash"]}"' in html
    assert '<span class="brand__name">Fjordvik psykisk helse</span>' in html
    assert f"/merke/{place.org}/svar-tema-{theme.fingerprint('#006b3c')}.css" in html
    assert "Set-Cookie" not in page.headers
    # The public "you said – we are doing" page and the deviation form, too.
    for path in (f"/dette-gjor-vi/{place.slug}", f"/avvik/{place.slug}"):
        public = visitor.get(path).get_data(as_text=True)
        assert '<span class="brand__name">Fjordvik psykisk helse</span>' in public, path
        assert f"tema-{theme.fingerprint('#006b3c')}.css" in public, path
    # The group's preview shows the questionnaire as respondents see it, brand included.
    with app.app_context():
        preview_round = db.session.scalar(
            sa.select(SurveyRound.id).where(SurveyRound.public_token == token)
        )
    preview = signed_in(app, "kari").get(f"/skjema/{preview_round}/forhandsvis")
    assert '<span class="brand__name">Fjordvik psykisk helse</span>' in preview.get_data(
        as_text=True
    )


def test_the_other_organisations_pages_keep_their_own_look(
    app: Flask, place: Place, admin: FlaskClient
) -> None:
    _send(
        admin, display_name="Fjordvik psykisk helse", accent_colour="#006b3c", logo=(png(), "l.png")
    )
    public = app.test_client().get(f"/avvik/{place.other_slug}").get_data(as_text=True)
    assert "Fjordvik" not in public
    assert "/merke/" not in public


def test_posters_code_cards_and_the_report_carry_the_brand(
    app: Flask, place: Place, admin: FlaskClient
) -> None:
    _send(admin, display_name=NAME, logo=(png(), "l.png"))
    saved = _organisation(app, place.org)
    with app.app_context():
        org = db.session.get(Organisation, place.org)
        assert org is not None
        round_ = make_round(org)
        round_id = round_.id
        batch = make_codes(round_, 3, None)
        db.session.commit()
    with app.app_context():
        store_many(round_id, 6, {"listened": "4", "group": "no"})
    kari = signed_in(app, "kari")
    logo = f'src="/merke/{place.org}/logo-{saved["logo_hash"]}"'
    for path in (
        f"/skjema/{round_id}/plakat",
        f"/skjema/{round_id}/koder/{batch}",
        f"/resultater/{round_id}/rapport",
    ):
        response = kari.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert f'<p class="print-brand__name">{NAME}</p>' in html, path
        assert logo in html, path
