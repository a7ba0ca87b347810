"""Fixtures: an app with a fresh database per test, on SQLite (default) or PostgreSQL.

Set FEEDBACK_TEST_DATABASE_URL to a PostgreSQL database to run the suite there; its schema is
rebuilt from the migrations once per run and every table is emptied after each test. On SQLite
each test gets its own copy of a database file built from the migrations.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from feedback import create_app
from feedback.config import TestConfig
from feedback.extensions import db

#: The mail server fixtures, and the one test world's fixtures (place, people, survey, …).
pytest_plugins = ["tests.mailserver", "tests.world"]

TEST_DATABASE_URL = os.environ.get("FEEDBACK_TEST_DATABASE_URL")
PASSWORD = "riktig-passord-123"


class _SharedBytecode(jinja2.BytecodeCache):
    """Compiled templates kept for the whole run: each test builds a new app (and so a new
    Jinja environment), and compiling the same templates again for each was most of a test's
    time."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _SharedBytecode()


def _share_url_builders() -> None:
    """Each test builds a new app, and werkzeug compiles two URL-building functions (with ast
    and compile) for each of its routes: 9 in 10 of a new app's time. Such a function depends
    only on the rule's parts and defaults, and takes the rule as its first argument, so one
    compiled function serves the equal rule of every app. A rule whose defaults fill one of its
    own parts is compiled as before."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    compiled: dict[tuple[Any, ...], Any] = {}

    def shared(self: Rule, append_unknown: bool = True) -> Any:
        defaults = self.defaults or {}
        if any(is_dynamic and part in defaults for is_dynamic, part in self._trace):
            return compile_builder(self, append_unknown)
        key = (append_unknown, tuple(self._trace), tuple(defaults))
        if key not in compiled:
            compiled[key] = compile_builder(self, append_unknown)
        return compiled[key]

    Rule._compile_builder = shared  # type: ignore[method-assign]


_share_url_builders()


def build_app(database_url: str, **overrides: Any) -> Flask:
    app = create_app(TestConfig(database_url, **overrides))
    app.jinja_env.bytecode_cache = _BYTECODE
    return app


def _worker_database(url: str) -> str:
    """With pytest-xdist each worker gets its own PostgreSQL database beside the one named
    (feedback_test_gw0, …), created when missing, so workers never empty each other's tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    parsed = sa.engine.make_url(TestConfig(url).SQLALCHEMY_DATABASE_URI or url)
    name = f"{parsed.database}_{worker}"
    engine = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database whose schema comes from the migrations: a template file, or PostgreSQL."""
    if TEST_DATABASE_URL:
        url = _worker_database(TEST_DATABASE_URL)
        app = build_app(url)
        with app.app_context():
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
            upgrade()
            db.engine.dispose()
        return url
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    app = build_app(f"sqlite:///{path}")
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return f"sqlite:///{path}"


def _copy_or_shared(migrated_database: str, directory: Path) -> Iterator[str]:
    """On PostgreSQL the test database, emptied afterwards; on SQLite a copy of the migrated
    file in ``directory``."""
    if TEST_DATABASE_URL:
        try:
            yield migrated_database
        finally:
            _empty_tables(migrated_database)
        return
    path = directory / "test.sqlite3"
    shutil.copyfile(Path(migrated_database.removeprefix("sqlite:///")), path)
    yield f"sqlite:///{path}"


def module_database(
    tmp_path_factory: pytest.TempPathFactory, migrated_database: str, name: str
) -> Iterator[str]:
    """A database for one module's fixture (see _copy_or_shared)."""
    yield from _copy_or_shared(migrated_database, tmp_path_factory.mktemp(name))


_CLEANERS: dict[str, sa.Engine] = {}


def _empty_tables(url: str) -> None:
    """Delete every row (children first) and restart the id sequences that were used: on the
    small tables of a test this is several times quicker than TRUNCATE, which rewrites every
    table's files whether it held rows or not."""
    engine = _CLEANERS.get(url)
    if engine is None:
        engine = _CLEANERS[url] = sa.create_engine(
            TestConfig(url).SQLALCHEMY_DATABASE_URI or url, poolclass=sa.pool.StaticPool
        )
    with engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
        used = connection.scalars(
            sa.text(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename)"
                " FROM pg_sequences WHERE last_value IS NOT NULL"
            )
        )
        for sequence in list(used):
            connection.execute(sa.text(f"ALTER SEQUENCE {sequence} RESTART"))


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> Iterator[str]:
    yield from _copy_or_shared(migrated_database, tmp_path)


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    """Config overrides for the app fixture; override this fixture in a test module."""
    return {}


@pytest.fixture
def app(database_url: str, app_overrides: dict[str, Any]) -> Iterator[Flask]:
    app = build_app(database_url, **app_overrides)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An app context for tests that work with the database directly (not around requests)."""
    with app.app_context():
        yield


# --- helpers ---------------------------------------------------------------------------------

_CSRF = re.compile(
    r'name="(?:[\w-]+-)?csrf_token" type="hidden" value="([^"]+)"|'
    r'type="hidden" name="csrf_token" value="([^"]+)"'
)


def csrf_token(client: FlaskClient, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def post_form(
    client: FlaskClient,
    url: str,
    data: dict[str, Any],
    *,
    page: str | None = None,
    prefix: str = "",
    **kwargs: Any,
):  # type: ignore[no-untyped-def]
    """POST like a browser: fetch the page for its CSRF token first."""
    token = csrf_token(client, page or url)
    key = f"{prefix}-csrf_token" if prefix else "csrf_token"
    return client.post(url, data={key: token, **data}, **kwargs)


def login(client: FlaskClient, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return post_form(client, "/logg-inn", {"email": email, "password": password})
