"""The domain's exceptions: what services raise when a request cannot be done.

Services neither abort nor commit. They raise one of these, and the web layer turns it into an
answer: ``RuleBroken`` is shown next to the form field it names, ``NotFound`` becomes the 404
page (also for another organisation's row, so nobody learns that it exists), ``Forbidden`` the
403 page and ``Conflict`` the 409 page. The API answers them in JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class DomainError(Exception):
    """Base of the domain's exceptions."""


class RuleBroken(DomainError):
    """A request that breaks a rule; ``field`` names the form field to show it at ("" = form)."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = message


class NotFound(DomainError):
    """Nothing this person may see has this id: answered with 404."""


class Forbidden(DomainError):
    """This person may not do this here: answered with 403."""


class Conflict(DomainError):
    """The thing is not in a state that allows this (already sent, already closed): 409."""


#: The status each domain exception is answered with, on pages and in the API.
STATUS: dict[type[DomainError], int] = {NotFound: 404, Forbidden: 403, Conflict: 409}


def status_of(error: DomainError) -> int:
    """The HTTP status a domain exception is answered with (400 for a broken rule)."""
    return next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)


def get_or_404(model: type[T], id_: int | None, belongs: Callable[[T], Any] | None = None) -> T:
    """The row of ``model`` with this id, if it exists and ``belongs(row)`` is true; otherwise
    ``NotFound``. The one helper for "this organisation's X, else 404"."""
    from feedback.extensions import db

    row = db.session.get(model, id_) if id_ is not None else None
    if row is None or (belongs is not None and not belongs(row)):
        raise NotFound()
    return row
