"""The limits under gunicorn with 2 workers and Redis storage, as in production (issue 18,
point 5): 300 wrong receipt codes and the next one is limited (with per-worker counters it
would take 600), a valid receipt code still shows its case, and a person's own browser signs in
while another client hammers the account. Runs on this run's database (SQLite or PostgreSQL);
needs Redis (FEEDBACK_TEST_REDIS_URL, else redis://127.0.0.1:6379/11 if it answers)."""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback.auth import devices
from feedback.deviations.categories import add_default_categories, categories
from feedback.deviations.receiving import NewReport, submit
from feedback.extensions import db
from feedback.models import User
from feedback.models.base import today
from feedback.models.survey import TYPABLE
from tests import factories
from tests.platform.conftest import EMAIL, Browser
from tests.totp_helpers import code, enrol

REDIS_URL = os.environ.get("FEEDBACK_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")

DESCRIPTION = "Husmøtet ble avlyst uten beskjed."


def _redis() -> object | None:
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
    except redis.RedisError:
        return None
    return client


pytestmark = pytest.mark.skipif(_redis() is None, reason=f"no Redis at {REDIS_URL}")


@pytest.fixture
def receipt(app: Flask) -> str:
    """Kari's account and one deviation case; returns the case's receipt code."""
    with app.app_context():
        org = factories.organisation("Fjordvik kommune")
        factories.user(EMAIL, org=org, role="quality", name="Kari")
        add_default_categories(org)
        db.session.commit()
        report = NewReport(
            reporter_kind="service_user",
            unit=None,
            event_date=today() - timedelta(days=1),
            category=categories(org)[0],
            description=DESCRIPTION,
        )
        _case, code = submit(org, report, secrets.token_hex(16))
        db.session.commit()
        db.engine.dispose()
        return code


#: Wrong receipt codes allowed per prefix in these tests.
WRONG_CODES = 60
#: The server's SECRET_KEY (a TOTP key is sealed with it).
SECRET_KEY = secrets.token_urlsafe(48)


@pytest.fixture
def server(bench: ModuleType, database_url: str, tmp_path: Path) -> Iterator[int]:
    """gunicorn, 2 sync workers, production configuration, Redis counters under a fresh
    prefix (deleted after)."""
    store = _redis()
    prefix = f"brukerstemmen-gunicorn-test-{secrets.token_hex(4)}"
    env = {
        "FEEDBACK_ENV": "production",
        "FEEDBACK_DATABASE_URL": database_url,
        "FEEDBACK_SECRET_KEY": SECRET_KEY,
        "FEEDBACK_SECURE_COOKIES": "false",
        "FEEDBACK_RATELIMIT_STORAGE_URL": REDIS_URL,
        "FEEDBACK_RATELIMIT_PREFIX": prefix,
        # Lower than the default 300 so the test sends fewer slow (scrypt) wrong codes; the
        # point is the same: both workers count in one counter.
        "FEEDBACK_RECEIPT_PREFIX_LIMIT": f"{WRONG_CODES} per 10 minutes",
    }
    running = bench.Server("feedback:create_app()", env, tmp_path / "gunicorn.log")
    try:
        running.start("/logg-inn")
        yield running.port
    finally:
        running.stop()
        for key in store.scan_iter(f"*{prefix}*"):  # type: ignore[attr-defined]
            store.delete(key)  # type: ignore[attr-defined]


def _wrong_receipts(count: int, prefix: str) -> list[str]:
    codes = set()
    while len(codes) < count:
        codes.add(prefix + "".join(secrets.choice(TYPABLE) for _ in range(14)))
    return sorted(codes)


def _counts_in_redis(scope: str) -> list[int]:
    """The counters the server keeps in Redis for a scope (under the test servers' prefix)."""
    store: Any = _redis()
    keys = store.scan_iter("*brukerstemmen-gunicorn-test-*")
    return [int(store.get(key)) for key in keys if f"/{scope}:".encode() in key]


def test_receipt_codes_are_limited_across_workers_and_a_valid_one_still_works(
    receipt: str, server: int
) -> None:
    plain = receipt.replace("-", "").lower()
    prefix = next(a + b for a in TYPABLE for b in TYPABLE if a + b != plain[:2])

    def follow_up(code: str) -> tuple[int, str]:
        return Browser(server).send("POST", "/avvik/oppfolging", {"kode": code, "sprak": "en"})

    # The limit's worth of wrong codes from 4 clients at once (both workers busy), all in one
    # prefix.
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(follow_up, _wrong_receipts(WRONG_CODES, prefix)))
    assert [status for status, _text in answers] == [400] * WRONG_CODES
    assert all("too many wrong codes" not in text for _status, text in answers)
    # One more in that prefix is limited: the two workers counted together (each alone would
    # have counted about half).
    status, text = follow_up(_wrong_receipts(1, prefix)[0])
    assert status == 429 and "too many wrong codes" in text
    # The count is in Redis, one counter for the prefix that both workers wrote to.
    assert WRONG_CODES + 1 in _counts_in_redis("receipt")
    # The valid code (another prefix) still shows its case.
    status, text = follow_up(receipt)
    assert status == 200
    assert DESCRIPTION in text


def test_own_browser_signs_in_while_another_client_hammers_the_account(
    receipt: str, server: int
) -> None:
    mine = Browser(server)
    assert mine.sign_in() == 302
    assert devices.DEVICE_COOKIE in mine.cookies
    mine.sign_out()

    def attack(_n: int) -> int:
        return Browser(server).sign_in("feil-passord-123")

    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(attack, range(30)))
    # Five wrong passwords in all (both workers counting together), then refused.
    assert statuses.count(200) == 5 and statuses.count(429) == 25
    assert Browser(server).sign_in() == 429  # the right password from an untrusted client
    assert mine.sign_in() == 302  # the person's own browser
    status, page = mine.send("GET", "/")
    assert status == 200 and "Kari" in page


def test_concurrent_wrong_second_factor_codes_are_counted_before_they_are_checked(
    app: Flask, receipt: str, server: int
) -> None:
    """Someone who has the password sends wrong TOTP codes from many clients at once with the
    one password step: exactly the limit's worth is checked, in both workers together. (The
    count came after the check: requests checked at the same time all passed the check.)"""
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == EMAIL))
        app.config["SECRET_KEY"] = SECRET_KEY  # the server's, which seals the key
        secret, _codes = enrol(user)
        db.session.commit()
        db.engine.dispose()
    attacker = Browser(server)
    assert attacker.sign_in() == 302  # the password step, in the attacker's cookie
    _status, page = attacker.send("GET", "/logg-inn/kode")
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert token is not None
    wrong = [c for c in (f"{n:06d}" for n in range(100000, 100200)) if c != code(secret)][:40]

    def guess(value: str) -> int:
        other = Browser(server)
        other.cookies = dict(attacker.cookies)
        return other.send("POST", "/logg-inn/kode", {"csrf_token": token.group(1), "code": value})[
            0
        ]

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(guess, wrong))
    assert statuses.count(200) == 5 and statuses.count(429) == len(wrong) - 5
    assert guess(code(secret)) == 429  # the right code waits too now


def test_the_access_log_keeps_no_secret_of_a_secret_link(
    receipt: str, server: int, tmp_path: Path
) -> None:
    """An invitation or new-password link that someone has not opened yet cannot be taken from
    the access log: its secret is logged as *."""
    secrets_sent = [secrets.token_urlsafe(32) for _ in range(2)]
    browser = Browser(server)
    assert browser.send("GET", f"/invitasjon/{secrets_sent[0]}")[0] == 404
    assert browser.send("GET", f"/passord/{secrets_sent[1]}")[0] == 404
    # gunicorn writes a request's line after answering it: wait (10 s at most) for both lines.
    expected = ('"GET /invitasjon/*" 404', '"GET /passord/*" 404')
    log = ""
    for _ in range(100):
        log = (tmp_path / "gunicorn.log").read_text(encoding="utf-8")
        if all(line in log for line in expected):
            break
        time.sleep(0.1)
    assert all(line in log for line in expected), log
    assert not any(secret in log for secret in secrets_sent)
