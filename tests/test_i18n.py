from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import format_date, format_decimal, format_percent

from feedback.i18n import match_language

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
LANGUAGES = ("nb", "nn", "en")


def html_lang(client: FlaskClient, **headers: str) -> str:
    html = client.get("/logg-inn", headers=headers).get_data(as_text=True)
    match = re.search(r'<html lang="([a-z]+)"', html)
    assert match
    return match.group(1)


def test_bokmal_is_the_default(client: FlaskClient) -> None:
    assert html_lang(client) == "nb"
    assert "Logg inn" in client.get("/logg-inn").get_data(as_text=True)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("nn-NO,nn;q=0.9,en;q=0.5", "nn"),
        ("no,en;q=0.5", "nb"),
        ("nb-NO", "nb"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,nn;q=0.5", "nn"),
        ("fr", "nb"),
    ],
)
def test_language_follows_accept_language(client: FlaskClient, header: str, expected: str) -> None:
    assert html_lang(client, **{"Accept-Language": header}) == expected


def test_explicit_choice_is_remembered_and_beats_the_header(client: FlaskClient) -> None:
    response = client.get("/sprak/nn?next=/logg-inn")
    assert response.status_code == 302
    assert response.headers["Location"] == "/logg-inn"
    cookie = client.get_cookie("sprak")
    assert cookie is not None and cookie.value == "nn"
    assert cookie.http_only
    assert html_lang(client, **{"Accept-Language": "en"}) == "nn"
    assert "Logg inn" in client.get("/logg-inn").get_data(as_text=True)
    client.get("/sprak/en")
    assert "Sign in" in client.get("/logg-inn").get_data(as_text=True)


def test_switcher_is_on_every_page_and_points_back(client: FlaskClient) -> None:
    for path in ["/", "/logg-inn", "/finnes-ikke"]:
        html = client.get(path).get_data(as_text=True)
        for code in LANGUAGES:
            assert f'href="/sprak/{code}?next=' in html, (path, code)
        assert 'aria-current="true"' in html


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_switcher_never_redirects_elsewhere(client: FlaskClient, target: str) -> None:
    response = client.get("/sprak/en", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_404(client: FlaskClient) -> None:
    assert client.get("/sprak/de").status_code == 404


def test_match_language_handles_norwegian_tags() -> None:
    assert match_language(["no-NO"]) == "nb"
    assert match_language(["nno"]) == "nn"
    assert match_language(["sv", "da"]) is None


@pytest.mark.parametrize(
    ("language", "number", "percent", "day"),
    [
        ("nb", "1\u00a0234,5", "12\u00a0%", "3. mars 2026"),
        ("nn", "1\u00a0234,5", "12\u00a0%", "3. mars 2026"),
        ("en", "1,234.5", "12%", "March 3, 2026"),
    ],
)
def test_numbers_and_dates_follow_the_language(
    app: Flask, language: str, number: str, percent: str, day: str
) -> None:
    from datetime import date

    with app.test_request_context(headers={"Cookie": f"sprak={language}"}):
        assert format_decimal(1234.5) == number
        assert format_percent(0.12) == percent
        assert format_date(date(2026, 3, 3), "long") == day


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogs_have_no_empty_or_fuzzy_messages(language: str) -> None:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    empty = [m.id for m in catalog if m.id and not all(m.string if m.pluralizable else [m.string])]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert empty == []
    assert fuzzy == []


#: Messages that are never put into HTML (JSON answers of the API) may name a placeholder in
#: angle brackets.
NOT_HTML = {"Send a valid personal API key in the Authorization header: Bearer <key>."}


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_carries_markup(language: str) -> None:
    """Flask-Babel's lazy strings are marked safe for Jinja (they have __html__), so a "<" in a
    message or its translation would reach the page unescaped: no message may carry one."""
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if message.pluralizable else (message.id,)
        if ids[0] in NOT_HTML:
            continue
        strings = message.string if message.pluralizable else (message.string,)
        for text in (*ids, *strings):
            assert "<" not in text and ">" not in text, message.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language: str) -> None:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    pattern = re.compile(r"%\(\w+\)[sd]")
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if message.pluralizable else (message.id,)
        strings = message.string if message.pluralizable else (message.string,)
        expected = set(pattern.findall(ids[-1]))
        for string in strings:
            found = set(pattern.findall(string))
            # Singular forms may spell out "one" instead of %(num)d.
            assert found <= expected and (found == expected or message.pluralizable), message.id


def test_catalog_template_is_up_to_date(tmp_path: Path) -> None:
    """Every marked string is in messages.pot: run `make translations` if this fails."""
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "N_",
            "-k",
            "lazy_gettext",
            "--no-location",
            "--sort-output",
            "-o",
            str(fresh),
            "feedback",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )

    def ids(path: Path) -> set[object]:
        with path.open("rb") as handle:
            return {m.id for m in read_po(handle) if m.id}

    assert ids(fresh) == ids(TRANSLATIONS / "messages.pot")
    for language in LANGUAGES:
        assert ids(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po") == ids(fresh), language


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogs_match_the_sources(language: str) -> None:
    """The committed .mo files are what a fresh clone serves; they must equal the .po files."""
    folder = TRANSLATIONS / language / "LC_MESSAGES"

    def entries(messages: object) -> dict[object, object]:
        def plain(value: object) -> object:
            return tuple(value) if isinstance(value, list | tuple) else value

        return {plain(m.id): plain(m.string) for m in messages if m.id}  # type: ignore[attr-defined]

    with (folder / "messages.po").open("rb") as handle:
        source = entries(read_po(handle))
    with (folder / "messages.mo").open("rb") as handle:
        compiled = entries(read_mo(handle))
    assert compiled == source
