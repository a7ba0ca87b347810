"""gunicorn's access log with the project's gunicorn.conf.py (issue 19, point 8): a respondent
who answers a questionnaire page by page and a reporter who sends a deviation report and
follows it up leave no line in it; with FEEDBACK_LOG_PUBLIC_REQUESTS=masked a line each, as
``"POST /s/*" 303``, without token, page, unit, organisation or query string."""

from __future__ import annotations

import html
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import pytest
from flask import Flask

from feedback.config import PUBLIC_REQUESTS_SETTING
from feedback.deviations.categories import add_default_categories, categories
from feedback.extensions import db
from feedback.models.base import today
from tests import factories
from tests.platform.conftest import Browser
from tests.world import FULL_WALK, make_round

SKJEMA = re.compile(r'name="skjema" (?:type="hidden" )?value="([^"]+)"')
RECEIPT = re.compile(r'class="receipt__code"[^>]*>([^<]+)<')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
DESCRIPTION = "Husmøtet ble avlyst uten beskjed."


@dataclass(frozen=True)
class Place:
    token: str
    unit_id: int
    slug: str
    category_id: int
    unit_for_report: int


@pytest.fixture
def place(app: Flask) -> Place:
    with app.app_context():
        org = factories.organisation("Fjordvik kommune", "fjordvik")
        unit = factories.unit(org, "Aktivitetshuset")
        add_default_categories(org)
        factories.user("kari@example.no", org=org, role="quality", name="Kari")
        round_ = make_round(org)
        category = categories(org)[0]
        place = Place(round_.public_token, unit.id, org.slug, category.id, unit.id)
        db.session.commit()
        db.engine.dispose()
        return place


@pytest.fixture(params=["default", "masked"])
def server(
    request: pytest.FixtureRequest,
    bench: ModuleType,  # noqa: F811
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[int, str]]:
    """gunicorn as in production; yields its port and the setting."""
    monkeypatch.delenv(PUBLIC_REQUESTS_SETTING, raising=False)
    env = {
        "FEEDBACK_ENV": "production",
        "FEEDBACK_DATABASE_URL": database_url,
        "FEEDBACK_SECRET_KEY": secrets.token_urlsafe(48),
        "FEEDBACK_SECURE_COOKIES": "false",
        "FEEDBACK_RATELIMIT_STORAGE_URL": "memory://",
        "FEEDBACK_RATELIMIT_ALLOW_MEMORY": "true",
    }
    if request.param == "masked":
        env[PUBLIC_REQUESTS_SETTING] = "masked"
    running = bench.Server("feedback:create_app()", env, tmp_path / "gunicorn.log")
    try:
        running.start("/logg-inn")
        yield running.port, request.param
    finally:
        running.stop()


class PairsBrowser(Browser):
    """Sends a form with repeated names (a multiple choice), as a browser does."""

    def send_pairs(self, method: str, path: str, form: list[tuple[str, str]]) -> tuple[int, str]:
        import http.client
        import urllib.parse

        body = urllib.parse.urlencode(form).encode()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(
                method,
                path,
                body=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            response = connection.getresponse()
            #: Where a redirect sends the browser (a questionnaire page's own address).
            self.location = response.getheader("Location", "")
            return response.status, response.read().decode()
        finally:
            connection.close()


def _hidden(page: str) -> list[tuple[str, str]]:
    form = page.split('id="answer-form"', 1)[1].split("</form>", 1)[0]
    return [(name, html.unescape(value)) for name, value in HIDDEN.findall(form)]


def _answer_by_unit_link(browser: PairsBrowser, place: Place) -> list[int]:
    """Walks the questionnaire by unit link as a browser does; returns the statuses."""
    url = f"/s/{place.token}/{place.unit_id}"
    status, page = browser.send_pairs("GET", f"{url}?sprak=nb", [])
    statuses = [status]
    pages = [dict(cast(dict[str, Any], p)) for p in FULL_WALK]
    pages[0].pop("enhet")
    for answers in pages:
        # Each page has its own address, which the redirect names (POST-redirect-GET).
        status, page = browser.send_pairs("GET", browser.location, [])
        statuses.append(status)
        form: list[tuple[str, str]] = _hidden(page)
        for name, value in answers.items():
            for item in value if isinstance(value, list) else [value]:
                form.append((name, str(item)))
        form.append(("nav", "next"))
        status, page = browser.send_pairs("POST", url, form)
        statuses.append(status)
    return statuses


def _log_after_marker(log: Path, port: int) -> tuple[str, str]:
    """The log once the line of a last staff request is in it (gunicorn writes a line after
    answering; 10 s at most), and half a second more for the other worker's lines; and the
    marker's line."""
    marker = f'"GET /slutt-{secrets.token_hex(4)}" 404'
    assert Browser(port).send("GET", marker.split()[1].rstrip('"'))[0] == 404
    for _ in range(100):
        if marker in log.read_text(encoding="utf-8"):
            break
        time.sleep(0.1)
    time.sleep(0.5)
    return log.read_text(encoding="utf-8"), marker


def test_respondents_and_reporters_leave_no_line_in_the_access_log(
    server: tuple[int, str], place: Place, tmp_path: Path
) -> None:
    port, setting = server
    browser = PairsBrowser(port)

    # A respondent: first page, three pages sent, the thank-you page.
    statuses = _answer_by_unit_link(browser, place)
    assert statuses == [303, 200, 303, 200, 303, 200, 303], statuses
    assert browser.send("GET", f"/s/{place.token}/takk?sprak=nb")[0] == 200
    # The same address with an escaped letter is routed to the questionnaire too.
    assert browser.send("GET", f"/%73/{place.token}?sprak=nb")[0] == 303
    assert browser.send("GET", "/kode")[0] == 200

    # A reporter: the form, the report, the follow-up by receipt code.
    status, page = browser.send("GET", f"/avvik/{place.slug}?sprak=nb")
    assert status == 200
    token = SKJEMA.search(page)
    assert token is not None
    report = {
        "sprak": "nb",
        "skjema": token.group(1),
        "reporter_kind": "service_user",
        "unit": str(place.unit_for_report),
        "event_date": (today() - timedelta(days=2)).strftime("%d.%m.%Y"),
        "category": str(place.category_id),
        "description": DESCRIPTION,
        "suggestion": "",
        "reporter_name": "",
        "reporter_contact": "",
    }
    status, page = browser.send("POST", f"/avvik/{place.slug}", report)
    assert status == 200, page
    receipt = RECEIPT.search(page)
    assert receipt is not None
    code = receipt.group(1).strip()
    status, page = browser.send("POST", "/avvik/oppfolging", {"kode": code, "sprak": "nb"})
    assert status == 200 and DESCRIPTION in page

    log, marker = _log_after_marker(tmp_path / "gunicorn.log", port)
    requests = [line for line in log.splitlines() if re.match(r'^"[A-Z]+ ', line)]
    assert any(line.startswith(marker) for line in requests), log
    # No address with a questionnaire's form token ("skjema=") either.
    for secret in (place.token, place.slug, code, code.replace("-", ""), "sprak", "skjema", "%73"):
        assert secret not in log, (secret, log)
    public = [
        line.split(" ", 3)[:3]
        for line in requests
        if not line.startswith(('"GET /logg-inn"', marker))
    ]
    if setting == "default":
        assert public == [], log
    else:
        # Sorted: the two workers may write their lines in another order than they answered.
        assert sorted(public) == sorted(
            [
                ['"GET', '/s/*"', "303"],
                ['"GET', '/s/*"', "200"],
                ['"POST', '/s/*"', "303"],
                ['"GET', '/s/*"', "200"],
                ['"POST', '/s/*"', "303"],
                ['"GET', '/s/*"', "200"],
                ['"POST', '/s/*"', "303"],
                ['"GET', '/s/*"', "200"],
                ['"GET', '/s/*"', "303"],
                ['"GET', '/kode/*"', "200"],
                ['"GET', '/avvik/*"', "200"],
                ['"POST', '/avvik/*"', "200"],
                ['"POST', '/avvik/*"', "200"],
            ]
        ), log
