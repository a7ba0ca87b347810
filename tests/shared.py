"""Helpers more than one test area uses: table dumps and clock readings for the anonymity
tests, and posting the same or different forms from many threads at once."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from feedback.extensions import db
from feedback.models.base import NORWAY


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
