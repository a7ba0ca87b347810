"""The second factor's pages: the code after the password, and setting up the app."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from feedback.auth import notify, services, totp
from feedback.auth.forms import CodeForm, EnrolForm, PasswordAgainForm
from feedback.extensions import db
from feedback.i18n import safe_next
from feedback.web.access import login_required, signed_in_user

Page = Response | str | tuple[str, int]


def _blocked_message(blocked: totp.CodeBlocked) -> str:
    return _(
        "Too many wrong attempts. Wait %(minutes)d minutes and try again.",
        minutes=blocked.minutes,
    )


def _wrong_code() -> str:
    return _("The code is wrong, expired or already used. Enter the code your app shows now.")


def verify_code() -> Page:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    user = totp.pending_user()
    if user is None:
        flash(_("Sign in again: the code must be entered within 5 minutes."), "info")
        return redirect(url_for("auth.login", next=request.args.get("next")))
    recovery = request.args.get("gjenoppretting") == "1"
    form = CodeForm().as_recovery() if recovery else CodeForm()
    if form.validate_on_submit():
        try:
            used_recovery = totp.verify(user, form.code.data or "")
        except totp.CodeBlocked as blocked:
            form.code.errors.append(_blocked_message(blocked))
            return render_template("auth/verify_code.html", form=form, recovery=recovery), 429
        except totp.WrongCode:
            form.code.errors.append(_wrong_code())
        else:
            services.start_session(user)
            if used_recovery:
                left = totp.remaining_recovery_codes(user)
                flash(
                    ngettext(
                        "You signed in with a recovery code. %(num)d recovery code is left.",
                        "You signed in with a recovery code. %(num)d recovery codes are left.",
                        left,
                    ),
                    "info",
                )
            db.session.commit()
            if used_recovery:
                notify.factor_changed(user, "recovery_code")
            return redirect(safe_next(request.args.get("next"), url_for("main.index")))
    return render_template("auth/verify_code.html", form=form, recovery=recovery)


def _status_page(
    renew_form: PasswordAgainForm | None = None, off_form: PasswordAgainForm | None = None
) -> str:
    user = signed_in_user()
    return render_template(
        "auth/second_factor_on.html",
        remaining=totp.remaining_recovery_codes(user),
        required=totp.second_factor_required(user),
        renew_form=renew_form or PasswordAgainForm(prefix="renew", formdata=None),
        off_form=off_form or PasswordAgainForm(prefix="off", formdata=None),
    )


@login_required
def second_factor() -> Page:
    user = signed_in_user()
    if user.has_second_factor:
        return _status_page()
    enrolment = totp.start_enrolment(user)
    form = EnrolForm()
    ask_password = not services.signed_in_recently()
    status = 200
    valid = form.validate_on_submit()
    if ask_password and form.is_submitted() and not form.password.data:
        form.password.errors.append(_("Enter your password."))  # a list once validated
    elif valid:
        try:
            if ask_password:
                totp.check_password(user, form.password.data or "")
            codes = totp.confirm_enrolment(user, form.code.data or "")
        except totp.CodeBlocked as blocked:
            form.code.errors.append(_blocked_message(blocked))
            status = 429
        except services.WrongPassword:
            form.password.errors.append(_("The password is wrong."))
        except totp.WrongCode:
            form.code.errors.append(_wrong_code())
        else:
            db.session.commit()
            notify.factor_changed(user, "on")
            return render_template("auth/recovery_codes.html", codes=codes, first=True)
    db.session.commit()  # the key being set up stays the same when the page is reloaded
    page = render_template(
        "auth/second_factor_setup.html",
        form=form,
        enrolment=enrolment,
        required=totp.second_factor_required(user),
        ask_password=ask_password,
    )
    return page, status


@login_required
def renew_recovery_codes() -> Page:
    user = signed_in_user()
    if not user.has_second_factor:
        return redirect(url_for("auth.second_factor"))
    form = PasswordAgainForm(prefix="renew")
    if form.validate_on_submit():
        try:
            codes = totp.renew_recovery_codes(user, form.password.data or "")
        except totp.CodeBlocked as blocked:
            form.password.errors.append(_blocked_message(blocked))
            return _status_page(renew_form=form), 429
        except services.WrongPassword:
            form.password.errors.append(_("The password is wrong."))
        else:
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes, first=False)
    return _status_page(renew_form=form)


@login_required
def turn_off_second_factor() -> Page:
    user = signed_in_user()
    if not user.has_second_factor:
        return redirect(url_for("auth.second_factor"))
    form = PasswordAgainForm(prefix="off")
    if form.validate_on_submit():
        try:
            totp.turn_off(user, form.password.data or "")
        except totp.SecondFactorRequired:
            flash(
                _("Your organisation requires two-step sign-in, so it cannot be turned off."),
                "error",
            )
            return _status_page(), 403
        except totp.CodeBlocked as blocked:
            form.password.errors.append(_blocked_message(blocked))
            return _status_page(off_form=form), 429
        except services.WrongPassword:
            form.password.errors.append(_("The password is wrong."))
        else:
            db.session.commit()
            notify.factor_changed(user, "off")
            flash(_("Two-step sign-in is turned off."), "success")
            return redirect(url_for("auth.second_factor"))
    return _status_page(off_form=form)
