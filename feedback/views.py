"""Helpers shared by the blueprints' views."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect
from werkzeug.wrappers import Response

from feedback.extensions import db
from feedback.forms import Form, show_error
from feedback.rules import RuleBroken


def save_or_show(
    form: Form, change: Callable[[], object], message: str, target: str
) -> Response | None:
    """Run a service change: commit, confirm and redirect, or put its complaint on the form."""
    try:
        change()
    except RuleBroken as error:
        db.session.rollback()
        show_error(form, error.field, error.message)
        return None
    db.session.commit()
    flash(message, "success")
    return redirect(target)
