"""Telling a person by e-mail that their sign-in factors changed (ASVS: users are notified of
changes to their authentication). Sent after the change is committed; a mail that cannot be
sent never undoes the change."""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import gettext as _

from feedback import mail
from feedback.models import User

log = logging.getLogger(__name__)

#: What happened, by event; the texts are translated when the mail is written.
EVENTS = ("on", "off", "reset", "recovery_code", "password", "password_link")


def _what(event: str, email: str) -> str:
    if event == "on":
        return _("Two-step sign-in was turned on for your account %(email)s.", email=email)
    if event == "off":
        return _("Two-step sign-in was turned off for your account %(email)s.", email=email)
    if event == "reset":
        return _(
            "An administrator reset two-step sign-in for your account %(email)s. You were "
            "signed out everywhere.",
            email=email,
        )
    if event == "password":
        return _("The password for your account %(email)s was changed.", email=email)
    if event == "password_link":
        return _(
            "A new password was chosen for your account %(email)s through a password link. "
            "You were signed out everywhere.",
            email=email,
        )
    return _("Someone signed in to your account %(email)s with a recovery code.", email=email)


def factor_changed(user: User, event: str) -> bool:
    """Mail the person about the change; False when mail is off or could not be sent."""
    if event not in EVENTS:
        raise ValueError(event)
    config = current_app.config
    if not mail.enabled(config):
        return False
    body = "\n\n".join(
        [
            _what(event, user.email),
            _(
                "If this was not you, tell an administrator in your organisation at once and "
                "change your password."
            ),
            str(config["PUBLIC_URL"]) + "/",
        ]
    )
    message = mail.Mail(user.email, _("Brukerstemmen: your sign-in was changed"), body)
    try:
        mail.send(config, [message])
    except mail.MailError:
        log.warning("The notice about a changed sign-in could not be sent")
        return False
    return True
