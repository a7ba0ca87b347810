"""The organisation's sign-in settings: its OpenID Connect provider."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from feedback.admin.oidc_forms import OidcProviderForm
from feedback.auth import oidc, oidc_config
from feedback.extensions import db
from feedback.web.access import require_organisation, role_required, signed_in_user


@role_required("admin")
def edit_sign_in() -> Response | str:
    organisation = require_organisation()
    provider = oidc_config.provider_for(organisation)
    form = OidcProviderForm(
        obj=provider, organisation=organisation, has_secret=provider is not None
    )
    check: dict[str, object] | None = None
    if form.is_submitted() and form.check.data:
        # The test needs only the issuer; the other fields may still be unfinished.
        form.validate()
        if not form.csrf_token.errors and not form.issuer.errors:
            check = _check_discovery(form.issuer.data or "")
    elif form.validate_on_submit():
        values = {name: form[name].data for name in oidc_config.EDITABLE}
        oidc_config.save_provider(
            organisation, signed_in_user(), client_secret=form.client_secret.data or "", **values
        )
        oidc_config.forget_issuer(form.issuer.data or "")
        db.session.commit()
        flash(_("The sign-in settings were saved."), "success")
        return redirect(url_for("admin.edit_sign_in"))
    return render_template(
        "admin/sign_in.html",
        form=form,
        check=check,
        redirect_uri=oidc.redirect_uri(organisation),
    )


def _check_discovery(issuer: str) -> dict[str, object]:
    try:
        return {"ok": True, "document": oidc_config.fetch_discovery(issuer)}
    except oidc_config.ProviderUnavailable as problem:
        return {"ok": False, "problem": str(problem)}
