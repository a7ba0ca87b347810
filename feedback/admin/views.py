from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from feedback import audit
from feedback.admin import services
from feedback.admin.forms import TOP_LEVEL, SettingsForm, UnitForm
from feedback.exceptions import RuleBroken
from feedback.extensions import db
from feedback.vocabulary import AUDIT_LABELS, REPRESENTATION_LABELS, ROLE_LABELS, UNIT_KIND_LABELS
from feedback.web.access import require_organisation, role_required, signed_in_user
from feedback.web.forms import show_error
from feedback.web.helpers import save_or_show

LABELS = {
    "role_labels": ROLE_LABELS,
    "representation_labels": REPRESENTATION_LABELS,
    "kind_labels": UNIT_KIND_LABELS,
}


@role_required("admin")
def index() -> str:
    organisation = require_organisation()
    return render_template(
        "admin/index.html",
        organisation=organisation,
        unit_count=len(services.unit_tree(organisation)),
        member_count=len(services.members(organisation)),
    )


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
        except RuleBroken as error:
            show_error(form, error.field, error.message)
        else:
            db.session.commit()
            flash(_("The unit %(name)s was added.", name=unit.name), "success")
            return redirect(url_for("admin.list_units"))
    return render_template("admin/units.html", tree=tree, form=form, **LABELS)


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
            "people_served": "" if unit.people_served is None else str(unit.people_served),
            "codes_only": unit.codes_only,
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
                people_served=form.people_served_number,
                codes_only=form.codes_only.data,
            ),
            _("The changes were saved."),
            url_for("admin.list_units"),
        )
        if saved:
            return saved
    return render_template("admin/unit_edit.html", unit=unit, form=form)


@role_required("admin")
def audit_log() -> str:
    organisation = require_organisation()
    return render_template(
        "admin/audit.html", events=audit.recent(organisation), audit_labels=AUDIT_LABELS
    )
