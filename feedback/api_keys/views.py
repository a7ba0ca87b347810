"""Pages where quality-group members and managers make and revoke their personal API keys.

A new key is shown once, in the answer to the form that made it: never in an address, a flash
message or a log, and it cannot be shown again (only its hash is kept).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from feedback.api.services import API_ROLES
from feedback.api_keys import services
from feedback.api_keys.forms import RevokeForm, TokenForm
from feedback.exceptions import RuleBroken
from feedback.extensions import db
from feedback.models import ApiToken
from feedback.web.access import require_organisation, role_required, signed_in_user
from feedback.web.forms import show_error

token_access = role_required(*API_ROLES)


def _list_page(form: TokenForm) -> str:
    tokens = services.tokens_of(signed_in_user(), require_organisation())
    return render_template("api_keys/tokens.html", form=form, tokens=tokens)


@token_access
def list_tokens() -> str:
    return _list_page(TokenForm())


@token_access
def create_token() -> str | tuple[str, int]:
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token, secret = services.create_token(
                signed_in_user(), require_organisation(), form.name.data
            )
        except RuleBroken as error:
            db.session.rollback()
            show_error(form, error.field, error.message)
        else:
            db.session.commit()
            return render_template("api_keys/created.html", token=token, secret=secret)
    return _list_page(form), 400


def _own_token(token_id: int) -> ApiToken:
    return services.get_token(signed_in_user(), require_organisation(), token_id)


@token_access
def confirm_revoke(token_id: int) -> str:
    token = _own_token(token_id)
    return render_template("api_keys/revoke.html", token=token, form=RevokeForm())


@token_access
def revoke_token(token_id: int) -> Response | tuple[str, int]:
    token = _own_token(token_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        return render_template("api_keys/revoke.html", token=token, form=form), 400
    if services.revoke_token(token, signed_in_user()):
        db.session.commit()
        flash(_("The key “%(name)s” was revoked. It no longer works.", name=token.name), "success")
    return redirect(url_for("api_keys.list_tokens"))
