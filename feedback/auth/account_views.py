"""The person's own account: name, organisations and roles, invitations, security links."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from feedback.auth import invitations, memberships, services
from feedback.auth.forms import JoinForm, OwnNameForm
from feedback.auth.oidc_config import provider_for
from feedback.exceptions import RuleBroken, get_or_404
from feedback.extensions import db
from feedback.models import Invitation, Membership, Organisation
from feedback.vocabulary import REPRESENTATION_LABELS, ROLE_LABELS
from feedback.web.access import login_required, signed_in_user
from feedback.web.forms import Form, show_error
from feedback.web.helpers import no_store

LABELS = {"role_labels": ROLE_LABELS, "representation_labels": REPRESENTATION_LABELS}


def _roles_by_organisation() -> list[tuple[Organisation, list[Membership]]]:
    grouped: dict[int, tuple[Organisation, list[Membership]]] = {}
    memberships = sorted(signed_in_user().memberships, key=lambda m: (m.organisation.name, m.role))
    for membership in memberships:
        grouped.setdefault(membership.organisation_id, (membership.organisation, []))[1].append(
            membership
        )
    return list(grouped.values())


@login_required
def account() -> Response | str:
    user = signed_in_user()
    form = OwnNameForm(obj=user)
    if form.validate_on_submit():
        services.rename_own_account(user, form.name.data or "")
        db.session.commit()
        flash(_("Your name was saved."), "success")
        return redirect(url_for("auth.account"))
    return render_template(
        "auth/account.html",
        form=form,
        organisations=_roles_by_organisation(),
        invitations=invitations.for_person(user),
        **LABELS,
    )


@login_required
def leave(organisation_id: int) -> Response | str:
    held = signed_in_user().memberships
    organisation = get_or_404(
        Organisation, organisation_id, lambda o: any(m.organisation_id == o.id for m in held)
    )
    roles = [m for m in held if m.organisation_id == organisation.id]
    form = Form()
    if form.validate_on_submit():
        try:
            memberships.leave_organisation(signed_in_user(), organisation)
        except RuleBroken as error:
            db.session.rollback()
            show_error(form, error.field, error.message)
        else:
            db.session.commit()
            flash(_("You have left %(name)s.", name=organisation.name), "success")
            return redirect(url_for("auth.account"))
    return render_template(
        "auth/leave.html", form=form, organisation=organisation, roles=roles, **LABELS
    )


@login_required
def decline_invitation(invitation_id: int) -> Response:
    user = signed_in_user()
    invitation = invitations.get_for_person(user, invitation_id)
    invitations.decline(invitation, user)
    db.session.commit()
    flash(_("You declined the invitation."), "success")
    return redirect(url_for("auth.account"))


@no_store
def open_invitation(token: str) -> Response | str | tuple[str, int]:
    """Someone new joins here; someone with an account signs in, then accepts or declines."""
    invitation = invitations.find_by_token(token)
    if invitation is None:
        return render_template("auth/link_gone.html"), 404
    if invitations.account_for(invitation) is None and not current_user.is_authenticated:
        return _join(invitation, token)
    if not current_user.is_authenticated:
        flash(_("Sign in to answer the invitation."), "info")
        return redirect(url_for("auth.login", next=request.path))
    if signed_in_user().email != invitation.email:
        return render_template("auth/invitation_not_yours.html"), 403
    if request.method == "POST":
        return _answer(invitation)
    return render_template("auth/invitation.html", invitation=invitation, **LABELS)


def _answer(invitation: Invitation) -> Response:
    user = signed_in_user()
    answer = request.form.get("answer")
    if answer not in ("accept", "decline"):
        abort(400)
    try:
        if answer == "accept":
            invitations.accept(invitation, user)
            message = _("You now have the role in %(name)s.", name=invitation.organisation.name)
        else:
            invitations.decline(invitation, user)
            message = _("You declined the invitation.")
    except RuleBroken as error:
        # The role cannot be given as offered (a manager's units were all removed since).
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("auth.account"))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("auth.account"))


def _join(invitation: Invitation, token: str) -> Response | str:
    """A new person: their own name and password, or (where the organisation has one) a
    sign-in with its identity provider, which accepts the invitation on the way back."""
    provider = provider_for(invitation.organisation)
    if provider is not None and not provider.enabled:
        provider = None
    form = JoinForm(data={"name": invitation.name})
    form.personal_words = [invitation.email, invitation.name, invitation.organisation.name]
    if (provider is None or not provider.required) and form.validate_on_submit():
        try:
            user = invitations.accept_as_new(
                invitation, name=form.name.data or "", password=form.new_password.data or ""
            )
        except RuleBroken as error:
            db.session.rollback()
            show_error(form, error.field, error.message)
        else:
            services.start_session(user)
            db.session.commit()
            flash(_("Welcome to Brukerstemmen."), "success")
            return redirect(url_for("main.index"))
    return render_template(
        "auth/join.html", form=form, invitation=invitation, provider=provider, token=token, **LABELS
    )
