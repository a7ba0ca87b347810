"""Invitations: an organisation offers a role, the holder of the e-mail address decides.

The inviting organisation is never told whether the address already has an account: the same
invitation, the same mail and the same pending entry either way. Services flush; views commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from feedback import audit
from feedback.auth.memberships import MembershipError, check_role, find_membership, grant_role
from feedback.auth.services import (
    hash_link_token,
    hash_password,
    link_url,
    new_link_token,
    normalise_email,
)
from feedback.exceptions import get_or_404
from feedback.extensions import db
from feedback.mail import Mail
from feedback.models import Invitation, Organisation, User
from feedback.models.base import utcnow
from feedback.vocabulary import ROLE_LABELS

#: How long an invitation link works.
INVITATION_LIFETIME = timedelta(days=7)


class NotForYou(Exception):
    """The signed-in person's e-mail is not the one the invitation was sent to."""


def _target(invitation: Invitation) -> str:
    return f"invitation:{invitation.id}"


def invite(
    organisation: Organisation,
    actor: User | None,
    *,
    email: str,
    name: str,
    role: str,
    representation: str | None,
    unit_ids: Sequence[int] = (),
) -> tuple[Invitation, str]:
    """A new pending invitation and its link's secret (shown or mailed once, never stored)."""
    email = normalise_email(email)
    representation, units = check_role(organisation, role, representation, unit_ids)
    waiting = db.session.scalar(
        sa.select(Invitation.id).where(
            Invitation.organisation_id == organisation.id,
            Invitation.email == email,
            Invitation.outcome.is_(None),
        )
    )
    if waiting is not None:
        raise MembershipError(
            "email",
            _l("An invitation to this address is already waiting. Send it again from the list."),
        )
    token = new_link_token()
    now = utcnow()
    invitation = Invitation(
        organisation=organisation,
        email=email,
        name=name,
        role=role,
        representation=representation,
        units=units,
        token_hash=hash_link_token(token),
        invited_by=actor,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        organisation,
        actor,
        "invitation.create",
        email,
        target=_target(invitation),
        role=role,
        representation=representation,
        units=[u.name for u in units],
    )
    return invitation, token


def pending(organisation: Organisation) -> list[Invitation]:
    """The organisation's open invitations (expired ones too, to send again), newest first."""
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .where(Invitation.organisation_id == organisation.id, Invitation.outcome.is_(None))
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )


def get_pending(organisation: Organisation, invitation_id: int) -> Invitation:
    """The organisation's open invitation, else NotFound."""
    return get_or_404(
        Invitation,
        invitation_id,
        lambda i: i.organisation_id == organisation.id and i.outcome is None,
    )


def resend(organisation: Organisation, actor: User | None, invitation: Invitation) -> str:
    """A new link (the old one stops working) and a new expiry time."""
    token = new_link_token()
    invitation.token_hash = hash_link_token(token)
    invitation.expires_at = utcnow() + INVITATION_LIFETIME
    db.session.flush()
    audit.record(
        organisation, actor, "invitation.resend", invitation.email, target=_target(invitation)
    )
    return token


def withdraw(organisation: Organisation, actor: User | None, invitation: Invitation) -> None:
    _close(invitation, "withdrawn")
    audit.record(
        organisation, actor, "invitation.withdraw", invitation.email, target=_target(invitation)
    )


def _close(invitation: Invitation, outcome: str) -> None:
    invitation.outcome = outcome
    invitation.closed_at = utcnow()
    db.session.flush()


def invitation_mail(invitation: Invitation, token: str) -> Mail:
    """The same mail whether or not the address has an account."""
    body = _(
        "Hello,\n\n"
        "%(organisation)s invites you to Brukerstemmen as %(role)s.\n\n"
        "Open this link to answer the invitation:\n%(url)s\n\n"
        "If you are new, you choose your name and password there. If you already have an "
        "account, you sign in and then accept or decline. The link works once, until "
        "%(expires)s (UTC). If you did not expect this invitation, ignore this e-mail: "
        "nothing changes unless you accept it.",
        organisation=invitation.organisation.name,
        role=ROLE_LABELS[invitation.role],
        url=invitation_url(token),
        expires=invitation.expires_at.strftime("%Y-%m-%d %H:%M"),
    )
    return Mail(invitation.email, _("Invitation to Brukerstemmen"), body)


def invitation_url(token: str) -> str:
    return link_url("auth.open_invitation", token=token)


# --- the invited person's side ---------------------------------------------------------------


def find_by_token(token: str) -> Invitation | None:
    """The invitation the link names, if it is still open and not expired."""
    invitation = db.session.scalar(
        sa.select(Invitation).where(Invitation.token_hash == hash_link_token(token))
    )
    if invitation is None or invitation.outcome is not None or invitation.expires_at <= utcnow():
        return None
    return invitation


def account_for(invitation: Invitation) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == invitation.email))


def for_person(user: User) -> list[Invitation]:
    """Open, unexpired invitations to the person's e-mail address."""
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .where(
                Invitation.email == user.email,
                Invitation.outcome.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.created_at)
        )
    )


def _check_person(invitation: Invitation, user: User) -> None:
    if invitation.email != user.email:
        raise NotForYou


def accept(invitation: Invitation, user: User) -> None:
    """The signed-in holder of the address takes the role (held already: nothing to add)."""
    _check_person(invitation, user)
    organisation = invitation.organisation
    audit.record(organisation, user, "invitation.accept", user.email, target=_target(invitation))
    if find_membership(organisation, user, invitation.role) is None:
        grant_role(
            organisation,
            user,
            user,
            role=invitation.role,
            representation=invitation.representation,
            unit_ids=[u.id for u in invitation.units],
        )
    _close(invitation, "accepted")


def accept_as_new(invitation: Invitation, *, name: str, password: str) -> User:
    """Create the person's account with the name and password they chose, and the role."""
    if account_for(invitation) is not None:
        raise MembershipError("", _l("This address has an account now. Sign in to accept."))
    user = User(email=invitation.email, name=name, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record(
        invitation.organisation, user, "account.create", user.email, target=f"user:{user.id}"
    )
    accept(invitation, user)
    return user


def decline(invitation: Invitation, user: User) -> None:
    _check_person(invitation, user)
    _close(invitation, "declined")
    audit.record(
        invitation.organisation, user, "invitation.decline", user.email, target=_target(invitation)
    )


def get_for_person(user: User, invitation_id: int) -> Invitation:
    """An open invitation to the person's address, else NotFound."""
    return get_or_404(
        Invitation, invitation_id, lambda i: i.outcome is None and i.email == user.email
    )
