"""Helpers more than one test area uses: table dumps and clock readings for the anonymity
tests, posting the same or different forms from many threads at once, and reading accounts,
audit events and mailed links (the administration and e-mail change tests)."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _

from feedback.extensions import db
from feedback.models import AuditEvent, StaffSession, User
from feedback.models.base import NORWAY
from tests.mailserver import MailServer, body_text, wait_for


def publish_now(round_id: int) -> None:
    """Publish a round's waiting responses to readers at once, whatever the difference, and
    commit: for tests of what readers see, not of when it is published
    (tests/results/test_snapshots.py tests that). Call inside an app context."""
    from feedback.results import publish

    publish.publish(round_id, force=True)
    db.session.commit()


def dump_tables(app: Flask) -> dict[str, set[tuple[str, ...]]]:
    """Every row of every table, each value as text."""
    with app.app_context():
        return {
            table.name: {
                tuple(str(value) for value in row) for row in db.session.execute(sa.select(table))
            }
            for table in db.metadata.sorted_tables
        }


def clock_readings(start: datetime, end: datetime) -> set[str]:
    """Every HH:MM from start to end, in UTC, Norway and the machine's local time."""
    readings = set()
    moment = start.replace(second=0, microsecond=0)
    while moment <= end:
        for zone in (UTC, NORWAY, None):
            readings.add(moment.astimezone(zone).strftime("%H:%M"))
        moment += timedelta(minutes=1)
    return readings


def is_temporal(column_type: Any) -> bool:
    """A column type that holds a time of day."""
    inner = getattr(column_type, "impl", column_type)
    return isinstance(column_type, sa.DateTime | sa.Time) or isinstance(
        inner, sa.DateTime | sa.Time
    )


def post_concurrently(app: Flask, jobs: Sequence[tuple[str, Mapping[str, str]]]) -> list[int]:
    """Post each (url, form) from its own thread and cookie-less client, all released at once;
    returns the status codes."""
    barrier = threading.Barrier(len(jobs))
    statuses: list[int | None] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, url: str, data: Any) -> None:
        try:
            client = app.test_client(use_cookies=False)
            barrier.wait(timeout=30)
            statuses[index] = client.post(url, data=data).status_code
        except BaseException as error:  # reported by the test below
            errors.append(error)

    threads = [
        threading.Thread(target=run, args=(i, url, data.copy()))
        for i, (url, data) in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    assert not errors, errors
    return [status for status in statuses if status is not None]


# --- accounts and mailed links ---------------------------------------------------------------

PUBLIC_URL = "https://brukerstemmen.kommune.example"
LINK = re.compile(re.escape(PUBLIC_URL) + r"(/\S+)")


def mailed_link(server: MailServer, count: int) -> str:
    """The path of the link in the ``count``-th mail."""
    wait_for(server, count)
    found = LINK.search(body_text(server.messages[count - 1]))
    assert found, "no link in the mail"
    return found.group(1)


def account_row(app: Flask, user_id: int) -> tuple[str, str, str, bool, int]:
    """What an account is, and how many sessions it has: a change to any of it shows."""
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        sessions = db.session.scalar(
            sa.select(sa.func.count()).where(StaffSession.user_id == user_id)
        )
        return user.name, user.email, user.password_hash, user.active, sessions or 0


def actions(app: Flask, organisation_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent.action)
                .where(AuditEvent.organisation_id == organisation_id)
                .order_by(AuditEvent.id)
            )
        )


def text_in(app: Flask, language: str, message: str, **variables: Any) -> str:
    """A catalog message as the app says it in a language (translated or not yet)."""
    with app.test_request_context(), force_locale(language):
        return _(message, **variables)
