"""Screenshots of every page type at phone (375 px) and desktop (1280 px) width, to look at
what was built (issue 22). Commit none of them.

Usage: python scripts/screenshots.py [--branded] [OUT_DIR]      (default: /tmp/screenshots)

--branded gives the demo organisation a display name, an accent colour and an SVG logo first,
to look at its identity on every page (the follow-up pages and the case page included).

Makes a throwaway SQLite database in a temporary directory, loads the demo organisation
(``flask init`` and ``flask demo``), serves the app on 127.0.0.1 from this process, and signs in
with Chromium (/usr/bin/chromium, or CHROMIUM) as the quality group, the manager and the
administrator. Writes <role>-<page>-<width>.png, full page, and prints each file it wrote; a
page that fails is reported and skipped. Nothing is left running and the database is removed.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
WIDTHS = (375, 1280)
DEFAULT_OUT = Path(tempfile.gettempdir()) / "screenshots"
PASSWORD = "demo-passord"  # noqa: S105 - the documented demo password (feedback/demo.py)
#: The identity --branded gives the demo organisation.
BRAND_NAME = "Fjordvik kommune – psykisk helse og rus"
BRAND_COLOUR = "#0b5394"
BRAND_LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40" width="120" height="40">'
    '<rect width="40" height="40" rx="6" fill="#0b5394"/>'
    '<path d="M6 30 L16 14 L24 24 L30 16 L36 30 Z" fill="#fff"/>'
    '<rect x="46" y="10" width="68" height="8" rx="2" fill="#0b5394"/>'
    '<rect x="46" y="24" width="48" height="6" rx="2" fill="#6b7c93"/></svg>'
)
ACCOUNTS = {
    "quality": "kvalitet@example.no",
    "manager": "leder@example.no",
    "admin": "admin@example.no",
}


def _flask(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", *args], env=env, check=True)  # noqa: S603


@contextmanager
def demo_server(workdir: Path, branded: bool = False) -> Iterator[tuple[str, dict[str, Any]]]:
    """The app with the demo data on a free port; yields its address and the demo's ids."""
    env = {
        **os.environ,
        "FLASK_APP": "feedback",
        "FEEDBACK_DATABASE_URL": f"sqlite:///{workdir / 'demo.db'}",
        "FEEDBACK_SECRET_KEY": secrets.token_hex(32),
    }
    _flask(env, "init")
    _flask(env, "demo")
    os.environ.update(env)

    import sqlalchemy as sa
    from werkzeug.serving import WSGIRequestHandler, make_server

    from feedback import create_app
    from feedback.extensions import db
    from feedback.models import Deviation, Organisation, SurveyRound

    app = create_app()
    with app.app_context():
        if branded:
            from feedback.brand import services as identity

            organisation = db.session.scalars(sa.select(Organisation)).first()
            identity.update_identity(
                organisation,
                None,
                display_name=BRAND_NAME,
                accent_colour=BRAND_COLOUR,
                logo=BRAND_LOGO.encode(),
            )
            db.session.commit()
        rounds = {r.status: r for r in db.session.scalars(sa.select(SurveyRound))}
        case = db.session.scalars(sa.select(Deviation)).first()
        ids = {
            "slug": db.session.scalars(sa.select(Organisation.slug)).first(),
            "open": rounds["open"].id,
            "token": rounds["open"].public_token,
            "closed": rounds["closed"].id,
            "draft": rounds["draft"].id,
            "case": case.id if case else None,
        }

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", ids
    finally:
        server.shutdown()
        thread.join(timeout=5)


def pages(ids: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """(name, path) per role; "public" is signed out."""
    open_, closed, draft = ids["open"], ids["closed"], ids["draft"]
    return {
        "public": [
            ("sign-in", "/logg-inn"),
            ("respond-first-page", f"/s/{ids['token']}"),
            ("respond-thanks", f"/s/{ids['token']}/takk"),
            ("respond-code", "/kode"),
            ("privacy", "/personvern"),
            ("public-page", f"/dette-gjor-vi/{ids['slug']}"),
            ("deviation-form", f"/avvik/{ids['slug']}"),
            ("deviation-follow-up", "/avvik/oppfolging"),
            ("deviation-follow-up-own", f"/avvik/{ids['slug']}/oppfolging"),
        ],
        "quality": [
            ("start", "/"),
            ("questionnaires", "/skjema/"),
            ("editor", f"/skjema/{draft}"),
            ("round", f"/skjema/{open_}"),
            ("round-texts", f"/skjema/{open_}/tekster"),
            ("round-approval", f"/skjema/{open_}/godkjenning"),
            ("round-run", f"/skjema/{open_}/gjennomforing"),
            ("round-history", f"/skjema/{open_}/logg"),
            ("links", f"/skjema/{open_}/lenker"),
            ("poster", f"/skjema/{open_}/plakat"),
            ("paper", f"/skjema/{open_}/papir"),
            ("codes", f"/skjema/{open_}/koder"),
            ("fieldwork", f"/skjema/{open_}/feltarbeid"),
            ("results-list", "/resultater/"),
            ("results", f"/resultater/{closed}"),
            ("results-questions", f"/resultater/{closed}/sporsmal"),
            ("results-free-text", f"/resultater/{closed}/fritekst"),
            ("results-compare", f"/resultater/{closed}/sammenlign"),
            ("results-trend", f"/resultater/{open_}/utvikling"),
            ("results-downloads", f"/resultater/{closed}/last-ned"),
            ("results-report", f"/resultater/{closed}/rapport"),
            ("evaluation", f"/resultater/{closed}/vurdering"),
            ("cases", "/avvik/saker"),
            *(
                [
                    ("case", f"/avvik/saker/{ids['case']}"),
                    ("case-handling", f"/avvik/saker/{ids['case']}/behandling"),
                    ("case-measures", f"/avvik/saker/{ids['case']}/tiltak"),
                    ("case-history", f"/avvik/saker/{ids['case']}/historikk"),
                ]
                if ids["case"]
                else []
            ),
            ("deviation-statistics", "/avvik/statistikk"),
            ("account", "/konto"),
            ("sessions", "/konto/okter"),
            ("api-keys", "/konto/api-nokler/"),
        ],
        "manager": [("overview", "/leder/"), ("results", f"/resultater/{closed}")],
        "admin": [
            ("admin", "/admin/"),
            ("identity", "/admin/identitet"),
            ("units", "/admin/enheter"),
            ("accounts", "/admin/brukere"),
            ("audit-log", "/admin/logg"),
            ("categories", "/avvik/kategorier"),
        ],
    }


def shoot(page: Any, base: str, out: Path, role: str, name: str, path: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        try:
            response = page.goto(base + path)
            page.wait_for_load_state("networkidle")
            if response is not None and response.status >= 400:
                print(f"{role} {path}: {response.status}", file=sys.stderr)
            file = out / f"{role}-{name}-{width}.png"
            page.screenshot(path=file, full_page=True)
            print(file)
        except Exception as error:  # noqa: BLE001 - report the page and go on with the next
            print(f"FAILED {role} {path} at {width} px: {error}", file=sys.stderr)


def receipt(page: Any, base: str, out: Path, slug: str) -> None:
    """Send a deviation report to see the receipt page (its code is made up for the demo)."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        try:
            page.goto(f"{base}/avvik/{slug}")
            page.locator("input[name=reporter_kind]").first.check()
            page.locator("input[name=category]").first.check()
            unit = page.locator("#unit option[value]:not([value=''])").first.get_attribute("value")
            page.select_option("#unit", unit)
            page.fill("#event_date", date.today().isoformat())  # a date input takes ISO dates
            page.fill("#description", "Demo: the screenshots script sent this report.")
            page.locator("main form button[type=submit]").last.click()
            page.wait_for_load_state("networkidle")
            file = out / f"public-deviation-receipt-{width}.png"
            page.screenshot(path=file, full_page=True)
            print(file)
            # The case, as the reporter opens it with the code from the receipt.
            code = page.locator("#receipt-code").inner_text().strip()
            page.locator("main a[href*='/oppfolging']").last.click()
            page.fill("#kode", code)
            page.locator("main form button[type=submit]").click()
            page.wait_for_load_state("networkidle")
            file = out / f"public-deviation-case-{width}.png"
            page.screenshot(path=file, full_page=True)
            print(file)
        except Exception as error:  # noqa: BLE001
            print(f"FAILED the receipt page at {width} px: {error}", file=sys.stderr)


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/logg-inn")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").first.click()
    page.wait_for_load_state()


def main(out: Path, branded: bool = False) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    with (
        tempfile.TemporaryDirectory(prefix="screenshots-") as workdir,
        demo_server(Path(workdir), branded) as (base, ids),
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            for role, listed in pages(ids).items():
                context = browser.new_context(locale="nb-NO")
                page = context.new_page()
                if role in ACCOUNTS:
                    sign_in(page, base, ACCOUNTS[role])
                for name, path in listed:
                    shoot(page, base, out, role, name, path)
                if role == "public":
                    receipt(page, base, out, ids["slug"])
                context.close()
        finally:
            browser.close()


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if any(a in ("-h", "--help") for a in arguments):
        sys.exit(__doc__)
    folders = [a for a in arguments if a != "--branded"]
    main(Path(folders[0] if folders else DEFAULT_OUT), branded="--branded" in arguments)
