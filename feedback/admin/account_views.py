"""Views for accounts, roles and invitations of one organisation."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from feedback.admin import services
from feedback.admin.forms import AccountForm, InviteForm, RoleFields
from feedback.auth import email_change, invitations, memberships, notify
from feedback.auth.services import ADMIN_LINK_LIFETIME, link_url, password_link_mail
from feedback.exceptions import RuleBroken
from feedback.extensions import db
from feedback.models import Invitation, Membership
from feedback.models.base import utcnow
from feedback.vocabulary import REPRESENTATION_LABELS, ROLE_LABELS
from feedback.web.access import require_organisation, role_required, signed_in_user
from feedback.web.forms import Form, show_error
from feedback.web.helpers import deliver_link, save_or_show

LABELS = {"role_labels": ROLE_LABELS, "representation_labels": REPRESENTATION_LABELS}


@role_required("admin")
def list_accounts() -> str:
    organisation = require_organisation()
    return render_template(
        "admin/accounts.html",
        members=services.members(organisation),
        invitations=invitations.pending(organisation),
        now=utcnow(),
        **LABELS,
    )


@role_required("admin")
def new_invitation() -> Response | str:
    """Invite by e-mail. The answer is the same whether or not the address has an account."""
    organisation = require_organisation()
    form = InviteForm()
    form.set_units(services.unit_tree(organisation, active_only=True))
    if form.validate_on_submit():
        try:
            invitation, token = invitations.invite(
                organisation,
                signed_in_user(),
                email=form.email.data or "",
                name=form.name.data or "",
                role=form.role.data or "",
                representation=form.representation.data or None,
                unit_ids=form.unit_ids.data or [],
            )
        except RuleBroken as error:
            db.session.rollback()
            show_error(form, error.field, error.message)
        else:
            return _deliver_invitation(invitation, token)
    return render_template("admin/account_new.html", form=form)


def _deliver_invitation(invitation: Invitation, token: str) -> Response | str:
    return deliver_link(
        invitations.invitation_mail(invitation, token),
        invitations.invitation_url(token),
        _("An invitation was sent to %(email)s.", email=invitation.email),
        url_for("admin.list_accounts"),
    )


@role_required("admin")
def resend_invitation(invitation_id: int) -> Response | str:
    organisation = require_organisation()
    invitation = invitations.get_pending(organisation, invitation_id)
    token = invitations.resend(organisation, signed_in_user(), invitation)
    return _deliver_invitation(invitation, token)


@role_required("admin")
def withdraw_invitation(invitation_id: int) -> Response:
    organisation = require_organisation()
    invitation = invitations.get_pending(organisation, invitation_id)
    invitations.withdraw(organisation, signed_in_user(), invitation)
    db.session.commit()
    flash(_("The invitation was withdrawn; its link no longer works."), "success")
    return redirect(url_for("admin.list_accounts"))


def _account_page(
    user_id: int, account_form: AccountForm | None = None, role_form: RoleFields | None = None
) -> str:
    organisation = require_organisation()
    member = services.get_member(organisation, user_id)
    if account_form is None:
        account_form = AccountForm(prefix="account", obj=member.user, formdata=None)
    role_form = role_form or RoleFields(prefix="role", formdata=None)
    role_form.set_units(services.unit_tree(organisation, active_only=True))
    return render_template(
        "admin/account_edit.html",
        member=member,
        own_account=services.holds_roles_only_in(member.user, organisation),
        pending_email=email_change.pending(member.user),
        account_form=account_form,
        role_form=role_form,
        **LABELS,
    )


@role_required("admin")
def edit_account(user_id: int) -> Response | str:
    organisation = require_organisation()
    member = services.get_member(organisation, user_id)
    form = AccountForm(prefix="account", obj=member.user)
    if form.is_submitted():
        # Refused before anything is read: an account with roles elsewhere is its holder's.
        services.require_own_account(organisation, member.user)
    if form.validate_on_submit():
        target = url_for("admin.edit_account", user_id=user_id)
        new_email = form.email.data or ""
        try:
            token = services.update_account(
                organisation,
                signed_in_user(),
                member.user,
                email=new_email,
                name=form.name.data or "",
                active=form.active.data,
            )
        except RuleBroken as error:
            db.session.rollback()
            show_error(form, error.field, error.message)
        else:
            if token is None:
                db.session.commit()
                flash(_("The changes were saved."), "success")
                return redirect(target)
            # The same answer whether or not another account uses the address.
            return deliver_link(
                email_change.confirmation_mail(member.user, new_email, token),
                email_change.confirmation_url(token),
                _(
                    "We have sent a confirmation link to the new address. The address changes "
                    "when the person opens it."
                ),
                target,
            )
    return _account_page(user_id, account_form=form)


@role_required("admin")
def send_password_link(user_id: int) -> Response | str:
    organisation = require_organisation()
    user = services.get_member(organisation, user_id).user
    token = services.send_password_link(organisation, signed_in_user(), user)
    return deliver_link(
        password_link_mail(user, token, ADMIN_LINK_LIFETIME),
        link_url("auth.reset_password", token=token),
        _("A link to choose a new password was sent to %(email)s.", email=user.email),
        url_for("admin.edit_account", user_id=user_id),
    )


@role_required("admin")
def add_role(user_id: int) -> Response | str:
    organisation = require_organisation()
    member = services.get_member(organisation, user_id)
    form = RoleFields(prefix="role")
    form.set_units(services.unit_tree(organisation, active_only=True))
    if form.validate_on_submit():
        saved = save_or_show(
            form,
            lambda: memberships.grant_role(
                organisation,
                signed_in_user(),
                member.user,
                role=form.role.data or "",
                representation=form.representation.data or None,
                unit_ids=form.unit_ids.data or [],
            ),
            _("The role was added."),
            url_for("admin.edit_account", user_id=user_id),
        )
        if saved:
            return saved
    return _account_page(user_id, role_form=form)


@role_required("admin")
def remove_role(membership_id: int) -> Response:
    organisation = require_organisation()
    membership = db.get_or_404(Membership, membership_id)
    user_id = membership.user_id
    try:
        memberships.revoke_role(organisation, signed_in_user(), membership)
    except RuleBroken as error:
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("The role was removed."), "success")
    if services.members_count_for(organisation, user_id):
        return redirect(url_for("admin.edit_account", user_id=user_id))
    return redirect(url_for("admin.list_accounts"))


@role_required("admin")
def reset_second_factor(user_id: int) -> Response | str:
    """The "lost phone": confirmed on a page of its own; only for accounts held here alone."""
    organisation = require_organisation()
    member = services.get_member(organisation, user_id)
    if request.method == "POST" and Form().validate_on_submit():
        try:
            services.reset_second_factor(organisation, signed_in_user(), member.user)
        except RuleBroken as error:
            flash(str(error.message), "error")
        else:
            db.session.commit()
            notify.factor_changed(member.user, "reset")
            flash(_("Two-step sign-in was reset, and the person is signed out."), "success")
        return redirect(url_for("admin.edit_account", user_id=user_id))
    return render_template(
        "admin/second_factor_reset.html",
        member=member,
        allowed=services.holds_roles_only_in(member.user, organisation),
    )
