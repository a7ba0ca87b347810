"""E-mail to staff about reporters' actions: queued, never sent at once, sent by
``flask send-notices`` as one mail per person with links only."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback.deviations.handling import update_case
from feedback.extensions import db
from feedback.models import Deviation, DeviationNotice, Organisation, User
from tests import factories
from tests.mailserver import MailServer, body_text, free_port, wait_for
from tests.world import Place, Reporter, case_ids

PUBLIC_URL = "https://brukerstemmen.fjordvik.example"
DESCRIPTION = "Nattevakten låste døren tidlig."
SUGGESTION = "Lås klokka elleve som avtalt."
NAME = "Per Melder"


@pytest.fixture
def app_overrides(request: pytest.FixtureRequest, smtp_server: MailServer) -> dict[str, Any]:
    """Mail to the test server, unless a test asks for mail "off" or a server that is "down"."""
    mode = getattr(request, "param", "on")
    if mode == "off":
        return {"PUBLIC_URL": PUBLIC_URL}
    if mode == "down":
        return {
            **smtp_server.config(MAIL_PORT=free_port(), MAIL_TIMEOUT=5),
            "PUBLIC_URL": PUBLIC_URL,
        }
    return {**smtp_server.config(), "PUBLIC_URL": PUBLIC_URL}


def notices(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        return sorted(
            (n.deviation_id, n.reason) for n in db.session.scalars(sa.select(DeviationNotice))
        )


def send(runner: Any) -> Any:
    result = runner.invoke(args=["send-notices"])
    return result


def mails_by_recipient(server: MailServer) -> dict[str, str]:
    found: dict[str, str] = {}
    for message in server.messages:
        to = str(message["To"])
        assert to not in found, f"two mails to {to}"
        found[to] = body_text(message)
    return found


def link(case_id: str) -> str:
    return f"{PUBLIC_URL}/avvik/saker/{case_id}"


def full_report(reporter: Reporter, **fields: Any) -> str:
    """Send a report with every optional field filled in; returns the new case's id."""
    before = set(case_ids(reporter.app))
    reporter.report(
        **{
            "description": DESCRIPTION,
            "suggestion": SUGGESTION,
            "reporter_name": NAME,
            "reporter_contact": "per@example.net",
            **fields,
        }
    )
    [new] = set(case_ids(reporter.app)) - before
    return new


def test_a_report_is_queued_and_not_mailed_at_once(
    app: Flask, place: Place, reporter: Reporter, smtp_server: MailServer
) -> None:
    case_id = full_report(reporter)
    assert notices(app) == [(case_id, "new_report")]
    assert smtp_server.messages == []


def test_send_notices_mails_the_quality_group_and_the_unit_s_managers_links_only(
    app: Flask, place: Place, reporter: Reporter, smtp_server: MailServer, runner: Any
) -> None:
    with app.app_context():
        org = db.session.get(Organisation, place.org)
        assert org is not None
        factories.user("sluttet@example.no", org=org, role="quality", name="Sluttet", active=False)
        db.session.commit()
    case_id = full_report(reporter)

    result = send(runner)
    assert result.exit_code == 0, result.output
    assert "3 e-mail(s) sent" in result.output
    wait_for(smtp_server, 3)
    mails = mails_by_recipient(smtp_server)
    assert set(mails) == {"kari@example.no", "fag@example.no", "leder@example.no"}
    with app.app_context():
        case = db.session.get(Deviation, case_id)
        assert case is not None
        private = [
            DESCRIPTION,
            SUGGESTION,
            NAME,
            "per@example.net",
            case.category.names["nb"],
            "Solsiden",
            "Psykisk helse",
        ]
    for message in smtp_server.messages:
        text = body_text(message)
        whole = f"{message['Subject']}\n{text}"
        assert link(case_id) in text
        for secret in private:
            assert secret not in whole, (message["To"], secret)
    assert notices(app) == []

    again = send(runner)
    assert again.exit_code == 0, again.output
    assert "0 e-mail(s) sent" in again.output
    assert len(smtp_server.messages) == 3


def test_managers_of_other_units_hear_only_about_their_own(
    app: Flask, place: Place, reporter: Reporter, smtp_server: MailServer, runner: Any
) -> None:
    at_solsiden = [full_report(reporter), full_report(reporter, unit=place.units["Møteplassen"])]
    at_dora = full_report(reporter, unit=place.units["Døra"])
    nowhere = full_report(reporter, unit="ingen")

    result = send(runner)
    assert result.exit_code == 0, result.output
    wait_for(smtp_server, 4)
    mails = mails_by_recipient(smtp_server)
    assert set(mails) == {
        "kari@example.no",
        "fag@example.no",
        "leder@example.no",
        "rusleder@example.no",
    }
    everything = [*at_solsiden, at_dora, nowhere]
    for quality in ("kari@example.no", "fag@example.no"):
        for case_id in everything:
            assert link(case_id) in mails[quality]
        assert mails[quality].count(f"{PUBLIC_URL}/avvik/saker/") == 4
    assert [link(c) in mails["leder@example.no"] for c in everything] == [True, True, False, False]
    assert [link(c) in mails["rusleder@example.no"] for c in everything] == [
        False,
        False,
        True,
        False,
    ]
    assert not {"admin@example.no", "nabo@example.no", "ingen@example.no"} & set(mails)
    subjects = {str(m["To"]): str(m["Subject"]) for m in smtp_server.messages}
    assert "4" in subjects["kari@example.no"] and "2" in subjects["leder@example.no"]


def _set_handler(app: Flask, case_id: str, email: str | None) -> None:
    with app.app_context():
        case = db.session.get(Deviation, case_id)
        kari = db.session.scalar(sa.select(User).where(User.email == "kari@example.no"))
        handler = db.session.scalar(sa.select(User).where(User.email == email)) if email else None
        assert case is not None and kari is not None
        update_case(
            case,
            kari,
            status="in_progress",
            severity=None,
            handler=handler,
            deadline=case.deadline,
        )
        db.session.commit()


def test_a_reply_goes_to_the_handler_when_there_is_one(
    app: Flask, place: Place, reporter: Reporter, smtp_server: MailServer, runner: Any
) -> None:
    code = reporter.report()
    case_id = case_ids(app)[0]
    assert send(runner).exit_code == 0
    wait_for(smtp_server, 3)
    _set_handler(app, case_id, "leder@example.no")

    assert reporter.reply(code, "HEMMELIG-SVAR: det skjedde igjen i går.").status_code == 200
    assert notices(app) == [(case_id, "reply")]
    assert len(smtp_server.messages) == 3
    result = send(runner)
    assert result.exit_code == 0, result.output
    wait_for(smtp_server, 4)
    [mail] = smtp_server.messages[3:]
    assert str(mail["To"]) == "leder@example.no"
    text = body_text(mail)
    assert link(case_id) in text
    assert "HEMMELIG-SVAR" not in text
    assert notices(app) == []


def test_a_reply_goes_to_everyone_who_may_handle_it_when_nobody_does(
    app: Flask, place: Place, reporter: Reporter, smtp_server: MailServer, runner: Any
) -> None:
    code = reporter.report()
    case_id = case_ids(app)[0]
    assert send(runner).exit_code == 0
    wait_for(smtp_server, 3)
    first_round = len(smtp_server.messages)

    assert reporter.reply(code, "Første svar.").status_code == 200
    assert reporter.reply(code, "Andre svar.").status_code == 200
    # Two replies on one case make one notice.
    assert notices(app) == [(case_id, "reply")]
    assert send(runner).exit_code == 0
    wait_for(smtp_server, first_round + 3)
    later = smtp_server.messages[first_round:]
    assert sorted(str(m["To"]) for m in later) == [
        "fag@example.no",
        "kari@example.no",
        "leder@example.no",
    ]
    for mail in later:
        assert body_text(mail).count(link(case_id)) == 1
        assert "svar" in str(mail["Subject"]).lower()


def test_a_reply_goes_to_the_others_when_the_handler_has_left(
    app: Flask, place: Place, reporter: Reporter, smtp_server: MailServer, runner: Any
) -> None:
    code = reporter.report()
    case_id = case_ids(app)[0]
    assert send(runner).exit_code == 0
    wait_for(smtp_server, 3)
    _set_handler(app, case_id, "fag@example.no")
    with app.app_context():
        fag = db.session.get(User, place.people["fag"])
        assert fag is not None
        fag.active = False
        db.session.commit()

    assert reporter.reply(code, "Hallo igjen.").status_code == 200
    assert send(runner).exit_code == 0
    wait_for(smtp_server, 5)
    later = smtp_server.messages[3:]
    assert sorted(str(m["To"]) for m in later) == ["kari@example.no", "leder@example.no"]


@pytest.mark.parametrize("app_overrides", ["off"], indirect=True)
def test_with_mail_off_nothing_is_queued(
    app: Flask, place: Place, reporter: Reporter, smtp_server: MailServer, runner: Any
) -> None:
    code = reporter.report()
    assert reporter.reply(code, "Hallo?").status_code == 200
    assert notices(app) == []
    result = send(runner)
    assert result.exit_code == 0
    assert "Mail is off" in result.output
    assert smtp_server.messages == []


@pytest.mark.parametrize("app_overrides", ["down"], indirect=True)
def test_a_mail_server_that_is_down_keeps_the_notices(
    app: Flask, place: Place, reporter: Reporter, smtp_server: MailServer, runner: Any
) -> None:
    reporter.report()
    case_id = case_ids(app)[0]
    assert notices(app) == [(case_id, "new_report")]
    result = send(runner)
    assert result.exit_code != 0
    assert "stay queued" in result.output
    assert notices(app) == [(case_id, "new_report")]
    assert smtp_server.messages == []


def test_a_reply_goes_to_the_others_when_the_handler_no_longer_covers_the_unit(
    app: Flask, place: Place, reporter: Reporter, runner: Any, smtp_server: MailServer
) -> None:
    """A handler who was moved to other units cannot open the case: the reply goes to those
    who can."""
    code = reporter.report()
    (case_id,) = case_ids(app)
    _set_handler(app, case_id, "leder@example.no")
    assert send(runner).exit_code == 0
    wait_for(smtp_server, 3)
    smtp_server.messages.clear()
    with app.app_context():
        from feedback.models import Membership, Unit

        membership = db.session.scalar(
            sa.select(Membership).where(Membership.user_id == place.people["leder"])
        )
        assert membership is not None
        membership.units = [db.session.get(Unit, place.units["Rusteamet"])]  # type: ignore[list-item]
        db.session.commit()
    assert reporter.reply(code, "Hallo?").status_code == 200
    assert send(runner).exit_code == 0
    wait_for(smtp_server, 2)
    assert sorted(str(m["To"]) for m in smtp_server.messages) == [
        "fag@example.no",
        "kari@example.no",
    ]
