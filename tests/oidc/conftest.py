"""A real OpenID provider (the npm package oidc-provider, tests/oidc/provider.mjs) for the sign-in
tests, and a helper that signs in at it with plain HTTP the way a browser would.

Without Node or the package the tests skip with the reason, unless FEEDBACK_REQUIRE_OIDC=1 (CI),
where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from feedback.auth.oidc_config import forget_issuer

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("provider.mjs")
NODE = shutil.which("node")
REQUIRED = os.environ.get("FEEDBACK_REQUIRE_OIDC") == "1"
#: What the app's TestConfig says its public address is (redirect URIs start with it).
APP_ORIGIN = "http://localhost:5000"
SLUGS = ("fjordvik", "solvik")
CLIENT_ID = "brukerstemmen-test"
CLIENT_SECRET = "provider-test-secret-" + "s" * 20
ACCOUNTS = {
    "kari": {"email": "kari@fjordvik.example", "email_verified": True, "groups": []},
    "ola": {"email": "Ola@Fjordvik.example", "email_verified": True, "groups": ["kvalitet"]},
    "nina": {"email": "nina@fjordvik.example", "email_verified": True, "groups": ["ledere"]},
    "ukjent": {"email": "ukjent@fjordvik.example", "email_verified": True, "groups": []},
    "uverifisert": {"email": "kari@fjordvik.example", "email_verified": False, "groups": []},
    # Given Kari's address at the provider after her: another person (another sub).
    "etterfolger": {"email": "kari@fjordvik.example", "email_verified": True, "groups": []},
}


def _missing() -> str | None:
    if NODE is None:
        return "node not found (apt-get install nodejs npm)"
    if not (ROOT / "node_modules/oidc-provider/package.json").exists():
        return "the npm package oidc-provider is missing (npm install)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _missing()
    if reason and not REQUIRED:
        for item in items:
            if "/oidc/" in str(item.path):
                item.add_marker(pytest.mark.skip(reason=reason))


@dataclass
class Provider:
    issuer: str

    def admin(self, path: str) -> None:
        response = requests.post(f"{self.issuer}/test/{path}", timeout=5)
        assert response.status_code == 200, response.text

    def sign_in(self, authorize_url: str, account: str) -> requests.Response:
        """What a browser does at the provider: follow the authorization request, sign in as
        ``account``; returns the provider's last answer (a redirect to the app, or a refusal)."""
        assert authorize_url.startswith(self.issuer + "/")
        with requests.Session() as browser:
            answer = browser.get(authorize_url, allow_redirects=False, timeout=5)
            assert answer.status_code in (302, 303), answer.text
            login = urljoin(self.issuer, answer.headers["Location"])
            answer = browser.post(login, data={"login": account}, allow_redirects=False, timeout=5)
            if answer.status_code not in (302, 303):
                return answer
            return browser.get(answer.headers["Location"], allow_redirects=False, timeout=5)


def callback_path(answer: requests.Response) -> str:
    """The app address the provider sends the browser back to, without the origin."""
    assert answer.status_code in (302, 303), answer.text
    location = answer.headers["Location"]
    assert location.startswith(APP_ORIGIN + "/logg-inn/oidc/"), location
    parts = urlsplit(location)
    return f"{parts.path}?{parts.query}"


@pytest.fixture(scope="session")
def provider_process() -> Iterator[Provider]:
    reason = _missing()
    if reason:
        pytest.fail(f"the OpenID Connect tests are required here but cannot run: {reason}")
    options = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [f"{APP_ORIGIN}/logg-inn/oidc/{slug}/tilbake" for slug in SLUGS],
        "accounts": ACCOUNTS,
    }
    process = subprocess.Popen(
        [str(NODE), str(SCRIPT), json.dumps(options)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # printed once the port listens
        assert line, f"the OpenID provider did not start (exit code {process.poll()})"
        yield Provider(issuer=json.loads(line)["issuer"])
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture
def provider(provider_process: Provider) -> Iterator[Provider]:
    """The running provider, with its accounts, token lifetime and key as at start; the app
    process forgets what it cached about it."""
    provider_process.admin("reset")
    forget_issuer(provider_process.issuer)
    try:
        yield provider_process
    finally:
        provider_process.admin("reset")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client that reads the pages in English (the messages the tests look for)."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
