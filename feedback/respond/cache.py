"""Copies of what respondents' pages read, kept in each worker process.

Without them every respondent's request loads the whole questionnaire (pages, questions,
options) and renders it again, though it is the same for everyone. Each app keeps instead:

- the round with its questionnaire, loaded in a session of its own and detached, used only
  while the round's row still has the state it was loaded with (revision, status, dates, code
  requirement): checked in one indexed query at most every PUBLIC_RECHECK_SECONDS, and by the
  statement that stores answers (respond.writes). Every change to a round, its pages,
  questions or options raises its revision (models.survey._raise_revisions).
- rendered pages (the first questionnaire page, the thank-you page) per round state, language
  and way in. The one-time form token is put into a copy on the way out.
- the same pages as the front (respond.front) gives them again, by request.

Nothing about respondents is kept here: only questionnaire content and rendered blank pages.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context, session
from sqlalchemy import orm

from feedback.models.survey import RESPONDENT_VIEW_CHANGED

#: Where a rendered page holds the one-time form token; letters only, so no escaping changes it.
TOKEN_PLACEHOLDER = "SKJEMATOKENPLASSHOLDER"  # noqa: S105 - not a secret
#: Rounds and rendered pages kept per process; the oldest used go first.
ROUNDS_KEPT = 128
PAGES_KEPT = 512
#: The clock for PUBLIC_RECHECK_SECONDS (tests replace it).
clock: Callable[[], float] = time.monotonic


class Memo:
    """A small least-recently-used map, safe for the threads of a development server."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def _memo(name: str, size: int, app: Flask | None = None) -> Memo:
    kept: dict[str, Memo] = (app or current_app).extensions.setdefault("respond.cache", {})
    memo = kept.get(name)
    if memo is None:
        memo = kept.setdefault(name, Memo(size))
    return memo


def rounds() -> Memo:
    return _memo("rounds", ROUNDS_KEPT)


def pages() -> Memo:
    return _memo("pages", PAGES_KEPT)


def front_pages(app: Flask) -> Memo:
    """Blank pages the front (respond.front) gives again, by request."""
    return _memo("front", PAGES_KEPT, app)


def clear() -> None:
    """Forget everything (for tests and the command line)."""
    for memo in current_app.extensions.get("respond.cache", {}).values():
        memo.clear()


@sa.event.listens_for(orm.Session, "after_commit")
def _forget_after_change(db_session: orm.Session) -> None:
    """A committed change to a questionnaire or a unit: this process drops its copies at once
    (other processes see it at their next check)."""
    if db_session.info.pop(RESPONDENT_VIEW_CHANGED, False) and has_app_context():
        clear()


@sa.event.listens_for(orm.Session, "after_rollback")
def _nothing_changed(db_session: orm.Session) -> None:
    db_session.info.pop(RESPONDENT_VIEW_CHANGED, None)


def page(key: Hashable, render: Callable[[], str]) -> str:
    """A rendered page from the cache, else rendered now and kept.

    A signed-in person with a message waiting (flash) gets the page rendered for them alone,
    since the message is shown on it and taken from the session.
    """
    if session.get("_flashes"):
        return render()
    memo = pages()
    html: str | None = memo.get(key)
    if html is None:
        html = render()
        memo.put(key, html)
    return html


def with_token(html: str, token: str) -> str:
    return html.replace(TOKEN_PLACEHOLDER, token)
