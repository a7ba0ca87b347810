"""axe-core on every page type, in bokmål, nynorsk and English, at 320, 375 and 1280 px, with the
organisation's own name, colour and logo set (issue 22).

The list of page types is the screenshot script's (scripts/screenshots.py, ``pages``), so a page
type added there is checked here too. One demo organisation per worker serves every check: each
role signs in once per language, each page is loaded once per language, and axe runs at each
width after the window is resized (the page reflows as on a phone turned or a window narrowed).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy.pool import NullPool

from feedback.demo import DEMO_PASSWORD
from feedback.extensions import db
from tests.conftest import build_app, module_database
from tests.e2e.conftest import AXE, ROOT, axe_again, new_page

pytestmark = pytest.mark.e2e

WIDTHS = (1280, 375, 320)
LANGUAGES = ("nb", "nn", "en")
ACCOUNTS = {
    "quality": "kvalitet@example.no",
    "manager": "leder@example.no",
    "admin": "admin@example.no",
}
#: Public pages that belong to no organisation, so they carry none's colours.
OWNED_BY_NONE = {
    "sign-in",
    "forgot-password",
    "not-found",
    "respond-code",
    "privacy",
    "deviation-choose",
    "deviation-follow-up",
}
#: Pages made to be printed on A4 (the poster, the paper questionnaire, the report): their
#: printed width is the point, and the screen shows that page.
PRINTED = {"poster", "paper", "results-report"}
#: Pages that show a questionnaire as its respondents get it: in the questionnaire's language.
IN_THE_QUESTIONNAIRES_LANGUAGE = {"preview", "poster", "paper"}


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "scripts/screenshots.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCREENS = _script()


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, migrated_database: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The demo organisation with its own identity, served from this process."""
    for url in module_database(tmp_path_factory, migrated_database, "every_page"):
        app = build_app(url, SQLALCHEMY_ENGINE_OPTIONS={"poolclass": NullPool})
        try:
            result = app.test_cli_runner().invoke(args=["demo"])
            assert result.exit_code == 0, result.output
            ids = SCREENS.prepare(app)
            with SCREENS.serve(app) as base:
                yield base, ids
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


#: Radio buttons and checkboxes drawn smaller than 16 px a side (a width rule meant for text
#: fields once squeezed the case list's checkboxes to 8 px).
SQUEEZED = """() => [...document.querySelectorAll('input[type=checkbox], input[type=radio]')]
    .filter((e) => e.offsetParent !== null && !e.closest('.visually-hidden'))
    .filter((e) => { const r = e.getBoundingClientRect(); return r.width < 16 || r.height < 16; })
    .map((e) => e.id || e.name)"""


def _too_wide(page: Any, width: int) -> int | None:
    """How wide the page still is if it scrolls sideways (a wide table scrolls in its own frame,
    never the page), waiting up to 3 s for it to fit: plotly redraws charts a moment after the
    window changes."""
    from playwright.sync_api import TimeoutError as Timeout

    try:
        page.wait_for_function(
            "w => document.documentElement.scrollWidth <= w", arg=width, timeout=3000
        )
    except Timeout:
        return int(page.evaluate("document.documentElement.scrollWidth"))
    return None


def _sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/logg-inn")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("main button[type=submit]").first.click()
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ["public", "quality", "manager", "admin"])
def test_every_page_type_has_no_violations(
    browser: Any, site: tuple[str, dict[str, Any]], role: str, language: str
) -> None:
    base, ids = site
    problems: list[str] = []
    unbranded: list[str] = []
    listed = SCREENS.pages(ids)[role]
    with new_page(browser, bypass_csp=True) as page:
        page.goto(f"{base}/sprak/{language}?next=/logg-inn")
        if role in ACCOUNTS:
            _sign_in(page, base, ACCOUNTS[role])
        for name, path in listed:
            page.set_viewport_size({"width": WIDTHS[0], "height": 800})
            response = page.goto(base + path)
            assert response is not None
            expected = SCREENS.EXPECTED_STATUS.get(path, 200)
            assert response.status == expected, f"{name} {path}: {response.status}"
            lang = page.get_attribute("html", "lang")
            if lang != language and name not in IN_THE_QUESTIONNAIRES_LANGUAGE:
                problems.append(f"{name} {path}: lang={lang}")
            if not page.locator("link[href*='/merke/']").count():
                unbranded.append(name)
            page.add_script_tag(path=str(AXE))
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 800})
                wide = None if name in PRINTED else _too_wide(page, width)
                problems += [f"{name} {path} at {width} px: {v}" for v in axe_again(page)]
                if wide:
                    problems.append(f"{name} {path} at {width} px scrolls sideways to {wide} px")
                squeezed = page.evaluate(SQUEEZED)
                if squeezed:
                    problems.append(f"{name} {path} at {width} px: squeezed {squeezed}")
    assert problems == []
    # The organisation's colour is in force on every page that belongs to it: all but the
    # public pages that no organisation owns.
    assert set(unbranded) <= OWNED_BY_NONE, unbranded
