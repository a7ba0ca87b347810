"""Exports of results: CSV for Excel in Norway, XLSX, the printable report's page, and raw
responses for the quality group only. Every file respects small-group suppression.

The round has 20 responses: 12 at Solsiden (link), 6 at Midtbyen (paper) and 2 at Lillehjem
(link). With k = 5, Lillehjem is too small and Midtbyen is hidden with it (otherwise Lillehjem
would follow from the total), so only Solsiden and the whole round can be shown.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from feedback.extensions import db
from feedback.models import Response
from feedback.models.base import today
from tests.conftest import login
from tests.shared import text_in
from tests.world import ExportRound, build_export_round

#: The whole round's "listened": 8 of 19 real answers are 4 (42.1 %), mean 68 / 19.
FOURS, VALID, TOTAL = 8, 19, 68


@pytest.fixture
def data(app: Flask) -> ExportRound:
    return build_export_round(app)


def signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


@pytest.fixture
def quality(app: Flask, data: ExportRound) -> FlaskClient:
    return signed_in(app, data.people["quality"])


@pytest.fixture
def manager(app: Flask, data: ExportRound) -> FlaskClient:
    return signed_in(app, data.people["manager"])


def read_csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


def get(client: FlaskClient, url: str, language: str = "nb", **kwargs: Any):  # type: ignore[no-untyped-def]
    return client.get(url, headers={"Accept-Language": language}, **kwargs)


def listened_rows(rows: list[list[str]]) -> dict[str, list[str]]:
    return {row[3]: row for row in rows[1:] if row[1] == "listened"}


# --- CSV -----------------------------------------------------------------------------------


def test_csv_is_for_excel_in_norway(app: Flask, data: ExportRound, quality: FlaskClient) -> None:
    response = get(quality, f"/resultater/{data.round_id}/resultater.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    rows = read_csv(body)
    assert len(rows[0]) == 11
    assert rows[0][2] == text_in(app, "nb", "Question")
    four = listened_rows(rows)["4"]
    # count; share 8/19; n; don't know; mean 68/19 with a decimal comma.
    assert four[4:9] == [str(FOURS), "42,1", str(VALID), "1", "3,58"]
    low, high = float(four[9].replace(",", ".")), float(four[10].replace(",", "."))
    assert low < TOTAL / VALID < high
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "brukerundersokelse-2026-" in disposition
    assert f"{today().isoformat()}.csv" in disposition


def test_csv_in_english_uses_a_decimal_point(
    app: Flask, data: ExportRound, quality: FlaskClient
) -> None:
    rows = read_csv(get(quality, f"/resultater/{data.round_id}/resultater.csv", "en").data)
    assert rows[0][2] == "Question"
    four = listened_rows(rows)["4"]
    assert four[5] == "42.1"
    assert four[8] == "3.58"
    food = {row[3] for row in rows[1:] if row[1] == "food"}
    assert food == {"Good", "Bad"}


def test_a_question_few_answered_is_held_back(
    app: Flask, data: ExportRound, quality: FlaskClient
) -> None:
    rows = read_csv(get(quality, f"/resultater/{data.round_id}/resultater.csv").data)
    rare = [row for row in rows[1:] if row[1] == "rare"]
    assert len(rare) == 1  # no row per answer: the answers themselves would tell
    assert rare[0][3] == text_in(app, "nb", "too few answers to show")
    assert rare[0][4:] == [""] * 7


def test_a_small_unit_gives_no_numbers(app: Flask, data: ExportRound, quality: FlaskClient) -> None:
    too_few = text_in(app, "nb", "too few answers to show")
    for unit in ("Lillehjem", "Midtbyen"):  # 2 answers, and the one hidden with it
        url = f"/resultater/{data.round_id}/resultater.csv?enhet={data.units[unit]}"
        rows = read_csv(get(quality, url).data)
        assert len(rows) == 1 + 6  # one row per question
        for row in rows[1:]:
            assert row[3] == too_few
            assert row[4:] == [""] * 7, row
    shown = read_csv(
        get(
            quality, f"/resultater/{data.round_id}/resultater.csv?enhet={data.units['Solsiden']}"
        ).data
    )
    four = listened_rows(shown)["4"]
    assert four[4] == "5" and four[6] == "11"


def test_a_manager_gets_totals_but_not_a_unit_they_do_not_lead(
    data: ExportRound, manager: FlaskClient
) -> None:
    rows = read_csv(get(manager, f"/resultater/{data.round_id}/resultater.csv").data)
    assert listened_rows(rows)["4"][4] == str(FOURS)
    midtbyen = data.units["Midtbyen"]
    for name in ("resultater.csv", "resultater.xlsx", "rapport", "last-ned"):
        assert (
            get(manager, f"/resultater/{data.round_id}/{name}?enhet={midtbyen}").status_code == 404
        )


def test_a_choice_not_on_offer_gives_no_file(
    app: Flask, data: ExportRound, quality: FlaskClient
) -> None:
    # Not a file of other numbers than asked for: back to the page that says what is wrong.
    for name in ("resultater.csv", "resultater.xlsx", "svar.csv"):
        response = get(quality, f"/resultater/{data.round_id}/{name}?kanal=brevdue")
        assert response.status_code == 303
        assert response.location.endswith(f"/resultater/{data.round_id}/last-ned?kanal=brevdue")
    page = get(quality, f"/resultater/{data.round_id}/last-ned?kanal=brevdue")
    assert text_in(app, "nb", "Choose from the list.") in page.get_data(as_text=True)


# --- XLSX ----------------------------------------------------------------------------------


def workbook(body: bytes):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(body))


def test_xlsx_has_real_numbers_and_a_frozen_bold_header(
    app: Flask, data: ExportRound, quality: FlaskClient
) -> None:
    response = get(quality, f"/resultater/{data.round_id}/resultater.xlsx")
    assert response.status_code == 200
    assert "spreadsheetml" in response.mimetype
    assert ".xlsx" in response.headers["Content-Disposition"]
    book = workbook(response.data)
    sheet = book.worksheets[0]
    assert sheet.title == text_in(app, "nb", "Results")
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.column_dimensions["C"].width >= 40
    rows = {(r[1].value, r[3].value): r for r in sheet.iter_rows(min_row=2)}
    four = rows[("listened", "4")]
    assert four[4].value == FOURS and four[4].data_type == "n"
    assert four[5].value == pytest.approx(FOURS / VALID)
    assert four[5].number_format == "0.0%"
    assert four[8].value == pytest.approx(TOTAL / VALID)
    rare = rows[("rare", text_in(app, "nb", "too few answers to show"))]
    assert [c.value for c in rare[4:]] == [None] * 7
    about = {r[0]: r[1] for r in book.worksheets[1].iter_rows(values_only=True)}
    assert about[text_in(app, "nb", "Responses")] == 20


def test_xlsx_of_a_small_unit_holds_no_number(
    app: Flask, data: ExportRound, quality: FlaskClient
) -> None:
    url = f"/resultater/{data.round_id}/resultater.xlsx?enhet={data.units['Lillehjem']}"
    book = workbook(get(quality, url).data)
    for row in book.worksheets[0].iter_rows(min_row=2):
        assert [type(c.value) for c in row[3:]] == [str] + [type(None)] * 7
    about = {r[0]: r[1] for r in book.worksheets[1].iter_rows(values_only=True)}
    assert about[text_in(app, "nb", "Responses")] == text_in(app, "nb", "too few answers to show")


# --- raw responses -------------------------------------------------------------------------


def response_ids(app: Flask, unit_id: int | None = None) -> list[str]:
    with app.app_context():
        stmt = sa.select(Response.id).order_by(Response.id)
        if unit_id is not None:
            stmt = stmt.where(Response.unit_id == unit_id)
        return list(db.session.scalars(stmt))


def test_raw_responses_are_not_for_managers(data: ExportRound, manager: FlaskClient) -> None:
    for name in ("svar.csv", "svar.xlsx", "fritekst.csv", "fritekst.xlsx"):
        assert get(manager, f"/resultater/{data.round_id}/{name}").status_code == 404
    page = get(manager, f"/resultater/{data.round_id}/last-ned").get_data(as_text=True)
    assert "svar.csv" not in page and "fritekst.csv" not in page and "resultater.csv" in page


def test_raw_csv_for_the_quality_group(app: Flask, data: ExportRound, quality: FlaskClient) -> None:
    response = get(quality, f"/resultater/{data.round_id}/svar.csv")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    rows = read_csv(response.data)
    assert len(rows) == 1 + 20
    assert rows[0][:2] == [text_in(app, "nb", "Unit"), text_in(app, "nb", "Way of answering")]
    assert rows[0][2] == "1. Jeg blir lyttet til."
    # The free-text question is not here: it has a file of its own.
    assert len(rows[0]) == 2 + 5 and "5. Ett ord om stedet" not in rows[0]
    ids = response_ids(app)
    assert not any(rid in text for rid in ids)  # no response id
    assert today().isoformat() not in text and today().strftime("%d.%m.%Y") not in text
    # Lillehjem (2) is hidden, and Midtbyen (6) with it as on the results page: their rows
    # name no unit. Lillehjem's two link responses would be the "not shown" × link rows, so
    # no row names its way of answering.
    not_shown = text_in(app, "nb", "not shown")
    assert sorted({row[0] for row in rows[1:]}) == sorted({"Solsiden", not_shown})
    assert sum(row[0] == "Solsiden" for row in rows[1:]) == 12
    assert {row[1] for row in rows[1:]} == {not_shown}
    # Labels, not codes; several choices joined; don't know in words; numbers as numbers.
    activities = {row[4] for row in rows[1:]}
    assert activities == {"Tur, Kunst", "Matlaging"}
    assert {row[3] for row in rows[1:]} == {"God", "Dårlig"}
    assert text_in(app, "nb", "Don't know / Not applicable") in {row[2] for row in rows[1:]}


def test_free_text_csv_holds_question_and_text_only(
    app: Flask, data: ExportRound, quality: FlaskClient
) -> None:
    response = get(quality, f"/resultater/{data.round_id}/fritekst.csv")
    assert response.status_code == 200
    rows = read_csv(response.data)
    assert rows[0] == [text_in(app, "nb", "Question"), text_in(app, "nb", "Written answer")]
    # Free text that looks like a formula stays text.
    assert rows[1:] == [["5. Ett ord om stedet", '\'=HYPERLINK("http://example.com","klikk")']]
    xlsx = workbook(get(quality, f"/resultater/{data.round_id}/fritekst.xlsx").data)
    cells = [[c.value for c in row] for row in xlsx.worksheets[0].iter_rows(min_row=2)]
    assert cells == [["5. Ett ord om stedet", '=HYPERLINK("http://example.com","klikk")']]
    assert xlsx.worksheets[0]["B2"].data_type == "s"  # text, never run as a formula


def test_raw_export_is_for_the_whole_round_only(
    app: Flask, data: ExportRound, quality: FlaskClient
) -> None:
    """A file per unit or channel would hold the same rows with other labels: side by side,
    two files would undo the coarsening."""
    solsiden = data.units["Solsiden"]
    for name in ("svar.csv", "svar.xlsx", "fritekst.csv", "fritekst.xlsx"):
        for query in (f"enhet={solsiden}", "kanal=paper"):
            refused = get(quality, f"/resultater/{data.round_id}/{name}?{query}")
            assert refused.status_code == 303
            assert refused.location.endswith(f"/resultater/{data.round_id}/last-ned?{query}")


def test_raw_xlsx_for_the_quality_group(
    app: Flask, data: ExportRound, quality: FlaskClient
) -> None:
    response = get(quality, f"/resultater/{data.round_id}/svar.xlsx")
    assert response.status_code == 200
    sheet = workbook(response.data).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 20
    assert sheet.freeze_panes == "A2"
    ages = [row[5].value for row in rows]
    assert all(isinstance(a, int) for a in ages) and sorted(ages) == list(range(20, 40))
    assert not any("HYPERLINK" in str(c.value) for r in rows for c in r)
    assert not any(rid in str(c.value) for rid in response_ids(app) for r in rows for c in r)


# --- pages ---------------------------------------------------------------------------------


def test_downloads_page_passes_the_selection_on(data: ExportRound, quality: FlaskClient) -> None:
    unit = data.units["Solsiden"]
    html = get(quality, f"/resultater/{data.round_id}/last-ned?enhet={unit}&kanal=").get_data(
        as_text=True
    )
    for name in ("resultater.csv", "resultater.xlsx", "rapport"):
        assert f'/resultater/{data.round_id}/{name}?enhet={unit}"' in html
    # The raw files are for the whole round, whatever the selection.
    for name in ("svar.csv", "svar.xlsx", "fritekst.csv", "fritekst.xlsx"):
        assert f'/resultater/{data.round_id}/{name}"' in html
    small = get(quality, f"/resultater/{data.round_id}/last-ned?enhet={data.units['Lillehjem']}")
    assert f'/resultater/{data.round_id}/svar.csv"' in small.get_data(as_text=True)


def test_report_shows_tables_and_holds_back_small_groups(
    app: Flask, data: ExportRound, quality: FlaskClient
) -> None:
    html = get(quality, f"/resultater/{data.round_id}/rapport").get_data(as_text=True)
    assert "Brukerundersøkelse 2026" in html
    assert "css/report.css" in html and "js/report.js" in html
    assert "data-figure" not in html  # tables only
    assert "42\u00a0%" in html  # the share of 4 as the reader writes it
    rare = html.split('id="q-rare"', 1)[1].split("</section>", 1)[0]
    assert text_in(app, "nb", "Too few answers to show (fewer than %(k)s).", k=5) in rare
    assert "<table" not in rare
    small = get(quality, f"/resultater/{data.round_id}/rapport?enhet={data.units['Lillehjem']}")
    small_html = small.get_data(as_text=True)
    assert 'class="result"' not in small_html
    assert "42\u00a0%" not in small_html
