"""Respondents and reporters leave no line in a request log (issue 19, point 8): the masking of
every address of the URL map, the setting, and werkzeug's server log. The same under gunicorn:
tests/platform/test_logs_gunicorn.py."""

from __future__ import annotations

import logging
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import IntegerConverter, Rule
from werkzeug.serving import make_server

from feedback.config import PUBLIC_REQUESTS_SETTING, Config, ConfigError, public_requests_mode
from feedback.extensions import db
from feedback.logs import (
    StripClientFilter,
    is_public_path,
    mask_secret_paths,
    masked_public_path,
    names_public_path,
)
from tests.conftest import build_app

#: The blueprints whose pages respondents (answering) and anonymous reporters (deviations) use,
#: and the organisation's logo and theme their pages load.
PUBLIC_BLUEPRINTS = frozenset({"respond", "report", "brand"})
#: A value for every non-integer argument of a rule; must not show in a masked line.
SAMPLE = "Tok3nXyz"
SAMPLE_INT = 64738


def _sample_path(app: Flask, rule: Rule) -> str:
    values: dict[str, Any] = {
        name: SAMPLE_INT if isinstance(converter, IntegerConverter) else SAMPLE
        for name, converter in rule._converters.items()
    }
    built = rule.build(values)
    assert built is not None, rule.rule
    path = built[1]
    # The sample address is routed to this very rule (not, say, /avvik/<slug> to a staff page).
    adapter = app.url_map.bind("localhost")
    method = sorted((rule.methods or {"GET"}) - {"HEAD", "OPTIONS"})[0]
    endpoint, _args = adapter.match(path, method=method)
    assert endpoint == rule.endpoint, (path, endpoint, rule.endpoint)
    return path


def _rules(app: Flask) -> list[tuple[Rule, str, bool]]:
    return [
        (rule, _sample_path(app, rule), rule.endpoint.split(".")[0] in PUBLIC_BLUEPRINTS)
        for rule in app.url_map.iter_rules()
    ]


def test_every_public_rule_of_the_url_map_is_masked_and_no_other(app: Flask) -> None:
    rules = _rules(app)
    public = [r for r in rules if r[2]]
    # The probe works: both blueprints are there, with the answering and report pages.
    assert {r.endpoint for r, _p, _pub in public} >= {
        "respond.by_link",
        "respond.by_unit_link",
        "respond.by_code",
        "respond.kiosk",
        "report.new",
        "report.follow_up",
        "report.reply",
    }
    wrong = [
        (rule.rule, path) for rule, path, expected in rules if is_public_path(path) != expected
    ]
    assert wrong == [], "is_public_path disagrees with the blueprints for these rules"

    for rule, path, expected in rules:
        line = f'"POST {path}?sprak=en&enhet=12 HTTP/1.1" 303 -'
        if expected:
            root = path.strip("/").split("/")[0]
            assert masked_public_path(path) == f"/{root}/*"
            assert mask_secret_paths(line) == f'"POST /{root}/* HTTP/1.1" 303 -', rule.rule
            assert names_public_path(line)
        else:
            assert not names_public_path(line), rule.rule
            if not re.match(r"/(invitasjon|passord|epost)/", path):
                assert mask_secret_paths(line) == line, rule.rule


@pytest.mark.parametrize(
    ("path", "masked"),
    [
        ("/s/AbC-12_x", "/s/*"),
        ("/s/AbC-12_x/6", "/s/*"),
        ("/s/AbC-12_x/takk", "/s/*"),
        ("/%73/AbC-12_x/6", "/s/*"),  # routed as /s/...: the escape does not hide it
        ("//s/AbC-12_x", "/s/*"),  # werkzeug merges the slashes
        ("/kode/svar", "/kode/*"),
        ("/kiosk/k3y/nullstill", "/kiosk/*"),
        ("/avvik", "/avvik/*"),
        ("/avvik/fjordvik", "/avvik/*"),
        ("/avvik/oppfolging/svar", "/avvik/*"),
    ],
)
def test_public_addresses_in_every_spelling_are_masked(path: str, masked: str) -> None:
    assert is_public_path(path)
    for before, after in [
        (f'"GET {path}?sprak=nn HTTP/1.1" 200', f'"GET {masked} HTTP/1.1" 200'),
        (path, masked),
        (f"https://brukerstemmen.no{path}#svar", f"https://brukerstemmen.no{masked}"),
    ]:
        assert mask_secret_paths(before) == after


@pytest.mark.parametrize(
    "path",
    ["/", "/avvik/saker", "/avvik/saker/abc", "/avvik/statistikk", "/avvik/kategorier/3", "/sx"],
)
def test_staff_and_other_addresses_are_left_alone(path: str) -> None:
    assert not is_public_path(path)
    assert mask_secret_paths(f'"GET {path}?x=1 HTTP/1.1" 200') == f'"GET {path}?x=1 HTTP/1.1" 200'


def test_the_setting_is_off_by_default_and_refuses_strange_values() -> None:
    assert public_requests_mode({}) == "off"
    assert public_requests_mode({PUBLIC_REQUESTS_SETTING: ""}) == "off"
    assert public_requests_mode({PUBLIC_REQUESTS_SETTING: "off"}) == "off"
    assert public_requests_mode({PUBLIC_REQUESTS_SETTING: " Masked "}) == "masked"
    for value in ["on", "true", "full", "1"]:
        with pytest.raises(ConfigError, match=PUBLIC_REQUESTS_SETTING):
            public_requests_mode({PUBLIC_REQUESTS_SETTING: value})
        with pytest.raises(ConfigError, match=PUBLIC_REQUESTS_SETTING):
            Config({PUBLIC_REQUESTS_SETTING: value})
    assert Config({}).LOG_PUBLIC_REQUESTS == "off"
    assert Config({PUBLIC_REQUESTS_SETTING: "masked"}).LOG_PUBLIC_REQUESTS == "masked"


# --- werkzeug's server (flask run) -------------------------------------------------------------


@pytest.fixture
def werkzeug_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    yield caplog
    # build_app configures the one werkzeug logger: leave it as other tests' apps expect it.
    for existing in logging.getLogger("werkzeug").filters:
        if isinstance(existing, StripClientFilter):
            existing.public_requests = "off"


def _serve(app: Flask, paths: list[str], caplog: pytest.LogCaptureFixture) -> list[str]:
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            for path in paths:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}"):
                        pass
                except urllib.error.HTTPError:
                    pass  # a 404 is logged too
            server.shutdown()
    finally:
        server.server_close()
        # The app's own engine: its pooled connections are closed now, not left to the
        # garbage collector (on PostgreSQL that warns in whichever test runs next).
        with app.app_context():
            db.engine.dispose()
    # Without werkzeug's colours (shown when the terminal has them).
    return [
        re.sub(r"\x1b\[[0-9;]*m", "", r.getMessage())
        for r in caplog.records
        if r.name == "werkzeug"
    ]


PUBLIC_PATHS = ["/s/Tok3nXyz?sprak=en", "/s/Tok3nXyz/64738", "/kode", "/avvik/", "/%73/Tok3nXyz"]


@pytest.mark.parametrize("setting", [None, "off"])
def test_werkzeug_server_logs_no_public_request(
    database_url: str, werkzeug_log: pytest.LogCaptureFixture, setting: str | None
) -> None:
    overrides = {} if setting is None else {"LOG_PUBLIC_REQUESTS": setting}
    app = build_app(database_url, **overrides)
    lines = _serve(app, [*PUBLIC_PATHS, "/logg-inn"], werkzeug_log)
    assert any('"GET /logg-inn HTTP/1.1" 200' in line for line in lines), lines
    assert [line for line in lines if "HTTP/1.1" in line and "/logg-inn" not in line] == []
    assert not any(SAMPLE in line or "/s/" in line or "/avvik" in line for line in lines)


def test_werkzeug_server_logs_public_requests_masked_when_set(
    database_url: str, werkzeug_log: pytest.LogCaptureFixture
) -> None:
    app = build_app(database_url, LOG_PUBLIC_REQUESTS="masked")
    lines = _serve(app, [*PUBLIC_PATHS, "/logg-inn"], werkzeug_log)
    requests = [line for line in lines if "HTTP/1.1" in line]
    assert [line.split('"')[1] for line in requests] == [
        "GET /s/* HTTP/1.1",
        "GET /s/* HTTP/1.1",
        "GET /kode/* HTTP/1.1",
        "GET /avvik/* HTTP/1.1",
        "GET /s/* HTTP/1.1",
        "GET /logg-inn HTTP/1.1",
    ]
    assert not any(SAMPLE in line or str(SAMPLE_INT) in line or "sprak" in line for line in lines)
