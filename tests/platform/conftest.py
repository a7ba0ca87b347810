"""Shared by the gunicorn tests: the load benchmark's module (``bench``) and a browser with
its own cookies that opens a new connection per request."""

from __future__ import annotations

import http.client
import importlib.util
import re
import sys
import urllib.parse
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import PASSWORD

BENCH = Path(__file__).resolve().parents[2] / "bench" / "load.py"
EMAIL = "kari@example.no"


class Browser:
    """A client with its own cookies, one new connection per request (as bench/load.py)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _eq, rest = header.partition("=")
                value = rest.split(";")[0]
                if "Max-Age=0" in header or "Expires=Thu, 01 Jan 1970" in header:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
            return response.status, text
        finally:
            connection.close()

    def sign_in(self, password: str = PASSWORD) -> int:
        _status, page = self.send("GET", "/logg-inn")
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
        assert token is not None
        form = {"csrf_token": token.group(1), "email": EMAIL, "password": password}
        status, _text = self.send("POST", "/logg-inn", form)
        return status

    def sign_out(self) -> None:
        _status, page = self.send("GET", "/")
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
        assert token is not None
        assert self.send("POST", "/logg-ut", {"csrf_token": token.group(1)})[0] == 302


def load_bench(name: str) -> ModuleType:
    """A script of bench/ (``load`` or ``results``) as a module."""
    path = BENCH.parent / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    """bench/load.py (tests of another bench script override this fixture)."""
    return load_bench("load")
