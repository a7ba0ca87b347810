from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from feedback import audit
from feedback.access import require_organisation, role_required, signed_in_user
from feedback.admin import bp, services
from feedback.admin.forms import (
    TOP_LEVEL,
    AccountForm,
    NewAccountForm,
    ResetPasswordForm,
    RoleFields,
    SettingsForm,
    UnitForm,
)
from feedback.auth import notify
from feedback.extensions import db
from feedback.forms import Form, show_error
from feedback.models import Membership
from feedback.views import save_or_show
from feedback.vocabulary import AUDIT_LABELS, REPRESENTATION_LABELS, ROLE_LABELS, UNIT_KIND_LABELS

LABELS = {
    "role_labels": ROLE_LABELS,
    "representation_labels": REPRESENTATION_LABELS,
    "kind_labels": UNIT_KIND_LABELS,
}


@bp.route("/")
@role_required("admin")
def index() -> str:
    organisation = require_organisation()
    return render_template(
        "admin/index.html",
        organisation=organisation,
        unit_count=len(services.unit_tree(organisation)),
        member_count=len(services.members(organisation)),
    )


@bp.route("/innstillinger", methods=["GET", "POST"])
@role_required("admin")
def edit_settings() -> Response | str:
    organisation = require_organisation()
    form = SettingsForm(obj=organisation)
    if form.validate_on_submit():
        saved = save_or_show(
            form,
            lambda: services.update_settings(
                organisation,
                signed_in_user(),
                name=form.name.data or "",
                min_group_size=form.min_group_size.data or 0,
                approval_rule=form.approval_rule.data or "majority",
                approval_count=form.approval_count.data or 1,
                require_second_factor=form.require_second_factor.data,
            ),
            _("The settings were saved."),
            url_for("admin.edit_settings"),
        )
        if saved:
            return saved
    return render_template("admin/settings.html", form=form)


@bp.route("/enheter", methods=["GET", "POST"])
@role_required("admin")
def list_units() -> Response | str:
    organisation = require_organisation()
    tree = services.unit_tree(organisation)
    form = UnitForm()
    form.set_parents(tree)
    if form.validate_on_submit():
        try:
            unit = services.create_unit(
                organisation,
                signed_in_user(),
                name=form.name.data or "",
                kind=form.kind.data or "other",
                parent_id=form.parent_id.data or None,
            )
        except services.AdminError as error:
            show_error(form, error.field, error.message)
        else:
            db.session.commit()
            flash(_("The unit %(name)s was added.", name=unit.name), "success")
            return redirect(url_for("admin.list_units"))
    return render_template("admin/units.html", tree=tree, form=form, **LABELS)


@bp.route("/enheter/<int:unit_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_unit(unit_id: int) -> Response | str:
    organisation = require_organisation()
    unit = services.get_unit(organisation, unit_id)
    form = UnitForm(
        data={
            "name": unit.name,
            "kind": unit.kind,
            "parent_id": unit.parent_id or TOP_LEVEL,
            "active": unit.active,
        }
    )
    form.set_parents([(u, d) for u, d in services.unit_tree(organisation) if u.id != unit.id])
    if form.validate_on_submit():
        saved = save_or_show(
            form,
            lambda: services.update_unit(
                organisation,
                signed_in_user(),
                unit,
                name=form.name.data or "",
                kind=form.kind.data or "other",
                parent_id=form.parent_id.data or None,
                active=form.active.data,
            ),
            _("The changes were saved."),
            url_for("admin.list_units"),
        )
        if saved:
            return saved
    return render_template("admin/unit_edit.html", unit=unit, form=form)


@bp.route("/brukere")
@role_required("admin")
def list_accounts() -> str:
    organisation = require_organisation()
    return render_template("admin/accounts.html", members=services.members(organisation), **LABELS)


@bp.route("/brukere/ny", methods=["GET", "POST"])
@role_required("admin")
def new_account() -> Response | str:
    organisation = require_organisation()
    form = NewAccountForm()
    form.set_units(services.unit_tree(organisation, active_only=True))
    if form.validate_on_submit():
        try:
            user, created = services.create_account(
                organisation,
                signed_in_user(),
                email=form.email.data or "",
                name=form.name.data or "",
                password=form.password.data or "",
                role=form.role.data or "",
                representation=form.representation.data or None,
                unit_ids=form.unit_ids.data or [],
            )
        except services.AdminError as error:
            show_error(form, error.field, error.message)
        else:
            db.session.commit()
            if created:
                flash(
                    _(
                        "The account was created. Give the person the temporary password; "
                        "they must choose their own at the first sign-in."
                    ),
                    "success",
                )
            else:
                flash(
                    _(
                        "An account with this e-mail address already existed. It got the role, "
                        "and its name and password were not changed."
                    ),
                    "info",
                )
            return redirect(url_for("admin.edit_account", user_id=user.id))
    return render_template("admin/account_new.html", form=form)


def _account_page(
    user_id: int,
    account_form: AccountForm | None = None,
    reset_form: ResetPasswordForm | None = None,
    role_form: RoleFields | None = None,
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
        account_form=account_form,
        reset_form=reset_form or ResetPasswordForm(prefix="reset", formdata=None),
        role_form=role_form,
        **LABELS,
    )


@bp.route("/brukere/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_account(user_id: int) -> Response | str:
    organisation = require_organisation()
    member = services.get_member(organisation, user_id)
    form = AccountForm(prefix="account", obj=member.user)
    if form.validate_on_submit():
        saved = save_or_show(
            form,
            lambda: services.update_account(
                organisation,
                signed_in_user(),
                member.user,
                email=form.email.data or "",
                name=form.name.data or "",
                active=form.active.data,
            ),
            _("The changes were saved."),
            url_for("admin.edit_account", user_id=user_id),
        )
        if saved:
            return saved
    return _account_page(user_id, account_form=form)


@bp.route("/brukere/<int:user_id>/passord", methods=["POST"])
@role_required("admin")
def reset_password(user_id: int) -> Response | str:
    organisation = require_organisation()
    member = services.get_member(organisation, user_id)
    form = ResetPasswordForm(prefix="reset")
    if not form.validate_on_submit():
        return _account_page(user_id, reset_form=form)
    services.reset_password(organisation, signed_in_user(), member.user, form.password.data or "")
    db.session.commit()
    flash(
        _(
            "The temporary password was set. The person must choose a new one at the next "
            "sign-in, and is signed out everywhere."
        ),
        "success",
    )
    return redirect(url_for("admin.edit_account", user_id=user_id))


@bp.route("/brukere/<int:user_id>/totp", methods=["GET", "POST"])
@role_required("admin")
def reset_second_factor(user_id: int) -> Response | str:
    organisation = require_organisation()
    member = services.get_member(organisation, user_id)
    if request.method == "POST":
        form = Form()
        if form.validate_on_submit():
            try:
                services.reset_second_factor(organisation, signed_in_user(), member.user)
            except services.AdminError as error:
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


@bp.route("/brukere/<int:user_id>/roller", methods=["POST"])
@role_required("admin")
def add_role(user_id: int) -> Response | str:
    organisation = require_organisation()
    member = services.get_member(organisation, user_id)
    form = RoleFields(prefix="role")
    form.set_units(services.unit_tree(organisation, active_only=True))
    if form.validate_on_submit():
        saved = save_or_show(
            form,
            lambda: services.grant_role(
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


@bp.route("/roller/<int:membership_id>/fjern", methods=["POST"])
@role_required("admin")
def remove_role(membership_id: int) -> Response:
    organisation = require_organisation()
    membership = db.get_or_404(Membership, membership_id)
    user_id = membership.user_id
    try:
        services.revoke_role(organisation, signed_in_user(), membership)
    except services.AdminError as error:
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("The role was removed."), "success")
    if services.members_count_for(organisation, user_id):
        return redirect(url_for("admin.edit_account", user_id=user_id))
    return redirect(url_for("admin.list_accounts"))


@bp.route("/logg")
@role_required("admin")
def audit_log() -> str:
    organisation = require_organisation()
    return render_template(
        "admin/audit.html", events=audit.recent(organisation), audit_labels=AUDIT_LABELS
    )
