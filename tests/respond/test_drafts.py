"""Answers so far kept on the server between pages (respond.drafts, issue 20): each page sent is
answered with a redirect to the next page's own address; the draft is keyed by a hash of the
form token's nonce, holds a date only, and goes on sending, on a kiosk reset, when read after
DRAFT_HOURS, and at the first ``flask schedule`` after its day."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from feedback.extensions import db
from feedback.fieldwork import services as fieldwork
from feedback.models import AnswerDraft, SurveyRound
from feedback.models.base import today
from feedback.respond import drafts, services
from tests.respond.conftest import count, path_of, walk_pages
from tests.shared import dump_tables
from tests.world import Respondent, Survey


def draft_rows(app: Flask) -> list[AnswerDraft]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(AnswerDraft)))
        db.session.expunge_all()
        return rows


def nonce_of(app: Flask, survey: Survey, form_token: str) -> str:
    with app.app_context():
        round_ = db.session.get(SurveyRound, survey.round_id)
        assert round_ is not None
        nonce = services.read_form_token(round_, form_token).nonce
        assert nonce is not None
        return nonce


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_a_page_sent_is_kept_and_shown_again_at_its_address(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    opened = client.get(survey.link)
    # The questionnaire's address leads to its first page's own address: token and page only.
    assert opened.status_code == 303
    assert set(query(opened.location)) == {"skjema", "side", "sprak"}
    assert query(opened.location)["side"] == ["1"]
    r = Respondent(client, survey.link).start()
    first = r.page_url
    token = r.form_token
    assert count(app, AnswerDraft) == 0  # nothing is kept before a page is sent
    sent = client.post(survey.link, data=MultiDict([*r.hidden(), *walk_pages("ingen")[0].items()]))
    assert sent.status_code == 303
    assert query(sent.location)["side"] == ["2"] and query(sent.location)["skjema"] == [token]
    for value in ("4", "yes", "ingen"):
        assert value not in urlsplit(sent.location).query.split("=")

    [draft] = draft_rows(app)
    nonce = nonce_of(app, survey, token)
    assert draft.key == drafts.key_of(nonce) and len(draft.key) == 64
    assert draft.round_id == survey.round_id and draft.page == 1 and draft.unit == "ingen"
    assert draft.created_on == today()
    with app.app_context():
        assert drafts.read(nonce, survey.round_id) == drafts.Draft(
            {"listened": ["4"], "group": ["yes"]}, 1, "ingen", None
        )
    # The nonce itself is stored nowhere.
    assert nonce not in repr(dump_tables(app))

    # Back: the first page's address shows its answers; Forward: the second page.
    html = client.get(first).get_data(as_text=True)
    assert 'name="side" value="0"' in html
    assert 'value="4" checked' in html and 'id="enhet-2" value="ingen" checked' in html
    html = client.get(path_of(sent)).get_data(as_text=True)
    assert 'name="side" value="1"' in html and 'name="q-listened" value="4"' in html
    # A page further on than the respondent has been goes to the page reached.
    further = client.get(first.replace("side=1", "side=3"))
    assert further.status_code == 303 and query(further.location)["side"] == ["2"]


def test_the_draft_goes_when_the_questionnaire_is_sent(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    r = Respondent(client, survey.link).start()
    pages = walk_pages("ingen")
    for answers in pages[:-1]:
        assert r.send(answers).status_code == 200
    last_page = r.page_url
    assert count(app, AnswerDraft) == 1
    done = r.send(pages[-1])
    assert done.status_code == 303 and "/takk" in done.location
    assert count(app, AnswerDraft) == 0
    # Back to a page of the questionnaire sent in: the thank-you page, no answers.
    again = client.get(last_page)
    assert again.status_code == 303 and "/takk" in again.location


def test_a_draft_read_after_its_hours_is_gone(
    app: Flask, client: FlaskClient, survey: Survey, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = Respondent(client, survey.link).start()
    r.send(walk_pages("ingen")[0])
    page = r.page_url
    assert count(app, AnswerDraft) == 1
    # Every token is now older than a draft may be kept.
    monkeypatch.setattr(drafts, "DRAFT_AGE", timedelta(seconds=-1))
    fresh = client.get(page)
    assert fresh.status_code == 303
    assert query(fresh.location)["skjema"] != query(page)["skjema"]
    assert count(app, AnswerDraft) == 0
    monkeypatch.undo()
    html = client.get(path_of(fresh)).get_data(as_text=True)
    assert "the answers were deleted to keep them safe" in html or "slettet" in html
    assert 'value="4" checked' not in html


def test_a_page_sent_after_the_draft_hours_goes_on_under_a_new_token(
    app: Flask, client: FlaskClient, survey: Survey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The form carries every answer, so nothing is lost; the old token is used up."""
    r = Respondent(client, survey.link).start()
    old = r.form_token
    monkeypatch.setattr(drafts, "DRAFT_AGE", timedelta(seconds=-1))
    sent = client.post(survey.link, data=MultiDict([*r.hidden(), *walk_pages("ingen")[0].items()]))
    assert sent.status_code == 303 and query(sent.location)["skjema"] != [old]
    with app.app_context():
        assert services.is_used(nonce_of(app, survey, old))
    monkeypatch.undo()
    html = client.get(path_of(sent)).get_data(as_text=True)
    assert 'name="q-listened" value="4"' in html


def test_schedule_deletes_the_drafts_of_earlier_days(app: Flask, survey: Survey) -> None:
    with app.app_context():
        for key, day in (("a" * 64, today() - timedelta(days=1)), ("b" * 64, today())):
            db.session.add(
                AnswerDraft(key=key, round_id=survey.round_id, answers="{}", created_on=day)
            )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["schedule"])
    assert result.exit_code == 0, result.output
    assert "1 unfinished questionnaire(s) of earlier days deleted" in result.output
    assert [row.key for row in draft_rows(app)] == ["b" * 64]


def test_a_kiosk_reset_deletes_the_draft(app: Flask, client: FlaskClient, survey: Survey) -> None:
    with app.app_context():
        round_ = db.session.get(SurveyRound, survey.round_id)
        assert round_ is not None
        key = services.kiosk_key(round_, None, 120)
    start = f"/kiosk/{key}"
    r = Respondent(client, start).start()
    assert "skjema=" in r.page_url and r.page_url.startswith(start + "?")
    r.send(walk_pages(str(survey.units["Aktivitetshuset"]))[0])
    page = r.page_url
    assert count(app, AnswerDraft) == 1
    reset = client.post(f"{start}/nullstill", data={"skjema": r.form_token})
    assert reset.status_code == 303 and path_of(reset) == start
    assert count(app, AnswerDraft) == 0
    # Back to the last person's page: a fresh start, nothing of the answers.
    back = client.get(page)
    assert back.status_code == 303 and path_of(back) == start


def test_an_access_code_is_kept_in_the_draft_not_in_the_address(
    app: Flask, client: FlaskClient, survey: Survey
) -> None:
    with app.app_context():
        round_ = db.session.get(SurveyRound, survey.round_id)
        assert round_ is not None
        fieldwork.make_codes(round_, 1, None)
        db.session.commit()
        code = fieldwork.batch_codes(round_, 1)[0].code
    opened = client.post("/kode", data={"kode": code})
    assert opened.status_code == 303
    assert urlsplit(opened.location).path == "/kode/svar"
    assert code not in opened.location.lower()
    [draft] = draft_rows(app)
    assert draft.code == code and draft.page == 0
    page: Any = client.get(path_of(opened))
    assert page.status_code == 200 and 'id="answer-form"' in page.get_data(as_text=True)
    # Sent in with the code: the draft and the code go, the code is used.
    r = Respondent(client, "/kode/svar")
    r.response, r.html = page, page.get_data(as_text=True)
    for answers in walk_pages("ingen"):
        r.send(answers)
    assert r.response.status_code == 303 and "/takk" in r.response.location
    assert count(app, AnswerDraft) == 0
    again = client.get(path_of(opened))
    assert again.status_code == 303 and "/takk" in again.location


def test_a_page_address_reads_the_token_use_and_the_draft_together(
    app: Flask, survey: Survey
) -> None:
    """drafts.read_unless_used, the one statement behind a page's address: no draft, a draft,
    the draft of another round, and a used token whose draft is still there (it shows none)."""
    with app.app_context():
        round_ = db.session.get(SurveyRound, survey.round_id)
        assert round_ is not None
        nonce = services.read_form_token(round_, services.new_form_token(round_)).nonce
        assert nonce is not None
        assert drafts.read_unless_used(nonce, round_.id) == (False, None)
        kept = drafts.Draft({"listened": ["4"]}, 1, "ingen", None)
        drafts.save(nonce, round_.id, kept)
        db.session.commit()
        assert drafts.read_unless_used(nonce, round_.id) == (False, kept)
        assert drafts.read_unless_used(nonce, round_.id + 1) == (False, None)
        services.claim(nonce)  # used, the draft left behind
        db.session.commit()
        assert count(app, AnswerDraft) == 1
        assert drafts.read_unless_used(nonce, round_.id) == (True, None)
