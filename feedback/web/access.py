"""Who may do what: the signed-in user's organisation and roles, and view guards."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from flask import Flask, abort, g, session
from flask_login import current_user
from flask_login import login_required as _login_required

from feedback.extensions import db
from feedback.models import Membership, OidcProvider, Organisation, User

F = TypeVar("F", bound=Callable[..., Any])


def login_required(view: F) -> F:
    """Flask-Login's login_required, with its type: the view, for signed-in people only."""
    return cast(F, _login_required(view))


_ORG_KEY = "organisation_id"
#: The session key naming the one organisation an OpenID Connect sign-in reaches.
ORGANISATION_KEY = "oidc_organisation_id"


def signed_in_user() -> User:
    """The real User object behind ``current_user`` (services must not keep the proxy)."""
    user: User = current_user._get_current_object()
    return user


def user_organisations() -> list[Organisation]:
    """Organisations where the signed-in user holds any role, by name."""
    if not current_user.is_authenticated:
        return []
    stmt = (
        sa.select(Organisation)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == current_user.id, _reachable_by_this_sign_in())
        .distinct()
        .order_by(Organisation.name)
    )
    return list(db.session.scalars(stmt))


def organisations_requiring_oidc() -> sa.Select[int]:
    """Ids of the organisations whose staff must sign in with its OpenID Connect provider."""
    return sa.select(OidcProvider.organisation_id).where(
        OidcProvider.enabled.is_(True), OidcProvider.required.is_(True)
    )


def _reachable_by_this_sign_in() -> sa.ColumnElement[bool]:
    """An OpenID Connect sign-in reaches the organisation whose provider vouched for the person;
    a password sign-in reaches the organisations that do not require OpenID Connect."""
    vouched_for = session.get(ORGANISATION_KEY)
    if vouched_for is not None:
        return Organisation.id == int(vouched_for)
    return Organisation.id.not_in(organisations_requiring_oidc())


def current_organisation() -> Organisation | None:
    """The organisation the signed-in user works in now (chosen, else the first)."""
    if "organisation" not in g:
        organisations = user_organisations()
        chosen = session.get(_ORG_KEY)
        g.organisation = next(
            (o for o in organisations if o.id == chosen),
            organisations[0] if organisations else None,
        )
    organisation: Organisation | None = g.organisation
    return organisation


def choose_organisation(organisation_id: int) -> bool:
    """Switch to another of the user's organisations; False if they have no role there."""
    if any(o.id == organisation_id for o in user_organisations()):
        session[_ORG_KEY] = organisation_id
        g.pop("organisation", None)
        return True
    return False


def current_memberships() -> list[Membership]:
    organisation = current_organisation()
    if organisation is None:
        return []
    if "memberships" not in g:
        g.memberships = list(
            db.session.scalars(
                sa.select(Membership).where(
                    Membership.user_id == current_user.id,
                    Membership.organisation_id == organisation.id,
                )
            )
        )
    memberships: list[Membership] = g.memberships
    return memberships


def has_role(*roles: str) -> bool:
    return any(m.role in roles for m in current_memberships())


def role_required(*roles: str, denied: int = 403) -> Callable[[F], F]:
    """Sign-in required; then ``denied`` (403, or 404 to hide that the page exists) unless the
    user holds one of the roles here."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not has_role(*roles):
                abort(denied)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def require_organisation() -> Organisation:
    organisation = current_organisation()
    if organisation is None:
        abort(403)
    return organisation


def init_app(app: Flask) -> None:
    app.jinja_env.globals["has_role"] = has_role
    app.jinja_env.globals["current_organisation"] = current_organisation
