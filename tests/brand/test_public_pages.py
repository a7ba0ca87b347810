"""The organisation's logo, name and colour on the public pages besides the questionnaire (the
deviation form, its receipt, the follow-up pages, the published page) and on the paper
questionnaire; and never another organisation's, above all on a follow-up page before a valid
receipt code has opened a case."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback.brand import services as identity
from feedback.brand import theme
from feedback.extensions import db
from feedback.models import DeviationMessage, Organisation
from tests.images import SVG, png
from tests.world import SKJEMA, Place, Reporter, make_round, signed_in

FJORDVIK = "Fjordvik psykisk helse og rus"
FJORDVIK_COLOUR = "#006b3c"
NABO = "Nabokommunen helse"
NABO_COLOUR = "#6b2c91"
#: Well formed and, with overwhelming odds, nobody's code.
WRONG_CODE = "BCDE-FGHJ-KMNP-QRST"


def _brand(app: Flask, org_id: int, name: str, colour: str, logo: bytes) -> str:
    """Give the organisation its identity; returns the logo's address."""
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        assert org is not None
        identity.update_identity(org, None, display_name=name, accent_colour=colour, logo=logo)
        db.session.commit()
        return f"/merke/{org_id}/logo-{org.logo_hash}"


@pytest.fixture
def logos(app: Flask, place: Place) -> dict[str, str]:
    """Both organisations branded: Fjordvik with a PNG, Nabokommunen with an SVG."""
    return {
        "fjordvik": _brand(app, place.org, FJORDVIK, FJORDVIK_COLOUR, png()),
        "nabo": _brand(app, place.other_org, NABO, NABO_COLOUR, SVG.encode()),
    }


def _header(html: str) -> str:
    found = re.search(r'<header class="site-header">(.*?)</header>', html, re.S)
    assert found, "no page header"
    return found.group(1)


def assert_branded(html: str, org_id: int, name: str, colour: str, logo: str) -> None:
    """The page is headed by the organisation: its logo and name in one link (the logo's alt
    text is empty as the name stands beside it), and its colours."""
    header = _header(html)
    link = re.search(r'<a class="brand"[^>]*>(.*?)</a>', header, re.S)
    assert link, header
    assert f'<img class="brand__logo" src="{logo}" alt=""' in link.group(1)
    # The link's text, what a screen reader says for it, is the organisation's name.
    assert re.sub(r"<[^>]+>", "", link.group(1)).strip() == name
    assert f'href="/merke/{org_id}/tema-{theme.fingerprint(colour)}.css"' in html


def assert_no_identity_of(html: str, org_id: int, name: str) -> None:
    """Nothing of this organisation: not its name, logo, theme or anything else under /merke."""
    assert name not in html
    assert f"/merke/{org_id}/" not in html


def assert_unbranded(html: str) -> None:
    """The app's own look: no organisation's logo, name or colours."""
    assert '<a class="brand" href="/">Brukerstemmen</a>' in _header(html)
    assert "/merke/" not in html


def test_the_report_form_receipt_and_published_page_carry_the_brand(
    app: Flask, place: Place, logos: dict[str, str]
) -> None:
    reporter = Reporter(app, place)
    pages = {
        "form": reporter.client.get(f"/avvik/{place.slug}?sprak=nb"),
        "receipt": reporter.send(),
        "published": reporter.client.get(f"/dette-gjor-vi/{place.slug}?sprak=nb"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.get_data(as_text=True)
        assert_branded(html, place.org, FJORDVIK, FJORDVIK_COLOUR, logos["fjordvik"])
        assert_no_identity_of(html, place.other_org, NABO)
    # The form and the receipt send the reporter to the organisation's own follow-up page.
    follow_up = f'href="/avvik/{place.slug}/oppfolging?sprak=nb"'
    assert follow_up in pages["form"].get_data(as_text=True)
    receipt = pages["receipt"].get_data(as_text=True)
    assert follow_up in receipt and f"/avvik/{place.slug}/oppfolging</code>" in receipt


def test_the_organisations_follow_up_page_carries_its_brand_and_opens_its_case(
    app: Flask, place: Place, logos: dict[str, str]
) -> None:
    reporter = Reporter(app, place)
    code = reporter.report()
    page = reporter.client.get(f"/avvik/{place.slug}/oppfolging?sprak=nb")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert_branded(html, place.org, FJORDVIK, FJORDVIK_COLOUR, logos["fjordvik"])
    assert f'action="/avvik/{place.slug}/oppfolging"' in html
    assert f'href="/avvik/{place.slug}/oppfolging?sprak=nn"' in html  # the language links stay
    case = reporter.client.post(
        f"/avvik/{place.slug}/oppfolging", data={"kode": code, "sprak": "nb"}
    )
    assert case.status_code == 200
    html = case.get_data(as_text=True)
    assert "Husmøtet ble avlyst uten beskjed." in html
    assert_branded(html, place.org, FJORDVIK, FJORDVIK_COLOUR, logos["fjordvik"])
    assert f'action="/avvik/{place.slug}/oppfolging/svar"' in html
    # Answering from there stores the message and stays on the organisation's pages.
    token = SKJEMA.search(html)
    assert token
    sent = reporter.client.post(
        f"/avvik/{place.slug}/oppfolging/svar",
        data={"kode": code, "skjema": token.group(1), "body": "Takk for svaret.", "sprak": "nb"},
    )
    assert sent.status_code == 200
    assert_branded(
        sent.get_data(as_text=True), place.org, FJORDVIK, FJORDVIK_COLOUR, logos["fjordvik"]
    )
    with app.app_context():
        assert db.session.scalar(
            sa.select(DeviationMessage.body).where(DeviationMessage.from_reporter)
        ) == ("Takk for svaret.")


def test_the_general_follow_up_page_shows_an_organisation_only_once_a_valid_code_opened_its_case(
    app: Flask, place: Place, logos: dict[str, str]
) -> None:
    reporter = Reporter(app, place)
    code = reporter.report()
    blank = reporter.client.get("/avvik/oppfolging?sprak=nb").get_data(as_text=True)
    assert_unbranded(blank)
    wrong = reporter.follow_up(WRONG_CODE)
    assert wrong.status_code == 400
    assert_unbranded(wrong.get_data(as_text=True))
    opened = reporter.follow_up(code)
    assert opened.status_code == 200
    html = opened.get_data(as_text=True)
    assert_branded(html, place.org, FJORDVIK, FJORDVIK_COLOUR, logos["fjordvik"])
    assert_no_identity_of(html, place.other_org, NABO)
    assert 'action="/avvik/oppfolging/svar"' in html


def _without_echo(html: str, code: str) -> str:
    """The page without the code the person typed (shown back in the field), and without the
    field's attributes that only say what was typed."""
    return html.replace(code, "…")


def test_another_organisations_code_on_the_follow_up_page_gives_nothing_of_its_identity(
    app: Flask, place: Place, logos: dict[str, str]
) -> None:
    """Fjordvik's receipt code typed on Nabokommunen's follow-up page is answered exactly as a
    wrong code: Nabokommunen's page, the same message, nothing of Fjordvik (its name, logo,
    colours or case)."""
    reporter = Reporter(app, place)
    code = reporter.report()
    other = f"/avvik/{place.other_slug}/oppfolging"
    fjordvik_code = reporter.client.post(other, data={"kode": code, "sprak": "nb"})
    wrong_code = reporter.client.post(other, data={"kode": WRONG_CODE, "sprak": "nb"})
    assert fjordvik_code.status_code == wrong_code.status_code == 400
    html = fjordvik_code.get_data(as_text=True)
    assert_no_identity_of(html, place.org, FJORDVIK)
    assert "Fjordvik" not in html and "Husmøtet" not in html
    assert_branded(html, place.other_org, NABO, NABO_COLOUR, logos["nabo"])
    assert _without_echo(html, code) == _without_echo(wrong_code.get_data(as_text=True), WRONG_CODE)
    # Nor can a reply through Nabokommunen's page reach Fjordvik's case.
    case = reporter.follow_up(code).get_data(as_text=True)
    token = SKJEMA.search(case)
    assert token
    reply = reporter.client.post(
        f"{other}/svar",
        data={"kode": code, "skjema": token.group(1), "body": "Hei", "sprak": "nb"},
    )
    assert reply.status_code == 400
    html = reply.get_data(as_text=True)
    assert_no_identity_of(html, place.org, FJORDVIK)
    assert "Fjordvik" not in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(DeviationMessage.position))) == 0


def test_a_follow_up_page_of_an_unknown_organisation_is_not_found(app: Flask, place: Place) -> None:
    client = app.test_client(use_cookies=False)
    assert client.get("/avvik/finnes-ikke/oppfolging").status_code == 404
    assert (
        client.post("/avvik/finnes-ikke/oppfolging", data={"kode": WRONG_CODE}).status_code == 404
    )


def test_unbranded_organisations_pages_keep_the_apps_look(app: Flask, place: Place) -> None:
    reporter = Reporter(app, place)
    code = reporter.report()
    for html in (
        reporter.client.get(f"/avvik/{place.slug}?sprak=nb").get_data(as_text=True),
        reporter.client.get(f"/avvik/{place.slug}/oppfolging").get_data(as_text=True),
        reporter.follow_up(code).get_data(as_text=True),
        reporter.client.get(f"/dette-gjor-vi/{place.slug}").get_data(as_text=True),
    ):
        # The organisation's name, no logo or colours of its own.
        assert '<span class="brand__name">Fjordvik kommune</span>' in _header(html)
        assert "/merke/" not in html


def test_the_paper_questionnaire_carries_the_brand(
    app: Flask, place: Place, logos: dict[str, str]
) -> None:
    with app.app_context():
        org = db.session.get(Organisation, place.org)
        assert org is not None
        round_id = make_round(org).id
    html = signed_in(app, "kari").get(f"/skjema/{round_id}/papir").get_data(as_text=True)
    brand = re.search(r'<div class="print-brand">(.*?)</div>', html, re.S)
    assert brand, "no brand on the paper questionnaire"
    assert f'src="{logos["fjordvik"]}"' in brand.group(1)
    assert f'<p class="print-brand__name">{FJORDVIK}</p>' in brand.group(1)
    assert f"/merke/{place.org}/tema-{theme.fingerprint(FJORDVIK_COLOUR)}.css" in html
    assert_no_identity_of(html, place.other_org, NABO)
