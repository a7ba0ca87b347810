"""Changing and reading the organisation's identity. Services neither commit nor abort: a
refused colour or logo raises RuleBroken (with the field), the view commits."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import undefer

from feedback import audit
from feedback.brand import logos, theme
from feedback.exceptions import NotFound, RuleBroken
from feedback.extensions import db
from feedback.models import Organisation, User


def contrast_message(failure: theme.Failure) -> object:
    """Which contrast the colour fails, with the ratio it gives and the one needed."""
    # In the reader's language: 4,5 in Norwegian.
    ratio, needed = format_decimal(failure.ratio), format_decimal(failure.needed)
    if failure.check == "text":
        return _l(
            "The colour gives %(ratio)s:1 against white; text needs at least %(needed)s:1."
            " Choose a darker colour.",
            ratio=ratio,
            needed=needed,
        )
    if failure.check == "on_accent":
        return _l(
            "Text on a button of this colour gives %(ratio)s:1; it needs at least %(needed)s:1."
            " Choose a darker or a lighter colour.",
            ratio=ratio,
            needed=needed,
        )
    return _l(
        "The colour gives %(ratio)s:1 against white; buttons and field borders need at least"
        " %(needed)s:1. Choose a darker colour.",
        ratio=ratio,
        needed=needed,
    )


def check_accent(accent: str) -> str:
    """The colour in lower case, or RuleBroken on the field saying which contrast failed."""
    if not theme.HEX_COLOUR.match(accent):
        raise RuleBroken(
            "accent_colour",
            _l("Write the colour as # and six digits or letters a–f, for example #0062ba."),
        )
    failures = theme.contrast_failures(accent)
    if failures:
        raise RuleBroken("accent_colour", contrast_message(failures[0]))
    return accent.lower()


def update_identity(
    organisation: Organisation,
    actor: User | None,
    *,
    display_name: str,
    accent_colour: str,
    logo: bytes | None = None,
    remove_logo: bool = False,
) -> None:
    """Set the display name, the accent colour and the logo. Checks everything before changing
    anything: a refused colour or logo leaves the organisation as it was."""
    accent = check_accent(accent_colour) if accent_colour else None
    checked = None
    if logo is not None:
        try:
            checked = logos.check(logo)
        except logos.LogoRefused as error:
            raise RuleBroken("logo", error.args[0]) from error
    changed = audit.apply_changes(
        organisation, display_name=display_name or None, accent_colour=accent
    )
    if checked is not None:
        organisation.logo = checked.data
        changed["logo"] = [organisation.logo_hash, checked.fingerprint]
        organisation.logo_type = checked.content_type
        organisation.logo_hash = checked.fingerprint
    elif remove_logo and organisation.logo_hash:
        changed["logo"] = [organisation.logo_hash, None]
        organisation.logo = organisation.logo_type = organisation.logo_hash = None
    if changed:
        db.session.flush()
        audit.record(
            organisation,
            actor,
            "organisation.identity",
            organisation.name,
            target=f"organisation:{organisation.id}",
            changed=changed,
        )


def organisation_with_logo(organisation_id: int, fingerprint: str) -> Organisation:
    """The organisation whose current logo has this hash, its bytes loaded; else NotFound."""
    found = db.session.scalar(
        sa.select(Organisation)
        .where(Organisation.id == organisation_id, Organisation.logo_hash == fingerprint)
        .options(undefer(Organisation.logo))
    )
    if found is None or found.logo is None:
        raise NotFound()
    return found


def accent_of(organisation_id: int, fingerprint: str) -> str:
    """The organisation's accent colour if this is its hash; else NotFound."""
    accent = db.session.scalar(
        sa.select(Organisation.accent_colour).where(Organisation.id == organisation_id)
    )
    if accent is None or theme.fingerprint(accent) != fingerprint:
        raise NotFound()
    return accent
