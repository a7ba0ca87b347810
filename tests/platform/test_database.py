from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import IntegrityError

from feedback.extensions import db
from feedback.models import AuditEvent, Membership, Organisation, Unit
from tests import factories


def test_backend_is_the_one_asked_for(app: Flask) -> None:
    """CI runs the suite twice; this fails if the PostgreSQL run silently used SQLite."""
    expected = os.environ.get("FEEDBACK_EXPECT_DIALECT")
    with app.app_context():
        dialect = db.engine.dialect.name
    assert dialect == (expected or dialect)
    assert dialect in {"sqlite", "postgresql"}


def test_sqlite_runs_with_wal_and_foreign_keys(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite pragmas apply to SQLite only; this run is on PostgreSQL")
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1


def test_models_and_migrations_do_not_drift(app: Flask) -> None:
    """The schema built by the migrations equals the models; add a migration if this fails."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_migrations_downgrade_and_upgrade_again(app: Flask) -> None:
    with app.app_context():
        downgrade(revision="base")
        names = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert names == set()
        upgrade()
        names = set(sa.inspect(db.engine).get_table_names())
        assert {"organisation", "unit", "user_account", "membership", "audit_event"} <= names


def test_foreign_keys_are_enforced(app: Flask, ctx: None) -> None:
    db.session.add(Unit(organisation_id=999_999, name="Ingen eier"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_group_size_below_three_is_refused_by_the_database(app: Flask, ctx: None) -> None:
    org = factories.organisation()
    org.min_group_size = 2
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    ("role", "representation"),
    [("quality", None), ("admin", "user_rep"), ("manager", "professional"), ("owner", None)],
)
def test_membership_role_rules_live_in_the_database(
    app: Flask, ctx: None, role: str, representation: str | None
) -> None:
    org = factories.organisation()
    person = factories.user()
    db.session.add(
        Membership(user=person, organisation=org, role=role, representation=representation)
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_one_role_once_per_organisation(app: Flask, ctx: None) -> None:
    org = factories.organisation()
    person = factories.user(org=org, role="admin")
    db.session.add(Membership(user=person, organisation=org, role="admin"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_unit_names_are_unique_within_an_organisation(app: Flask, ctx: None) -> None:
    first, second = factories.organisation(), factories.organisation()
    factories.unit(first, "Solsiden")
    factories.unit(second, "Solsiden")  # another organisation may use the same name
    db.session.add(Unit(organisation=first, name="Solsiden"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_units_form_a_tree(app: Flask, ctx: None) -> None:
    org = factories.organisation()
    top = factories.unit(org, "Psykisk helse og rus", kind="service_area")
    child = factories.unit(org, "ACT-teamet", parent=top, kind="act_team")
    db.session.commit()
    db.session.expire_all()
    top = db.session.get(Unit, top.id)
    assert [c.name for c in top.children] == ["ACT-teamet"]
    assert db.session.get(Unit, child.id).parent.name == "Psykisk helse og rus"


def test_timestamps_come_back_in_utc(app: Flask, ctx: None) -> None:
    moment = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    db.session.add(AuditEvent(action="test", subject="x", created_at=moment, details={"a": 1}))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.scalar(sa.select(AuditEvent))
    assert stored.created_at == moment
    assert stored.created_at.tzinfo is not None
    assert stored.details == {"a": 1}


def test_naive_timestamps_are_refused(app: Flask, ctx: None) -> None:
    db.session.add(Organisation(name="X", slug="x", created_at=datetime(2026, 1, 1)))
    with pytest.raises(sa.exc.StatementError):
        db.session.flush()
    db.session.rollback()


def _backend(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def _terminate(url: sa.URL, pid: int) -> None:
    """Ends one server connection from outside, as a restart or a network cut would."""
    other = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with other.connect() as connection:
            connection.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
    finally:
        other.dispose()


def test_a_server_connection_is_tested_before_use(app: Flask) -> None:
    """Pooled PostgreSQL connections are tested before use (pool_pre_ping): one the server
    ended while it sat in the pool is replaced without an error."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            pytest.skip("pooled server connections are a PostgreSQL matter; this run is SQLite")
        assert engine.pool._pre_ping  # type: ignore[attr-defined]
        first = _backend(engine)
        assert _backend(engine) == first  # the pool keeps it
        _terminate(engine.url, first)
        second = _backend(engine)
        assert second != first
        _terminate(engine.url, second)
        assert _backend(engine) not in (first, second)
