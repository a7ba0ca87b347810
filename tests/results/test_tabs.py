"""The tabs of a round's results (issue 22): every tab has its own address, the current one is
marked, the filters go along from tab to tab, and a unit with too few answers shows no number on
any tab. Who may open which tab: the authorization matrix (tests/test_authorization.py)."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from tests.world import RESULTS_TEXTS, ResultsPlace

Client = Callable[[str], FlaskClient]
#: Each tab's address after /resultater/<id>, and its name in English.
TABS = {
    "": "Overview",
    "/sporsmal": "Questions",
    "/fritekst": "Free text",
    "/sammenlign": "Units side by side",
    "/utvikling": "Trend across rounds",
    "/last-ned": "Download",
}


def english(results_client: Client, who: str) -> FlaskClient:
    client = results_client(who)
    assert client.get("/sprak/en?next=/").status_code == 302
    return client


def tab_links(html: str) -> list[tuple[str, str, bool]]:
    """(address, name, current) of each tab of the round's results."""
    nav = html.split('<ul class="tabs">', 1)[1].split("</ul>", 1)[0]
    return [
        (html_lib.unescape(href), html_lib.unescape(name).strip(), bool(current))
        for href, current, name in re.findall(
            r'<a class="tabs__tab" href="([^"]+)"( aria-current="page")?>([^<]+)</a>', nav
        )
    ]


@pytest.mark.parametrize("tab", list(TABS))
def test_each_tab_marks_itself_and_keeps_the_filters(
    results_client: Client, results_answered: ResultsPlace, tab: str
) -> None:
    place = results_answered
    unit = place.units["Psykisk helse"]
    response = english(results_client, "kari").get(place.url(f"{tab}?enhet={unit}&kanal=link"))
    assert response.status_code == 200
    links = tab_links(response.get_data(as_text=True))
    assert [name for _href, name, _current in links][:6] == list(TABS.values())
    assert [name for _href, name, current in links if current] == [TABS[tab]]
    for href, name, _current in links[:6]:
        address = urlsplit(href)
        assert address.path.startswith(f"/resultater/{place.round_id}"), name
        assert parse_qs(address.query) == {"enhet": [str(unit)], "kanal": ["link"]}, name
    # The evaluation is the round's, not the filter's.
    assert links[6][1] == "Evaluation and action plan" and "?" not in links[6][0]


def test_the_answer_filter_goes_only_to_the_tabs_that_read_it(
    results_client: Client, results_answered: ResultsPlace
) -> None:
    place = results_answered
    answer = f"{place.questions['group']}:yes"
    html = english(results_client, "kari").get(place.url(f"/sporsmal?svar={answer}")).text
    with_answer = {name for href, name, _c in tab_links(html) if "svar=" in href}
    assert with_answer == {"Overview", "Questions", "Free text", "Download"}


@pytest.mark.parametrize("tab", list(TABS))
def test_a_small_unit_shows_no_number_on_any_tab(
    results_client: Client, results_answered: ResultsPlace, tab: str
) -> None:
    """Møteplassen has 2 answers (k is 5): "listened" 1, food bad, age 70."""
    place = results_answered
    for who in ("kari", "leder"):
        html = (
            english(results_client, who)
            .get(place.url(f"{tab}?enhet={place.units['Møteplassen']}"))
            .get_data(as_text=True)
        )
        main = re.sub(r"<script.*?</script>", " ", html.split('id="main"', 1)[1], flags=re.S)
        cells = re.findall(r'<td class="numeric"[^>]*>(.*?)</td>', main, flags=re.S)
        if tab in ("/sammenlign", "/utvikling"):
            # These put the whole round beside the unit: the unit's own column has no number.
            checked = 0
            for table in re.findall(r"<table.*?</table>", main, flags=re.S):
                rows = [
                    re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
                    for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
                ]
                if rows and "Møteplassen" in rows[0]:  # a unit per column
                    column = rows[0].index("Møteplassen")
                    assert all("too-few" in row[column] for row in rows[1:]), (who, tab)
                    checked += 1
                for row in rows:  # a unit per row
                    if row and row[0] == "Møteplassen":
                        assert all("too-few" in cell for cell in row[1:]), (who, tab)
                        checked += 1
            assert checked or tab == "/utvikling", (who, tab)  # the trend: no earlier round
        else:
            assert "Too few answers to show." in main, (who, tab)
            assert not cells and "application/json" not in main, (who, tab)
            assert "big-number" not in main and not re.search(r"\(2\)|>\s*2\s*<", main)
        assert not any(html_lib.escape(t, quote=False) in main for t in RESULTS_TEXTS)


def test_the_overview_is_short_and_the_rest_is_on_its_tabs(
    results_client: Client, results_answered: ResultsPlace
) -> None:
    place = results_answered
    kari = english(results_client, "kari")
    overview = kari.get(place.url()).text
    questions = kari.get(place.url("/sporsmal")).text
    free_text = kari.get(place.url("/fritekst")).text
    assert "Responses per unit" in overview and 'class="result"' not in overview
    assert "I am listened to." in questions and "free-text__item" not in questions
    assert html_lib.escape(RESULTS_TEXTS[0], quote=False) in free_text
    assert "I am listened to." not in free_text
