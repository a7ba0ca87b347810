"""Blacking out personal data in what the reporter wrote: flagged findings, other text, the
reporter's messages; the text is gone from the database (and from the SQLite file)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback import personal_data
from feedback.extensions import db
from feedback.models import AuditEvent, Deviation
from feedback.personal_data import REDACTED
from tests.conftest import post_form
from tests.world import Place, Reporter, case_ids, signed_in

K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
FLAGGED = re.compile(
    r'<input type="checkbox" name="sladd" value="([^"]*)" id="sladd-\d+" checked>\s*'
    r'<label for="sladd-\d+"><code>([^<]*)</code>'
)
PHONE = "912 34 567"
EMAIL = "ola.nordmann@example.com"


def check_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    remainder = sum(w * int(d) for w, d in zip(weights, digits, strict=False)) % 11
    digit = 0 if remainder == 0 else 11 - remainder
    return None if digit == 10 else digit


def national_id(birth: str = "150387") -> str:
    """A valid fødselsnummer: the first individual number whose check digits both work."""
    for individual in range(100, 1000):
        digits = f"{birth}{individual:03d}"
        k1 = check_digit(digits, K1)
        if k1 is None:
            continue
        k2 = check_digit(digits + str(k1), K2)
        if k2 is None:
            continue
        return f"{digits}{k1}{k2}"
    raise AssertionError("no valid number")


FNR = national_id()
DESCRIPTION = (
    f"Naboen har fødselsnummer {FNR} og sa det høyt. Ring meg på {PHONE} "
    f"eller skriv til {EMAIL} om saken."
)


def test_the_description_holds_three_findings() -> None:
    """The test data is what the rest of the file assumes."""
    found = personal_data.find(DESCRIPTION)
    assert [(f.category, f.text) for f in found] == [
        ("national_id", FNR),
        ("phone", PHONE),
        ("email", EMAIL),
    ]
    assert personal_data.find(FNR[:-1] + str((int(FNR[-1]) + 1) % 10)) == []


# --- helpers -------------------------------------------------------------------------------------


def reported(app: Flask, reporter: Reporter, **fields: Any) -> tuple[str, str]:
    before = set(case_ids(app))
    code = reporter.report(**fields)
    (case_id,) = set(case_ids(app)) - before
    return case_id, code


def page_of(case_id: str) -> str:
    return f"/avvik/saker/{case_id}"


def flagged_on_page(client: FlaskClient, case_id: str) -> dict[str, str]:
    """The findings offered on the case page: text -> checkbox value."""
    html = client.get(page_of(case_id)).get_data(as_text=True)
    return {text: index for index, text in FLAGGED.findall(html)}


def redact(client: FlaskClient, case_id: str, data: dict[str, Any]):  # type: ignore[no-untyped-def]
    return post_form(client, f"{page_of(case_id)}/sladd", data, page=page_of(case_id))


def stored(app: Flask, case_id: str) -> tuple[str, str, list[str]]:
    with app.app_context():
        case = db.session.get(Deviation, case_id)
        assert case is not None
        return case.description, case.suggestion, [m.body for m in case.messages]


def redact_events(app: Flask, case_id: str) -> list[AuditEvent]:
    with app.app_context():
        found = list(
            db.session.scalars(
                sa.select(AuditEvent).where(
                    AuditEvent.target == f"deviation:{case_id}",
                    AuditEvent.action == "deviation.redact",
                )
            )
        )
        db.session.expunge_all()
        return found


def sqlite_file_bytes(app: Flask) -> bytes | None:
    """The whole SQLite database as on disk after a checkpoint; None on other databases."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite:///"):
        return None
    path = Path(uri.removeprefix("sqlite:///"))
    with app.app_context():
        with db.engine.connect() as connection:
            busy, _log, _done = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
            assert busy == 0
        db.engine.dispose()
    data = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        data += wal.read_bytes()
    return data


@pytest.fixture
def kari(app: Flask, place: Place) -> FlaskClient:
    return signed_in(app, "kari@example.no")


# --- tests ---------------------------------------------------------------------------------------


def test_findings_are_listed_on_the_case_page(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, _code = reported(app, reporter, description=DESCRIPTION)
    # Each checkbox carries the text itself, so a redaction by someone else in between cannot
    # shift what a tick means.
    assert flagged_on_page(kari, case_id) == {FNR: FNR, PHONE: PHONE, EMAIL: EMAIL}


def test_no_findings_no_checkboxes(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, _code = reported(app, reporter)
    html = kari.get(page_of(case_id)).get_data(as_text=True)
    assert 'name="sladd"' not in html
    assert 'name="other"' in html


def test_redact_all_three(app: Flask, place: Place, reporter: Reporter, kari: FlaskClient) -> None:
    case_id, code = reported(app, reporter, description=DESCRIPTION)
    before_file = sqlite_file_bytes(app)
    if before_file is not None:
        assert FNR.encode() in before_file  # the check below can see the number

    response = redact(kari, case_id, {"sladd": [FNR, PHONE, EMAIL]})
    assert response.status_code == 302

    description, _suggestion, _messages = stored(app, case_id)
    for piece in (FNR, PHONE, EMAIL):
        assert piece not in description
    assert description.count(REDACTED) == 3
    assert description == (
        f"Naboen har fødselsnummer {REDACTED} og sa det høyt. Ring meg på {REDACTED} "
        f"eller skriv til {REDACTED} om saken."
    )
    with app.app_context():
        raw = db.session.execute(
            sa.text("SELECT description FROM deviation WHERE id = :id"), {"id": case_id}
        ).scalar_one()
    assert FNR not in raw and PHONE not in raw and EMAIL not in raw

    (event,) = redact_events(app, case_id)
    assert event.details == {"count": 3}
    assert event.actor_id == place.people["kari"]
    logged = f"{event.subject} {event.details} {event.target}"
    for piece in (FNR, PHONE, EMAIL):
        assert piece not in logged

    file_bytes = sqlite_file_bytes(app)
    if file_bytes is not None:
        assert FNR.encode() not in file_bytes
        assert EMAIL.encode() not in file_bytes

    # Nothing left to flag.
    assert flagged_on_page(kari, case_id) == {}
    status_page = reporter.follow_up(code).get_data(as_text=True)
    assert REDACTED in status_page
    assert FNR not in status_page and EMAIL not in status_page


def test_redact_some(app: Flask, place: Place, reporter: Reporter, kari: FlaskClient) -> None:
    case_id, _code = reported(app, reporter, description=DESCRIPTION)
    offered = flagged_on_page(kari, case_id)
    assert redact(kari, case_id, {"sladd": [offered[FNR]]}).status_code == 302
    description, _suggestion, _messages = stored(app, case_id)
    assert FNR not in description
    assert PHONE in description and EMAIL in description
    assert redact_events(app, case_id)[0].details == {"count": 1}
    # The remaining two are still offered, with new positions.
    assert set(flagged_on_page(kari, case_id)) == {PHONE, EMAIL}


def test_redact_in_the_reporters_message(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, code = reported(app, reporter)
    assert reporter.reply(code, "Dere kan ringe meg på 98765432 etter kl. 16.").status_code == 200
    offered = flagged_on_page(kari, case_id)
    assert set(offered) == {"98765432"}
    assert redact(kari, case_id, {"sladd": [offered["98765432"]]}).status_code == 302
    description, _suggestion, messages = stored(app, case_id)
    assert messages == [f"Dere kan ringe meg på {REDACTED} etter kl. 16."]
    assert description == "Husmøtet ble avlyst uten beskjed."
    assert redact_events(app, case_id)[0].details == {"count": 1}
    page = reporter.follow_up(code).get_data(as_text=True)
    assert "98765432" not in page and REDACTED in page


def test_staff_messages_are_not_flagged_or_changed(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, code = reported(app, reporter)
    page = page_of(case_id)
    body = "Ring oss gjerne på 22 33 44 55."
    assert post_form(kari, f"{page}/melding", {"body": body}, page=page).status_code == 302
    assert flagged_on_page(kari, case_id) == {}
    response = redact(kari, case_id, {"other": "22 33 44 55"})
    assert response.status_code == 400
    assert stored(app, case_id)[2] == [body]


def test_redact_other_text(app: Flask, place: Place, reporter: Reporter, kari: FlaskClient) -> None:
    case_id, code = reported(
        app,
        reporter,
        description="Kari Nordmann på kveldsvakt ropte til meg.",
        suggestion="Snakk med Kari Nordmann.",
    )
    response = redact(kari, case_id, {"other": "  Kari Nordmann "})
    assert response.status_code == 302
    description, suggestion, _messages = stored(app, case_id)
    assert description == f"{REDACTED} på kveldsvakt ropte til meg."
    assert suggestion == f"Snakk med {REDACTED}."
    (event,) = redact_events(app, case_id)
    assert event.details == {"count": 2}
    assert "Nordmann" not in f"{event.subject} {event.details}"
    assert "Nordmann" not in reporter.follow_up(code).get_data(as_text=True)


def test_other_email_is_matched_in_any_case(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, _code = reported(app, reporter, description=DESCRIPTION)
    response = redact(kari, case_id, {"other": EMAIL.upper()})
    assert response.status_code == 302
    description, _suggestion, _messages = stored(app, case_id)
    assert EMAIL not in description and FNR in description


@pytest.mark.parametrize("other", ["Per Hansen", "kari nordmann", "x" * 201])
def test_other_text_not_in_the_report(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient, other: str
) -> None:
    case_id, _code = reported(app, reporter, description="Kari Nordmann ropte.")
    response = redact(kari, case_id, {"other": other})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="other-error"' in html
    assert f'value="{other}"' in html
    assert stored(app, case_id)[0] == "Kari Nordmann ropte."
    assert redact_events(app, case_id) == []


def test_other_text_not_found_says_so(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, _code = reported(app, reporter)
    page = page_of(case_id)
    response = post_form(
        kari, f"{page}/sladd", {"other": "Per Hansen"}, page=page, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert "That text is not in the report or the reporter" in response.get_data(as_text=True)


def test_nothing_chosen(app: Flask, place: Place, reporter: Reporter, kari: FlaskClient) -> None:
    case_id, _code = reported(app, reporter, description=DESCRIPTION)
    response = redact(kari, case_id, {"other": ""})
    assert response.status_code == 400
    assert 'id="other-error"' in response.get_data(as_text=True)
    assert stored(app, case_id)[0] == DESCRIPTION
    assert redact_events(app, case_id) == []
    # The findings are still offered.
    assert set(flagged_on_page(kari, case_id)) == {FNR, PHONE, EMAIL}


@pytest.mark.parametrize("tampered", [["99"], ["-1"], ["abc"], ["3"], [""], ["1e1"], ["0x1"]])
def test_tampered_index_alone_is_nothing_chosen(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient, tampered: list[str]
) -> None:
    case_id, _code = reported(app, reporter, description=DESCRIPTION)
    response = redact(kari, case_id, {"sladd": tampered})
    assert response.status_code == 400
    assert stored(app, case_id)[0] == DESCRIPTION
    assert redact_events(app, case_id) == []


def test_tampered_index_next_to_a_good_one_is_ignored(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    case_id, _code = reported(app, reporter, description=DESCRIPTION)
    tampered = ["99", "-1", "abc", PHONE, "99999999999999999999999", "Husmøtet"]
    response = redact(kari, case_id, {"sladd": tampered})
    assert response.status_code == 302
    description, _suggestion, _messages = stored(app, case_id)
    assert PHONE not in description
    assert FNR in description and EMAIL in description
    assert redact_events(app, case_id)[0].details == {"count": 1}


def test_redaction_of_a_closed_case(
    app: Flask, place: Place, reporter: Reporter, kari: FlaskClient
) -> None:
    """Personal data may turn up late: a closed case can still be blacked out."""
    case_id, _code = reported(app, reporter, description=DESCRIPTION)
    with app.app_context():
        case = db.session.get(Deviation, case_id)
        assert case is not None
        case.status, case.closing_evaluation = "closed", "Ferdig."
        case.closed_on = case.received_on
        db.session.commit()
    assert redact(kari, case_id, {"sladd": [FNR]}).status_code == 302
    assert FNR not in stored(app, case_id)[0]
