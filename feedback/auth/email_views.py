"""Changing the sign-in address: the person's own request on /konto, and the mailed link that
confirms a request (the person's or an administrator's) at /epost/<token>."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.security import check_password_hash
from werkzeug.wrappers import Response

from feedback import mail, ratelimit
from feedback.auth import email_change, services
from feedback.auth.forms import OwnEmailForm
from feedback.extensions import db
from feedback.web.access import login_required, signed_in_user
from feedback.web.forms import Form
from feedback.web.helpers import deliver_link, no_store

#: Requests to change one's own address, counted per account.
SCOPE = "email-change"


@login_required
def change_email() -> Response | str:
    user = signed_in_user()
    form = OwnEmailForm()
    mail_on = mail.enabled(current_app.config)
    if mail_on and form.validate_on_submit():
        # Every attempt counts: a session left open must not guess the password here, nor mail
        # any number of addresses.
        limit = current_app.config["LOGIN_ATTEMPT_LIMIT"]
        if not ratelimit.take(SCOPE, str(user.id), limit):
            minutes = ratelimit.minutes_until_reset(SCOPE, str(user.id), limit)
            form.current_password.errors.append(
                _(
                    "Too many failed attempts for this account. "
                    "Wait %(minutes)d minutes and try again.",
                    minutes=minutes,
                )
            )
        elif not check_password_hash(user.password_hash, form.current_password.data or ""):
            form.current_password.errors.append(_("The current password is wrong."))
        else:
            new_email = form.email.data or ""
            token = email_change.request_change(None, user, user, new_email)
            return deliver_link(
                email_change.confirmation_mail(user, new_email, token),
                email_change.confirmation_url(token),
                _(
                    "We have sent a confirmation link to the new address. Your address "
                    "changes when you open it."
                ),
                url_for("auth.account"),
            )
    return render_template(
        "auth/change_email.html",
        form=form,
        mail_on=mail_on,
        pending=email_change.pending(user),
    )


@no_store
def confirm_email(token: str) -> Response | str | tuple[str, int]:
    change = email_change.find(token)
    if change is None:
        return render_template("auth/link_gone.html"), 404
    if email_change.address_taken(change):
        # Told only to whoever holds the link: they own the address, so they may know.
        return render_template("auth/email_taken.html", change=change), 409
    form = Form()
    if form.validate_on_submit():
        try:
            user, old_email = email_change.confirm(change)
        except email_change.AddressTaken:
            db.session.rollback()
            return render_template("auth/email_taken.html", change=change), 409
        db.session.commit()
        if current_user.is_authenticated and current_user.id == user.id:
            services.end_session()  # its session row is gone; clear the cookie too
        email_change.notify_old_address(user, old_email)
        flash(
            _("Your sign-in address is now %(email)s. Sign in with it.", email=user.email),
            "success",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/confirm_email.html", change=change, form=form)
