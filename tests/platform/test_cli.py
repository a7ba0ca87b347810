from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback.demo import ACCOUNTS, DEMO_PASSWORD
from feedback.extensions import db
from feedback.models import Membership, Organisation, Unit, User
from tests.conftest import build_app, login, post_form


def counts(app: Flask) -> tuple[int, ...]:
    with app.app_context():
        return tuple(
            db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
            for model in (Organisation, Unit, User, Membership)
        )


def test_init_creates_the_database_from_nothing(tmp_path: Path) -> None:
    path = tmp_path / "fresh.sqlite3"
    app = build_app(f"sqlite:///{path}")
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(sa.inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert {"organisation", "unit", "user_account", "membership", "alembic_version"} <= tables
    # Running it again is harmless.
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0


def test_demo_is_idempotent_and_every_account_can_sign_in(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    after_first = counts(app)
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert counts(app) == after_first
    organisations, units, users, memberships = after_first
    assert (organisations, users, memberships) == (1, 6, 6)
    assert units >= 4
    for account in ACCOUNTS:
        client = app.test_client()
        assert login(client, account.email, DEMO_PASSWORD).status_code == 302, account.email
        assert "Fjordvik kommune" in client.get("/").get_data(as_text=True)


def test_demo_has_the_promised_roles(app: Flask) -> None:
    app.test_cli_runner().invoke(args=["demo"])
    with app.app_context():
        rows = db.session.execute(
            sa.select(User.email, Membership.role, Membership.representation)
            .join(Membership)
            .order_by(User.email)
        ).all()
        manager = db.session.scalar(sa.select(Membership).where(Membership.role == "manager"))
        unit_kinds = set(db.session.scalars(sa.select(Unit.kind)))
        assert len(manager.units) == 2
    assert ("admin@example.no", "admin", None) in rows
    assert ("kvalitet@example.no", "quality", "user_rep") in rows
    assert ("bruker2@example.no", "quality", "user_rep") in rows
    assert ("paarorende@example.no", "quality", "relative_rep") in rows
    assert ("fag@example.no", "quality", "professional") in rows
    assert {"housing", "activity_centre", "act_team", "substance_team"} <= unit_kinds


def test_demo_refuses_production(database_url: str) -> None:
    from feedback import create_app
    from feedback.config import ProductionConfig

    app = create_app(
        ProductionConfig(
            {
                "FEEDBACK_SECRET_KEY": "s" * 48,
                "FEEDBACK_DATABASE_URL": database_url,
                "FEEDBACK_RATELIMIT_ALLOW_MEMORY": "true",
            }
        )
    )
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "production" in result.output


def test_create_org_and_user(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-org", "Bergen kommune", "--slug", "bergen"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=[
            "create-user",
            "sjef@example.no",
            "--name",
            "Sjef",
            "--org",
            "bergen",
            "--role",
            "admin",
            "--with-password",
        ],
        input="et-godt-passord\net-godt-passord\n",
    )
    assert result.exit_code == 0, result.output
    assert "et-godt-passord" not in result.output
    client = app.test_client()
    assert login(client, "sjef@example.no", "et-godt-passord").status_code == 302
    # A new organisation requires a second factor: the administrator sets it up first.
    assert client.get("/admin/").headers["Location"] == "/konto/totp"
    assert client.get("/konto/totp").status_code == 200
    # An account that exists is never given a password (or a role) from here: it is invited.
    again = ["create-user", "sjef@example.no", "--name", "X", "--org", "bergen"]
    refused = runner.invoke(args=[*again, "--with-password"], input="annet-passord\n" * 2)
    assert refused.exit_code != 0 and "invite" in refused.output
    assert login(app.test_client(), "sjef@example.no", "et-godt-passord").status_code == 302


def test_create_user_prints_an_invitation_link(app: Flask) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["create-org", "Bergen kommune", "--slug", "bergen"])
    result = runner.invoke(
        args=["create-user", "ny@example.no", "--name", "Ny Sjef", "--org", "bergen"]
    )
    assert result.exit_code == 0, result.output
    link = next(line for line in result.output.splitlines() if "/invitasjon/" in line)
    client = app.test_client()
    path = urlsplit(link.strip()).path
    form = {"name": "Ny Sjef", "new_password": "et-godt-passord", "confirm": "et-godt-passord"}
    assert post_form(client, path, form).status_code == 302
    # A new organisation requires a second factor: the new administrator sets it up first.
    assert client.get("/admin/").headers["Location"] == "/konto/totp"
    assert client.get("/konto/totp").status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create-org", "X", "--slug", "Not A Slug"], "lowercase"),
        (
            [
                "create-user",
                "a@example.no",
                "--name",
                "A",
                "--org",
                "nowhere",
            ],
            "No organisation",
        ),
    ],
)
def test_cli_explains_bad_input(app: Flask, args: list[str], message: str) -> None:
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output


def test_demo_has_two_rounds_an_evaluation_and_a_draft(app: Flask) -> None:
    from feedback.models import ActionPoint, Evaluation, ResponseTally, SurveyRound

    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0  # a second run changes nothing
    with app.app_context():
        rounds = db.session.scalars(sa.select(SurveyRound).order_by(SurveyRound.id)).all()
        assert [r.status for r in rounds] == ["closed", "open", "draft"]
        assert rounds[1].previous_id == rounds[0].id
        assert len(rounds[1].approvals) == 2  # both demo user representatives
        counted = dict(
            db.session.execute(
                sa.select(ResponseTally.round_id, sa.func.sum(ResponseTally.n)).group_by(
                    ResponseTally.round_id
                )
            ).all()
        )
        assert counted == {rounds[0].id: 150, rounds[1].id: 120}
        evaluation = db.session.get(Evaluation, rounds[0].id)
        assert evaluation is not None and evaluation.published
        points = db.session.scalars(sa.select(ActionPoint)).all()
        assert sorted(p.published for p in points) == [False, True, True]


def test_schedule_closes_rounds_past_their_date(app: Flask) -> None:
    from datetime import timedelta

    from feedback.models import SurveyRound
    from feedback.models.base import today as local_today

    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        round_ = db.session.scalars(
            sa.select(SurveyRound).where(SurveyRound.status == "open")
        ).one()
        round_.closes_on = local_today() - timedelta(days=1)
        db.session.commit()
    result = runner.invoke(args=["schedule"])
    assert result.exit_code == 0, result.output
    assert "1 round(s)" in result.output
    with app.app_context():
        statuses = db.session.scalars(sa.select(SurveyRound.status).order_by(SurveyRound.id)).all()
        assert statuses == ["closed", "closed", "draft"]


def test_schedule_forgets_old_form_tokens_but_keeps_recent_ones(app, runner) -> None:
    from datetime import timedelta

    from feedback.models import UsedFormToken
    from feedback.models.base import today

    with app.app_context():
        db.session.add(UsedFormToken(nonce="a" * 32, used_on=today() - timedelta(days=4)))
        db.session.add(UsedFormToken(nonce="b" * 32, used_on=today() - timedelta(days=1)))
        db.session.commit()
    result = runner.invoke(args=["schedule"])
    assert result.exit_code == 0, result.output
    assert "1 old form token(s) deleted" in result.output
    with app.app_context():
        assert [t.nonce for t in db.session.scalars(sa.select(UsedFormToken))] == ["b" * 32]
