"""Designsystemet served by the app: the vendored files, the purged public sheets, the icons."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

from flask import Flask, render_template_string
from flask.testing import FlaskClient

from tests.world import Respondent, Survey

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "feedback" / "static" / "vendor" / "designsystemet"
SHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"')


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "designsystemet", ROOT / "scripts/designsystemet.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_vendored_files_carry_their_licence_and_versions() -> None:
    assert "Digitaliseringsdirektoratet" in (VENDOR / "LICENSE").read_text()
    versions = (VENDOR / "VERSION").read_text()
    for package in (
        "@digdir/designsystemet-css",
        "@digdir/designsystemet-theme",
        "@navikt/aksel-icons",
    ):
        assert re.search(rf"^{re.escape(package)} \d+\.\d+\.\d+ \(MIT\)$", versions, re.M), package


def test_the_public_sheets_are_rebuilt_from_today_s_app_css_and_templates() -> None:
    """After changing app.css or a public template: `make css`."""
    script = _script()
    for sheet in script.SHEETS:
        assert (VENDOR / sheet).read_text() == script.public_css(sheet), f"{sheet}: make css"


def test_the_purger_keeps_what_templates_use_and_drops_the_rest() -> None:
    script = _script()
    css = (
        "@layer ds.components{.ds-button{color:var(--dsc-c);--dsc-c:var(--ds-color-x)}"
        ".ds-chip{color:red}.ds-button[data-variant=secondary]{color:blue}"
        ".ds-button[data-variant=tertiary]{color:green}}"
        ":root{--ds-color-x:#123;--ds-color-unused:#456}"
        "@keyframes spin{to{rotate:1turn}}select.ds-input{color:red}"
    )
    words = {".ds-button", "data-variant", "secondary"}
    purged = script.purge(css, words)
    assert ".ds-button{" in purged and "#123" in purged
    assert ".ds-button[data-variant=secondary]" in purged
    assert "tertiary" not in purged and "ds-chip" not in purged and "select" not in purged
    assert "--ds-color-unused" not in purged and "@keyframes" not in purged
    # The component's own property, defined once, is written where it is used.
    assert "color:var(--ds-color-x)" in purged and "--dsc-c" not in purged
    # A fallback the sheet never needs goes; an empty one (the theme's size switch) stays.
    toggles = script.purge(
        ":root{--ds-size:var(--ds-size--md);--ds-size--md:var(--ds-size,);--ds-c:#123}"
        ".ds-button{color:var(--ds-c, #fff);padding:var(--ds-size--md, 1px)}",
        {".ds-button"},
    )
    assert "var(--ds-size,)" in toggles and "var(--ds-c)" in toggles and "#fff" not in toggles
    # A pseudo-class after a class is no part of its name: the states of a kept class stay.
    states = script.purge(
        ".ds-button:hover{color:red}.ds-input:checked{color:blue}.skip-link:focus{top:0}"
        ".ds-chip:hover{color:green}.x.\\:click-delegate-hover{color:gray}",
        {".ds-button", ".ds-input", ".skip-link", ".x", ".:click-delegate-hover"},
    )
    assert ".ds-button:hover{" in states and ".ds-input:checked{" in states
    assert ".skip-link:focus{" in states and "ds-chip" not in states
    assert "click-delegate-hover" in states


def test_staff_pages_link_designsystemet_and_public_pages_only_their_light_sheet(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    sign_in = client.get("/logg-inn").get_data(as_text=True)
    staff = SHEET.findall(sign_in)
    assert staff[0].endswith("/css/app.css"), "app.css first: it declares the layer order"
    assert any(s.endswith("/designsystemet/theme.css") for s in staff)
    assert any(s.endswith("/designsystemet/staff.css") for s in staff)

    respondent = Respondent(client, survey.unit_link("Aktivitetshuset")).start()
    sheets = SHEET.findall(respondent.html)
    assert len(sheets) == 1 and sheets[0].endswith("/designsystemet/respond.css"), sheets
    respond_css = client.get(sheets[0]).get_data(as_text=True)
    assert ".ds-button{" in respond_css and ".ds-input" in respond_css
    assert "main-nav" not in respond_css, "the staff menu is not on respondent pages"
    assert 'class="ds-input">' in respondent.html  # answers are Designsystemet radios

    report = client.get("/avvik/").get_data(as_text=True)
    sheets = SHEET.findall(report)
    assert len(sheets) == 1 and sheets[0].endswith("/designsystemet/public.css"), sheets


def test_an_icon_is_hidden_from_screen_readers_unless_it_has_a_label(app: Flask) -> None:
    with app.test_request_context():
        decorative = render_template_string(
            '{% from "macros/icons.html" import icon %}{{ icon("plus") }}'
        )
        labelled = render_template_string(
            '{% from "macros/icons.html" import icon %}{{ icon("trash", label="Slett") }}'
        )
    assert decorative.startswith("<svg") and 'aria-hidden="true"' in decorative
    assert "<path" in decorative and "role=" not in decorative
    assert 'role="img" aria-label="Slett"' in labelled and "aria-hidden" not in labelled
