"""Anonymity audit in Chromium (docs/design.md, rules 1, 2): every way of answering and reporting is
walked by a browser with a marked client address and user agent, then every table, every log
record and the rate limiter's storage (Redis when FEEDBACK_TEST_REDIS_URL names one) are
searched for the marks, and the anonymous tables for the time of day.

The app trusts no proxy header (gunicorn puts the proxy's own address in REMOTE_ADDR). Here it
is wrapped in werkzeug's ProxyFix trusting one hop, as a deployment that trusted its proxy
would be, so the marked address really is ``request.remote_addr``: the test checks that it
arrived, so what is absent afterwards was left out by the app, not never sent.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask, request
from sqlalchemy.pool import NullPool
from werkzeug.middleware.proxy_fix import ProxyFix

from feedback.auth.services import LOGIN_SCOPE
from feedback.codes import show_code
from feedback.deviations.receipts import RECEIPT_SCOPE
from feedback.extensions import db, limiter
from feedback.fieldwork import services as fieldwork
from feedback.maintenance import anonymous_tables
from feedback.models import Organisation, Response, SurveyRound
from feedback.models.base import today
from feedback.respond import services as respond
from feedback.respond.views import CODE_SCOPE
from tests.e2e.conftest import new_page
from tests.shared import clock_readings, dump_tables, is_temporal
from tests.world import Survey

pytestmark = pytest.mark.e2e

MARK_IP = "203.0.113.77"
MARK_AGENT = "MarkerAgent/7.3 (zq9-audit)"
#: The attempt counters go to Redis when the suite is given one (FEEDBACK_TEST_REDIS_URL, as in
#: CI), in its database 13, which no other test uses and which is emptied at the start; else
#: to the memory storage, which is searched the same way.
REDIS_URL = (
    urlsplit(os.environ["FEEDBACK_TEST_REDIS_URL"])._replace(path="/13").geturl()
    if os.environ.get("FEEDBACK_TEST_REDIS_URL")
    else None
)
#: Every header a proxy might put the client's address in.
PROXY_HEADERS = {
    "X-Forwarded-For": MARK_IP,
    "X-Real-IP": MARK_IP,
    "Forwarded": f"for={MARK_IP};proto=http",
    "True-Client-IP": MARK_IP,
}
#: The tables the journeys write to: only those that hold anonymous data (no audit trail, no
#: account touched by the failed sign-in). Notices are queued only when mail is on.
WRITTEN = {
    "response",
    "answer",
    "access_code",
    "used_form_token",
    "deviation",
    "deviation_message",
}


def _hashes(text: str) -> list[str]:
    return [hashlib.new(name, text.encode()).hexdigest() for name in ("md5", "sha1", "sha256")]


def _marks() -> list[str]:
    """The marks in every form they might be kept in: as written, with other separators, the
    other way round, as a number, hashed, base64-encoded, and Flask-Login's session
    identifier (a hash of address and user agent)."""
    address = ipaddress.IPv4Address(MARK_IP)
    octets = MARK_IP.split(".")
    forms = [
        MARK_IP,
        *(separator.join(octets) for separator in "-_ ,"),
        ".".join(reversed(octets)),
        ".".join(f"{int(o):03d}" for o in octets),
        str(int(address)),
        address.packed.hex(),
        str(ipaddress.IPv6Address(f"::ffff:{MARK_IP}")),
        base64.b64encode(MARK_IP.encode()).decode().rstrip("="),
        *_hashes(MARK_IP),
        MARK_AGENT,
        "MarkerAgent",
        "zq9-audit",
        base64.b64encode(MARK_AGENT.encode()).decode().rstrip("="),
        *_hashes(MARK_AGENT),
        hashlib.sha512(f"{MARK_IP}|{MARK_AGENT}".encode()).hexdigest(),
    ]
    return [form.lower() for form in forms]


MARKS = _marks()


def marks_in(text: str) -> list[str]:
    lowered = text.lower()
    return [mark for mark in MARKS if mark in lowered]


# --- what the app leaves behind: logs and the rate limiter ----------------------------------


class Recorder(logging.Handler):
    """Keeps each record as text (message, every attribute, the traceback) when it is made."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[str, str]] = []
        self.formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.name, f"{self.format(record)} {vars(record)!r}"))


@contextmanager
def every_log_record() -> Iterator[Recorder]:
    """Every logger at DEBUG (SQLAlchemy's statements, parameters and rows included) into one
    recorder, restored afterwards."""
    recorder = Recorder()
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    loggers.append(logging.getLogger("sqlalchemy.engine"))
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    for logger in loggers:
        logger.disabled = False
        if logger.level > logging.DEBUG or logger is logging.getLogger():
            logger.setLevel(logging.DEBUG)
    # The root sees what propagates; a logger that does not propagate gets its own copy.
    holders = [logging.getLogger()] + [logger for logger in loggers if not logger.propagate]
    for logger in holders:
        logger.addHandler(recorder)
    try:
        yield recorder
    finally:
        for logger in holders:
            logger.removeHandler(recorder)
        for logger, level, disabled in saved:
            logger.setLevel(level)
            logger.disabled = disabled


def limiter_storage() -> dict[str, str]:
    """Every key in the rate limiter's storage with its value, as text."""
    if REDIS_URL is None:
        storage = vars(limiter.limiter.storage)
        return {
            f"{part}:{key}": repr(value)
            for part in ("storage", "expirations", "events")
            for key, value in storage[part].items()
        }
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        dump: dict[str, str] = {}
        for key in client.scan_iter(count=1000):
            kind = client.type(key).decode()
            value: Any
            if kind == "string":
                value = client.get(key)
            elif kind == "hash":
                value = client.hgetall(key)
            elif kind == "list":
                value = client.lrange(key, 0, -1)
            elif kind == "set":
                value = client.smembers(key)
            elif kind == "zset":
                value = client.zrange(key, 0, -1, withscores=True)
            else:
                value = kind
            dump[key.decode()] = repr(value)
        return dump
    finally:
        client.close()


# --- the set-up --------------------------------------------------------------------------------


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    """The attempt counters in Redis, as with several app servers; no pool, as in the other
    browser tests (a request still running when the test ends leaves no connection behind)."""
    return {
        "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": NullPool},
        "RATELIMIT_STORAGE_URI": REDIS_URL or "memory://",
    }


@pytest.fixture
def limiter_storage_emptied() -> Iterator[None]:
    if REDIS_URL is None:
        yield  # the app's memory storage is new
        return
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    try:
        yield
    finally:
        client.flushdb()
        client.close()


@dataclass
class Place:
    slug: str
    kiosk: str
    code: str


@pytest.fixture
def place(app: Flask, survey: Survey) -> Place:
    """The survey's organisation (with the world's deviation categories), one access code and a
    kiosk."""
    with app.app_context():
        organisation = db.session.get(Organisation, survey.org_id)
        round_ = db.session.get(SurveyRound, survey.round_id)
        assert organisation is not None and round_ is not None
        batch = fieldwork.make_codes(round_, 1, None)
        [code] = fieldwork.batch_codes(round_, batch)
        kiosk = f"/kiosk/{respond.kiosk_key(round_, None, 120)}"
        db.session.commit()
        return Place(organisation.slug, kiosk, show_code(code.code))


@pytest.fixture
def seen(app: Flask) -> list[tuple[str | None, str]]:
    """What the app could have read about each client: the proof that the marks arrived."""
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    noted: list[tuple[str | None, str]] = []

    @app.before_request
    def note_client() -> None:
        noted.append((request.remote_addr, request.user_agent.string))

    return noted


@contextmanager
def marked_page(browser: Any, cookies: list[dict[str, Any]]) -> Iterator[Any]:
    """A new visitor with the marked address and browser; their cookies are kept for the
    audit when the page closes."""
    with new_page(browser, user_agent=MARK_AGENT, extra_http_headers=PROXY_HEADERS) as page:
        try:
            yield page
        finally:
            cookies.extend(page.context.cookies())


# --- the journeys ------------------------------------------------------------------------------


def answer_questionnaire(page: Any, thanks: str, choose_unit: bool) -> None:
    """Walk the three pages of the test questionnaire and send it in."""
    if choose_unit:
        page.check("#enhet-0")
    page.check("#q-listened-3")
    page.check("#q-group-0")
    page.click("button[value=next]")
    page.fill("#q-why", "Jeg møter folk.")
    page.check("#q-food-0")
    page.click("button[value=next]")
    page.fill("#q-age", "34")
    page.check("#q-activities-0")
    page.fill("#q-word", "Trygt")
    page.click("button[value=next]")
    page.wait_for_url(re.compile(thanks))


def report_and_follow_up(page: Any, base: str, survey: Survey, place: Place) -> None:
    """An anonymous deviation report, a wrong receipt code, then the right one and a reply."""
    from playwright.sync_api import expect

    page.goto(f"{base}/avvik/{place.slug}?sprak=nb")
    page.check("#reporter_kind-0")
    page.select_option("#unit", str(survey.units["Aktivitetshuset"]))
    page.fill("#event_date", (today() - timedelta(days=1)).isoformat())
    page.check("#category-0")
    page.fill("#description", "Husmøtet ble avlyst uten beskjed.")
    page.click("form[data-once][action^='/avvik/'] button[type=submit]")
    code = page.locator("#receipt-code")
    expect(code).to_be_visible()
    receipt = code.inner_text().strip()

    follow_up = "main form[action$='/oppfolging'] button[type=submit]"
    page.goto(f"{base}/avvik/oppfolging?sprak=nb")
    page.fill("#kode", "ABCD-EFGH-JKMN-PQRS")
    page.click(follow_up)
    expect(page.locator("#kode-error")).to_be_visible()
    page.fill("#kode", receipt)
    page.click(follow_up)
    expect(page.locator("main .status--received")).to_be_visible()
    page.fill("#body", "Det skjedde igjen i går.")
    page.click("form[action$='/oppfolging/svar'] button[type=submit]")
    expect(page.locator("main .notice--success")).to_be_visible()


def test_no_mark_of_the_client_is_kept_anywhere(
    browser: Any,
    live_server: str,
    app: Flask,
    survey: Survey,
    place: Place,
    seen: list[tuple[str | None, str]],
    limiter_storage_emptied: None,
) -> None:
    from playwright.sync_api import expect

    before = dump_tables(app)
    cookies: list[dict[str, Any]] = []
    started = datetime.now(UTC)
    with every_log_record() as logs:
        # By link, choosing the unit; by the unit's own link; in the kiosk.
        with marked_page(browser, cookies) as page:
            page.goto(live_server + survey.link)
            answer_questionnaire(page, r"/takk", choose_unit=True)
        with marked_page(browser, cookies) as page:
            page.goto(live_server + survey.unit_link("Ruspoliklinikken"))
            answer_questionnaire(page, r"/takk", choose_unit=False)
        with marked_page(browser, cookies) as page:
            page.goto(live_server + place.kiosk)
            answer_questionnaire(page, r"/kiosk/[^/]+/takk", choose_unit=True)

        # A wrong access code (counted by the rate limiter), then the one on the card.
        with marked_page(browser, cookies) as page:
            page.goto(f"{live_server}/kode")
            page.fill("#kode", "ABCD-2345")
            page.click("main button[type=submit]")
            expect(page.locator(".error-summary")).to_be_visible()
            page.fill("#kode", place.code)
            page.click("main button[type=submit]")
            answer_questionnaire(page, r"/takk", choose_unit=True)

        with marked_page(browser, cookies) as page:
            report_and_follow_up(page, live_server, survey, place)

        # A failed sign-in (counted by the rate limiter, per account).
        with marked_page(browser, cookies) as page:
            page.goto(f"{live_server}/logg-inn")
            page.fill("#email", "kari@example.no")
            page.fill("#password", "feil-passord-999")
            page.click("button[type=submit]")
            expect(page.locator(".error-summary")).to_be_visible()
    ended = datetime.now(UTC)

    # The marks reached the app as the client's address and browser, on every request.
    assert len(seen) > 20
    assert set(seen) == {(MARK_IP, MARK_AGENT)}

    # Everything was stored: four responses, the report and its reply.
    after = dump_tables(app)
    with app.app_context():
        channels = db.session.scalars(sa.select(Response.channel)).all()
    assert sorted(channels) == ["code", "kiosk", "link", "unit_link"]
    assert len(after["deviation"]) == 1
    assert len(after["deviation_message"]) == 1

    # --- the database: no mark anywhere, no time of day in what the visitors left ---
    found = {
        (name, mark): row
        for name, rows in after.items()
        for row in rows
        for mark in marks_in(" | ".join(row))
    }
    assert found == {}
    changed = {name for name in after if after[name] != before[name]}
    assert changed == WRITTEN
    assert changed <= {table.name for table in anonymous_tables()}
    clock = clock_readings(started, ended)
    times = [
        (name, row, reading)
        for name in changed
        for row in after[name] - before[name]
        for value in row
        for reading in clock
        if reading in value
    ]
    assert times == []
    with app.app_context():
        inspector = sa.inspect(db.engine)
        for table in anonymous_tables():
            assert not [c.name for c in table.columns if is_temporal(c.type)], table.name
            in_database = inspector.get_columns(table.name)
            assert {c["name"] for c in in_database} == set(table.columns.keys()), table.name
            assert not [c["name"] for c in in_database if is_temporal(c["type"])], table.name

    # --- the logs: SQL with its values and rows, werkzeug's request lines, the app's own ---
    names = {name for name, _ in logs.lines}
    assert "sqlalchemy.engine.Engine" in names
    # The request log leaves respondents' and reporters' requests out (feedback.logs).
    assert not any(
        name == "werkzeug" and ("/avvik" in line or "/s/" in line or "/kode" in line)
        for name, line in logs.lines
    )
    # SQL with its values: the report's rows. (Answers are stored through the driver itself,
    # outside SQLAlchemy's log, and the drivers log no statements.)
    assert any("INSERT INTO deviation " in line for _, line in logs.lines)
    leaks = [
        (name, line[:300])
        for name, line in logs.lines
        # Playwright's own (client-side) logging may name the browser it was told to be.
        if not name.startswith(("playwright", "asyncio")) and marks_in(line)
    ]
    assert leaks == []

    # --- the rate limiter: a counter per scope, hashed keys, no mark, no e-mail address ---
    stored = limiter_storage()
    for scope in (LOGIN_SCOPE, CODE_SCOPE, RECEIPT_SCOPE):
        assert any(f"/{scope}:" in key for key in stored), (scope, stored)
    text = " ".join(f"{key} {value}" for key, value in stored.items())
    assert marks_in(text) == []
    assert "kari@example.no" not in text

    # --- cookies: respondents and reporters get none; the sign-in page's session holds no mark
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert serializer is not None
    for cookie in cookies:
        assert cookie["name"] == app.config["SESSION_COOKIE_NAME"], cookie
        assert marks_in(repr(serializer.loads(cookie["value"]))) == []
        assert marks_in(cookie["value"]) == []
