"""New passwords that are easy to guess are refused (ASVS 5.0 6.2.4, 6.2.11): the common
passwords of the policy's length, and passwords built from the person's own words, on every
form that sets a password (own change, mailed link, invitation, first administrator at the
command line). The message stands next to the field and nothing is changed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from markupsafe import escape
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from feedback.auth.forms import NotEasyToGuess
from feedback.auth.invitations import invite
from feedback.auth.passwords import personal_words, too_easy
from feedback.auth.services import (
    ADMIN_LINK_LIFETIME,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    issue_password_link,
)
from feedback.extensions import db
from feedback.models import Invitation, Organisation, PasswordLink, User
from tests import factories
from tests.conftest import PASSWORD, login, post_form

#: Easy to guess, and long enough for the length rule alone.
WEAK = [
    "password123",
    "qwertyuiop",
    "1q2w3e4r5t",
    "Passord123!",
    "Sommer2024!",
    "Velkommen1!",
    "brukerstemmen1",
    "hemmelig123",
    "aaaaaaaaaaaa",
]
#: Built from the person's own words (address, name, organisation).
PERSONAL = ["Fjordvik2025", "ada.admin2024", "ada.admin@fjordvik.no", "Haugland-1985"]
STRONG = ["et-helt-nytt-passord", "katt hylle regnbue", "mitt-eget-passord", "glemt-og-ny-1"]


def test_every_common_password_of_the_policys_length_is_refused() -> None:
    """zxcvbn's list of the 30,000 most common passwords: every one of at least 10
    characters (ASVS: the top passwords that match the policy)."""
    common = [p for p in FREQUENCY_LISTS["passwords"] if len(p) >= MIN_PASSWORD_LENGTH]
    assert len(common) > 1000
    accepted = [p for p in common if not too_easy(p)]
    assert accepted == []


@pytest.mark.parametrize("password", WEAK)
def test_common_patterns_are_refused(password: str) -> None:
    assert too_easy(password)


@pytest.mark.parametrize("password", PERSONAL)
def test_the_persons_own_words_are_refused(password: str) -> None:
    words = personal_words("ada.admin@fjordvik.no", "Ada Haugland", "Fjordvik kommune")
    assert too_easy(password, words)


@pytest.mark.parametrize("password", STRONG)
def test_a_few_unrelated_words_are_accepted(password: str) -> None:
    words = personal_words("ada.admin@fjordvik.no", "Ada Admin", "Fjordvik kommune")
    assert not too_easy(password, words)


def test_the_longest_password_is_judged_quickly() -> None:
    assert too_easy("æ" * MAX_PASSWORD_LENGTH)
    assert not too_easy("katt hylle regnbue " * 10)


# --- the forms ---------------------------------------------------------------------------------


@pytest.fixture
def people(app: Flask) -> dict[str, int]:
    with app.app_context():
        org = factories.organisation("Fjordvik kommune", "fjordvik")
        admin = factories.user("ada.admin@fjordvik.no", org=org, role="admin", name="Ada Admin")
        db.session.commit()
        return {"org": org.id, "admin": admin.id}


def _message(app: Flask) -> str:
    with app.test_request_context():
        return str(escape(str(NotEasyToGuess.message)))


def _hash(app: Flask, user_id: int) -> str:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        return user.password_hash


@pytest.mark.parametrize("password", ["Passord123!", "Fjordvik2025"])
def test_own_change_refuses_an_easy_password_at_the_field(
    app: Flask, people: dict[str, int], password: str
) -> None:
    client = app.test_client()
    assert login(client, "ada.admin@fjordvik.no").status_code == 302
    before = _hash(app, people["admin"])
    form = {"current_password": PASSWORD, "new_password": password, "confirm": password}
    response = post_form(client, "/konto/passord", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="new_password-error"' in html and _message(app) in html
    assert _hash(app, people["admin"]) == before


def test_a_mailed_link_refuses_an_easy_password_and_stays_usable(
    app: Flask, people: dict[str, int]
) -> None:
    with app.app_context():
        user = db.session.get(User, people["admin"])
        assert user is not None
        token = issue_password_link(user, ADMIN_LINK_LIFETIME)
        db.session.commit()
    client = app.test_client()
    path = f"/passord/{token}"
    form = {"new_password": "Ada-Admin-1234", "confirm": "Ada-Admin-1234"}
    weak = {"new_password": "ada.admin2024", "confirm": "ada.admin2024"}
    response = post_form(client, path, weak)
    assert response.status_code == 200 and _message(app) in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordLink)) == 1
    assert post_form(client, path, form).status_code == 302
    assert login(app.test_client(), "ada.admin@fjordvik.no", "Ada-Admin-1234").status_code == 302


def test_joining_refuses_a_password_built_from_the_typed_name(
    app: Flask, people: dict[str, int]
) -> None:
    with app.app_context():
        org = db.session.get(Organisation, people["org"])
        assert org is not None
        _invitation, token = invite(
            org, None, email="ny@fjordvik.no", name="Ny", role="quality", representation="user_rep"
        )
        db.session.commit()
    client = app.test_client()
    path = f"/invitasjon/{token}"
    form = {"name": "Solveig Haugland", "new_password": "Solveig1985", "confirm": "Solveig1985"}
    response = post_form(client, path, form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and _message(app) in html
    assert 'value="Solveig Haugland"' in html  # typed values kept
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "ny@fjordvik.no")) is None
        assert db.session.scalar(sa.select(Invitation.outcome)) is None


def test_the_first_administrator_at_the_command_line_gets_no_easy_password(app: Flask) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["create-org", "Bergen kommune", "--slug", "bergen"])
    args = ["create-user", "sjef@bergen.no", "--name", "Sjef", "--org", "bergen", "--with-password"]
    refused = runner.invoke(args=args, input="Bergen2025!\nBergen2025!\n")
    assert refused.exit_code != 0 and "too easy to guess" in refused.output
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "sjef@bergen.no")) is None
