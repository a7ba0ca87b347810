"""What respondents read on the questionnaire's pages: paragraphs and the box for crisis numbers,
the language switch at the top, page titles, the range of a number question, the one note on
anonymity and the one time estimate, plain words, and where a closed round leads on to."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from feedback.designer.library import builtin_templates
from feedback.extensions import db
from feedback.models import Organisation, SurveyRound
from feedback.respond.texts import Paragraph, answering_minutes, paragraphs
from tests.world import FULL_WALK, Respondent, Survey, document, likert, make_round, questionnaire

ORG = "Fjordvik kommune"


def visible_text(page: str) -> str:
    """The words a reader sees: no tags, scripts or attribute values."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", body))


def title_of(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, re.S)
    assert match, "no title"
    return html_lib.unescape(" ".join(match.group(1).split()))


def round_with(app: Flask, people: dict[str, int], **texts: Any) -> tuple[str, int]:
    with app.app_context():
        org = db.session.get(Organisation, people["org"])
        assert org is not None
        round_ = make_round(org, doc={**questionnaire(), **texts})
        return round_.public_token, round_.id


# --- paragraphs and the box --------------------------------------------------------------------


def test_paragraphs_split_on_blank_lines_and_mark_boxes() -> None:
    text = "Første.\r\nSamme avsnitt.\r\n\r\n  \nAndre.\n \t\n! Ring 113.\n\n!\n\n"
    assert paragraphs(text) == [
        Paragraph("Første.\nSamme avsnitt."),
        Paragraph("Andre."),
        Paragraph("Ring 113.", callout=True),
    ]
    assert paragraphs(None) == [] and paragraphs("") == []
    # Only a mark at the start of a paragraph makes a box.
    assert paragraphs("Hei! Ring 113.") == [Paragraph("Hei! Ring 113.")]


def test_intro_and_thanks_keep_their_paragraphs_escaped(
    app: Flask, client: FlaskClient, people: dict[str, int]
) -> None:
    token, _ = round_with(
        app,
        people,
        intro={"nb": "Første avsnitt.\r\n\r\nAndre <b>avsnitt</b>.\n\n! Ring <i>113</i>."},
        thanks={"nb": "Takk.\n\nVi leser alt.\n\n! Er det akutt, ring 113."},
    )
    first = client.get(f"/s/{token}", follow_redirects=True).get_data(as_text=True)
    intro = first.split('<div class="intro">', 1)[1].split("</div>\n", 1)[0]
    assert "<p>Første avsnitt.</p>" in intro
    assert "<p>Andre &lt;b&gt;avsnitt&lt;/b&gt;.</p>" in intro
    assert '<div class="callout" role="note"><p>Ring &lt;i&gt;113&lt;/i&gt;.</p></div>' in first
    assert "<b>" not in first and "\r" not in intro

    thanks = client.get(f"/s/{token}/takk").get_data(as_text=True)
    assert "<p>Takk.</p>" in thanks and "<p>Vi leser alt.</p>" in thanks
    assert '<div class="callout" role="note"><p>Er det akutt, ring 113.</p></div>' in thanks


@pytest.mark.parametrize("template", [t.name for t in builtin_templates()])
@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_built_in_crisis_numbers_stand_in_a_box(
    app: Flask, client: FlaskClient, people: dict[str, int], template: str, language: str
) -> None:
    doc = next(t.document for t in builtin_templates() if t.name == template)
    with app.app_context():
        org = db.session.get(Organisation, people["org"])
        assert org is not None
        token = make_round(org, doc=doc).public_token
    thanks = client.get(f"/s/{token}/takk?sprak={language}").get_data(as_text=True)
    boxes = re.findall(r'<div class="callout" role="note"><p>(.*?)</p></div>', thanks, re.S)
    assert len(boxes) == 1
    assert "113" in boxes[0] and "116 117" in boxes[0]
    # The numbers are said once, in the box.
    assert visible_text(thanks).count("116 117") == 1


# --- the language switch -----------------------------------------------------------------------


def test_language_switch_is_at_the_top_of_every_page_and_keeps_answers(
    client: FlaskClient, survey: Survey
) -> None:
    r = Respondent(client, survey.unit_link("Aktivitetshuset")).start()
    pages = [r.html]
    r.send({"q-listened": "4", "q-group": "yes"})
    pages.append(r.html)
    for page in pages:
        switch = page.index('class="respond-languages"')
        assert switch < page.index("<h1>")
        buttons = re.findall(r"<(?:button|input) [^>]*>", page)
        submits = [b for b in buttons if 'type="submit"' in b]
        # The first button of the answer form goes on, so Enter in a text field does not
        # change the language; then the languages, in the answer form.
        assert 'name="nav" value="next"' in submits[0] and 'form="answer-form"' in submits[0]
        assert 'name="bytt" value="nn"' in submits[1] and 'form="answer-form"' in submits[1]
        assert 'name="bytt" value="en"' in submits[2] and 'form="answer-form"' in submits[2]
        assert 'value="nb"' not in page.split("<h1>")[0].split('class="respond-languages"')[1]

    assert r.send({"q-why": "Noe å si", "q-food": "bad", "bytt": "nn"}).status_code == 200
    assert '<html lang="nn">' in r.html and 'name="side" value="1"' in r.html
    assert "Noe å si</textarea>" in r.html
    assert re.search(r'<input type="radio" name="q-food" [^>]*value="bad" checked[ >]', r.html)
    assert 'name="bytt" value="nb"' in r.html.split("<h1>")[0]


# --- titles ------------------------------------------------------------------------------------


def test_titles_say_the_page_the_questionnaire_and_the_organisation(
    client: FlaskClient, survey: Survey
) -> None:
    r = Respondent(client, survey.unit_link("Aktivitetshuset")).start()
    assert title_of(r.html) == f"Side 1 av 3 – Brukerundersøkelse 2026 – {ORG}"
    r.send({"q-group": "yes"})  # the required scale is missing
    assert r.response.status_code == 400
    assert title_of(r.html) == f"Feil: Side 1 av 3 – Brukerundersøkelse 2026 – {ORG}"
    r.send({"q-listened": "4", "q-group": "yes"})
    assert title_of(r.html) == f"Side 2 av 3 – Brukerundersøkelse 2026 – {ORG}"
    r.send({"q-food": "good", "bytt": "en"})
    assert title_of(r.html) == f"Page 2 of 3 – User survey 2026 – {ORG}"
    assert '<p class="progress">Page 2 of 3</p>' in r.html

    thanks = client.get(f"/s/{survey.token}/takk").get_data(as_text=True)
    assert title_of(thanks) == f"Takk – Brukerundersøkelse 2026 – {ORG}"


# --- number questions --------------------------------------------------------------------------


def test_a_number_question_shows_its_range_before_any_error(
    client: FlaskClient, survey: Survey
) -> None:
    r = Respondent(client, survey.unit_link("Aktivitetshuset")).start()
    r.send({"q-listened": "4", "q-group": "yes"})
    r.send(FULL_WALK[1])
    assert 'name="side" value="2"' in r.html and "error-summary" not in r.html
    assert '<p class="hint" id="q-age-range">Et helt tall fra 16 til 99.</p>' in r.html
    field = re.search(r'<input [^>]*id="q-age"[^>]*>', r.html)
    assert field and 'aria-describedby="q-age-range"' in field.group(0)

    r.send({"q-age": "7"})
    assert r.response.status_code == 400
    field = re.search(r'<input [^>]*id="q-age"[^>]*>', r.html)
    assert field and re.search(
        r'aria-describedby="[^"]*q-age-error[^"]*q-age-range"', field.group(0)
    )
    assert '<p class="hint" id="q-age-range">Et helt tall fra 16 til 99.</p>' in r.html


@pytest.mark.parametrize(
    ("bounds", "hint"),
    [
        ({"min": 0}, "A whole number, 0 or more."),
        ({"max": 12}, "A whole number, 12 or less."),
        ({}, "A whole number, for example 3."),
    ],
)
def test_number_hints_for_open_ranges(
    app: Flask, client: FlaskClient, people: dict[str, int], bounds: dict[str, int], hint: str
) -> None:
    doc = document([{"key": "n", "type": "number", "text": {"nb": "Hvor mange?"}, **bounds}])
    with app.app_context():
        org = db.session.get(Organisation, people["org"])
        assert org is not None
        token = make_round(org, doc=doc).public_token
    page = client.get(f"/s/{token}?sprak=en", follow_redirects=True).get_data(as_text=True)
    assert f'<p class="hint" id="q-n-range">{hint}</p>' in page


# --- anonymity, plain words, the time estimate -------------------------------------------------


@pytest.mark.parametrize("template", [t.name for t in builtin_templates()])
def test_one_note_on_anonymity_and_one_time_estimate_that_the_poster_shares(
    app: Flask, kari: FlaskClient, people: dict[str, int], template: str
) -> None:
    doc = next(t.document for t in builtin_templates() if t.name == template)
    with app.app_context():
        org = db.session.get(Organisation, people["org"])
        assert org is not None
        round_ = make_round(org, doc=doc)
        token, round_id, minutes = round_.public_token, round_.id, answering_minutes(round_)
    for language, anonymous, estimate in (
        ("nb", "Du er anonym", f"Det tar omtrent {minutes} minutter."),
        ("en", "You are anonymous", f"It takes about {minutes} minutes."),
    ):
        first = visible_text(
            kari.get(f"/s/{token}?sprak={language}", follow_redirects=True).get_data(as_text=True)
        )
        assert first.count(anonymous) == 1, language
        assert first.count(estimate) == 1, language
        assert len(re.findall(r"(minutter|minutes)\b", first)) == 1
        poster = kari.get(f"/skjema/{round_id}/plakat?sprak={language}").get_data(as_text=True)
        assert estimate in visible_text(poster)
        assert anonymous in visible_text(poster)


def test_the_estimate_counts_questions_by_kind(
    app: Flask, people: dict[str, int], ctx: None
) -> None:
    org = db.session.get(Organisation, people["org"])
    assert org is not None
    quick = make_round(org, doc=document([likert("a"), likert("b")]))
    assert answering_minutes(quick) == 1  # 30 s to start, 2 × 15 s
    long_text = {"key": "t", "type": "text_long", "text": {"nb": "Fortell"}, "max_length": 500}
    writing = make_round(org, doc=document([likert("a")], [long_text, {**long_text, "key": "u"}]))
    assert answering_minutes(writing) == 4  # 30 + 15 + 2 × 90 = 225 s


PLAIN = re.compile(r"IP-adress|IP-address|IP address|\bhash", re.I)


def test_pages_for_service_users_say_no_ip_address_or_hash(
    app: Flask, client: FlaskClient, survey: Survey, people: dict[str, int]
) -> None:
    with app.app_context():
        slug = db.session.get(Organisation, people["org"]).slug  # type: ignore[union-attr]
    pages = [
        survey.link,
        f"/s/{survey.token}/takk",
        "/personvern",
        "/kode",
        f"/avvik/{slug}",
        "/avvik/oppfolging",
        f"/dette-gjor-vi/{slug}",
    ]
    for path in pages:
        for language in ("nb", "nn", "en"):
            response = client.get(f"{path}?sprak={language}", follow_redirects=True)
            assert response.status_code == 200, path
            text = visible_text(response.get_data(as_text=True))
            assert not PLAIN.search(text), (path, language, PLAIN.search(text))


def test_the_paper_version_shows_the_same_texts_estimate_and_ranges(
    app: Flask, kari: FlaskClient, people: dict[str, int]
) -> None:
    token, round_id = round_with(
        app,
        people,
        intro={"nb": "Første avsnitt.\n\n! Ring <b>113</b>."},
        thanks={"nb": "Takk.\n\n! Trenger du hjelp nå, ring 116 117."},
    )
    with app.app_context():
        minutes = answering_minutes(db.session.get(SurveyRound, round_id))  # type: ignore[arg-type]
    paper = kari.get(f"/skjema/{round_id}/papir").get_data(as_text=True)
    assert "<p>Første avsnitt.</p>" in paper
    assert '<div class="callout" role="note"><p>Ring &lt;b&gt;113&lt;/b&gt;.</p></div>' in paper
    assert (
        '<div class="callout" role="note"><p>Trenger du hjelp nå, ring 116 117.</p></div>' in paper
    )
    assert f"Det tar omtrent {minutes} minutter." in paper
    assert '<p class="paper__hint">Et helt tall fra 16 til 99.</p>' in paper


# --- a closed round ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["closed", "archived"])
def test_a_closed_round_leads_on(
    app: Flask, client: FlaskClient, survey: Survey, people: dict[str, int], status: str
) -> None:
    with app.app_context():
        db.session.execute(
            sa.update(SurveyRound).where(SurveyRound.id == survey.round_id).values(status=status)
        )
        db.session.commit()
        slug = db.session.get(Organisation, people["org"]).slug  # type: ignore[union-attr]
    response = client.get(survey.link)
    assert response.status_code == 410
    page = response.get_data(as_text=True)
    assert title_of(page) == f"Brukerundersøkelse 2026 – {ORG}"
    published = f'href="/dette-gjor-vi/{slug}?sprak=nb"'
    report = f'href="/avvik/{slug}?sprak=nb"'
    assert published in page and report in page
    assert "Dette sa dere – dette gjør vi" in page and "Meld et avvik" in page
    for link in (published, report):
        assert client.get(html_lib.unescape(link[6:-1])).status_code == 200

    english = client.get(survey.link + "?sprak=en").get_data(as_text=True)
    assert f'href="/dette-gjor-vi/{slug}?sprak=en"' in english
    assert f'href="/avvik/{slug}?sprak=en"' in english


# --- one word for one thing ---------------------------------------------------------------------

CATALOGS = Path(__file__).resolve().parents[2] / "translations"
#: Words replaced by engangskode / eingongskode / one-time code and svarmåte / way of answering.
OLD_WORDS = {
    "nb": re.compile(r"tilgangskod|svarkod|\bkanal|gjennomføring", re.I),
    "nn": re.compile(r"tilgangskod|svarkod|\bkanal|gjennomføring", re.I),
    "en": re.compile(r"access code|\bchannel|how people answered|carrying out", re.I),
}
NEW_WORDS = {
    "nb": ("engangskode", "svarmåte"),
    "nn": ("eingongskode", "svarmåte"),
    "en": ("one-time code", "way of answering"),
}


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_one_word_for_one_time_codes_and_ways_of_answering(language: str) -> None:
    with (CATALOGS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    texts = [
        " ".join(part for part in (m.string if isinstance(m.string, tuple) else (m.string,)))
        for m in catalog
        if m.id
    ]
    old = [text for text in texts if OLD_WORDS[language].search(text)]
    assert old == []
    for word in NEW_WORDS[language]:
        assert sum(word in text.lower() for text in texts) >= 3, word
