"""The group's evaluation of a round: who may read and write it, what is stored, bad input,
and the audit trail."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import Evaluation
from tests.conftest import post_form
from tests.evaluation.conftest import Place, events, make_evaluation, page_url


def evaluation(app: Flask, round_id: int) -> Evaluation | None:
    with app.app_context():
        found = db.session.get(Evaluation, round_id)
        if found is not None:
            db.session.expunge(found)
        return found


def test_group_saves_and_publishes_the_evaluation(
    app: Flask, place: Place, group: FlaskClient
) -> None:
    url = page_url(place.rounds["main"])
    response = post_form(
        group,
        url,
        {
            "assessment": "Ventetiden trekker ned.",
            "public_summary": "Takk for svarene!\nDe fleste er fornøyde.",
            "published": "y",
            "texts_released": "y",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url)
    saved = evaluation(app, place.rounds["main"])
    assert saved is not None
    assert saved.assessment == "Ventetiden trekker ned."
    assert saved.public_summary == "Takk for svarene!\nDe fleste er fornøyde."
    assert saved.published and saved.texts_released
    assert saved.changed_by_id == place.people["kari"]
    # The page shows it again, in the form.
    html = group.get(url).get_data(as_text=True)
    assert "Ventetiden trekker ned." in html
    assert re.search(r'<input[^>]*checked[^>]*id="published"', html)
    assert re.search(r'<input[^>]*checked[^>]*id="texts_released"', html)


def test_saving_is_recorded_in_the_audit_log(app: Flask, place: Place, group: FlaskClient) -> None:
    url = page_url(place.rounds["main"])
    post_form(group, url, {"assessment": "Første utkast", "public_summary": ""})
    post_form(
        group, url, {"assessment": "Første utkast", "public_summary": "Kort", "published": "y"}
    )
    # Saving without a change records nothing.
    post_form(
        group, url, {"assessment": "Første utkast", "public_summary": "Kort", "published": "y"}
    )
    logged = events(app, "evaluation.update")
    assert len(logged) == 2
    assert {e.target for e in logged} == {f"evaluation:{place.rounds['main']}"}
    assert all(e.actor_id == place.people["kari"] for e in logged)
    assert logged[1].details["published"] == [False, True]
    assert logged[1].details["texts"] == ["public_summary"]
    # The texts themselves are not copied into the log.
    assert "Kort" not in str(logged[1].details)
    # The history on the page names the change.
    assert "Evaluation changed" in group.get(url, headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )


def test_publishing_needs_a_summary(app: Flask, place: Place, group: FlaskClient) -> None:
    response = post_form(
        group,
        page_url(place.rounds["main"]),
        {"assessment": "Det vi skrev", "public_summary": "  ", "published": "y"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="public_summary-error"' in html
    assert "Det vi skrev" in html  # what was typed is kept
    assert evaluation(app, place.rounds["main"]) is None
    assert events(app, "evaluation.update") == []


def test_too_long_text_is_refused_at_the_field(
    app: Flask, place: Place, group: FlaskClient
) -> None:
    response = post_form(
        group,
        page_url(place.rounds["main"]),
        {"assessment": "Beholdt tekst", "public_summary": "x" * 5001},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="public_summary-error"' in html
    assert "Beholdt tekst" in html
    assert evaluation(app, place.rounds["main"]) is None


def test_manager_reads_the_evaluation_but_cannot_change_it(
    app: Flask, place: Place, manager: FlaskClient
) -> None:
    make_evaluation(
        app, place.rounds["main"], assessment="Gruppens vurdering", public_summary="Kort"
    )
    url = page_url(place.rounds["main"])
    html = manager.get(url).get_data(as_text=True)
    assert "Gruppens vurdering" in html
    assert 'name="assessment"' not in html
    # A sent form changes nothing, even with a valid token.
    response = post_form(manager, url, {"assessment": "Lederens versjon"})
    assert response.status_code == 404
    saved = evaluation(app, place.rounds["main"])
    assert saved is not None and saved.assessment == "Gruppens vurdering"


def test_rounds_without_an_evaluation_page(place: Place, group: FlaskClient) -> None:
    # Who gets none (signed out, administrators, the other organisation): see the authorization
    # matrix (tests/test_authorization.py).
    # A round without results, another organisation's round, a round that does not exist.
    assert group.get(page_url(place.rounds["draft"])).status_code == 404
    assert group.get(page_url(place.rounds["other"])).status_code == 404
    assert group.get(page_url(999999)).status_code == 404
    assert group.get("/resultater/99999999999/vurdering").status_code == 404


def test_the_round_menu_links_to_the_evaluation(place: Place, group: FlaskClient) -> None:
    html = group.get(f"/resultater/{place.rounds['main']}").get_data(as_text=True)
    assert f'href="{page_url(place.rounds["main"])}"' in html


def test_release_hint_says_flagged_answers_stay_hidden(place: Place, group: FlaskClient) -> None:
    html = group.get(page_url(place.rounds["main"]), headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "likely personal data stay hidden from managers" in html
