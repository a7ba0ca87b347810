"""Receipt codes: strong enough, never stored in plain text, typed forgivingly, accepted only in a
POST body, wrong codes answered alike and limited for the whole app, and what a reporter sees
and writes with the code."""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback.deviations.handling import add_measure, add_note, close, send_message, update_case
from feedback.deviations.receipts import RECEIPT_LENGTH, find_by_receipt
from feedback.extensions import db
from feedback.models import Deviation, DeviationCategory, DeviationMessage, User
from feedback.models.base import today
from feedback.models.survey import TYPABLE
from tests.world import SKJEMA, Place, Reporter, case_ids

LIMITED = {"RECEIPT_PREFIX_LIMIT": "3 per 10 minutes", "RATELIMIT_STORAGE_URI": "memory://"}
#: Well formed (16 letters from the alphabet) and, with overwhelming odds, nobody's code.
WRONG_CODE = "ABCD-EFGH-JKMN-PQRS"


def wrong_code_like(code: str, other_prefix: bool = False) -> str:
    """A well-formed wrong code with the same first two characters as ``code`` (the same
    counter), or with others."""
    plain = code.replace("-", "").lower()
    prefix = plain[:2]
    if other_prefix:
        prefix = next(a + b for a in TYPABLE for b in TYPABLE if a + b != plain[:2])
    rest = "".join(TYPABLE[(TYPABLE.index(c) + 1) % len(TYPABLE)] for c in plain[2:])
    return (prefix + rest).upper()


DESCRIPTION = "Husmøtet ble avlyst uten beskjed."


@pytest.fixture
def app_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    return dict(getattr(request, "param", {}))


def _dump(app: Flask) -> str:
    """Every value of every row of every table, as one text."""
    with app.app_context():
        return "\n".join(
            " | ".join(str(value) for value in row)
            for table in db.metadata.sorted_tables
            for row in db.session.execute(sa.select(table))
        )


def the_case(app: Flask, case_id: str | None = None) -> Deviation:
    with app.app_context():
        case = db.session.get(Deviation, case_id or case_ids(app)[0])
        assert case is not None
        db.session.expunge(case)
        return case


def messages(app: Flask, case_id: str) -> list[DeviationMessage]:
    with app.app_context():
        found = list(
            db.session.scalars(
                sa.select(DeviationMessage)
                .where(DeviationMessage.deviation_id == case_id)
                .order_by(DeviationMessage.position)
            )
        )
        db.session.expunge_all()
        return found


def without_echo(html: str) -> str:
    """The page without the code the person typed (shown back in the field)."""
    return re.sub(r'(<input[^>]*id="kode"[^>]*value=")[^"]*(")', r"\1\2", html)


# --- the code ----------------------------------------------------------------------------------


def test_codes_have_at_least_64_bits_and_use_the_alphabet(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    assert len(TYPABLE) == 31 and len(set(TYPABLE)) == 31
    assert RECEIPT_LENGTH == 16
    assert math.log2(31**16) >= 64
    codes = [reporter.report() for _ in range(50)]
    alphabet = set(TYPABLE.upper())
    for code in codes:
        assert re.fullmatch(r"[^-]{4}-[^-]{4}-[^-]{4}-[^-]{4}", code), code
        plain = code.replace("-", "")
        assert len(plain) == 16
        assert set(plain) <= alphabet, code
    assert len(set(codes)) == 50
    assert len(case_ids(app)) == 50


def test_no_plain_code_is_stored_only_a_scrypt_hash_and_a_bucket(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    code = reporter.report()
    plain = code.replace("-", "").lower()
    dump = _dump(app).lower()
    for form in (plain, code.lower(), f"{plain[:8]}-{plain[8:]}", plain[:4] + " " + plain[4:8]):
        assert form not in dump
    # Not even a long piece of it.
    assert plain[:8] not in dump and plain[8:] not in dump
    case = the_case(app)
    assert case.receipt_hash is not None and case.receipt_hash.startswith("scrypt:")
    assert case.receipt_bucket is not None and re.fullmatch(r"[0-9a-f]{3}", case.receipt_bucket)
    assert case.receipt_bucket == hashlib.sha256(plain.encode()).hexdigest()[:3]
    # The stored hash is the hash of this very code.
    with app.app_context():
        found = find_by_receipt(code)
        assert found is not None and found.id == case.id


@pytest.mark.parametrize(
    "typed",
    [
        lambda c: c.lower(),
        lambda c: c.replace("-", " "),
        lambda c: c.replace("-", ""),
        lambda c: "  " + c.replace("-", "").lower() + " ",
    ],
    ids=["lower case", "spaces", "no dashes", "lower case without dashes, padded"],
)
def test_the_code_may_be_typed_loosely(place: Place, reporter: Reporter, typed: Any) -> None:
    code = reporter.report()
    response = reporter.follow_up(typed(code))
    assert response.status_code == 200
    assert DESCRIPTION in response.get_data(as_text=True)


def test_a_code_in_the_address_shows_nothing(place: Place, reporter: Reporter) -> None:
    code = reporter.report()
    for query in (f"kode={code}", f"kode={code.replace('-', '')}"):
        response = reporter.client.get(f"/avvik/oppfolging?{query}&sprak=nb")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert DESCRIPTION not in html
        assert "/avvik/oppfolging/svar" not in html
        # The field is not filled in from the address either.
        assert code not in html and code.replace("-", "") not in html


def test_wrong_codes_are_all_answered_alike(app: Flask, place: Place, reporter: Reporter) -> None:
    code = reporter.report()
    last = "A" if code[-1] != "A" else "B"
    answers = {
        name: reporter.follow_up(typed)
        for name, typed in {
            "unknown": "hei",
            "wrong but well formed": WRONG_CODE,
            "one letter off the right one": code[:-1] + last,
            "too long": code + "-ABCD",
        }.items()
    }
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 400)
    bodies = {without_echo(r.get_data(as_text=True)) for r in answers.values()}
    assert len(bodies) == 1
    body = bodies.pop()
    assert 'id="kode-error"' in body and 'aria-invalid="true"' in body
    assert DESCRIPTION not in body
    assert "/avvik/oppfolging/svar" not in body


def test_a_code_of_a_case_in_another_organisation_opens_only_that_case(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    mine = reporter.report()
    with app.app_context():
        category = db.session.scalar(
            sa.select(DeviationCategory.id).where(
                DeviationCategory.organisation_id == place.other_org
            )
        )
    other = reporter.send(
        slug=place.other_slug,
        unit=place.other_unit,
        category=category,
        description="Hos naboen.",
    )
    assert other.status_code == 200
    shown = re.search(r'class="receipt__code"[^>]*>([^<]+)<', other.get_data(as_text=True))
    assert shown
    page = reporter.follow_up(shown.group(1).strip()).get_data(as_text=True)
    assert "Hos naboen." in page and DESCRIPTION not in page
    page = reporter.follow_up(mine).get_data(as_text=True)
    assert DESCRIPTION in page and "Hos naboen." not in page


@pytest.mark.parametrize("app_overrides", [LIMITED], indirect=True)
def test_wrong_codes_block_their_prefix_for_a_while(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    """Wrong codes count per code prefix (first two characters): when one prefix's counter is
    used up, every code starting so waits, the valid one too (docs/security-limits.md)."""
    code = reporter.report()
    first = app.test_client(use_cookies=False)
    for _ in range(3):
        wrong = first.post(
            "/avvik/oppfolging",
            data={"kode": wrong_code_like(code), "sprak": "nb"},
            environ_base={"REMOTE_ADDR": "198.51.100.1"},
        )
        assert wrong.status_code == 400
    second = app.test_client(use_cookies=False)
    blocked = second.post(
        "/avvik/oppfolging",
        data={"kode": code, "sprak": "en"},
        environ_base={"REMOTE_ADDR": "198.51.100.2"},
    )
    assert blocked.status_code == 429
    retry = blocked.headers.get("Retry-After")
    assert retry is not None and retry.isdigit() and 0 < int(retry) <= 600
    html = blocked.get_data(as_text=True)
    assert DESCRIPTION not in html
    assert "too many wrong codes" in html
    assert blocked.headers.get("Cache-Control") == "no-store"


@pytest.mark.parametrize("app_overrides", [LIMITED], indirect=True)
def test_wrong_codes_with_other_prefixes_leave_a_valid_code_working(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    code = reporter.report()
    attacker = app.test_client(use_cookies=False)
    for _ in range(10):
        wrong = attacker.post(
            "/avvik/oppfolging", data={"kode": wrong_code_like(code, True), "sprak": "nb"}
        )
        assert wrong.status_code in (400, 429)
    assert wrong.status_code == 429  # that prefix is used up
    for impossible in ("kort", "ABCD-EFGH-JKMN-PQR1", "Ø" * 16):
        attacker.post("/avvik/oppfolging", data={"kode": impossible, "sprak": "nb"})
    found = reporter.follow_up(code)
    assert found.status_code == 200
    assert DESCRIPTION in found.get_data(as_text=True)


@pytest.mark.parametrize("app_overrides", [LIMITED], indirect=True)
def test_right_codes_do_not_count_against_the_limit(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    code = reporter.report()
    for _ in range(5):
        assert reporter.follow_up(code).status_code == 200


@pytest.mark.parametrize("app_overrides", [LIMITED], indirect=True)
def test_wrong_codes_on_the_reply_form_count_and_are_blocked_too(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    code = reporter.report()
    token = SKJEMA.search(reporter.follow_up(code).get_data(as_text=True))
    assert token
    for _ in range(3):
        wrong = reporter.client.post(
            "/avvik/oppfolging/svar",
            data={
                "kode": wrong_code_like(code),
                "skjema": token.group(1),
                "body": "Hei",
                "sprak": "nb",
            },
        )
        assert wrong.status_code == 400
    other = app.test_client(use_cookies=False)
    reply = other.post(
        "/avvik/oppfolging/svar",
        data={"kode": code, "skjema": token.group(1), "body": "Hei igjen", "sprak": "nb"},
        environ_base={"REMOTE_ADDR": "198.51.100.9"},
    )
    assert reply.status_code == 429
    assert reply.headers.get("Retry-After")
    assert reporter.follow_up(code).status_code == 429
    assert messages(app, case_ids(app)[0]) == []


# --- what the reporter sees --------------------------------------------------------------------


def _staff(app: Flask, case_id: str, steps: list[tuple[str, str]]) -> None:
    """Staff actions on a case, in order: ("message"|"note"|"measure"|"handler", text)."""
    with app.app_context():
        case = db.session.get(Deviation, case_id)
        kari = db.session.scalar(sa.select(User).where(User.email == "kari@example.no"))
        fag = db.session.scalar(sa.select(User).where(User.email == "fag@example.no"))
        assert case is not None and kari is not None and fag is not None
        for kind, text in steps:
            if kind == "message":
                send_message(case, kari, text)
            elif kind == "note":
                add_note(case, kari, text)
            elif kind == "measure":
                add_measure(case, kari, description=text, owner="Teamleder", due=None)
            elif kind == "handler":
                update_case(
                    case,
                    kari,
                    status="in_progress",
                    severity="high",
                    handler=fag,
                    deadline=case.deadline,
                )
            elif kind == "close":
                close(case, kari, text)
            db.session.flush()
        db.session.commit()


def test_the_reporter_sees_status_and_thread_but_nothing_internal(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    code = reporter.report()
    case_id = case_ids(app)[0]
    _staff(
        app,
        case_id,
        [
            ("handler", ""),
            ("message", "FØRSTE-MELDING: Takk, vi ser på saken."),
            ("note", "INTERNT-NOTAT: ring lederen"),
            ("measure", "TILTAK-TEKST: nye rutiner for husmøter"),
        ],
    )
    assert reporter.reply(code, "SVAR-FRA-MELDER: Det skjedde igjen.").status_code == 200
    _staff(app, case_id, [("message", "ANDRE-MELDING: Da tar vi det opp på møtet.")])

    response = reporter.client.post("/avvik/oppfolging", data={"kode": code, "sprak": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "status--in_progress" in html and "Being handled" in html
    order = [
        html.find("FØRSTE-MELDING"),
        html.find("SVAR-FRA-MELDER"),
        html.find("ANDRE-MELDING"),
    ]
    assert -1 not in order and order == sorted(order)
    assert "thread__message--mine" in html
    for hidden in ("INTERNT-NOTAT", "TILTAK-TEKST", "Fatima", "Teamleder", "fag@example.no"):
        assert hidden not in html, hidden
    # The severity is for staff too.
    assert "High" not in html and "Høy" not in html


def test_a_reply_is_stored_as_the_reporter_s(app: Flask, place: Place, reporter: Reporter) -> None:
    code = reporter.report()
    response = reporter.reply(code, "  Jeg vil gjerne bli ringt.\n")
    assert response.status_code == 200
    assert "Jeg vil gjerne bli ringt." in response.get_data(as_text=True)
    [message] = messages(app, case_ids(app)[0])
    assert message.from_reporter is True
    assert message.author_id is None
    assert message.sent_on == today()
    assert message.body == "Jeg vil gjerne bli ringt."
    assert message.position == 1


@pytest.mark.parametrize("body", ["", "   \n ", "z" * 3001], ids=["empty", "blank", "too long"])
def test_a_bad_reply_stores_nothing(
    app: Flask, place: Place, reporter: Reporter, body: str
) -> None:
    code = reporter.report()
    response = reporter.reply(code, body)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="body-error"' in html
    # The status page stays, with the code kept in the form.
    assert DESCRIPTION in html
    assert messages(app, case_ids(app)[0]) == []


def test_a_reply_of_3000_characters_is_fine(app: Flask, place: Place, reporter: Reporter) -> None:
    code = reporter.report()
    assert reporter.reply(code, "z" * 3000).status_code == 200
    assert len(messages(app, case_ids(app)[0])) == 1


def test_the_same_reply_twice_is_stored_once(app: Flask, place: Place, reporter: Reporter) -> None:
    code = reporter.report()
    token = SKJEMA.search(reporter.follow_up(code).get_data(as_text=True))
    assert token
    first = reporter.reply(code, "Bare én gang, takk.", token=token.group(1))
    second = reporter.reply(code, "Bare én gang, takk.", token=token.group(1))
    assert first.status_code == 200 and second.status_code == 200
    assert [m.body for m in messages(app, case_ids(app)[0])] == ["Bare én gang, takk."]
    # A new form (a new token) is a new message.
    assert reporter.reply(code, "En til.").status_code == 200
    assert len(messages(app, case_ids(app)[0])) == 2


def test_a_reply_token_belongs_to_its_case(app: Flask, place: Place, reporter: Reporter) -> None:
    first = reporter.report()
    second = reporter.report(description="Den andre saken.")
    token = SKJEMA.search(reporter.follow_up(first).get_data(as_text=True))
    assert token
    response = reporter.reply(second, "Feil skjema.", token=token.group(1))
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DeviationMessage)) == 0


def test_a_closed_case_can_still_be_answered(app: Flask, place: Place, reporter: Reporter) -> None:
    code = reporter.report()
    case_id = case_ids(app)[0]
    _staff(app, case_id, [("measure", "Nye rutiner"), ("close", "Rutinene virker.")])
    assert the_case(app, case_id).status == "closed"
    page = reporter.follow_up(code)
    assert page.status_code == 200 and "status--closed" in page.get_data(as_text=True)
    assert reporter.reply(code, "Takk for svaret.").status_code == 200
    [message] = messages(app, case_id)
    assert message.body == "Takk for svaret." and message.from_reporter


def test_the_answer_box_is_empty_after_sending(reporter: Reporter) -> None:
    """A sent answer shows in the thread, not again in the box (where a second press of
    "Send" would repeat it)."""
    code = reporter.report()
    html = reporter.reply(code, "Takk for svaret, det hjalp.").get_data(as_text=True)
    assert html.count("Takk for svaret, det hjalp.") == 1
    box = re.search(r"<textarea[^>]*>([^<]*)</textarea>", html)
    assert box is not None and box.group(1).strip() == ""
