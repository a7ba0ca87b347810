from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import AuditEvent, Invitation, Membership, Unit, User
from tests import factories
from tests.conftest import login, post_form

LINK = re.compile(r'id="link" type="text" value="([^"]+)"')


def link_path(html: str) -> str:
    """The address of the link shown once on the page (mail is off in these tests)."""
    found = LINK.search(html)
    assert found, "no link on the page"
    return urlsplit(found.group(1)).path


@pytest.fixture
def org_ids(app: Flask) -> dict[str, int]:
    with app.app_context():
        org = factories.organisation("Fjordvik kommune")
        top = factories.unit(org, "Psykisk helse og rus", kind="service_area")
        housing = factories.unit(org, "Solsiden bofellesskap", parent=top)
        other = factories.organisation("Nabokommunen")
        foreign = factories.unit(other, "Nabohuset")
        admin = factories.user("admin@example.no", org=org, role="admin", name="Ada Admin")
        member = factories.user("kvalitet@example.no", org=org, role="quality", name="Kari")
        outsider = factories.user("nabo@example.no", org=other, role="admin")
        db.session.commit()
        return {
            "org": org.id,
            "top": top.id,
            "housing": housing.id,
            "foreign": foreign.id,
            "admin": admin.id,
            "member": member.id,
            "outsider": outsider.id,
        }


@pytest.fixture
def admin(client: FlaskClient, org_ids: dict[str, int]) -> FlaskClient:
    login(client, "admin@example.no")
    return client


def test_add_unit_under_another(app: Flask, admin: FlaskClient, org_ids: dict[str, int]) -> None:
    response = post_form(
        admin,
        "/admin/enheter",
        {"name": "ACT-teamet", "kind": "act_team", "parent_id": org_ids["top"]},
    )
    assert response.status_code == 302
    page = admin.get("/admin/enheter").get_data(as_text=True)
    # The new unit's row: its name one step in (under its parent) and its kind's label.
    row = re.search(
        r'class="depth-(\d)"><a href="[^"]*">ACT-teamet</a></th>\s*<td>([^<]*)</td>', page
    )
    assert row and row.groups() == ("1", "ACT-team"), page
    with app.app_context():
        unit = db.session.scalar(sa.select(Unit).where(Unit.name == "ACT-teamet"))
        assert unit.parent_id == org_ids["top"]
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "unit.create"))
        assert event.actor_id == org_ids["admin"] and event.subject == "ACT-teamet"
    assert "ACT-teamet" in admin.get("/admin/logg").get_data(as_text=True)


def test_duplicate_unit_name_is_shown_at_the_field(
    app: Flask, admin: FlaskClient, org_ids: dict[str, int]
) -> None:
    response = post_form(
        admin,
        "/admin/enheter",
        {"name": "solsiden BOFELLESSKAP", "kind": "housing", "parent_id": "0"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="name-error"' in html
    assert 'value="solsiden BOFELLESSKAP"' in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 3


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "kind": "housing", "parent_id": "0"}, "name"),
        ({"name": "x" * 201, "kind": "housing", "parent_id": "0"}, "name"),
        ({"name": "Ny", "kind": "castle", "parent_id": "0"}, "kind"),
        ({"name": "Ny", "kind": "housing", "parent_id": "abc"}, "parent_id"),
    ],
)
def test_bad_unit_input_is_refused_at_the_field(
    app: Flask, admin: FlaskClient, org_ids: dict[str, int], data: dict[str, str], field: str
) -> None:
    html = post_form(admin, "/admin/enheter", data).get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert f'href="#{field}"' in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 3


def test_unit_cannot_go_under_another_organisations_unit(
    admin: FlaskClient, org_ids: dict[str, int]
) -> None:
    html = post_form(
        admin, "/admin/enheter", {"name": "Ny", "kind": "housing", "parent_id": org_ids["foreign"]}
    ).get_data(as_text=True)
    assert 'id="parent_id-error"' in html


def test_unit_cannot_go_under_its_own_sub_unit(
    app: Flask, admin: FlaskClient, org_ids: dict[str, int]
) -> None:
    url = f"/admin/enheter/{org_ids['top']}"
    # The edit form does not even offer the unit itself; a sub-unit is refused by the service.
    html = post_form(
        admin,
        url,
        {
            "name": "Psykisk helse og rus",
            "kind": "service_area",
            "parent_id": org_ids["housing"],
            "active": "y",
        },
    ).get_data(as_text=True)
    assert 'id="parent_id-error"' in html
    with app.app_context():
        assert db.session.get(Unit, org_ids["top"]).parent_id is None


def test_edit_and_retire_a_unit(app: Flask, admin: FlaskClient, org_ids: dict[str, int]) -> None:
    url = f"/admin/enheter/{org_ids['housing']}"
    assert 'value="Solsiden bofellesskap"' in admin.get(url).get_data(as_text=True)
    response = post_form(admin, url, {"name": "Solsiden", "kind": "housing", "parent_id": "0"})
    assert response.status_code == 302
    with app.app_context():
        unit = db.session.get(Unit, org_ids["housing"])
        assert (unit.name, unit.parent_id, unit.active) == ("Solsiden", None, False)


def test_invite_with_mail_off_shows_the_link_once(
    app: Flask, admin: FlaskClient, org_ids: dict[str, int]
) -> None:
    response = post_form(
        admin,
        "/admin/brukere/ny",
        {
            "name": "Pål Pårørende",
            "email": "Paal@Example.no",
            "role": "quality",
            "representation": "relative_rep",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ikke satt opp til å sende e-post" in html
    path = link_path(html)
    assert path.startswith("/invitasjon/")
    with app.app_context():
        # Nothing exists for the person yet, and the secret is stored only as a hash.
        assert db.session.scalar(sa.select(User).where(User.email == "paal@example.no")) is None
        invitation = db.session.scalar(sa.select(Invitation))
        assert invitation.email == "paal@example.no"
        assert path.rsplit("/", 1)[1] not in invitation.token_hash
    # The list shows it waiting, but never the link again.
    listing = admin.get("/admin/brukere").get_data(as_text=True)
    assert "paal@example.no" in listing and path not in listing
    fresh = app.test_client()
    page = fresh.get(path).get_data(as_text=True)
    assert 'value="Pål Pårørende"' in page
    joined = post_form(
        fresh,
        path,
        {"name": "Pål P.", "new_password": "mitt-eget-passord", "confirm": "mitt-eget-passord"},
    )
    assert joined.status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "paal@example.no"))
        assert user.name == "Pål P." and not user.must_change_password
        assert [(m.role, m.representation) for m in user.memberships] == [
            ("quality", "relative_rep")
        ]
    assert "Pål P." in fresh.get("/konto").get_data(as_text=True)
    # Single use: the link is spent.
    assert app.test_client().get(path).status_code == 404


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"role": "quality", "representation": ""}, "representation"),
        ({"role": "manager", "representation": ""}, "unit_ids"),
        ({"role": "owner", "representation": ""}, "role"),
        ({"role": "", "representation": ""}, "role"),
        ({"role": "quality", "representation": "king"}, "representation"),
    ],
)
def test_role_rules_are_explained_at_the_field(
    app: Flask, admin: FlaskClient, org_ids: dict[str, int], data: dict[str, str], field: str
) -> None:
    form = {"name": "Ny Person", "email": "ny@example.no", **data}
    html = post_form(admin, "/admin/brukere/ny", form).get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert 'value="Ny Person"' in html and 'value="ny@example.no"' in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0


def test_manager_gets_units(app: Flask, admin: FlaskClient, org_ids: dict[str, int]) -> None:
    response = post_form(
        admin,
        "/admin/brukere/ny",
        {
            "name": "Lars Leder",
            "email": "leder@example.no",
            "role": "manager",
            "unit_ids": [org_ids["housing"], org_ids["top"]],
        },
    )
    assert response.status_code == 200
    with app.app_context():
        invitation = db.session.scalar(sa.select(Invitation).where(Invitation.role == "manager"))
        assert sorted(u.id for u in invitation.units) == sorted(
            [org_ids["housing"], org_ids["top"]]
        )


def test_manager_cannot_get_another_organisations_unit(
    app: Flask, admin: FlaskClient, org_ids: dict[str, int]
) -> None:
    html = post_form(
        admin,
        "/admin/brukere/ny",
        {
            "name": "Lars Leder",
            "email": "leder@example.no",
            "role": "manager",
            "unit_ids": [org_ids["foreign"]],
        },
    ).get_data(as_text=True)
    assert 'id="unit_ids-error"' in html


def test_add_and_remove_roles(app: Flask, admin: FlaskClient, org_ids: dict[str, int]) -> None:
    page = f"/admin/brukere/{org_ids['member']}"
    response = post_form(
        admin, f"{page}/roller", {"role-role": "admin", "role-representation": ""}, page=page
    )
    assert response.status_code == 302
    again = post_form(
        admin, f"{page}/roller", {"role-role": "admin", "role-representation": ""}, page=page
    )
    assert 'id="role-role-error"' in again.get_data(as_text=True)
    with app.app_context():
        membership = db.session.scalar(
            sa.select(Membership).where(
                Membership.user_id == org_ids["member"], Membership.role == "admin"
            )
        )
        membership_id = membership.id
    response = post_form(admin, f"/admin/roller/{membership_id}/fjern", {}, page=page)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Membership, membership_id) is None


def test_last_administrator_cannot_be_removed(
    app: Flask, admin: FlaskClient, org_ids: dict[str, int]
) -> None:
    with app.app_context():
        own = db.session.scalar(sa.select(Membership).where(Membership.user_id == org_ids["admin"]))
        own_id = own.id
    page = f"/admin/brukere/{org_ids['admin']}"
    response = post_form(
        admin, f"/admin/roller/{own_id}/fjern", {}, page=page, follow_redirects=True
    )
    assert "minst én administrator" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Membership, own_id) is not None


def test_admin_cannot_deactivate_own_account(
    app: Flask, admin: FlaskClient, org_ids: dict[str, int]
) -> None:
    page = f"/admin/brukere/{org_ids['admin']}"
    html = post_form(
        admin,
        page,
        {"account-name": "Ada Admin", "account-email": "admin@example.no"},
        prefix="account",
    ).get_data(as_text=True)
    assert 'id="account-active-error"' in html
    with app.app_context():
        assert db.session.get(User, org_ids["admin"]).active


def test_deactivated_account_is_signed_out(
    app: Flask, admin: FlaskClient, org_ids: dict[str, int]
) -> None:
    member = app.test_client()
    login(member, "kvalitet@example.no")
    assert member.get("/").status_code == 200
    page = f"/admin/brukere/{org_ids['member']}"
    post_form(
        admin,
        page,
        {"account-name": "Kari", "account-email": "kvalitet@example.no"},
        prefix="account",
    )
    assert member.get("/konto/passord").status_code == 302
    assert login(app.test_client(), "kvalitet@example.no").status_code == 200


def test_a_taken_email_is_not_refused_but_waits_for_its_owner(
    app: Flask, admin: FlaskClient, org_ids: dict[str, int]
) -> None:
    """No "another account uses this address": that would tell whether an address has an
    account. The change waits for the link mailed to the address
    (tests/auth/test_email_change.py)."""
    page = f"/admin/brukere/{org_ids['member']}"
    response = post_form(
        admin,
        page,
        {"account-name": "Kari", "account-email": "ADMIN@example.no", "account-active": "y"},
        prefix="account",
    )
    assert 'id="account-email-error"' not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, org_ids["member"]).email == "kvalitet@example.no"  # type: ignore[union-attr]


def test_password_link_with_mail_off_is_shown_once_and_ends_sessions(
    app: Flask, admin: FlaskClient, org_ids: dict[str, int]
) -> None:
    member = app.test_client()
    login(member, "kvalitet@example.no")
    page = f"/admin/brukere/{org_ids['member']}"
    html = post_form(admin, f"{page}/passord", {}, page=page).get_data(as_text=True)
    path = link_path(html)
    assert path.startswith("/passord/")
    # The person still works until the link is used.
    assert "Kari" in member.get("/konto").get_data(as_text=True)
    fresh = app.test_client()
    form = {"new_password": "helt-nytt-passord", "confirm": "helt-nytt-passord"}
    assert post_form(fresh, path, form).status_code == 302
    assert member.get("/konto").status_code == 302  # signed out
    assert login(app.test_client(), "kvalitet@example.no").status_code == 200  # old password
    assert login(app.test_client(), "kvalitet@example.no", "helt-nytt-passord").status_code == 302
    assert fresh.get(path).status_code == 404  # single use
    with app.app_context():
        actions = set(db.session.scalars(sa.select(AuditEvent.action)))
        assert {"account.password_link", "account.password_reset"} <= actions


def test_people_served_and_codes_only_are_saved_and_logged(
    app: Flask, admin: FlaskClient, org_ids: dict[str, int]
) -> None:
    url = f"/admin/enheter/{org_ids['housing']}"
    data = {
        "name": "Solsiden bofellesskap",
        "kind": "housing",
        "parent_id": org_ids["top"],
        "active": "y",
        "people_served": " 12 ",
        "codes_only": "y",
    }
    assert post_form(admin, url, data).status_code == 302
    with app.app_context():
        unit = db.session.get(Unit, org_ids["housing"])
        assert (unit.people_served, unit.codes_only) == (12, True)
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "unit.update")
        ).one()
        assert event.details["changed"]["people_served"] == [None, 12]
    assert 'value="12"' in admin.get(url).get_data(as_text=True)
    # Empty means "not known" again.
    assert post_form(admin, url, {**data, "people_served": "", "codes_only": ""}).status_code == 302
    with app.app_context():
        unit = db.session.get(Unit, org_ids["housing"])
        assert (unit.people_served, unit.codes_only) == (None, False)


@pytest.mark.parametrize("typed", ["-3", "1,5", "tolv", "12 personer", "1234567890"])
def test_bad_people_served_is_refused_at_the_field_and_kept(
    app: Flask, admin: FlaskClient, org_ids: dict[str, int], typed: str
) -> None:
    url = f"/admin/enheter/{org_ids['housing']}"
    data = {
        "name": "Solsiden bofellesskap",
        "kind": "housing",
        "parent_id": org_ids["top"],
        "active": "y",
        "people_served": typed,
    }
    response = post_form(admin, url, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="people_served-error"' in html
    assert "Skriv et helt tall" in html
    assert 'href="#people_served"' in html
    assert f'value="{typed}"' in html
    with app.app_context():
        assert db.session.get(Unit, org_ids["housing"]).people_served is None
