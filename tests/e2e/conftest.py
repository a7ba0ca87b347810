"""Browser fixtures: the app served on 127.0.0.1 and driven by Debian's Chromium via Playwright.

No browser is downloaded: Playwright launches /usr/bin/chromium (or FEEDBACK_CHROMIUM).
axe-core comes from npm (node_modules/axe-core, or FEEDBACK_AXE_PATH). Without them the tests
skip with the reason, unless FEEDBACK_REQUIRE_BROWSER=1 (CI), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.pool import NullPool
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("FEEDBACK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(os.environ.get("FEEDBACK_AXE_PATH") or ROOT / "node_modules/axe-core/axe.min.js")
REQUIRED = os.environ.get("FEEDBACK_REQUIRE_BROWSER") == "1"
#: The flags a closed network needs: no background calls home, no sandbox as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if not AXE.exists():
        return f"axe-core not found at {AXE} (npm install)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _missing()
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)
            if reason and not REQUIRED:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = _missing()
    if reason:
        pytest.fail(f"browser tests are required here but cannot run: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    """Without a pool, each request closes its own database connection: a request the browser
    started just before the test ended may still run in a server thread after the app is torn
    down, and must not leave a connection behind."""
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": NullPool}}


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def new_page(browser: Any, width: int = 1280, height: int = 800, **options: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies, no history) with one page of this size."""
    context = browser.new_context(
        locale="nb-NO", viewport={"width": width, "height": height}, **options
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page as a visitor's browser sees it, with the app's Content-Security-Policy in force."""
    with new_page(browser) as page:
        yield page


@pytest.fixture
def axe_page(browser: Any) -> Iterator[Any]:
    """A page where the test may inject axe-core (the app's CSP would rightly block it)."""
    with new_page(browser, bypass_csp=True) as page:
        yield page


def axe_violations(page: Any) -> list[str]:
    """Run axe-core for WCAG 2.0/2.1 A and AA; one readable line per violating node."""
    page.add_script_tag(path=str(AXE))
    return axe_again(page)


def axe_again(page: Any) -> list[str]:
    """axe_violations on a page where axe-core is already loaded (after a resize, say)."""
    result = page.evaluate(
        "async (tags) => await axe.run(document,"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {node['target']} – {v['help']}"
        for v in result["violations"]
        for node in v["nodes"]
    ]


def sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/logg-inn")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
