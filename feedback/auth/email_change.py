"""Changing an account's sign-in address: asked for by the person or by an administrator of the
account's only organisation, done only when the new address's owner opens the mailed link.

Nobody who asks learns whether the new address already has an account: the answer is the same
either way. Only the person holding the link (who owns that address) is told at confirm time.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from feedback import audit, mail
from feedback.auth.services import (
    end_all_sessions,
    hash_link_token,
    link_url,
    new_link_token,
    normalise_email,
)
from feedback.extensions import db
from feedback.models import EmailChange, Organisation, User
from feedback.models.base import utcnow

log = logging.getLogger(__name__)

#: How long the confirmation link works.
LIFETIME = timedelta(hours=24)
ENDPOINT = "auth.confirm_email"


class AddressTaken(Exception):
    """The new address belongs to another account by now; nothing was changed."""


def pending(user: User) -> EmailChange | None:
    """The account's change waiting for confirmation, if it has not expired."""
    return db.session.scalar(
        sa.select(EmailChange).where(
            EmailChange.user_id == user.id, EmailChange.expires_at > utcnow()
        )
    )


def request_change(
    organisation: Organisation | None, actor: User | None, user: User, new_email: str
) -> str:
    """Record the request (replacing an older one) and return the link's secret. The address
    stays as it is; whether the new one is taken is not looked at here."""
    db.session.execute(sa.delete(EmailChange).where(EmailChange.user_id == user.id))
    token = new_link_token()
    now = utcnow()
    new_email = normalise_email(new_email)
    db.session.add(
        EmailChange(
            user_id=user.id,
            new_email=new_email,
            token_hash=hash_link_token(token),
            requested_by_id=actor.id if actor else None,
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    db.session.flush()
    organisations = [organisation] if organisation else audit.organisations_of(user)
    for each in organisations:
        audit.record(
            each,
            actor,
            "account.email_change_requested",
            user.email,
            target=f"user:{user.id}",
            new_email=new_email,
        )
    return token


def confirmation_url(token: str) -> str:
    return link_url(ENDPOINT, token=token)


def confirmation_mail(user: User, new_email: str, token: str) -> mail.Mail:
    body = _(
        "Hello %(name)s,\n\n"
        "Someone asked for %(email)s to become the sign-in address of your account in "
        "Brukerstemmen. Open this link to confirm:\n%(url)s\n\n"
        "The link works once, for %(hours)d hours. If you did not expect this, ignore this "
        "e-mail: nothing changes.",
        name=user.name,
        email=normalise_email(new_email),
        url=confirmation_url(token),
        hours=int(LIFETIME.total_seconds() // 3600),
    )
    return mail.Mail(normalise_email(new_email), _("Confirm your new e-mail address"), body)


def find(token: str) -> EmailChange | None:
    """The change if its link is still good (not used, not expired, the account active)."""
    change = db.session.scalar(
        sa.select(EmailChange).where(EmailChange.token_hash == hash_link_token(token))
    )
    if change is None or change.expires_at <= utcnow() or not change.user.active:
        return None
    return change


def address_taken(change: EmailChange) -> bool:
    return (
        db.session.scalar(
            sa.select(User.id).where(User.email == change.new_email, User.id != change.user_id)
        )
        is not None
    )


def confirm(change: EmailChange) -> tuple[User, str]:
    """Change the address, end every session and spend the link; returns the account and its
    old address. Raises AddressTaken (changing nothing) when another account has it now."""
    if address_taken(change):
        raise AddressTaken
    user = change.user
    old_email = user.email
    user.email = change.new_email
    try:
        db.session.flush()
    except IntegrityError:
        # Taken between the check and now (two links for one address opened at once).
        raise AddressTaken from None
    end_all_sessions(user)
    db.session.execute(sa.delete(EmailChange).where(EmailChange.user_id == user.id))
    for organisation in audit.organisations_of(user):
        audit.record(
            organisation,
            user,
            "account.email_changed",
            user.email,
            target=f"user:{user.id}",
            old_email=old_email,
        )
    db.session.flush()
    return user, old_email


def notify_old_address(user: User, old_email: str) -> bool:
    """Tell the old address that the sign-in address changed (after the commit; a mail that
    cannot be sent never undoes the change)."""
    config = current_app.config
    if not mail.enabled(config):
        return False
    body = "\n\n".join(
        [
            _(
                "Your sign-in address for Brukerstemmen was changed to %(email)s. From now on "
                "you sign in with that address.",
                email=user.email,
            ),
            _(
                "If this was not you, tell an administrator in your organisation at once and "
                "change your password."
            ),
            str(config["PUBLIC_URL"]) + "/",
        ]
    )
    message = mail.Mail(old_email, _("Brukerstemmen: your sign-in was changed"), body)
    try:
        mail.send(config, [message])
    except mail.MailError:
        log.warning("The notice about a changed sign-in address could not be sent")
        return False
    return True
