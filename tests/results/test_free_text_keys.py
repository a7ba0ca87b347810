"""Free text is not a key (issue 19, point 3): a manager who lists the released texts under
every filter must not learn which channel or answers a text's writer gave, and no list's order
tells when a text came in or which response it belongs to."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import Answer, Evaluation
from feedback.results.texts import PAGE_SIZE
from tests.world import ResultsPlace, store_response

Client = Callable[[str], FlaskClient]
FILTERED = "Written answers are shown only for the whole round and for units"


def listed(html: str) -> list[str]:
    """The free-text answers a results page lists, in its order."""
    return [
        html_lib.unescape(text)
        for text in re.findall(
            r'<li class="free-text__item[^"]*">\s*<p>(.*?)</p>', html, flags=re.S
        )
    ]


@pytest.fixture
def texts_place(app: Flask, results_place: ResultsPlace) -> tuple[ResultsPlace, list[str]]:
    """60 texts at Solsiden and Møteplassen (below Psykisk helse), by link and kiosk, with food
    good or ok, so every channel and answer filter passes k; released to managers."""
    place = results_place
    written = []
    with app.app_context():
        for i in range(60):
            text = f"Svar nummer {i:02d}"
            written.append(text)
            store_response(
                place.round_id,
                {"food": "good" if i % 2 else "ok", "group": "yes", "why": text},
                unit=place.units["Solsiden" if i % 3 else "Møteplassen"],
                channel="kiosk" if i % 4 < 2 else "link",
            )
        db.session.add(Evaluation(round_id=place.round_id, texts_released=True))
        db.session.commit()
    return place, written


def filtered_urls(place: ResultsPlace) -> list[str]:
    food = place.questions["food"]
    group = place.questions["group"]
    unit = place.units["Psykisk helse"]
    return [
        place.url("/fritekst?kanal=kiosk"),
        place.url("/fritekst?kanal=link"),
        place.url(f"/fritekst?svar={food}:good"),
        place.url(f"/fritekst?svar={food}:ok"),
        place.url(f"/fritekst?svar={group}:yes"),
        place.url(f"/fritekst?enhet={unit}&kanal=kiosk"),
        place.url(f"/fritekst?enhet={unit}&svar={food}:good"),
    ]


def test_a_manager_can_not_tell_a_texts_channel_or_answers(
    texts_place: tuple[ResultsPlace, list[str]], results_client: Client
) -> None:
    """The attack: list the texts under each channel and answer filter and see which texts
    each list holds. Every such list is empty, with a plain reason and a way back."""
    place, written = texts_place
    leder = results_client("leder")
    leder.get("/sprak/en?next=/")
    whole = listed(leder.get(place.url("/fritekst")).get_data(as_text=True))
    # The page lists the first 50 (texts.PAGE_SIZE).
    assert len(whole) == PAGE_SIZE and set(whole) <= set(written)
    unit = listed(
        leder.get(place.url(f"/fritekst?enhet={place.units['Psykisk helse']}")).get_data(
            as_text=True
        )
    )
    assert unit == whole
    for url in filtered_urls(place):
        response = leder.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        # The selection itself is shown (its numbers pass k); its texts are not.
        assert "Too few answers to show." not in html, url
        assert listed(html) == [], url
        assert not any(text in html for text in written), url
        assert FILTERED in html, url
        link = re.search(r'<a href="([^"]+)">Show the written answers without these filters', html)
        assert link is not None, url
        back = html_lib.unescape(link.group(1))
        assert "kanal" not in back and "svar" not in back
        assert listed(leder.get(back).get_data(as_text=True)), back


def test_texts_are_listed_in_a_stable_order_that_tells_nothing(
    app: Flask, texts_place: tuple[ResultsPlace, list[str]], results_client: Client
) -> None:
    place, written = texts_place
    leder = results_client("leder")
    first = listed(leder.get(place.url("/fritekst")).get_data(as_text=True))
    again = listed(results_client("leder").get(place.url("/fritekst")).get_data(as_text=True))
    assert first == again
    # Not the order they came in, nor the order of the random response ids (60 texts: the
    # chance of either by luck is 1 in 60!).
    assert first != [w for w in written if w in first]
    with app.app_context():
        by_id = list(
            db.session.scalars(
                sa.select(Answer.value)
                .where(Answer.question_id == place.questions["why"])
                .order_by(Answer.response_id)
            )
        )
    assert first != [w for w in by_id if w in first]

    # The quality group keeps every filter, in the same kind of order.
    kari = results_client("kari")
    group_whole = listed(kari.get(place.url("/fritekst")).get_data(as_text=True))
    assert group_whole == first
    kiosk = listed(kari.get(place.url("/fritekst?kanal=kiosk")).get_data(as_text=True))
    assert sorted(kiosk) == sorted(w for i, w in enumerate(written) if i % 4 < 2)
    assert [w for w in kiosk if w in group_whole] == [w for w in group_whole if w in kiosk]
