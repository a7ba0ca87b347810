"""The designer through HTTP: permissions, CSRF, bad input, import/export, preview, approval."""

from __future__ import annotations

import io
import json
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import Approval, Organisation, Question, QuestionOption, SurveyRound
from feedback.models.survey import QUESTION_KINDS
from feedback.questionnaire import document as doc
from tests.conftest import login, post_form
from tests.world import document, likert


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def create(client: FlaskClient, template: str = "builtin:user-survey", title: str = "") -> int:
    response = post_form(client, "/skjema/nytt", {"template": template, "title": title})
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.search(r"/skjema/(\d+)$", response.location)
    assert match
    return int(match.group(1))


def first_page(app: Flask, round_id: int) -> int:
    with app.app_context():
        round_ = db.session.get(SurveyRound, round_id)
        assert round_ is not None
        return round_.pages[0].id


def test_create_from_template_and_blank(app: Flask, kari: FlaskClient) -> None:
    round_id = create(kari)
    html = kari.get(f"/skjema/{round_id}").get_data(as_text=True)
    assert "Brukerundersøkelse" in html
    assert "Every text is in bokmål, nynorsk and English." not in html or "lacks" not in html
    blank = create(kari, "blank", "Vår egen undersøkelse")
    with app.app_context():
        round_ = db.session.get(SurveyRound, blank)
        assert round_ is not None
        assert round_.title == {"nb": "Vår egen undersøkelse"}
        assert len(round_.pages) == 1 and round_.questions == []


def test_blank_without_title_is_refused(app: Flask, kari: FlaskClient) -> None:
    response = post_form(kari, "/skjema/nytt", {"template": "blank", "title": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Skriv en tittel" in html or "Write a title" in html
    assert count(app, SurveyRound) == 0


# Managers and the other organisation: see the authorization matrix (tests/test_authorization.py).
@pytest.mark.parametrize(("email", "status"), [("ingen@example.no", 404)])
def test_who_may_read(
    app: Flask, client: FlaskClient, people: dict[str, int], email: str, status: int
) -> None:
    login(client, "kari@example.no")
    round_id = create(client)
    client = app.test_client()
    login(client, email)
    assert client.get(f"/skjema/{round_id}").status_code == status
    assert client.get(f"/skjema/{round_id}/forhandsvis").status_code == status
    assert client.get(f"/skjema/{round_id}/eksport").status_code == status


def test_managers_read_but_do_not_edit(
    app: Flask, client: FlaskClient, people: dict[str, int]
) -> None:
    login(client, "kari@example.no")
    round_id = create(client)
    page_id = first_page(app, round_id)
    client = app.test_client()
    login(client, "leder@example.no")
    html = client.get(f"/skjema/{round_id}").get_data(as_text=True)
    assert "nytt-sporsmal" not in html and "innstillinger" not in html
    texts = client.get(f"/skjema/{round_id}/tekster").get_data(as_text=True)
    assert "Endre tittel, tekster og datoer" not in texts and "innstillinger" not in texts
    approval = client.get(f"/skjema/{round_id}/godkjenning").get_data(as_text=True)
    assert 'value="submit"' not in approval
    for url in (
        f"/skjema/{round_id}/innstillinger",
        f"/skjema/{round_id}/sider/{page_id}/nytt-sporsmal?type=likert",
        "/skjema/nytt",
        "/skjema/importer",
    ):
        assert client.get(url).status_code == 404, url


def test_csrf_is_required(app: Flask, kari: FlaskClient) -> None:
    round_id = create(kari)
    before = count(app, Question)
    page_id = first_page(app, round_id)
    response = kari.post(
        f"/skjema/{round_id}/sider/{page_id}/nytt-sporsmal?type=yes_no",
        data={"text-nb": "Uten nøkkel?"},
    )
    assert response.status_code == 400
    assert kari.post(f"/skjema/{round_id}/status", data={"action": "submit"}).status_code == 400
    assert count(app, Question) == before


def add_url(round_id: int, page_id: int, kind: str) -> str:
    return f"/skjema/{round_id}/sider/{page_id}/nytt-sporsmal?type={kind}"


def test_bad_questions_are_refused_and_typed_text_kept(app: Flask, kari: FlaskClient) -> None:
    round_id = create(kari, "blank", "Test")
    page_id = first_page(app, round_id)
    url = add_url(round_id, page_id, "single_choice")
    cases = [
        ({"text-nb": "", "options-nb": "Ja\nNei"}, "Write the text in bokmål"),
        ({"text-nb": "Hvor ofte?", "options-nb": ""}, "at least two answer options"),
        ({"text-nb": "Hvor ofte?", "options-nb": "Ofte\nofte"}, "is there twice"),
        (
            {"text-nb": "Hvor ofte?", "options-nb": "Ofte\nSjelden", "options-nn": "Ofte"},
            "as many lines",
        ),
        ({"text-nb": "x" * 501, "options-nb": "A\nB"}, "at most 500 characters"),
        (
            {"text-nb": "Hvor ofte?", "options-nb": "A\nB", "condition": "q9=yes"},
            "Choose from the list",
        ),
    ]
    kari.set_cookie("sprak", "en")
    for data, message in cases:
        response = post_form(kari, url, data)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, data
        assert message in html, (message, data)
        assert 'class="ds-error-summary error-summary"' in html
        if data["text-nb"] and len(data["text-nb"]) < 100:
            assert f"{data['text-nb']}</textarea>" in html
    assert count(app, Question) == 0
    assert count(app, QuestionOption) == 0


def test_every_kind_of_question_can_be_added(app: Flask, kari: FlaskClient) -> None:
    round_id = create(kari, "blank", "Test")
    page_id = first_page(app, round_id)
    extra = {
        "smiley": {"faces": "3"},
        "single_choice": {"options-nb": "A\nB"},
        "multiple_choice": {"options-nb": "A\nB\nC", "options-en": "a\nb\nc"},
        "text_short": {"max_length": "100"},
        "text_long": {},
        "number": {"min": "0", "max": "20"},
    }
    kinds = list(QUESTION_KINDS)
    form = kari.get(add_url(round_id, page_id, "likert")).get_data(as_text=True)
    for default in ('value="Helt uenig"', 'value="Heilt einig"', 'value="Strongly agree"'):
        assert default in form  # end labels start out filled in, in all three languages
    assert re.search(r'name="dont_know"[^>]*checked|checked[^>]*name="dont_know"', form)
    assert 'name="comparable"' not in form  # nothing to compare a new question with
    for kind in kinds:
        response = post_form(
            kari,
            add_url(round_id, page_id, kind),
            {"text-nb": f"Spørsmål {kind}", **extra.get(kind, {})},
        )
        assert response.status_code == 302, (kind, response.get_data(as_text=True)[:2000])
    with app.app_context():
        round_ = db.session.get(SurveyRound, round_id)
        assert round_ is not None
        assert [q.kind for q in round_.questions] == kinds
        smiley = round_.questions[1]
        assert [o.label["nb"] for o in smiley.options] == [
            "Misfornøyd",
            "Verken fornøyd eller misfornøyd",
            "Fornøyd",
        ]
        assert smiley.options[0].label["en"] == "Dissatisfied"
        assert round_.questions[7].min_value == 0 and round_.questions[7].max_value == 20
        assert round_.questions[6].max_length == 2000


def test_number_bounds_and_max_length_are_checked(app: Flask, kari: FlaskClient) -> None:
    round_id = create(kari, "blank", "Test")
    page_id = first_page(app, round_id)
    kari.set_cookie("sprak", "en")
    html = post_form(
        kari,
        add_url(round_id, page_id, "number"),
        {"text-nb": "Hvor mange?", "min": "9", "max": "3"},
    ).get_data(as_text=True)
    assert "highest number must be larger" in html
    assert 'value="9"' in html
    html = post_form(
        kari, add_url(round_id, page_id, "text_short"), {"text-nb": "Hva?", "max_length": "100000"}
    ).get_data(as_text=True)
    assert "from 1 to 500" in html
    html = post_form(
        kari, add_url(round_id, page_id, "number"), {"text-nb": "Hvor mange?", "min": "mange"}
    ).get_data(as_text=True)
    assert "Not a valid integer value" in html
    assert count(app, Question) == 0


def test_import_names_every_problem_and_stores_nothing(app: Flask, kari: FlaskClient) -> None:
    bad = document(
        [likert("a", condition={"question": "b", "value": "1"}), likert("b", text="")], colour="red"
    )
    token_page = "/skjema/importer"
    response = post_form(
        kari,
        token_page,
        {"file": (io.BytesIO(json.dumps(bad).encode()), "skjema.json")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert "3 problemer i filen" in html
    assert "Ukjent felt «colour»" in html or "colour" in html
    assert count(app, SurveyRound) == 0
    good = document([likert("a")])
    response = post_form(
        kari,
        token_page,
        {"file": (io.BytesIO(json.dumps(good).encode()), "skjema.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert count(app, SurveyRound) == 1


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 50_000 + b"]" * 50_000,  # json.loads gives up
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        json.dumps(
            {**document([likert("a")]), "title": {"nb": [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}}
        ).encode(),
    ],
    ids=["lists", "objects", "a-little-too-deep"],
)
def test_import_of_a_deeply_nested_file_is_refused_at_the_field(
    app: Flask, kari: FlaskClient, raw: bytes
) -> None:
    response = post_form(
        kari,
        "/skjema/importer",
        {"file": (io.BytesIO(raw), "skjema.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # The field's own message, tied to it, and the reason in the list of problems.
    field_error = re.search(r'id="file-error"[^>]*>(.*?)</p>', html, re.S)
    assert field_error and "Rett problemene" in field_error.group(1), html
    assert re.search(r'<input[^>]*aria-describedby="[^"]*file-error', html)
    assert "1 problem i filen" in html
    assert "ligger mer enn 20 nivåer inni hverandre" in html
    assert count(app, SurveyRound) == 0


def test_export_is_a_json_download(app: Flask, kari: FlaskClient) -> None:
    round_id = create(kari)
    response = kari.get(f"/skjema/{round_id}/eksport")
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    exported = json.loads(response.get_data(as_text=True))
    with app.test_request_context():
        assert doc.check_document(exported) == []
    assert exported["pages"][0]["questions"][0]["key"]


def test_preview_stores_nothing_and_speaks_the_chosen_language(
    app: Flask, kari: FlaskClient
) -> None:
    round_id = create(kari)
    with app.app_context():
        round_ = db.session.get(SurveyRound, round_id)
        assert round_ is not None
        first = round_.questions[0]
        nn_text, nb_text, key = first.text["nn"], first.text["nb"], first.key
        first.text = {"nb": nb_text}  # no nynorsk: falls back to bokmål
        second_nn = round_.questions[1].text["nn"]
        db.session.commit()
    html = kari.get(f"/skjema/{round_id}/forhandsvis?sprak=nn").get_data(as_text=True)
    assert 'lang="nn"' in html
    assert nb_text in html and nn_text not in html and second_nn in html
    assert "Neste" in html
    tables = [SurveyRound, Question, QuestionOption, Approval]
    before = [count(app, t) for t in tables]
    response = post_form(
        kari,
        f"/skjema/{round_id}/forhandsvis?sprak=en",
        {"side": "0", "nav": "next", f"q-{key}": "4"},
        page=f"/skjema/{round_id}/forhandsvis?sprak=en",
    )
    html = response.get_data(as_text=True)
    assert "Page 2 of" in html
    assert f'name="q-{key}" value="4"' in html  # carried along, not stored
    assert [count(app, t) for t in tables] == before


def test_preview_checks_answers_like_the_real_thing(app: Flask, kari: FlaskClient) -> None:
    round_id = create(kari, "blank", "Test")
    page_id = first_page(app, round_id)
    post_form(
        kari,
        add_url(round_id, page_id, "number"),
        {"text-nb": "Hvor mange?", "min": "0", "max": "10", "required": "y"},
    )
    with app.app_context():
        key = db.session.scalars(sa.select(Question.key)).one()
    url = f"/skjema/{round_id}/forhandsvis?sprak=nb"
    html = post_form(kari, url, {"side": "0", "nav": "next", f"q-{key}": "99"}).get_data(
        as_text=True
    )
    assert "Skriv et tall fra 0 til 10." in html
    assert 'value="99"' in html
    html = post_form(kari, url, {"side": "0", "nav": "next", f"q-{key}": ""}).get_data(as_text=True)
    assert "Svar på dette spørsmålet." in html
    html = post_form(kari, url, {"side": "0", "nav": "next", f"q-{key}": "7"}).get_data(
        as_text=True
    )
    assert "Takk for svarene dine." in html


def test_two_user_representatives_open_a_round(
    app: Flask, client: FlaskClient, people: dict[str, int]
) -> None:
    login(client, "kari@example.no")
    round_id = create(client)
    status = f"/skjema/{round_id}/status"
    page = f"/skjema/{round_id}/godkjenning"  # the approval tab
    post_form(client, status, {"action": "submit"}, page=page)
    post_form(client, status, {"action": "approve"}, page=page)
    client = app.test_client()
    login(client, "fag@example.no")  # a professional sees no approve button and cannot approve
    assert 'value="approve"' not in client.get(page).get_data(as_text=True)
    assert post_form(client, status, {"action": "approve"}, page=page).status_code == 404
    client = app.test_client()
    login(client, "ulf@example.no")
    response = post_form(client, status, {"action": "approve"}, page=page, follow_redirects=True)
    assert "Runden er åpen for svar." in response.get_data(as_text=True)
    with app.app_context():
        round_ = db.session.get(SurveyRound, round_id)
        assert round_ is not None and round_.status == "open"
        assert sorted(a.user.name for a in round_.approvals) == ["Kari", "Ulf"]
    history = client.get(f"/skjema/{round_id}/logg").get_data(as_text=True)
    for word in ("Spørreskjema opprettet", "Sendt til godkjenning", "Godkjent", "Åpnet"):
        assert word in history


def test_admin_sets_the_approval_rule(
    app: Flask, client: FlaskClient, people: dict[str, int]
) -> None:
    login(client, "admin@example.no")
    response = post_form(
        client,
        "/admin/innstillinger",
        {
            "name": "Fjordvik kommune",
            "min_group_size": "2",
            "approval_rule": "count",
            "approval_count": "1",
        },
    )
    assert "fra 3 til 100" in response.get_data(as_text=True)
    response = post_form(
        client,
        "/admin/innstillinger",
        {
            "name": "Fjordvik kommune",
            "min_group_size": "6",
            "approval_rule": "count",
            "approval_count": "1",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        org = db.session.get(Organisation, people["org"])
        assert org is not None
        assert (org.min_group_size, org.approval_rule, org.approval_count) == (6, "count", 1)
