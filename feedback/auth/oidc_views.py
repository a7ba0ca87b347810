"""Sign-in with an organisation's OpenID Connect provider: a link starts it, the provider
calls back."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from feedback.auth import oidc, services, totp
from feedback.auth.oidc_config import enabled_provider
from feedback.extensions import db
from feedback.web.access import ORGANISATION_KEY


def _failure_page(organisation_name: str, failure: oidc.SignInFailed) -> tuple[str, int]:
    messages = {
        "flow": (_("The sign-in took too long or was started in another window. Try again."), 400),
        "refused": (_("The identity provider did not sign you in. Try again."), 400),
        "provider": (
            _(
                "We could not complete the sign-in with the identity provider. Try again later,"
                " or ask an administrator in your organisation."
            ),
            502,
        ),
        "token": (
            _("The identity provider's answer could not be verified, so you were not signed in."),
            400,
        ),
        "no_email": (
            _("The identity provider did not give us a verified e-mail address for you."),
            403,
        ),
        "identity": (
            _(
                "Your account here is linked to another person at the identity provider. Ask an"
                " administrator in %(name)s.",
                name=organisation_name,
            ),
            403,
        ),
        "invitation": (
            _(
                "The invitation link no longer works, or it was sent to another e-mail address"
                " than the one your identity provider gave us. Ask an administrator in"
                " %(name)s for a new invitation.",
                name=organisation_name,
            ),
            403,
        ),
        "no_role": (
            _(
                "You have no role in %(name)s. An account is only made from an invitation or"
                " from a group your identity provider lists. Ask an administrator in"
                " %(name)s.",
                name=organisation_name,
            ),
            403,
        ),
    }
    message, status = messages[failure.reason]
    return render_template("auth/oidc_failed.html", message=message), status


def oidc_start(slug: str) -> Response | tuple[str, int]:
    found = enabled_provider(slug)
    if found is None:
        abort(404)
    organisation, provider = found
    try:
        address = oidc.begin(organisation, provider, request.args.get("invitasjon"))
    except oidc.SignInFailed as failure:
        oidc.log_failure(organisation, failure)
        return _failure_page(organisation.name, failure)
    return redirect(address)


def oidc_callback(slug: str) -> Response | tuple[str, int]:
    found = enabled_provider(slug)
    if found is None:
        abort(404)
    organisation, provider = found
    try:
        user = oidc.complete(organisation, provider, request.args.to_dict())
    except oidc.SignInFailed as failure:
        db.session.rollback()
        oidc.log_failure(organisation, failure)
        return _failure_page(organisation.name, failure)
    services.start_session(user)
    session[ORGANISATION_KEY] = organisation.id
    # The provider has its own second factor: not asked again here.
    totp.mark_signed_in_by_provider()
    db.session.commit()
    return redirect(url_for("main.index"))
