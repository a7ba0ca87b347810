"""Limits that protect without locking everyone out (issue 18, point 5).

Sign-in: OWASP's device cookies. Codes: a counter per code prefix instead of one for the whole
app. The same under gunicorn with 2 workers and Redis: tests/platform/test_limits_gunicorn.py.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback import ratelimit
from feedback.auth import devices
from feedback.codes import show_code
from feedback.extensions import db
from feedback.fieldwork import services as fieldwork
from feedback.models import AccessCode, Organisation
from feedback.models.survey import TYPABLE
from feedback.respond import services as respond
from tests import factories
from tests.conftest import login, post_form
from tests.world import make_round

WRONG = "feil-passord-123"


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"RATELIMIT_STORAGE_URI": "memory://"}


@pytest.fixture
def people(app: Flask) -> dict[str, int]:
    with app.app_context():
        org = factories.organisation("Fjordvik kommune")
        admin = factories.user("admin@example.no", org=org, role="admin", name="Ada Admin")
        member = factories.user("kvalitet@example.no", org=org, role="quality")
        db.session.commit()
        return {"org": org.id, "admin": admin.id, "member": member.id}


def own_browser(app: Flask, email: str) -> FlaskClient:
    """A browser the person has signed in with before (it keeps its device cookie)."""
    browser = app.test_client()
    assert login(browser, email).status_code == 302
    assert browser.get_cookie(devices.DEVICE_COOKIE) is not None
    post_form(browser, "/logg-ut", {}, page="/")
    return browser


# --- sign-in: device cookies --------------------------------------------------------------------


def test_the_device_cookie_names_no_account_address_or_agent(
    app: Flask, people: dict[str, int]
) -> None:
    browser = app.test_client()
    login(
        browser,
        "admin@example.no",
    )
    cookie = browser.get_cookie(devices.DEVICE_COOKIE)
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert "admin" not in cookie.value and "example" not in cookie.value
    nonce, _dot, signature = cookie.value.partition(".")
    assert len(nonce) >= 22 and len(signature) == 64
    with app.test_request_context():
        assert devices.valid_nonce(cookie.value, "admin@example.no") == nonce
        assert devices.valid_nonce(cookie.value, "kvalitet@example.no") is None
        forged = f"{nonce}.{'0' * 64}"
        assert devices.valid_nonce(forged, "admin@example.no") is None


def test_own_browser_signs_in_while_the_account_is_under_attack(
    app: Flask, people: dict[str, int]
) -> None:
    mine = own_browser(app, "admin@example.no")
    attacker = app.test_client()
    for _ in range(5):
        assert login(attacker, "admin@example.no", WRONG).status_code == 200
    # Untrusted clients are locked out, the right password too ...
    assert login(attacker, "admin@example.no").status_code == 429
    assert login(app.test_client(), "admin@example.no").status_code == 429
    # ... but the person's own browser is not.
    assert login(mine, "admin@example.no").status_code == 302


def test_a_device_cookie_that_fails_too_often_is_locked_out_itself(
    app: Flask, people: dict[str, int]
) -> None:
    mine = own_browser(app, "admin@example.no")
    theirs = own_browser(app, "admin@example.no")
    for _ in range(5):
        assert login(mine, "admin@example.no", WRONG).status_code == 200
    assert login(mine, "admin@example.no").status_code == 429
    # Neither another trusted browser nor untrusted clients paid for it.
    assert login(theirs, "admin@example.no").status_code == 302
    assert login(app.test_client(), "admin@example.no").status_code == 302


def test_a_device_cookie_for_another_account_does_not_count_as_trusted(
    app: Flask, people: dict[str, int]
) -> None:
    shared = own_browser(app, "kvalitet@example.no")
    for _ in range(5):
        assert login(app.test_client(), "admin@example.no", WRONG).status_code == 200
    assert login(shared, "admin@example.no").status_code == 429
    # One browser keeps device cookies for several accounts.
    assert login(shared, "kvalitet@example.no").status_code == 302


def test_a_failed_sign_in_gives_no_device_cookie(app: Flask, people: dict[str, int]) -> None:
    browser = app.test_client()
    login(browser, "admin@example.no", WRONG)
    assert browser.get_cookie(devices.DEVICE_COOKIE) is None


# --- access codes: a counter per code prefix ------------------------------------------------------


def _codes(app: Flask, org_id: int, count: int) -> list[str]:
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        assert org is not None
        round_ = make_round(org)
        fieldwork.make_codes(round_, count, None)
        db.session.commit()
        return list(db.session.scalars(sa.select(AccessCode.code)))


def _wrong_codes(count: int, avoid: str, seed: int = 18) -> list[str]:
    """Well-formed codes that are no one's, none starting like ``avoid``."""
    rng = random.Random(seed)
    codes = []
    while len(codes) < count:
        code = "".join(rng.choice(TYPABLE) for _ in range(respond.CODE_LENGTH))
        if code[:2] != avoid[:2]:
            codes.append(code)
    return codes


def test_access_code_sizes() -> None:
    """docs/security-limits.md counts with these numbers."""
    assert len(TYPABLE) == 31 and respond.CODE_LENGTH == 8
    assert 39 < respond.CODE_LENGTH * math.log2(len(TYPABLE)) < 40
    assert ratelimit.CODE_PREFIX_LENGTH == 2
    from feedback.config import Config

    assert Config({}).ACCESS_CODE_PREFIX_LIMIT == "5 per hour; 20 per day"
    assert Config({}).RECEIPT_PREFIX_LIMIT == "300 per 10 minutes"


def test_a_valid_access_code_works_while_300_wrong_ones_come_in(
    app: Flask, people: dict[str, int]
) -> None:
    """300 random wrong codes spread over the 961 prefixes (at most 4 in one here): none is
    refused for the limit, and the valid code opens its questionnaire."""
    [code] = _codes(app, people["org"], 1)
    attacker = app.test_client(use_cookies=False)
    for wrong in _wrong_codes(300, code):
        answer = attacker.post("/kode", data={"kode": wrong, "sprak": "en"})
        assert answer.status_code == 400
        assert "We do not know this code" in answer.get_data(as_text=True)
    opened = app.test_client().post("/kode", data={"kode": show_code(code)}, follow_redirects=True)
    assert opened.status_code == 200
    assert 'id="answer-form"' in opened.get_data(as_text=True)


def test_wrong_access_codes_block_only_their_prefix(app: Flask, people: dict[str, int]) -> None:
    """Five wrong codes per prefix and hour: the sixth waits, the valid one of that prefix too
    (the price of counting where the guessing happens, docs/security-limits.md)."""
    [code] = _codes(app, people["org"], 1)
    attacker = app.test_client(use_cookies=False)
    same_prefix = [code[:2] + wrong[2:] for wrong in _wrong_codes(6, "")]
    pages = [
        attacker.post("/kode", data={"kode": w, "sprak": "en"}).get_data(as_text=True)
        for w in same_prefix
    ]
    assert ["too many wrong codes" in page for page in pages] == [False] * 5 + [True]
    assert all("We do not know this code" in page for page in pages[:5])
    refused = app.test_client().post("/kode", data={"kode": code, "sprak": "en"})
    assert "too many wrong codes" in refused.get_data(as_text=True)
    assert 'id="answer-form"' not in refused.get_data(as_text=True)
    with app.app_context():
        other = _wrong_codes(1, code)[0]
        limit = app.config["ACCESS_CODE_PREFIX_LIMIT"]
        assert not ratelimit.is_blocked("access-code", respond.code_group(other), limit)


def test_impossible_codes_never_block_a_valid_one(app: Flask, people: dict[str, int]) -> None:
    [code] = _codes(app, people["org"], 1)
    attacker = app.test_client(use_cookies=False)
    for typed in ["x", "ABCD-EFG1", "ØØØØ-ØØØØ", code + "a", ""] * 10:
        attacker.post("/kode", data={"kode": typed})
    assert app.test_client().post("/kode", data={"kode": code}).status_code == 303
