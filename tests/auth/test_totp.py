"""The second factor: setting up TOTP, the code after the password, recovery codes, limits."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.auth import totp
from feedback.auth.services import RECENT_SIGN_IN, hash_password
from feedback.extensions import db
from feedback.models import AuditEvent, RecoveryCode, StaffSession, User
from feedback.models.base import utcnow
from tests import factories
from tests.conftest import PASSWORD, login, post_form
from tests.totp_helpers import code, enrol, recovery_code_count

SIGNED_IN = "Hei, "
_KEY = re.compile(r'<p class="secret-key"><code>([A-Z2-7 ]+)</code>')
_RECOVERY = re.compile(r"<li><code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code></li>")


@pytest.fixture
def people(app: Flask) -> dict[str, object]:
    with app.app_context():
        org = factories.organisation("Fjordvik kommune")
        plain = factories.user("kvalitet@example.no", org=org, role="quality", name="Kari")
        guarded = factories.user("admin@example.no", org=org, role="admin", name="Ada")
        secret, codes = enrol(guarded)
        db.session.commit()
        return {"plain": plain.id, "guarded": guarded.id, "secret": secret, "codes": codes}


def _user(user_id: object) -> User:
    user = db.session.get(User, user_id)
    assert user is not None
    return user


def _key_on_page(html: str) -> str:
    match = _KEY.search(html)
    assert match, "no key on the page"
    return match.group(1).replace(" ", "")


def _actions(user_id: object) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.actor_id == user_id)
            .order_by(AuditEvent.id)
        )
    )


def _signed_in(client: FlaskClient) -> bool:
    return SIGNED_IN in client.get("/").get_data(as_text=True)


# --- enrolment ---------------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_the_key_and_stores_it_encrypted(
    app: Flask, client: FlaskClient, people: dict[str, object]
) -> None:
    login(client, "kvalitet@example.no")
    html = client.get("/konto/totp").get_data(as_text=True)
    secret = _key_on_page(html)
    assert len(secret) == 32  # 160 bits
    assert '<svg role="img"' in html and 'class="qr-code"' in html and "<title>" in html
    assert "otpauth://" not in html  # only inside the QR code
    assert "http" not in html.split('class="qr-code"')[1].split("</svg>")[0]  # no other host
    # Reloading shows the same key: an app that scanned it keeps working.
    assert _key_on_page(client.get("/konto/totp").get_data(as_text=True)) == secret
    with app.app_context():
        user = _user(people["plain"])
        assert user.totp_secret and secret not in user.totp_secret
        assert totp.decrypt_secret(user) == secret
        assert user.totp_enabled_at is None  # not on before it is confirmed
        uri = totp.start_enrolment(user).uri
    assert uri.startswith("otpauth://totp/Brukerstemmen:kvalitet%40example.no?secret=")
    assert "issuer=Brukerstemmen" in uri


def test_a_wrong_confirmation_code_keeps_it_off(
    app: Flask, client: FlaskClient, people: dict[str, object]
) -> None:
    login(client, "kvalitet@example.no")
    secret = _key_on_page(client.get("/konto/totp").get_data(as_text=True))
    wrong = str((int(code(secret)) + 1) % 1_000_000).zfill(6)
    response = post_form(client, "/konto/totp", {"code": wrong})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="code-error"' in html and 'aria-invalid="true"' in html
    assert f'value="{wrong}"' in html  # what was typed stays
    assert _key_on_page(html) == secret
    with app.app_context():
        assert _user(people["plain"]).totp_enabled_at is None
        assert recovery_code_count(people["plain"]) == 0  # type: ignore[arg-type]
    for empty in ("", "   "):
        response = post_form(client, "/konto/totp", {"code": empty})
        assert 'id="code-error"' in response.get_data(as_text=True)


def test_setting_up_needs_the_password_again_once_the_sign_in_is_not_recent(
    app: Flask, client: FlaskClient, people: dict[str, object]
) -> None:
    """Someone who finds a browser left signed in cannot put their own authenticator app on
    the account (ASVS 5.0 7.5.1): after RECENT_SIGN_IN the password is asked again, checked
    and counted like the other passwords on the two-step pages."""
    login(client, "kvalitet@example.no")
    secret = _key_on_page(client.get("/konto/totp").get_data(as_text=True))
    assert 'name="password"' not in client.get("/konto/totp").get_data(as_text=True)
    with app.app_context():
        db.session.execute(
            sa.update(StaffSession)
            .where(StaffSession.user_id == people["plain"])
            .values(signed_in_at=utcnow() - RECENT_SIGN_IN - timedelta(seconds=5))
        )
        db.session.commit()
    html = client.get("/konto/totp").get_data(as_text=True)
    assert 'name="password"' in html and 'autocomplete="current-password"' in html
    for password, error in (
        ("", 'id="password-error"'),
        ("feil-passord-123", 'id="password-error"'),
    ):
        response = post_form(client, "/konto/totp", {"code": code(secret), "password": password})
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and error in html
        with app.app_context():
            assert _user(people["plain"]).totp_enabled_at is None
    response = post_form(client, "/konto/totp", {"code": code(secret), "password": PASSWORD})
    assert (
        response.status_code == 200
        and len(_RECOVERY.findall(response.get_data(as_text=True))) == 10
    )
    with app.app_context():
        assert _user(people["plain"]).totp_enabled_at is not None


def test_confirming_turns_it_on_and_shows_ten_recovery_codes_once(
    app: Flask, client: FlaskClient, people: dict[str, object]
) -> None:
    login(client, "kvalitet@example.no")
    other_browser = app.test_client()
    login(other_browser, "kvalitet@example.no")
    secret = _key_on_page(client.get("/konto/totp").get_data(as_text=True))
    response = post_form(client, "/konto/totp", {"code": code(secret)})
    codes = _RECOVERY.findall(response.get_data(as_text=True))
    assert response.status_code == 200
    assert len(set(codes)) == 10
    with app.app_context():
        user = _user(people["plain"])
        assert user.has_second_factor
        hashes = db.session.scalars(
            sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
        ).all()
        assert len(hashes) == 10
        assert all(h.startswith("scrypt:") for h in hashes)
        assert not any(c.replace("-", "") in h or c in h for c in codes for h in hashes)
        assert _actions(user.id) == ["account.second_factor_on"]
    # Shown once: the page now shows the state, not the codes.
    page = client.get("/konto/totp").get_data(as_text=True)
    assert not _RECOVERY.search(page) and "secret-key" not in page
    assert _signed_in(client)
    assert not _signed_in(other_browser)  # a new factor ends the other sessions


# --- signing in --------------------------------------------------------------------------------


def test_the_password_alone_does_not_sign_in(
    client: FlaskClient, people: dict[str, object]
) -> None:
    response = login(client, "admin@example.no")
    assert response.headers["Location"].startswith("/logg-inn/kode")
    assert not _signed_in(client)
    assert client.get("/admin/").status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session
    page = client.get("/logg-inn/kode").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page


def test_sign_in_with_a_code_keeps_the_next_page(
    client: FlaskClient, people: dict[str, object]
) -> None:
    post_form(
        client,
        "/logg-inn?next=/admin/enheter",
        {"email": "admin@example.no", "password": PASSWORD},
        page="/logg-inn",
    )
    response = post_form(
        client,
        "/logg-inn/kode?next=/admin/enheter",
        {"code": code(str(people["secret"]))},
        page="/logg-inn/kode",
    )
    assert response.headers["Location"] == "/admin/enheter"
    assert client.get("/admin/enheter").status_code == 200


def test_the_same_code_cannot_be_used_twice(client: FlaskClient, people: dict[str, object]) -> None:
    now = code(str(people["secret"]))
    login(client, "admin@example.no")
    assert post_form(client, "/logg-inn/kode", {"code": now}).status_code == 302
    post_form(client, "/logg-ut", {}, page="/")
    login(client, "admin@example.no")
    replay = post_form(client, "/logg-inn/kode", {"code": now})
    assert replay.status_code == 200
    assert 'id="code-error"' in replay.get_data(as_text=True)
    assert not _signed_in(client)
    # The next time step's code is still accepted (±1 step for clocks that differ).
    login(client, "admin@example.no")
    later = code(str(people["secret"]), steps_ahead=1)
    assert post_form(client, "/logg-inn/kode", {"code": later}).status_code == 302


def test_codes_two_steps_away_are_refused(app: Flask, people: dict[str, object]) -> None:
    with app.test_request_context(), app.app_context():
        user = _user(people["guarded"])
        for steps in (-2, 2):
            with pytest.raises(totp.WrongCode):
                totp.verify(user, code(str(people["secret"]), steps_ahead=steps))


def test_a_recovery_code_works_once(
    app: Flask, client: FlaskClient, people: dict[str, object]
) -> None:
    first = str(people["codes"][0])  # type: ignore[index]
    login(client, "admin@example.no")
    typed = " " + first.upper().replace("-", " ") + " "  # as read aloud from paper
    response = post_form(
        client, "/logg-inn/kode?gjenoppretting=1", {"code": typed}, page="/logg-inn/kode"
    )
    assert response.status_code == 302
    assert "9" in client.get("/").get_data(as_text=True)  # "9 recovery codes are left"
    with app.app_context():
        assert recovery_code_count(people["guarded"]) == 9  # type: ignore[arg-type]
        assert _actions(people["guarded"]) == ["account.recovery_code_used"]
    post_form(client, "/logg-ut", {}, page="/")
    login(client, "admin@example.no")
    again = post_form(client, "/logg-inn/kode", {"code": first})
    assert again.status_code == 200 and not _signed_in(client)
    # Another of the codes still works.
    second = str(people["codes"][1])  # type: ignore[index]
    assert post_form(client, "/logg-inn/kode", {"code": second}).status_code == 302


def test_wrong_codes_are_limited_per_account_with_a_message_at_the_field(
    app: Flask, client: FlaskClient, people: dict[str, object]
) -> None:
    login(client, "admin@example.no")
    for wrong in ("000000", "abcd-efgh-jkmn", "12", "x" * 40, "١٢٣٤٥٦"):
        response = post_form(client, "/logg-inn/kode", {"code": wrong})
        assert response.status_code == 200
        assert 'id="code-error"' in response.get_data(as_text=True)
    blocked = post_form(client, "/logg-inn/kode", {"code": code(str(people["secret"]))})
    html = blocked.get_data(as_text=True)
    assert blocked.status_code == 429  # even the right code waits now
    assert 'id="code-error"' in html and "15" in html
    assert not _signed_in(client)
    # Another account is not affected.
    other = app.test_client()
    login(other, "kvalitet@example.no")
    assert _signed_in(other)


def test_the_password_step_expires_after_five_minutes(
    client: FlaskClient, people: dict[str, object]
) -> None:
    login(client, "admin@example.no")
    with client.session_transaction() as session:
        pending = dict(session["second_factor_pending"])
        session["second_factor_pending"] = {**pending, "at": int(time.time()) - 301}
    response = post_form(
        client, "/logg-inn/kode", {"code": code(str(people["secret"]))}, page="/logg-inn"
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/logg-inn")
    assert not response.headers["Location"].startswith("/logg-inn/kode")
    assert not _signed_in(client)
    assert client.get("/logg-inn/kode").status_code == 302


def test_a_password_change_in_between_voids_the_password_step(
    app: Flask, client: FlaskClient, people: dict[str, object]
) -> None:
    login(client, "admin@example.no")
    with app.app_context():
        _user(people["guarded"]).password_hash = hash_password("et-nytt-passord-1")
        db.session.commit()
    response = client.get("/logg-inn/kode")
    assert response.status_code == 302


# --- the person's own page ---------------------------------------------------------------------


def test_new_recovery_codes_replace_the_old_ones(
    app: Flask, client: FlaskClient, people: dict[str, object]
) -> None:
    login(client, "admin@example.no")
    post_form(client, "/logg-inn/kode", {"code": code(str(people["secret"]))})
    wrong = post_form(
        client, "/konto/totp/reservekoder", {"renew-password": "feil"}, page="/konto/totp"
    )
    assert 'id="renew-password-error"' in wrong.get_data(as_text=True)
    response = post_form(
        client,
        "/konto/totp/reservekoder",
        {"renew-password": PASSWORD},
        page="/konto/totp",
        prefix="renew",
    )
    new_codes = _RECOVERY.findall(response.get_data(as_text=True))
    assert len(new_codes) == 10
    post_form(client, "/logg-ut", {}, page="/")
    login(client, "admin@example.no")
    old = str(people["codes"][0])  # type: ignore[index]
    assert post_form(client, "/logg-inn/kode", {"code": old}).status_code == 200
    assert post_form(client, "/logg-inn/kode", {"code": new_codes[0]}).status_code == 302


def test_turning_it_off_needs_the_password(
    app: Flask, client: FlaskClient, people: dict[str, object]
) -> None:
    login(client, "admin@example.no")
    post_form(client, "/logg-inn/kode", {"code": code(str(people["secret"]))})
    wrong = post_form(client, "/konto/totp/av", {"off-password": "feil"}, page="/konto/totp")
    assert 'id="off-password-error"' in wrong.get_data(as_text=True)
    with app.app_context():
        assert _user(people["guarded"]).has_second_factor
    response = post_form(
        client, "/konto/totp/av", {"off-password": PASSWORD}, page="/konto/totp", prefix="off"
    )
    assert response.status_code == 302
    with app.app_context():
        user = _user(people["guarded"])
        assert not user.has_second_factor and user.totp_secret is None
        assert recovery_code_count(user.id) == 0
        assert _actions(user.id) == ["account.second_factor_off"]
    post_form(client, "/logg-ut", {}, page="/")
    assert login(client, "admin@example.no").headers["Location"] == "/"


def test_the_key_is_bound_to_its_account_and_survives_a_key_rotation(
    app: Flask, people: dict[str, object]
) -> None:
    with app.app_context():
        guarded, plain = _user(people["guarded"]), _user(people["plain"])
        plain.totp_secret = guarded.totp_secret  # copied to another row: does not open
        assert totp.decrypt_secret(plain) is None
        assert totp.decrypt_secret(guarded) == people["secret"]
        old_key = app.config["SECRET_KEY"]
        app.config["SECRET_KEY"] = "a-new-secret-" + "y" * 40
        assert totp.decrypt_secret(guarded) is None
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        assert totp.decrypt_secret(guarded) == people["secret"]
        assert pyotp.TOTP(str(people["secret"])).interval == 30


def test_earlier_secret_keys_come_from_the_environment() -> None:
    from feedback.config import Config

    assert Config({}).SECRET_KEY_FALLBACKS == []
    env = {"FEEDBACK_SECRET_KEY_FALLBACKS": " gammel-nokkel-1 , gammel-nokkel-2 ,"}
    assert Config(env).SECRET_KEY_FALLBACKS == ["gammel-nokkel-1", "gammel-nokkel-2"]


def test_two_requests_with_the_same_code_at_once_pass_once(
    app: Flask, people: dict[str, object]
) -> None:
    """The step is claimed in one UPDATE: of two simultaneous sign-ins with one code (and two
    with one recovery code), exactly one passes, on either database."""
    import threading

    now = code(str(people["secret"]))
    recovery = str(people["codes"][0])  # type: ignore[index]
    for typed in (now, recovery):
        barrier = threading.Barrier(2)
        outcomes: list[bool] = []

        def attempt(
            typed: str = typed,
            barrier: threading.Barrier = barrier,
            outcomes: list[bool] = outcomes,
        ) -> None:
            with app.app_context():
                user = _user(people["guarded"])
                barrier.wait()
                try:
                    totp.verify(user, typed)
                except totp.WrongCode:
                    db.session.rollback()
                    outcomes.append(False)
                else:
                    db.session.commit()
                    outcomes.append(True)

        threads = [threading.Thread(target=attempt) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == [False, True], typed
