"""Flask commands: ``flask init``, ``create-org``, ``create-user``, ``demo`` and ``schedule``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from feedback import audit
from feedback.auth import memberships, passwords
from feedback.auth.invitations import invitation_url, invite
from feedback.auth.services import MIN_PASSWORD_LENGTH, find_user, hash_password, normalise_email
from feedback.exceptions import RuleBroken
from feedback.extensions import db
from feedback.models import Organisation, Unit, User
from feedback.models.user import REPRESENTATIONS, ROLES

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
#: Addresses under /avvik/ that are pages of their own, so no organisation may be called that.
RESERVED_SLUGS = frozenset({"saker", "statistikk", "kategorier", "oppfolging"})


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create the database or bring it up to the newest schema."""
    Path(current_app.instance_path).mkdir(parents=True, exist_ok=True)
    upgrade()
    click.echo("The database is up to date.")


@click.command("create-org")
@with_appcontext
@click.argument("name")
@click.option("--slug", required=True, help="Short lowercase name used in links, e.g. bergen.")
def create_org_command(name: str, slug: str) -> None:
    """Create an organisation (a municipality or health trust)."""
    if not SLUG.match(slug):
        raise click.BadParameter("use lowercase letters, digits and hyphens", param_hint="--slug")
    if slug in RESERVED_SLUGS:
        raise click.BadParameter(
            f"{slug!r} is the name of a page; choose another", param_hint="--slug"
        )
    if db.session.scalar(sa.select(Organisation.id).where(Organisation.slug == slug)):
        raise click.ClickException(f"An organisation with the slug {slug!r} exists already.")
    from feedback.deviations.categories import add_default_categories

    organisation = Organisation(name=name.strip(), slug=slug)
    db.session.add(organisation)
    add_default_categories(organisation)
    db.session.commit()
    click.echo(f"Created the organisation {name} ({slug}).")


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option(
    "--name", required=True, help="The person's full name (a suggestion they may change)."
)
@click.option("--org", "org_slug", required=True, help="Slug of the organisation.")
@click.option("--role", type=click.Choice(ROLES), default="admin", show_default=True)
@click.option("--representation", type=click.Choice(REPRESENTATIONS), help="For --role quality.")
@click.option("--unit", "unit_names", multiple=True, help="Unit name, for --role manager.")
@click.option(
    "--with-password",
    is_flag=True,
    help="Create a new account now with a password typed at a hidden prompt, for the person at "
    "the keyboard (the first administrator). Without it: an invitation link is printed.",
)
def create_user_command(
    email: str,
    name: str,
    org_slug: str,
    role: str,
    representation: str | None,
    unit_names: tuple[str, ...],
    with_password: bool,
) -> None:
    """Invite someone to a role (prints the invitation link), or with --with-password create
    the first administrator's own account directly.

    An existing account is never changed from here: its holder gets an invitation, as from
    the admin pages.
    """
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.slug == org_slug))
    if organisation is None:
        raise click.ClickException(f"No organisation has the slug {org_slug!r}.")
    units = list(
        db.session.scalars(
            sa.select(Unit).where(
                Unit.organisation_id == organisation.id, Unit.name.in_(unit_names)
            )
        )
    )
    missing = set(unit_names) - {u.name for u in units}
    if missing:
        raise click.ClickException(f"Unknown unit(s): {', '.join(sorted(missing))}")
    role_values = RoleValues(role, representation, [u.id for u in units])
    try:
        if with_password:
            _create_with_password(organisation, email, name, role_values)
            return
        invitation, token = invite(
            organisation,
            None,
            email=email,
            name=name,
            role=role,
            representation=representation,
            unit_ids=role_values.unit_ids,
        )
    except RuleBroken as error:
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"Invited {invitation.email} as {role} in {organisation.name}.")
    click.echo("Give the person this link (it works once, for 7 days):")
    click.echo(invitation_url(token))


@dataclass(frozen=True)
class RoleValues:
    role: str
    representation: str | None
    unit_ids: list[int]


def _create_with_password(
    organisation: Organisation, email: str, name: str, role_values: RoleValues
) -> None:
    if find_user(email) is not None:
        raise click.ClickException(
            "An account with this e-mail address exists; leave out --with-password to invite it."
        )
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if passwords.too_easy(password, passwords.personal_words(email, name, organisation.name)):
        raise click.ClickException(
            "The password is too easy to guess (a common password, or built from a common "
            "word, the name, the address or the organisation). Add words that do not belong "
            "together."
        )
    user = User(email=normalise_email(email), name=name, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record(organisation, None, "account.create", user.email, target=f"user:{user.id}")
    memberships.grant_role(
        organisation,
        None,
        user,
        role=role_values.role,
        representation=role_values.representation,
        unit_ids=role_values.unit_ids,
    )
    db.session.commit()
    click.echo(f"Created {user.email} as {role_values.role} in {organisation.name}.")


@click.command("schedule")
@with_appcontext
def schedule_command() -> None:
    """Open and close questionnaire rounds whose dates have come, forget old one-time form
    tokens and expired staff sign-ins, anonymise deviation cases past their retention time, and
    on PostgreSQL rewrite the anonymous rows so their storage tells no order and keeps no
    redacted text. Run it every hour (cron or a systemd timer), and take database dumps right
    after it."""
    from feedback.auth.services import purge_expired_sessions
    from feedback.designer.schedule import apply_schedule
    from feedback.deviations.redaction import overwrite_freed_space
    from feedback.deviations.retention import apply_retention
    from feedback.form_tokens import purge_used_tokens
    from feedback.respond.drafts import purge as purge_drafts
    from feedback.results.publish import publish_due

    changed = apply_schedule()
    db.session.commit()
    published = [outcome for outcome in publish_due() if outcome.published]
    purged = purge_used_tokens()
    drafts = purge_drafts()
    sessions = purge_expired_sessions()
    expired = apply_retention()
    db.session.commit()
    overwrite_freed_space()
    action = current_app.config["DEVIATION_RETENTION_ACTION"]
    click.echo(
        f"{changed} round(s) opened or closed. "
        f"Results of {len(published)} round(s) published. {purged} old form token(s) deleted. "
        f"{drafts} unfinished questionnaire(s) of earlier days deleted. "
        f"{sessions} expired sign-in(s) deleted. "
        f"{expired} deviation case(s) past the retention time ({action})."
    )
    _rewrite_anonymous_rows()


def _rewrite_anonymous_rows() -> None:
    """The storage steps of ``flask schedule`` (PostgreSQL only; see feedback/maintenance.py)."""
    from feedback.maintenance import (
        queue_daily_reorder,
        rewrite_pending_tables,
        rewrite_recent_rows,
    )

    recent = rewrite_recent_rows()
    queue_daily_reorder()
    whole = rewrite_pending_tables()
    click.echo(
        f"{len(recent.tables)} anonymous table(s) with the current date's rows in random order. "
        f"{len(whole.tables)} table(s) rewritten whole in random-key order."
    )
    if whole.kept_old_versions:
        click.echo(
            "A long transaction kept old row versions, rewritten again next run: "
            f"{', '.join(whole.kept_old_versions)}.",
            err=True,
        )
    skipped = sorted(set(recent.skipped + whole.skipped))
    if skipped:
        click.echo(f"Busy, left for the next run: {', '.join(skipped)}.", err=True)
        # So that ``flask schedule && pg_dump …`` takes no dump with rows in arrival order.
        raise SystemExit(1)


@click.command("send-notices")
@with_appcontext
def send_notices_command() -> None:
    """E-mail staff about new deviation reports and reporters' replies.

    Run it from cron at fixed times (for example 08:00 and 13:00 on weekdays), not every
    minute: the time a mail arrives then says nothing about when a report was written.
    """
    from feedback import mail
    from feedback.deviations.notices import send_notices

    if not mail.enabled(current_app.config):
        click.echo("Mail is off (FEEDBACK_MAIL_SERVER is not set); nothing was sent.")
        return
    try:
        sent = send_notices()
    except mail.MailError as error:
        db.session.rollback()
        raise click.ClickException(
            f"The mail server failed ({error}); the notices stay queued."
        ) from error
    db.session.commit()
    click.echo(f"{sent} e-mail(s) sent.")


@click.command("demo")
@with_appcontext
@click.option("--force", is_flag=True, help="Load the demo accounts even in production.")
def demo_command(force: bool) -> None:
    """Load the demo organisation and one account per role (password demo-passord)."""
    from feedback.demo import ACCOUNTS, DEMO_PASSWORD, load_demo

    if current_app.config["FEEDBACK_ENV"] == "production" and not force:
        raise click.ClickException("Refusing to create demo accounts in production (use --force).")
    organisation = load_demo()
    db.session.commit()
    click.echo(f"Demo organisation: {organisation.name}. Sign in with password {DEMO_PASSWORD}:")
    for account in ACCOUNTS:
        click.echo(f"  {account.email:24} {account.role}")


def init_app(app: Flask) -> None:
    for command in (
        init_command,
        create_org_command,
        create_user_command,
        demo_command,
        schedule_command,
        send_notices_command,
    ):
        app.cli.add_command(command)
