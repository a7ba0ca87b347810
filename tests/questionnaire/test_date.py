"""The date question type ("Når var du sist på avdelingen?"), the proof that a new type is one
module (feedback/questionnaire/types/date.py) and its template: the designer adds it, the
document carries it, a respondent answers it without JavaScript, and the results count it per
month, held back where too few answered like every other question."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.datastructures import MultiDict

from feedback.designer import services as designer
from feedback.extensions import db
from feedback.models import Answer, SurveyRound
from feedback.questionnaire import document as doc
from feedback.questionnaire import runtime
from feedback.questionnaire.types.date import parse_date
from feedback.respond import services as respond
from feedback.results import publish
from feedback.results.aggregate import round_results
from feedback.results.comparison import block
from feedback.results.selection import Selection
from tests import factories
from tests.conftest import login, post_form
from tests.world import Respondent, date_question, open_round
from tests.world import date_questionnaire as questionnaire


def read(value: str, dont_know: bool = False) -> tuple[list[str], str | None]:
    round_ = open_round()
    form = MultiDict({"q-visit": value})
    if dont_know:
        form.add("q-visit-dk", "dont_know")
    answers, problems = runtime.read_page(round_.pages[0], form, {})
    return answers.get("visit", []), problems.get("visit")


# --- the document ------------------------------------------------------------------------------


def test_document_round_trip(app: Flask) -> None:
    with app.test_request_context():
        document = questionnaire(date_question(), date_question("first", required=True))
        assert doc.check_document(document) == []
        round_ = open_round(document)
        round_id = round_.id
        db.session.expire_all()
        exported = doc.export_round(db.session.get_one(SurveyRound, round_id))
        assert exported == document
        copy = designer.import_round(factories.organisation(), None, doc.dumps(exported).encode())
        assert doc.dumps(doc.export_round(copy)) == doc.dumps(exported)
        assert [q.kind for q in copy.questions] == ["date", "date"]


def test_document_checks(app: Flask) -> None:
    with app.test_request_context(headers={"Cookie": "sprak=en"}):
        problems = doc.check_document(questionnaire(date_question(min=1)))
        assert [p.field for p in problems] == ["min"]
        # a date has no fixed answers, so no condition can test it
        follow = {**date_question("then"), "condition": {"question": "visit", "value": "x"}}
        problems = doc.check_document(questionnaire(date_question(), follow))
        assert "fixed answer options" in str(problems[0])


# --- answering -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2026-11-30", "2026-11-30"),  # what a date field sends
        ("30.11.2026", "2026-11-30"),  # typed where the browser has no date field
        (" 1.2.2025 ", "2025-02-01"),
        ("01/02/2025", "2025-02-01"),
    ],
)
def test_a_date_is_read_as_sent_or_typed(app: Flask, typed: str, stored: str) -> None:
    with app.test_request_context():
        assert read(typed) == ([stored], None)


@pytest.mark.parametrize(
    "typed", ["31.02.2026", "2026-13-01", "i fjor", "30.11.26", "1899-12-31", "٣٠.١١.٢٠٢٦"]
)
def test_a_wrong_date_is_refused_and_kept_for_correction(app: Flask, typed: str) -> None:
    with app.test_request_context(headers={"Cookie": "sprak=en"}):
        values, problem = read(typed)
        assert values == [typed.strip()]
        assert problem == "Write a date, for example 31.12.2025."


def test_dont_know_and_empty(app: Flask) -> None:
    with app.test_request_context(headers={"Cookie": "sprak=en"}):
        assert read("", dont_know=True) == (["dont_know"], None)
        assert read("2026-01-05", dont_know=True)[1] == (
            "Write an answer or tick “Don't know”, not both."
        )
        assert read("") == ([], None)


def test_parse_date_range() -> None:
    assert parse_date("1900-01-01") is not None
    assert parse_date("2101-01-01") is None


def test_a_respondent_answers_without_javascript(app: Flask) -> None:
    """The page shows the browser's date field; a wrong date comes back with its problem and
    the error summary links to the field; a right one is stored as the date."""
    with app.app_context():
        round_ = open_round()
        token, round_id = round_.public_token, round_.id
    client = app.test_client()
    client.set_cookie("sprak", "en")
    respondent = Respondent(client, f"/s/{token}").start()
    html = respondent.html
    assert 'type="date" name="q-visit" id="q-visit"' in html
    assert "Day, month and year, for example 31.12.2025." in html
    assert '<label class="question__text" for="q-visit">' in html  # one field: a label
    assert 'name="q-visit-dk"' in html

    assert respondent.send({"q-visit": "31.02.2026"}).status_code == 400
    assert "Write a date, for example 31.12.2025." in respondent.html
    assert 'href="#q-visit"' in respondent.html  # the summary links to the field itself
    assert 'value="31.02.2026"' in respondent.html

    respondent.send({"q-visit": "30.11.2026"})
    assert respondent.response.status_code in (302, 303), respondent.html  # to the thanks
    with app.app_context():
        [question] = db.session.get_one(SurveyRound, round_id).questions
        stored = db.session.scalars(sa.select(Answer).where(Answer.question_id == question.id))
        assert [(a.value, a.number) for a in stored] == [("2026-11-30", None)]


def test_paper_form_and_designer(app: Flask, client: Any) -> None:
    with app.app_context():
        round_ = open_round(questionnaire(date_question()))
        org = round_.series.organisation
        factories.user("kari@example.no", org=org, role="quality")
        round_.status = "draft"
        page_id = round_.pages[0].id
        round_id = round_.id
        db.session.commit()
    login(client, "kari@example.no")
    client.set_cookie("sprak", "en")
    # Printed material is in the language asked for (?sprak=), else bokmål.
    paper = client.get(f"/skjema/{round_id}/papir").get_data(as_text=True)
    assert "Dag, måned og år, for eksempel 31.12.2025." in paper
    paper = client.get(f"/skjema/{round_id}/papir?sprak=en").get_data(as_text=True)
    assert "Day, month and year, for example 31.12.2025." in paper
    added = post_form(
        client,
        f"/skjema/{round_id}/sider/{page_id}/nytt-sporsmal?type=date",
        {"text-nb": "Når fikk du time?"},
    )
    assert added.status_code == 302, added.get_data(as_text=True)[:2000]
    with app.app_context():
        kinds = [q.kind for q in db.session.get_one(SurveyRound, round_id).questions]
        assert kinds == ["date", "date"]


# --- results ---------------------------------------------------------------------------------


def _store(round_: SurveyRound, value: str, times: int) -> None:
    for _ in range(times):
        respond.store(
            round_, {"visit": [value]}, unit=None, channel="link", nonce=secrets.token_hex(16)
        )
        db.session.commit()


def test_results_count_per_month_and_are_held_back_when_few(app: Flask) -> None:
    with app.test_request_context(headers={"Cookie": "sprak=nb"}):
        round_ = open_round()
        k = round_.series.organisation.min_group_size
        _store(round_, "2026-01-15", 2)
        publish.publish(round_.id, force=True)
        db.session.commit()
        [few] = round_results(round_, Selection(), language="nb").questions
        assert few.shown is False and few.bars == []  # fewer than k answered

        _store(round_, "2026-01-20", k)
        respond.store(
            round_, {"visit": ["dont_know"]}, unit=None, channel="link", nonce=secrets.token_hex(16)
        )
        db.session.commit()
        publish.publish(round_.id, force=True)
        db.session.commit()
        [result] = round_results(round_, Selection(), language="nb").questions
        assert result.shown
        assert result.n == k + 3 and result.dont_know == 1 and result.valid == k + 2
        # Fewer than 2k dates: no months at all, or the first and last would show someone's.
        assert result.bars == [] and result.mean is None


def test_no_month_shows_the_earliest_or_latest_answer(app: Flask) -> None:
    """One person's first visit in June 2025 and one's in May 2026: the open first and last
    rows count them without naming their months (the months at the edges hold k each)."""
    with app.test_request_context(headers={"Cookie": "sprak=nb"}):
        round_ = open_round()
        k = round_.series.organisation.min_group_size
        _store(round_, "2025-06-11", 1)
        _store(round_, "2026-01-20", k + 2)
        _store(round_, "2026-03-02", k)
        _store(round_, "2026-05-30", 1)
        publish.publish(round_.id, force=True)
        db.session.commit()
        [result] = round_results(round_, Selection(), language="nb").questions
        assert [(b.value, b.label, b.count) for b in result.bars] == [
            ("..2026-01", "≤ januar 2026", k + 3),
            ("2026-02", "februar 2026", 0),
            ("2026-03..", "≥ mars 2026", k + 1),
        ]
        figure = block(result, [("Alle", result)]).figure
        assert figure is not None
        shown = repr(figure) + " ".join(b.label for b in result.bars)
        assert "2025" not in shown and "juni" not in shown and "mai" not in shown


def test_api_labels_a_month_in_every_language(app: Flask) -> None:
    from feedback.questionnaire.registry import TYPES

    with app.app_context():
        labels = TYPES["date"].value_labels("2026-11")
        assert labels == {"nb": "november 2026", "nn": "november 2026", "en": "November 2026"}
        assert TYPES["date"].value_labels("2026") == dict.fromkeys(("nb", "nn", "en"), "2026")


def test_a_long_span_is_counted_per_year(app: Flask) -> None:
    from feedback.questionnaire.registry import TYPES

    with app.test_request_context():
        date_type = TYPES["date"]
        may_2020, feb_2026 = 2020 * 12 + 4, 2026 * 12 + 1
        rows = date_type.bin_rows({may_2020: 3, 2018 * 12: 1, feb_2026: 2}, may_2020, feb_2026)
        assert rows[0] == ("..2020", "≤ 2020", 4) and rows[-1] == ("2026..", "≥ 2026", 2)
        assert len(rows) == 7 and sum(count for _v, _l, count in rows) == 6
        assert date_type.value_labels("..2020") == dict.fromkeys(("nb", "nn", "en"), "≤ 2020")


# --- the migration -------------------------------------------------------------------------------


def test_the_migration_keeps_every_answer(app: Flask) -> None:
    """Allowing the date kind rebuilds the question table on SQLite; the rows that refer to it
    (options, answers, conditions) are all still there afterwards, on either database."""
    from flask_migrate import downgrade, upgrade

    with app.test_request_context():
        round_ = open_round(
            {
                **questionnaire(),
                "pages": [
                    {
                        "questions": [
                            {
                                "key": "yn",
                                "type": "yes_no",
                                "text": {"nb": "Ja?"},
                                "required": False,
                                "dont_know": False,
                            },
                            {
                                "key": "why",
                                "type": "text_short",
                                "text": {"nb": "Hvorfor?"},
                                "required": False,
                                "dont_know": False,
                                "condition": {"question": "yn", "value": "yes"},
                            },
                        ]
                    }
                ],
            }
        )
        respond.store(
            round_,
            {"yn": ["yes"], "why": ["Fordi"]},
            unit=None,
            channel="link",
            nonce=secrets.token_hex(16),
        )
        db.session.commit()
        db.session.commit()
        round_id = round_.id
        db.session.remove()
        downgrade(revision="bbbb7f5e766b")
        upgrade()
        db.session.remove()
        answers = db.session.scalars(sa.select(Answer.value).order_by(Answer.value)).all()
        assert answers == ["Fordi", "yes"]
        [_yes_no, why] = db.session.get_one(SurveyRound, round_id).questions
        assert why.condition_question is not None and why.condition_question.key == "yn"


def test_results_page_and_export_show_the_months(app: Flask, client: Any) -> None:
    with app.test_request_context():
        round_ = open_round()
        org = round_.series.organisation
        factories.user("kari@example.no", org=org, role="quality")
        _store(round_, "2026-01-15", org.min_group_size)
        _store(round_, "2026-02-03", org.min_group_size)
        publish.publish(round_.id, force=True)
        db.session.commit()
        round_id = round_.id
    login(client, "kari@example.no")
    client.set_cookie("sprak", "en")
    html = client.get(f"/resultater/{round_id}/sporsmal").get_data(as_text=True)
    assert "January 2026" in html and "February 2026" in html
    compared = client.get(f"/resultater/{round_id}/sammenlign")
    assert compared.status_code == 200
    table = client.get(f"/resultater/{round_id}/resultater.csv").get_data(as_text=True)
    assert "January 2026" in table
    answers = client.get(f"/resultater/{round_id}/svar.csv")
    assert answers.status_code == 200


def test_the_page_says_why_no_months_are_shown(app: Flask, client: Any) -> None:
    with app.test_request_context():
        round_ = open_round()
        org = round_.series.organisation
        factories.user("kari@example.no", org=org, role="quality")
        _store(round_, "2026-01-15", org.min_group_size + 1)
        publish.publish(round_.id, force=True)
        db.session.commit()
        round_id, twice_k = round_.id, 2 * org.min_group_size
    login(client, "kari@example.no")
    client.set_cookie("sprak", "en")
    html = client.get(f"/resultater/{round_id}/sporsmal").get_data(as_text=True)
    assert f"How the answers spread is shown from {twice_k} answers" in html
    assert "January 2026" not in html
