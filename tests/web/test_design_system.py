"""Designsystemet served by the app: the vendored files, the purged public sheets, the icons."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

from flask import Flask, flash, render_template_string
from flask.testing import FlaskClient

from tests.world import Place, Respondent, Survey

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


# --- Designsystemet's classes only, and alerts with their icons (issue 22) -------------------

TEMPLATES = ROOT / "feedback" / "templates"
#: The project's own names from before Designsystemet: buttons, boxes, tables, link-buttons.
OLD_CLASS = re.compile(
    r"^(button|button--[\w-]+|panel|panel--[\w-]+|table|data-table[\w-]*|link-button)$"
)
CLASS_ATTRIBUTE = re.compile(r"""\bclass_?\s*=\s*(?:"([^"]*)"|'([^']*)')""")
ALERT_ICONS = {"info", "success", "warning", "danger"}


def _class_words(text: str) -> set[str]:
    """Every word of every class attribute and every class_ argument, Jinja included."""
    words: set[str] = set()
    for double, single in CLASS_ATTRIBUTE.findall(text):
        words.update(re.findall(r"[\w-]+", double or single))
    return words


def _old_classes(text: str) -> list[str]:
    return sorted(word for word in _class_words(text) if OLD_CLASS.match(word))


def test_no_template_uses_the_old_classes() -> None:
    found = {
        str(p.relative_to(TEMPLATES)): _old_classes(p.read_text())
        for p in TEMPLATES.rglob("*.html")
    }
    assert {path: words for path, words in found.items() if words} == {}
    python = {
        str(p.relative_to(ROOT)): _old_classes(p.read_text())
        for p in ROOT.joinpath("feedback").rglob("*.py")
    }
    assert {path: words for path, words in python.items() if words} == {}
    # The scroll frame of a table is written in one place, around a ds-table.
    framed = [p.name for p in TEMPLATES.rglob("*.html") if "table-wrap" in p.read_text()]
    assert framed == ["tables.html"]
    # And nothing styles the old names any more, so they cannot come back looking right.
    app_css = (ROOT / "feedback" / "static" / "css" / "app.css").read_text()
    assert not re.search(r"\.(button|panel|link-button|data-table|table)(?![\w-])", app_css)


def test_the_checker_sees_old_classes_wherever_they_hide() -> None:
    sample = (
        '<a class="button button--secondary">x</a><div class="{% if a %}panel{% endif %}">'
        "{{ form_button('x', class_='link-button') }}<table class=\"table data-table\">"
    )
    assert set(_old_classes(sample)) == {
        "button",
        "button--secondary",
        "panel",
        "link-button",
        "table",
        "data-table",
    }
    assert _old_classes('<a class="ds-button ds-table table-wrap">') == []


def _alerts_without_icon(html: str) -> list[str]:
    """The opening tags of ds-alert elements whose first child is not their icon."""
    missing = []
    for match in re.finditer(r"<(\w+) class=\"ds-alert[^\"]*\"[^>]*>", html):
        after = html[match.end() :].lstrip()
        icon = re.match(r'<span class="alert__icon"><svg [^>]*aria-hidden="true"[^>]*>', after)
        if not icon or 'focusable="false"' not in icon.group(0):
            missing.append(match.group(0))
    return missing


def test_every_alert_has_its_icon(app: Flask, client: FlaskClient, place: Place) -> None:
    # Alerts are written only by macros/alerts.html (and never by hand), so none lacks its icon.
    by_hand = [
        str(p.relative_to(TEMPLATES))
        for p in TEMPLATES.rglob("*.html")
        if "ds-alert" in p.read_text() and p.name != "alerts.html"
    ]
    assert by_hand == []
    assert not [p for p in (ROOT / "feedback").rglob("*.py") if "ds-alert" in p.read_text()]
    with app.test_request_context():
        icons = render_template_string(
            '{% from "macros/icons.html" import icon %}'
            + "".join(f"{{{{ icon('alert-{c}') }}}}|" for c in sorted(ALERT_ICONS))
        ).split("|")[:-1]
        assert len(set(icons)) == len(ALERT_ICONS), "each colour has its own icon"
        for color in sorted(ALERT_ICONS):
            html = render_template_string(
                '{% from "macros/alerts.html" import alert %}'
                "{% call alert(color, role='status') %}<p>Lagret.</p>{% endcall %}",
                color=color,
            )
            assert f'data-color="{color}"' in html and 'role="status"' in html
            assert icons[sorted(ALERT_ICONS).index(color)] in html
            assert _alerts_without_icon(html) == [] and "<p>Lagret.</p>" in html
        flash("Feil passord.", "error")
        flashed = render_template_string('{% include "partials/flashes.html" %}')
    assert 'data-color="danger"' in flashed and 'role="alert"' in flashed
    assert _alerts_without_icon(flashed) == []
    # A page as served: the public page of an organisation with nothing published says so.
    public = client.get(f"/dette-gjor-vi/{place.slug}?sprak=nb").get_data(as_text=True)
    assert public.count('class="ds-alert') == 1 and _alerts_without_icon(public) == []
    # The checker itself: an alert written by hand, without the icon, is caught.
    assert _alerts_without_icon('<div class="ds-alert" data-color="info"><p>x</p></div>')


def test_no_button_or_link_is_only_an_icon_without_a_name() -> None:
    icon_only = re.compile(r"<(button|a)\b([^>]*)>\s*\{\{ icon\('[\w-]+'\) \}\}\s*</\1>")
    unnamed = [
        (str(p.relative_to(TEMPLATES)), m.group(0))
        for p in TEMPLATES.rglob("*.html")
        for m in icon_only.finditer(p.read_text())
        if "aria-label" not in m.group(2)
    ]
    assert unnamed == []


def test_respondent_pages_carry_no_icons() -> None:
    """They stay light (tests/respond/test_weight.py): no icon in what they render."""
    for path in (TEMPLATES / "respond").glob("*.html"):
        text = path.read_text()
        assert "icon(" not in text and "macros/alerts.html" not in text, path.name
