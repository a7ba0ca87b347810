"""Accounts belong to their holders; organisations grant roles (issue 18, point 1).

Each test is one step of the attack on the boundary between organisations, refused: a foreign
administrator's "new account" with an existing e-mail gives only an invitation, the foreign
administrator cannot send a password link, rename, change the e-mail of or deactivate an account
that also has roles elsewhere, and learns nothing about whether an address has an account. Mail
goes through a real SMTP server.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.admin.services import holds_roles_only_in
from feedback.extensions import db
from feedback.models import (
    AuditEvent,
    Invitation,
    Membership,
    Organisation,
    PasswordLink,
    User,
)
from tests import factories
from tests.conftest import PASSWORD, login, post_form
from tests.mailserver import MailServer, body_text, wait_for
from tests.shared import PUBLIC_URL, account_row, actions, mailed_link


@pytest.fixture
def app_overrides(smtp_server: MailServer) -> dict[str, Any]:
    return {**smtp_server.config(), "PUBLIC_URL": PUBLIC_URL}


@pytest.fixture
def ids(app: Flask) -> dict[str, int]:
    with app.app_context():
        org_a = factories.organisation("Fjordvik kommune", "fjordvik")
        org_b = factories.organisation("Nabokommunen", "nabo")
        unit_b = factories.unit(org_b, "Nabohuset")
        admin_a = factories.user("admin@fjordvik.no", org=org_a, role="admin", name="Ada")
        admin_b = factories.user("admin@nabo.no", org=org_b, role="admin", name="Bjørn")
        fag = factories.user("fag@example.no", org=org_a, role="quality", name="Fag Person")
        only_b = factories.user("bare@nabo.no", org=org_b, role="quality", name="Bare Nabo")
        db.session.commit()
        return {
            "org_a": org_a.id,
            "org_b": org_b.id,
            "unit_b": unit_b.id,
            "admin_a": admin_a.id,
            "admin_b": admin_b.id,
            "fag": fag.id,
            "only_b": only_b.id,
        }


def signed_in(app: Flask, email: str, password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    assert login(client, email, password).status_code == 302
    return client


def invite(
    client: FlaskClient, email: str, role: str = "admin", *, follow: bool = False, **more: Any
) -> Any:
    form = {"name": "Forslag Navn", "email": email, "role": role, "representation": "", **more}
    return post_form(client, "/admin/brukere/ny", form, follow_redirects=follow)


def roles(app: Flask, user_id: int) -> set[tuple[int, str]]:
    with app.app_context():
        return {
            (m.organisation_id, m.role)
            for m in db.session.scalars(sa.select(Membership).where(Membership.user_id == user_id))
        }


def share(app: Flask, ids: dict[str, int]) -> None:
    """Give the demo organisation's person a role in the neighbour organisation too."""
    with app.app_context():
        db.session.add(Membership(user_id=ids["fag"], organisation_id=ids["org_b"], role="manager"))
        db.session.commit()


# --- step 1: "new account" with someone else's e-mail is an invitation, nothing more -------------


def test_foreign_invitation_changes_nothing_until_the_person_accepts(
    app: Flask, ids: dict[str, int], smtp_server: MailServer
) -> None:
    before = account_row(app, ids["fag"])
    admin_b = signed_in(app, "admin@nabo.no")
    response = invite(admin_b, "FAG@example.no")
    assert response.status_code == 302
    path = mailed_link(smtp_server, 1)
    assert smtp_server.envelopes[0][1] == ["fag@example.no"]
    # Nothing changed for the person: roles, name, password, sessions.
    assert roles(app, ids["fag"]) == {(ids["org_a"], "quality")}
    assert account_row(app, ids["fag"]) == before
    assert admin_b.get(f"/admin/brukere/{ids['fag']}").status_code == 404

    # Opening the link signed out leads to sign-in, and back.
    person = app.test_client()
    opened = person.get(path)
    assert opened.headers["Cache-Control"] == "no-store"
    assert opened.status_code == 302
    location = urlsplit(opened.headers["Location"])
    assert location.path == "/logg-inn" and parse_qs(location.query)["next"] == [path]
    signed = post_form(
        person, f"/logg-inn?next={path}", {"email": "fag@example.no", "password": PASSWORD}
    )
    assert signed.headers["Location"] == path
    page = person.get(path).get_data(as_text=True)
    assert "Nabokommunen" in page
    assert roles(app, ids["fag"]) == {(ids["org_a"], "quality")}

    accepted = post_form(person, path, {"answer": "accept"})
    assert accepted.status_code == 302
    assert roles(app, ids["fag"]) == {(ids["org_a"], "quality"), (ids["org_b"], "admin")}
    assert account_row(app, ids["fag"])[:4] == before[:4]  # name and password stay the person's
    assert actions(app, ids["org_b"]) == [
        "invitation.create",
        "invitation.accept",
        "membership.grant",
    ]
    assert actions(app, ids["org_a"]) == []
    # Single use.
    assert person.get(path).status_code == 404


def test_a_declined_invitation_changes_nothing(
    app: Flask, ids: dict[str, int], smtp_server: MailServer
) -> None:
    invite(signed_in(app, "admin@nabo.no"), "fag@example.no")
    path = mailed_link(smtp_server, 1)
    person = signed_in(app, "fag@example.no")
    assert post_form(person, path, {"answer": "decline"}).status_code == 302
    assert roles(app, ids["fag"]) == {(ids["org_a"], "quality")}
    assert actions(app, ids["org_b"])[-1] == "invitation.decline"
    assert person.get(path).status_code == 404


# --- step 2: no hint whether the address has an account ------------------------------------------


NOTICE = r'<div class="ds-alert[^"]*\bnotice\b[^"]*"[^>]*>.*?</div>'


def _without(text: str, *words: str) -> str:
    for word in words:
        text = text.replace(word, "X")
    return re.sub(r"/invitasjon/[\w-]+", "/invitasjon/T", text)


def test_no_hint_whether_the_address_has_an_account(
    app: Flask, ids: dict[str, int], smtp_server: MailServer
) -> None:
    admin_b = signed_in(app, "admin@nabo.no")
    answers = []
    for email in ("fag@example.no", "ingen@example.no"):
        response = invite(admin_b, email)
        page = admin_b.get(response.headers["Location"]).get_data(as_text=True)
        notices = re.findall(NOTICE, page, re.S)
        answers.append((response.status_code, response.headers["Location"], notices))
        answers[-1] = tuple(_without(str(part), email) for part in answers[-1])
    assert answers[0] == answers[1]
    assert "X" in answers[0][2]  # the notice names the address, and only that differs
    wait_for(smtp_server, 2)
    mails = [
        (m["Subject"], _without(body_text(m), "fag@example.no", "ingen@example.no"))
        for m in smtp_server.messages
    ]
    assert mails[0] == mails[1]
    listing = admin_b.get("/admin/brukere").get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<th scope=\"row\">([^<]+)</th>(.*?)</tr>", listing, re.S)
    pending = {email: _without(rest, "fag@example.no", "ingen@example.no") for email, rest in rows}
    assert set(pending) == {"fag@example.no", "ingen@example.no"}
    without_ids = {k: re.sub(r"/invitasjoner/\d+/", "/N/", v) for k, v in pending.items()}
    assert without_ids["fag@example.no"] == without_ids["ingen@example.no"]


# --- step 3: no password, name, e-mail or active change of a shared account ----------------------


@pytest.mark.parametrize("admin", ["admin@nabo.no", "admin@fjordvik.no"])
def test_no_administrator_manages_an_account_with_roles_elsewhere(
    app: Flask, ids: dict[str, int], smtp_server: MailServer, admin: str
) -> None:
    share(app, ids)
    before = account_row(app, ids["fag"])
    client = signed_in(app, admin)
    page_url = f"/admin/brukere/{ids['fag']}"
    page = client.get(page_url).get_data(as_text=True)
    assert "Fag Person" in page and "fag@example.no" in page
    assert 'name="account-name"' not in page and f"{page_url}/passord" not in page
    attempts = [
        {"account-name": "Kapret", "account-email": "fag@example.no", "account-active": "y"},
        {"account-name": "Fag Person", "account-email": "kapret@nabo.no", "account-active": "y"},
        {"account-name": "Fag Person", "account-email": "fag@example.no"},  # deactivate
    ]
    for form in attempts:
        response = post_form(client, page_url, form, prefix="account")
        assert response.status_code == 403, form
    assert post_form(client, f"{page_url}/passord", {}, page=page_url).status_code == 403
    assert account_row(app, ids["fag"]) == before
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordLink)) == 0
    assert smtp_server.messages == []
    # Still signs in with their own password.
    signed_in(app, "fag@example.no")


def test_foreign_administrator_may_remove_only_their_own_roles(
    app: Flask, ids: dict[str, int]
) -> None:
    share(app, ids)
    with app.app_context():
        theirs = db.session.scalar(
            sa.select(Membership.id).where(
                Membership.user_id == ids["fag"], Membership.organisation_id == ids["org_b"]
            )
        )
        ours = db.session.scalar(
            sa.select(Membership.id).where(
                Membership.user_id == ids["fag"], Membership.organisation_id == ids["org_a"]
            )
        )
    admin_b = signed_in(app, "admin@nabo.no")
    page = f"/admin/brukere/{ids['fag']}"
    assert post_form(admin_b, f"/admin/roller/{ours}/fjern", {}, page=page).status_code == 404
    assert post_form(admin_b, f"/admin/roller/{theirs}/fjern", {}, page=page).status_code == 302
    assert roles(app, ids["fag"]) == {(ids["org_a"], "quality")}
    assert actions(app, ids["org_b"]) == ["membership.revoke"]


def test_holds_roles_only_in(app: Flask, ids: dict[str, int]) -> None:
    share(app, ids)
    with app.app_context():
        org_a = db.session.get(Organisation, ids["org_a"])
        org_b = db.session.get(Organisation, ids["org_b"])
        fag = db.session.get(User, ids["fag"])
        only_b = db.session.get(User, ids["only_b"])
        assert org_a and org_b and fag and only_b
        assert not holds_roles_only_in(fag, org_a) and not holds_roles_only_in(fag, org_b)
        assert holds_roles_only_in(only_b, org_b) and not holds_roles_only_in(only_b, org_a)


def test_own_account_gets_a_password_link_by_mail(
    app: Flask, ids: dict[str, int], smtp_server: MailServer
) -> None:
    person = signed_in(app, "bare@nabo.no")
    admin_b = signed_in(app, "admin@nabo.no")
    page = f"/admin/brukere/{ids['only_b']}"
    response = post_form(admin_b, f"{page}/passord", {}, page=page, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "/passord/" not in html  # the administrator never sees the link when mail works
    path = mailed_link(smtp_server, 1)
    assert smtp_server.envelopes[0][1] == ["bare@nabo.no"]
    assert app.test_client().get(path).headers["Cache-Control"] == "no-store"
    assert person.get("/konto").status_code == 200
    form = {"new_password": "mitt-nye-passord", "confirm": "mitt-nye-passord"}
    assert post_form(app.test_client(), path, form).status_code == 302
    assert person.get("/konto").status_code == 302
    signed_in(app, "bare@nabo.no", "mitt-nye-passord")
    assert app.test_client().get(path).status_code == 404


def test_deactivating_an_own_account_ends_its_sessions(app: Flask, ids: dict[str, int]) -> None:
    person = signed_in(app, "bare@nabo.no")
    admin_b = signed_in(app, "admin@nabo.no")
    page = f"/admin/brukere/{ids['only_b']}"
    renamed = {"account-name": "Bare N.", "account-email": "bare@nabo.no", "account-active": "y"}
    assert post_form(admin_b, page, renamed, prefix="account").status_code == 302
    assert person.get("/konto").status_code == 200  # a new name alone: still signed in
    form = {"account-name": "Bare Nabo", "account-email": "bare@nabo.no"}
    assert post_form(admin_b, page, form, prefix="account").status_code == 302
    assert person.get("/konto").status_code == 302
    assert actions(app, ids["org_b"]) == ["account.update"] * 2


# --- the invitation link: single use, expiring, bound to the address -----------------------------


def test_invitation_link_cannot_be_taken_by_another_signed_in_person(
    app: Flask, ids: dict[str, int], smtp_server: MailServer
) -> None:
    invite(signed_in(app, "admin@nabo.no"), "fag@example.no")
    path = mailed_link(smtp_server, 1)
    thief = signed_in(app, "bare@nabo.no")
    assert thief.get(path).status_code == 403
    token = re.search(r'name="csrf_token" value="([^"]+)"', thief.get("/konto").get_data(True))
    assert token
    response = thief.post(path, data={"csrf_token": token.group(1), "answer": "accept"})
    assert response.status_code == 403
    assert roles(app, ids["only_b"]) == {(ids["org_b"], "quality")}
    assert roles(app, ids["fag"]) == {(ids["org_a"], "quality")}
    # A new person's link is bound to the address too: someone signed in cannot use it.
    invite(signed_in(app, "admin@nabo.no"), "ny@example.no")
    new_path = mailed_link(smtp_server, 2)
    assert thief.get(new_path).status_code == 403


def test_invitation_link_expires_and_resend_replaces_it(
    app: Flask, ids: dict[str, int], smtp_server: MailServer
) -> None:
    admin_b = signed_in(app, "admin@nabo.no")
    invite(admin_b, "ny@example.no", role="manager", unit_ids=[ids["unit_b"]])
    old = mailed_link(smtp_server, 1)
    with app.app_context():
        invitation = db.session.scalar(sa.select(Invitation))
        assert invitation is not None
        invitation_id = invitation.id
        invitation.created_at -= timedelta(days=8)
        invitation.expires_at -= timedelta(days=8)
        db.session.commit()
    assert app.test_client().get(old).status_code == 404
    assert "Utløpt" in admin_b.get("/admin/brukere").get_data(as_text=True)
    listing = "/admin/brukere"
    response = post_form(admin_b, f"/admin/invitasjoner/{invitation_id}/send", {}, page=listing)
    assert response.status_code == 302
    new = mailed_link(smtp_server, 2)
    assert new != old
    fresh = app.test_client()
    assert fresh.get(old).status_code == 404
    form = {"name": "Ny Leder", "new_password": "eget-passord-1", "confirm": "eget-passord-1"}
    assert post_form(fresh, new, form).status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "ny@example.no"))
        assert user is not None and user.name == "Ny Leder"
        assert [(m.role, [u.id for u in m.units]) for m in user.memberships] == [
            ("manager", [ids["unit_b"]])
        ]
    assert actions(app, ids["org_b"]) == [
        "invitation.create",
        "invitation.resend",
        "account.create",
        "invitation.accept",
        "membership.grant",
    ]


def test_withdrawn_invitation_link_stops_working(
    app: Flask, ids: dict[str, int], smtp_server: MailServer
) -> None:
    admin_b = signed_in(app, "admin@nabo.no")
    invite(admin_b, "ny@example.no")
    path = mailed_link(smtp_server, 1)
    with app.app_context():
        invitation_id = db.session.scalar(sa.select(Invitation.id))
    url = f"/admin/invitasjoner/{invitation_id}/trekk"
    assert post_form(admin_b, url, {}, page="/admin/brukere").status_code == 302
    assert app.test_client().get(path).status_code == 404
    assert "ny@example.no" not in admin_b.get("/admin/brukere").get_data(as_text=True)
    # Another organisation's administrator cannot touch it.
    admin_a = signed_in(app, "admin@fjordvik.no")
    send = f"/admin/invitasjoner/{invitation_id}/send"
    assert post_form(admin_a, send, {}, page="/admin/brukere").status_code == 404


def test_mail_failure_stores_no_invitation(app: Flask, ids: dict[str, int]) -> None:
    admin_b = signed_in(app, "admin@nabo.no")
    response = invite(admin_b, "ny@avvist.example", follow=True)
    assert response.status_code == 200
    assert "E-posten kunne ikke sendes" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0


# --- the person's own account page ----------------------------------------------------------


def test_person_in_two_organisations_sees_both_and_can_leave_one(
    app: Flask, ids: dict[str, int]
) -> None:
    share(app, ids)
    person = signed_in(app, "fag@example.no")
    page = person.get("/konto").get_data(as_text=True)
    assert "Fjordvik kommune" in page and "Nabokommunen" in page
    leave = f"/konto/forlat/{ids['org_b']}"
    assert "Nabokommunen" in person.get(leave).get_data(as_text=True)
    assert post_form(person, leave, {}).status_code == 302
    assert roles(app, ids["fag"]) == {(ids["org_a"], "quality")}
    assert actions(app, ids["org_b"]) == ["membership.leave"]
    assert person.get(leave).status_code == 404
    # The last administrator cannot leave.
    admin_b = signed_in(app, "admin@nabo.no")
    html = post_form(admin_b, f"/konto/forlat/{ids['org_b']}", {}).get_data(as_text=True)
    assert "siste administratoren" in html
    assert roles(app, ids["admin_b"]) == {(ids["org_b"], "admin")}


def test_own_name_can_be_changed_and_invitations_declined_from_the_account_page(
    app: Flask, ids: dict[str, int], smtp_server: MailServer
) -> None:
    invite(signed_in(app, "admin@nabo.no"), "fag@example.no")
    wait_for(smtp_server, 1)
    person = signed_in(app, "fag@example.no")
    page = person.get("/konto").get_data(as_text=True)
    assert "Nabokommunen" in page
    assert post_form(person, "/konto", {"name": "Fag Ny"}).status_code == 302
    assert account_row(app, ids["fag"])[0] == "Fag Ny"
    with app.app_context():
        invitation_id = db.session.scalar(sa.select(Invitation.id))
    url = f"/konto/invitasjoner/{invitation_id}/avslag"
    # Someone else cannot decline it.
    other = signed_in(app, "bare@nabo.no")
    assert post_form(other, url, {}, page="/konto").status_code == 404
    assert post_form(person, url, {}, page="/konto").status_code == 302
    assert "Nabokommunen" not in person.get("/konto").get_data(as_text=True)
    assert roles(app, ids["fag"]) == {(ids["org_a"], "quality")}


def test_own_changes_are_in_the_audit_log_of_each_of_the_persons_organisations(
    app: Flask, ids: dict[str, int], smtp_server: MailServer
) -> None:
    """A person's own name, password and forgotten-password changes show in the audit log of
    every organisation where they hold a role (they were logged under no organisation, which no
    administrator sees)."""
    share(app, ids)
    person = signed_in(app, "fag@example.no")
    assert post_form(person, "/konto", {"name": "Fag Ny"}).status_code == 302
    form = {
        "current_password": PASSWORD,
        "new_password": "mitt-eget-passord",
        "confirm": "mitt-eget-passord",
    }
    assert post_form(person, "/konto/passord", form).status_code == 302
    wait_for(smtp_server, 1)  # the notice of the changed password (no link)
    post_form(app.test_client(), "/glemt-passord", {"email": "fag@example.no"}).close()
    path = mailed_link(smtp_server, 2)
    form = {"new_password": "et-helt-nytt-passord", "confirm": "et-helt-nytt-passord"}
    assert post_form(app.test_client(), path, form).status_code == 302
    expected = ["account.update", "account.password_changed", "account.password_reset"]
    for org in ("org_a", "org_b"):
        assert [a for a in actions(app, ids[org]) if a.startswith("account.")] == expected
    with app.app_context():
        subjects = db.session.scalars(
            sa.select(AuditEvent.organisation_id).where(AuditEvent.actor_id == ids["fag"])
        )
        assert None not in set(subjects)


# --- forgotten password --------------------------------------------------------------------------


def test_forgotten_password_answers_the_same_and_is_limited_per_address(
    app: Flask, ids: dict[str, int], smtp_server: MailServer
) -> None:
    client = app.test_client()
    answers = []
    for email in ("fag@example.no", "ingen@example.no"):
        response = post_form(client, "/glemt-passord", {"email": email}, follow_redirects=True)
        answers.append((response.status_code, response.get_data(as_text=True)))
    assert answers[0] == answers[1]
    path = mailed_link(smtp_server, 1)
    assert smtp_server.envelopes[0][1] == ["fag@example.no"]
    for _n in range(3):
        post_form(client, "/glemt-passord", {"email": "fag@example.no"}).close()
    wait_for(smtp_server, 3)
    assert len(smtp_server.messages) == 3  # 3 per hour: the fourth is not sent
    # The first link was replaced by a newer one.
    assert client.get(path).status_code == 404
    newest = mailed_link(smtp_server, 3)
    form = {"new_password": "glemt-og-ny-1", "confirm": "glemt-og-ny-1"}
    assert post_form(client, newest, form).status_code == 302
    signed_in(app, "fag@example.no", "glemt-og-ny-1")


def test_the_forgotten_password_mail_goes_out_after_the_answer(
    app: Flask, ids: dict[str, int], smtp_server: MailServer
) -> None:
    """The answer for an address with an account is not slower by the mail server's round
    trip (ASVS 5.0 6.3.8): the mail is sent once the answer is complete (the server closes the
    response), so when the answer is there no mail has gone out yet, for either address."""
    client = app.test_client()
    answers = []
    for email in ("ingen@example.no", "fag@example.no"):
        response = post_form(client, "/glemt-passord", {"email": email})
        answers.append((response.status_code, response.headers["Location"]))
        assert smtp_server.messages == []  # a mail sent in the request would be here by now
        response.close()  # as the server does once the answer is out
    assert answers[0] == answers[1] == (302, "/logg-inn")
    mailed_link(smtp_server, 1)
    assert [envelope[1] for envelope in smtp_server.envelopes] == [["fag@example.no"]]


def test_someone_who_left_every_organisation_can_still_use_their_account(
    app: Flask, ids: dict[str, int]
) -> None:
    person = signed_in(app, "bare@nabo.no")
    assert post_form(person, f"/konto/forlat/{ids['org_b']}", {}).status_code == 302
    assert roles(app, ids["only_b"]) == set()
    assert person.get("/").status_code == 200
    assert "Nabokommunen" not in person.get("/konto").get_data(as_text=True)
    assert person.get("/admin/brukere").status_code == 403


def test_an_answer_must_be_accept_or_decline_and_a_role_that_cannot_be_given_is_explained(
    app: Flask, ids: dict[str, int], smtp_server: MailServer
) -> None:
    invite(
        signed_in(app, "admin@nabo.no"), "fag@example.no", role="manager", unit_ids=[ids["unit_b"]]
    )
    path = mailed_link(smtp_server, 1)
    person = signed_in(app, "fag@example.no")
    assert post_form(person, path, {"answer": "maybe"}).status_code == 400
    with app.app_context():
        # The manager's only unit is gone (units are normally retired, not deleted).
        db.session.execute(sa.text("DELETE FROM unit WHERE id = :id"), {"id": ids["unit_b"]})
        db.session.commit()
    response = post_form(person, path, {"answer": "accept"}, follow_redirects=True)
    assert response.status_code == 200
    assert "notice--error" in response.get_data(as_text=True)
    assert roles(app, ids["fag"]) == {(ids["org_a"], "quality")}
    assert person.get(path).status_code == 200  # still open: it can be withdrawn and sent anew
