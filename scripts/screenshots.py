"""Screenshots of every page type at phone (375 px) and desktop (1280 px) width, to look at
what was built (issue 22). Commit none of them.

Usage: python scripts/screenshots.py [OUT_DIR]      (default: /tmp/screenshots)

Makes a throwaway SQLite database in a temporary directory, loads the demo organisation
(``flask init`` and ``flask demo``), gives it its own name, colour and logo (``prepare``),
serves the app on 127.0.0.1 from this process, and signs in with Chromium (/usr/bin/chromium,
or CHROMIUM) as the quality group, the manager and the administrator. Writes
<role>-<page>-<width>.png, full page, and prints each file it wrote; a page that fails is
reported and skipped. Nothing is left running and the database is removed.

``pages`` is the list of every page type: tests/e2e/test_every_page.py runs axe on each.
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
ACCOUNTS = {
    "quality": "kvalitet@example.no",
    "manager": "leder@example.no",
    "admin": "admin@example.no",
}


def _flask(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", *args], env=env, check=True)  # noqa: S603


#: The demo organisation's own identity in every screenshot (and in the browser tests' sweep of
#: every page type): a name, an accent colour and a logo.
BRAND_NAME = "Fjordvik psykisk helse og rus"
BRAND_ACCENT = "#006b3c"
BRAND_LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40" width="120" height="40">'
    b"<title>Fjordvik</title>"
    b'<path d="M0 30 Q15 5 30 30 T60 30 V40 H0 Z" fill="#006b3c"/>'
    b'<circle cx="90" cy="20" r="14" fill="#0a5f8a"/></svg>'
)


def prepare(app: Any) -> dict[str, Any]:
    """Give the demo organisation its identity; return the ids that ``pages`` needs."""
    import sqlalchemy as sa

    from feedback.brand import services as brand
    from feedback.extensions import db
    from feedback.models import (
        ActionPoint,
        Deviation,
        DeviationCategory,
        Organisation,
        Question,
        SurveyPage,
        SurveyRound,
        Unit,
        User,
    )
    from feedback.respond.services import kiosk_key

    with app.app_context():
        organisation = db.session.scalars(sa.select(Organisation)).first()
        brand.update_identity(
            organisation,
            None,
            display_name=BRAND_NAME,
            accent_colour=BRAND_ACCENT,
            logo=BRAND_LOGO,
        )
        db.session.commit()
        rounds = {r.status: r for r in db.session.scalars(sa.select(SurveyRound))}
        draft = rounds["draft"]
        page = db.session.scalars(
            sa.select(SurveyPage).where(SurveyPage.round_id == draft.id).order_by(SurveyPage.id)
        ).first()
        question = db.session.scalars(
            sa.select(Question).where(Question.round_id == draft.id).order_by(Question.id)
        ).first()
        case = db.session.scalars(sa.select(Deviation).order_by(Deviation.id)).first()
        point = db.session.scalars(sa.select(ActionPoint).order_by(ActionPoint.id)).first()
        first = lambda model: db.session.scalars(sa.select(model.id).order_by(model.id)).first()  # noqa: E731
        return {
            "slug": organisation.slug,
            "open": rounds["open"].id,
            "token": rounds["open"].public_token,
            "closed": rounds["closed"].id,
            "draft": draft.id,
            "draft_page": page.id if page else None,
            "draft_question": question.id if question else None,
            "kiosk": kiosk_key(rounds["open"], None, 120),
            "case": case.id if case else None,
            "point": (point.round_id, point.id) if point else None,
            "user": first(User),
            "unit": first(Unit),
            "category": first(DeviationCategory),
        }


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, from a thread of this process."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def demo_server(workdir: Path) -> Iterator[tuple[str, dict[str, Any]]]:
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

    from feedback import create_app

    app = create_app()
    ids = prepare(app)
    with serve(app) as base:
        yield base, ids


#: Pages that answer with an error status on purpose.
EXPECTED_STATUS = {"/finnes-ikke": 404}


def pages(ids: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Every page type, as (name, path) per role; "public" is signed out. The browser tests run
    axe on each of them in three languages and three widths (tests/e2e/test_every_page.py)."""
    open_, closed, draft = ids["open"], ids["closed"], ids["draft"]
    case = ids["case"]
    return {
        "public": [
            ("sign-in", "/logg-inn"),
            ("forgot-password", "/glemt-passord"),
            ("not-found", "/finnes-ikke"),
            ("respond-first-page", f"/s/{ids['token']}"),
            ("respond-thanks", f"/s/{ids['token']}/takk"),
            ("respond-code", "/kode"),
            ("kiosk", f"/kiosk/{ids['kiosk']}"),
            ("privacy", "/personvern"),
            ("public-page", f"/dette-gjor-vi/{ids['slug']}"),
            ("deviation-choose", "/avvik/"),
            ("deviation-form", f"/avvik/{ids['slug']}"),
            ("deviation-follow-up", "/avvik/oppfolging"),
            ("deviation-follow-up-own", f"/avvik/{ids['slug']}/oppfolging"),
        ],
        "quality": [
            ("start", "/"),
            ("questionnaires", "/skjema/"),
            ("new-questionnaire", "/skjema/nytt"),
            ("import", "/skjema/importer"),
            ("editor", f"/skjema/{draft}"),
            ("settings", f"/skjema/{draft}/innstillinger"),
            ("preview", f"/skjema/{draft}/forhandsvis"),
            *(
                [("edit-page", f"/skjema/{draft}/sider/{ids['draft_page']}")]
                if ids["draft_page"]
                else []
            ),
            *(
                [("edit-question", f"/skjema/{draft}/sporsmal/{ids['draft_question']}")]
                if ids["draft_question"]
                else []
            ),
            ("round", f"/skjema/{open_}"),
            ("round-texts", f"/skjema/{open_}/tekster"),
            ("round-approval", f"/skjema/{open_}/godkjenning"),
            ("round-run", f"/skjema/{open_}/gjennomforing"),
            ("round-history", f"/skjema/{open_}/logg"),
            ("save-template", f"/skjema/{open_}/mal"),
            ("links", f"/skjema/{open_}/lenker"),
            ("poster", f"/skjema/{open_}/plakat"),
            ("codes", f"/skjema/{open_}/koder"),
            ("kiosk-setup", f"/skjema/{open_}/kiosk"),
            ("paper", f"/skjema/{open_}/papir"),
            ("paper-entry", f"/skjema/{open_}/registrer"),
            ("fieldwork", f"/skjema/{open_}/feltarbeid"),
            ("results-list", "/resultater/"),
            ("results", f"/resultater/{closed}"),
            ("results-filter-error", f"/resultater/{closed}?enhet=abc"),
            ("results-questions", f"/resultater/{closed}/sporsmal"),
            ("results-free-text", f"/resultater/{closed}/fritekst"),
            ("results-compare", f"/resultater/{closed}/sammenlign"),
            ("results-trend", f"/resultater/{open_}/utvikling"),
            ("results-downloads", f"/resultater/{closed}/last-ned"),
            ("results-report", f"/resultater/{closed}/rapport"),
            ("evaluation", f"/resultater/{closed}/vurdering"),
            ("new-action-point", f"/resultater/{closed}/tiltak/ny"),
            *(
                [("edit-action-point", "/resultater/{}/tiltak/{}/endre".format(*ids["point"]))]
                if ids["point"]
                else []
            ),
            ("cases", "/avvik/saker"),
            *(
                [
                    ("case", f"/avvik/saker/{case}"),
                    ("case-handling", f"/avvik/saker/{case}/behandling"),
                    ("case-measures", f"/avvik/saker/{case}/tiltak"),
                    ("case-history", f"/avvik/saker/{case}/historikk"),
                ]
                if case
                else []
            ),
            ("deviation-statistics", "/avvik/statistikk"),
            ("account", "/konto"),
            ("password", "/konto/passord"),
            ("email", "/konto/epost"),
            ("two-step", "/konto/totp"),
            ("sessions", "/konto/okter"),
            ("api-keys", "/konto/api-nokler/"),
        ],
        "manager": [
            ("overview", "/leder/"),
            ("results", f"/resultater/{closed}"),
            ("evaluation", f"/resultater/{closed}/vurdering"),
        ],
        "admin": [
            ("admin", "/admin/"),
            ("identity", "/admin/identitet"),
            ("settings", "/admin/innstillinger"),
            ("sign-in-settings", "/admin/innlogging"),
            ("units", "/admin/enheter"),
            ("unit", f"/admin/enheter/{ids['unit']}"),
            ("accounts", "/admin/brukere"),
            ("account", f"/admin/brukere/{ids['user']}"),
            ("invite", "/admin/brukere/ny"),
            ("audit-log", "/admin/logg"),
            ("categories", "/avvik/kategorier"),
            ("category", f"/avvik/kategorier/{ids['category']}"),
        ],
    }


def shoot(page: Any, base: str, out: Path, role: str, name: str, path: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        try:
            response = page.goto(base + path)
            page.wait_for_load_state("networkidle")
            expected = EXPECTED_STATUS.get(path, 200)
            if response is not None and response.status >= 400 and response.status != expected:
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


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    with (
        tempfile.TemporaryDirectory(prefix="screenshots-") as workdir,
        demo_server(Path(workdir)) as (base, ids),
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
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT, help="folder to write to")
    main(parser.parse_args().out)
