from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback.auth import devices
from feedback.extensions import db
from tests import factories
from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "feedback"


@pytest.fixture
def signed_in(app: Flask, client: FlaskClient) -> FlaskClient:
    with app.app_context():
        org = factories.organisation()
        factories.user("admin@example.no", org=org, role="admin")
        db.session.commit()
    login(client, "admin@example.no")
    return client


@pytest.mark.parametrize("path", ["/", "/logg-inn", "/finnes-ikke"])
def test_security_headers_on_every_page(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no inline script, no other host
    assert "unsafe" not in csp
    assert "http" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_is_httponly_and_samesite(signed_in: FlaskClient) -> None:
    cookie = signed_in.get_cookie("brukerstemmen")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_production_cookie_is_secure(database_url: str) -> None:
    from feedback import create_app
    from feedback.config import ProductionConfig

    config = ProductionConfig(
        {
            "FEEDBACK_SECRET_KEY": "s" * 48,
            "FEEDBACK_DATABASE_URL": database_url,
            "FEEDBACK_RATELIMIT_ALLOW_MEMORY": "true",
        }
    )
    app = create_app(config)
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is True
        response = app.test_client().get("/logg-inn")
        assert "Secure" in response.headers["Set-Cookie"]
        assert "HttpOnly" in response.headers["Set-Cookie"]
        # __Host-: only this host over HTTPS may set it (path /, no Domain).
        cookie = response.headers["Set-Cookie"]
        assert cookie.startswith("__Host-brukerstemmen=") and "Path=/;" in cookie
        assert "Domain" not in cookie
        with app.test_request_context("/"):
            assert devices.cookie_name() == "__Host-enhet"
        assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    finally:
        with app.app_context():
            db.engine.dispose()


def test_signed_in_pages_are_not_cached(signed_in: FlaskClient) -> None:
    assert signed_in.get("/admin/").headers["Cache-Control"] == "no-store"


def test_post_without_csrf_token_is_refused(signed_in: FlaskClient) -> None:
    response = signed_in.post(
        "/admin/enheter", data={"name": "Uten token", "kind": "other", "parent_id": "0"}
    )
    assert response.status_code == 400
    assert "Skjemaet var utløpt" in response.get_data(as_text=True)
    assert "Uten token" not in signed_in.get("/admin/enheter").get_data(as_text=True)


def test_every_form_carries_a_csrf_token(signed_in: FlaskClient) -> None:
    for path in ["/", "/admin/enheter", "/admin/brukere/ny", "/konto/passord"]:
        html = signed_in.get(path).get_data(as_text=True)
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, re.S)
        assert forms, path
        for body in forms:
            assert "csrf_token" in body, path


def test_templates_and_static_files_name_no_other_host() -> None:
    offenders = []
    for path in [
        *PACKAGE.joinpath("templates").rglob("*.html"),
        *PACKAGE.joinpath("static").rglob("*"),
    ]:
        if path.is_file() and path.suffix in {".html", ".css", ".js", ".svg"}:
            text = path.read_text(encoding="utf-8")
            for url in re.findall(r"(?:src|href|url)\s*[=(]\s*[\"']?(https?:)?//", text):
                offenders.append(f"{path.name}: {url}")
    assert offenders == []


def test_no_page_has_inline_script_or_style(signed_in: FlaskClient) -> None:
    for path in ["/", "/admin/", "/admin/enheter", "/admin/brukere", "/konto/passord"]:
        html = signed_in.get(path).get_data(as_text=True)
        # Scripts only from a file (js/nav.js, the phone menu, is on every staff page).
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert all(src.startswith("/static/") for src in re.findall(r'<script src="([^"]+)"', html))
        assert "<style" not in html, path
        assert " style=" not in html, path
        assert not re.search(r" on[a-z]+=", html), path


def test_code_never_reads_client_address_or_user_agent() -> None:
    pattern = re.compile(r"remote_addr|X-Forwarded-For|user_agent|User-Agent|get_remote_address")
    hits = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in PACKAGE.rglob("*.py")
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line) and not line.lstrip().startswith("#")
    ]
    assert hits == []


def test_request_log_holds_no_client_address_or_time(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """A real request through werkzeug's server: its log line keeps only method, path, status."""
    import logging
    import threading
    import urllib.request

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/logg-inn") as response:
                assert response.status == 200
            server.shutdown()
    finally:
        server.server_close()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("GET /logg-inn" in line for line in lines)
    for line in lines:
        assert "127.0.0.1" not in line
        assert not re.search(r"\d{1,2}:\d{2}:\d{2}", line)


def test_request_body_size_is_limited(client: FlaskClient) -> None:
    response = client.post("/logg-inn", data={"email": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Traceback" not in response.get_data(as_text=True)
