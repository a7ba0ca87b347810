"""Deviation categories, for administrators: add, rename, retire and order them."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from feedback.deviations import categories as category_service
from feedback.deviations.forms import ActionForm, CategoryForm
from feedback.deviations.pages import admin_access
from feedback.extensions import db
from feedback.web.access import require_organisation, signed_in_user
from feedback.web.forms import fill_text, text_of
from feedback.web.helpers import save_or_show


@admin_access
def categories() -> Response | str | tuple[str, int]:
    organisation = require_organisation()
    form = CategoryForm()
    if request.method == "POST":
        if form.validate_on_submit():
            done = save_or_show(
                form,
                lambda: category_service.save_category(
                    organisation, signed_in_user(), None, text_of(form.names), form.active.data
                ),
                _("The category was added."),
                url_for("deviations.categories"),
            )
            if done is not None:
                return done
        return _categories_page(form), 400
    return _categories_page(form)


def _categories_page(form: CategoryForm) -> str:
    organisation = require_organisation()
    return render_template(
        "deviations/categories.html",
        form=form,
        categories=category_service.categories(organisation, active_only=False),
        move_form=ActionForm(),
    )


@admin_access
def edit_category(category_id: int) -> Response | str | tuple[str, int]:
    organisation = require_organisation()
    category = category_service.get_category(organisation, category_id)
    form = CategoryForm()
    if request.method == "GET":
        fill_text(form.names, category.names)
        form.active.data = category.active
        return render_template("deviations/category.html", form=form, category=category)
    if form.validate_on_submit():
        done = save_or_show(
            form,
            lambda: category_service.save_category(
                organisation, signed_in_user(), category, text_of(form.names), form.active.data
            ),
            _("The category was saved."),
            url_for("deviations.categories"),
        )
        if done is not None:
            return done
    return render_template("deviations/category.html", form=form, category=category), 400


@admin_access
def move_category(category_id: int) -> Response:
    organisation = require_organisation()
    category = category_service.get_category(organisation, category_id)
    form = ActionForm()
    if form.validate_on_submit():
        step = -1 if request.form.get("retning") == "opp" else 1
        category_service.move_category(organisation, signed_in_user(), category, step)
        db.session.commit()
    return redirect(url_for("deviations.categories") + f"#category-{category.id}")
