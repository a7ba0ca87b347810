"""Helpers shared by the blueprints' views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, flash, make_response, redirect, render_template
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from feedback import mail
from feedback.exceptions import RuleBroken
from feedback.extensions import db
from feedback.web.forms import Form, show_error


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


def deliver_link(message: mail.Mail, url: str, done: str, target: str) -> Response | str:
    """Mail a link and commit, or without a mail server commit and show the link once, for
    the administrator to hand over. A mail that fails stores nothing."""
    if not mail.enabled(current_app.config):
        db.session.commit()
        return render_template("admin/link_once.html", recipient=message.to, url=url, back=target)
    try:
        mail.send(current_app.config, [message])
    except mail.MailError:
        db.session.rollback()
        flash(_("The e-mail could not be sent, so nothing was changed. Try again later."), "error")
        return redirect(target)
    db.session.commit()
    flash(done, "success")
    return redirect(target)


F = TypeVar("F", bound=Callable[..., Any])


def no_store(view: F) -> F:
    """For pages reached by a secret link, signed in or not: kept by no cache or back button."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        return response

    return wrapped  # type: ignore[return-value]
