"""Mail to staff about new reports and reporters' replies: queued with the report, sent in one
digest per person by ``flask send-notices``. The mail holds links only, never the text."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from feedback import mail
from feedback.deviations.scope import handlers
from feedback.extensions import db
from feedback.models import Deviation, DeviationNotice, User


def queue_notice(case: Deviation, reason: str) -> None:
    """Queue a notice ("new_report" or "reply") about this case, once, if mail is set up."""
    if not mail.enabled(current_app.config):
        return
    if db.session.get(DeviationNotice, (case.id, reason)) is None:
        db.session.add(DeviationNotice(deviation_id=case.id, reason=reason))
        # Now, not at the commit: a reply at the same time that queued it first is a conflict
        # the reply's retry handles (feedback.deviations.receiving.reporter_reply).
        db.session.flush()


def _notice_recipients(notice: DeviationNotice) -> list[User]:
    case = notice.deviation
    people = handlers(case.organisation, case)
    if notice.is_reply and case.handler in people:
        return [case.handler]
    return people


@dataclass
class _Digest:
    new: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)


def _mail_text(user: User, digest: _Digest) -> mail.Mail:
    # Staff read the notice in bokmål, the app's default; the text holds links only.
    base = current_app.config["PUBLIC_URL"]
    lines = [f"Hei, {user.name}.", ""]
    if digest.new:
        lines.append("Nye avviksmeldinger:" if len(digest.new) > 1 else "Ny avviksmelding:")
        lines += [f"{base}/avvik/saker/{case_id}" for case_id in digest.new]
        lines.append("")
    if digest.replies:
        lines.append("Melderen har svart i disse sakene:")
        lines += [f"{base}/avvik/saker/{case_id}" for case_id in digest.replies]
        lines.append("")
    lines += [
        "Logg inn for å lese. Av hensyn til personvernet står ikke innholdet i e-posten.",
        "",
        "Brukerstemmen",
    ]
    parts = []
    if digest.new:
        parts.append(f"{len(digest.new)} ny" if len(digest.new) == 1 else f"{len(digest.new)} nye")
    if digest.replies:
        parts.append(f"{len(digest.replies)} svar")
    return mail.Mail(user.email, "Avviksmeldinger: " + ", ".join(parts), "\n".join(lines))


def send_notices() -> int:
    """Mail staff about new reports and reporters' replies (one mail per person); returns
    how many mails went. Notices stay queued if the mail server fails (MailError)."""
    notices = list(db.session.scalars(sa.select(DeviationNotice)))
    digests: dict[int, tuple[User, _Digest]] = {}
    for notice in notices:
        for user in _notice_recipients(notice):
            digest = digests.setdefault(user.id, (user, _Digest()))[1]
            (digest.replies if notice.is_reply else digest.new).append(notice.deviation_id)
    mails = [_mail_text(user, digest) for user, digest in digests.values()]
    sent = mail.send(current_app.config, mails)
    for notice in notices:
        db.session.delete(notice)
    db.session.flush()
    return sent
