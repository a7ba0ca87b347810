from __future__ import annotations

import contextlib
import functools
from collections.abc import Mapping
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from feedback import mail
from feedback.auth import devices, notify, passwords, services, totp
from feedback.auth.forms import (
    ChangePasswordForm,
    EndSessionsForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
)
from feedback.auth.oidc_config import password_allowed
from feedback.extensions import db
from feedback.i18n import safe_next
from feedback.web.access import login_required, signed_in_user
from feedback.web.helpers import no_store


def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.attempt_login(
                form.email.data or "",
                form.password.data or "",
                devices.from_request(),
            )
        except services.LoginBlocked as blocked:
            message = _(
                "Too many failed attempts for this account. "
                "Wait %(minutes)d minutes and try again.",
                minutes=blocked.minutes,
            )
            return render_template("auth/login.html", form=form, form_error=message), 429
        if user is None:
            message = _("The e-mail address or the password is wrong.")
            return render_template("auth/login.html", form=form, form_error=message)
        if not password_allowed(user):
            message = _(
                "Your organisation requires you to sign in with its identity provider."
                " Use its button below."
            )
            return render_template("auth/login.html", form=form, form_error=message), 403
        if user.has_second_factor:
            totp.await_code(user)
            return redirect(url_for("auth.verify_code", next=request.args.get("next")))
        services.start_session(user)
        db.session.commit()
        return redirect(safe_next(request.args.get("next"), url_for("main.index")))
    return render_template("auth/login.html", form=form)


def logout() -> Response:
    services.end_session()
    db.session.commit()
    flash(_("You are signed out."), "success")
    return redirect(url_for("main.index"))


@login_required
def change_password() -> Response | str:
    form = ChangePasswordForm()
    form.personal_words = passwords.words_of(signed_in_user())
    if form.validate_on_submit():
        try:
            services.change_own_password(
                signed_in_user(), form.current_password.data or "", form.new_password.data or ""
            )
        except services.WrongPassword:
            form.current_password.errors.append(_("The current password is wrong."))
        else:
            db.session.commit()
            notify.factor_changed(signed_in_user(), "password")
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form)


@login_required
def sessions() -> str:
    return render_template(
        "auth/sessions.html",
        sessions=services.active_sessions(signed_in_user()),
        form=EndSessionsForm(),
    )


@login_required
def end_sessions() -> Response:
    """Sign out every other browser, or (``alle``) this one too."""
    form = EndSessionsForm()
    if not form.validate_on_submit():
        return redirect(url_for("auth.sessions"))
    everywhere = form.everywhere.data
    services.end_all_sessions(signed_in_user(), keep_current=not everywhere)
    if everywhere:
        services.end_session()
    db.session.commit()
    if everywhere:
        flash(_("You are signed out everywhere."), "success")
        return redirect(url_for("auth.login"))
    flash(_("Every other sign-in has been ended."), "success")
    return redirect(url_for("auth.sessions"))


def forgot_password() -> Response | str:
    """The same answer whether or not the address has an account, and however often it asks."""
    form = ForgotPasswordForm()
    mail_on = mail.enabled(current_app.config)
    if mail_on and form.validate_on_submit():
        message = services.request_password_link(form.email.data or "")
        db.session.commit()
        flash(
            _(
                "If an account uses this address, we have sent it a link to choose a new "
                "password. The link works for one hour."
            ),
            "success",
        )
        response = redirect(url_for("auth.login"))
        if message is not None:
            # Sent once the answer has gone out: a mail sent before it would make the answer
            # to an address with an account slower by the mail server's round trip.
            response.call_on_close(functools.partial(_send_quietly, current_app.config, message))
        return response
    return render_template("auth/forgot_password.html", form=form, mail_on=mail_on)


def _send_quietly(config: Mapping[str, Any], message: mail.Mail) -> None:
    """Send a mail after the answer; a failure is logged by mail.send and said nowhere (a
    different answer would tell that the address has an account). The stored link then
    expires unused: its secret was only in the mail."""
    with contextlib.suppress(mail.MailError):
        mail.send(config, [message])


@no_store
def reset_password(token: str) -> Response | str | tuple[str, int]:
    link = services.find_password_link(token)
    if link is None:
        return render_template("auth/link_gone.html"), 404
    form = NewPasswordForm()
    form.personal_words = passwords.words_of(link.user)
    if form.validate_on_submit():
        user = services.use_password_link(link, form.new_password.data or "")
        db.session.commit()
        notify.factor_changed(user, "password_link")
        services.end_session()
        flash(
            _("Your new password is saved, and you are signed out everywhere. Sign in."), "success"
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)
