from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from feedback.access import signed_in_user
from feedback.auth import bp, services, totp
from feedback.auth.forms import ChangePasswordForm, LoginForm
from feedback.extensions import db
from feedback.i18n import safe_next


@bp.route("/logg-inn", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.attempt_login(form.email.data or "", form.password.data or "")
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
        if user.has_second_factor:
            totp.await_code(user)
            return redirect(url_for("auth.verify_code", next=request.args.get("next")))
        services.start_session(user)
        db.session.commit()
        return redirect(safe_next(request.args.get("next"), url_for("main.index")))
    return render_template("auth/login.html", form=form)


@bp.route("/logg-ut", methods=["POST"])
def logout() -> Response:
    services.end_session()
    flash(_("You are signed out."), "success")
    return redirect(url_for("main.index"))


@bp.route("/konto/passord", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(
                signed_in_user(), form.current_password.data or "", form.new_password.data or ""
            )
        except services.WrongPassword:
            form.current_password.errors.append(_("The current password is wrong."))
        else:
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form)
