"""The organisation's identity: the name shown to the public, the logo and the accent colour."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from feedback.admin.forms import IdentityForm
from feedback.brand import logos, services
from feedback.web.access import require_organisation, role_required, signed_in_user
from feedback.web.forms import show_error
from feedback.web.helpers import save_or_show


def _upload() -> bytes | None:
    """The chosen logo file's bytes (None: no file chosen), read at most one byte past the
    limit, so a huge file is refused without being held."""
    upload = request.files.get("logo")
    if upload is None or not upload.filename:
        return None
    return upload.stream.read(logos.MAX_BYTES + 1)


@role_required("admin")
def edit_identity() -> Response | str:
    organisation = require_organisation()
    form = IdentityForm(
        data={
            "display_name": organisation.display_name or "",
            "accent_colour": organisation.accent_colour or "",
        }
    )
    if form.validate_on_submit():
        logo = _upload()
        if logo == b"":
            show_error(form, "logo", _("The file is empty. Choose the logo file again."))
        else:
            saved = save_or_show(
                form,
                lambda: services.update_identity(
                    organisation,
                    signed_in_user(),
                    display_name=form.display_name.data or "",
                    accent_colour=form.accent_colour.data or "",
                    logo=logo,
                    remove_logo=form.remove_logo.data,
                ),
                _("The organisation's name, logo and colour were saved."),
                url_for("admin.edit_identity"),
            )
            if saved:
                return saved
    return render_template("admin/identity.html", form=form, organisation=organisation)
