"""Action points: the group adds, changes and deletes them; managers answer and set the status
of the points of their units; bad input, overdue points and the audit trail."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import ActionAnswer, ActionPoint
from feedback.models.base import today
from tests.conftest import post_form
from tests.evaluation.conftest import (
    Place,
    add_point,
    events,
    make_point,
    page_url,
    point_data,
    points,
)


def select_values(html: str, name: str) -> list[str]:
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select {name}"
    return re.findall(r'<option[^>]*value="([^"]*)"', match.group(1))


def answers(app: Flask) -> list[ActionAnswer]:
    with app.app_context():
        import sqlalchemy as sa

        found = list(db.session.scalars(sa.select(ActionAnswer).order_by(ActionAnswer.id)))
        db.session.expunge_all()
        return found


# --- the group writes the plan -------------------------------------------------------------------


def test_group_adds_a_point(app: Flask, place: Place, group: FlaskClient) -> None:
    response = add_point(
        group,
        place.rounds["main"],
        unit=place.units["Solsiden"],
        owner=place.people["leder"],
        due_on="01.06.2030",
        status="in_progress",
        published="y",
    )
    assert response.status_code == 302
    [point] = points(app)
    assert point.round_id == place.rounds["main"]
    assert point.title == "Brukermøte hver måned"
    assert point.description == "Beboerne vil ha mer å si.\nVi starter i mai."
    assert point.unit_id == place.units["Solsiden"]
    assert point.owner_id == place.people["leder"]
    assert point.due_on == date(2030, 6, 1)
    assert point.status == "in_progress"
    assert point.published
    [event] = events(app, "action_point.create")
    assert event.target == f"action_point:{point.id}"
    assert event.actor_id == place.people["kari"]
    assert event.details["unit"] == "Solsiden" and event.details["owner"] == "Lars Leder"
    html = group.get(page_url(place.rounds["main"])).get_data(as_text=True)
    assert f'id="punkt-{point.id}"' in html and "Brukermøte hver måned" in html


def test_iso_dates_are_accepted_too(app: Flask, place: Place, group: FlaskClient) -> None:
    assert add_point(group, place.rounds["main"], due_on="2030-02-28").status_code == 302
    assert points(app)[0].due_on == date(2030, 2, 28)


def test_a_double_click_stores_one_point(app: Flask, place: Place, group: FlaskClient) -> None:
    assert add_point(group, place.rounds["main"]).status_code == 302
    assert add_point(group, place.rounds["main"]).status_code == 302
    assert len(points(app)) == 1
    # Another point with the same title is refused at the title.
    response = add_point(group, place.rounds["main"], description="Noe annet")
    assert response.status_code == 400
    assert 'id="title-error"' in response.get_data(as_text=True)
    assert len(points(app)) == 1


@pytest.mark.parametrize(
    ("fields", "error_at"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"due_on": "31.02.2030"}, "due_on"),
        ({"due_on": "i morgen"}, "due_on"),
        ({"due_on": "01.01.1850"}, "due_on"),
        ({"description": "y" * 4001}, "description"),
        ({"status": "finished"}, "status"),
        ({"unit": "999999"}, "unit"),
        ({"owner": "abc"}, "owner"),
    ],
)
def test_bad_input_is_shown_at_the_field_and_nothing_is_stored(
    app: Flask, place: Place, group: FlaskClient, fields: dict[str, str], error_at: str
) -> None:
    typed = "Teksten jeg skrev"
    data = {"description": typed, **fields} if "description" not in fields else fields
    response = add_point(group, place.rounds["main"], **data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{error_at}-error"' in html
    assert 'class="ds-error-summary error-summary"' in html
    if "description" not in fields:
        assert typed in html
    if error_at == "due_on":
        # What was typed stays in the field (a real date as yyyy-mm-dd, for a date input).
        assert fields["due_on"] in html or "1850-01-01" in html
    assert points(app) == []
    assert events(app, "action_point.create") == []


def test_owners_are_the_active_group_members_and_managers(
    app: Flask, place: Place, group: FlaskClient
) -> None:
    html = group.get(f"/resultater/{place.rounds['main']}/tiltak/ny").get_data(as_text=True)
    owners = select_values(html, "owner")
    # By name: Fatima, Kari, Lars Leder, Rut Rusleder.
    assert owners == [
        "",
        *(str(place.people[k]) for k in ("fag", "kari", "leder", "rusleder")),
    ]
    # Not the administrator, not an inactive member, nobody from another organisation.
    assert str(place.people["gone"]) not in owners
    assert str(place.people["admin"]) not in owners
    units = select_values(html, "unit")
    assert units[0] == "" and set(units[1:]) == {str(u) for u in place.units.values()}
    # Someone who may not be chosen is refused even when sent.
    response = add_point(group, place.rounds["main"], owner=place.people["admin"])
    assert response.status_code == 400
    assert points(app) == []


def test_group_changes_a_point(app: Flask, place: Place, group: FlaskClient) -> None:
    point_id = make_point(app, place.rounds["main"], title="Gammel tittel")
    url = f"/resultater/{place.rounds['main']}/tiltak/{point_id}/endre"
    assert "Gammel tittel" in group.get(url).get_data(as_text=True)
    response = post_form(
        group,
        url,
        point_data(title="Ny tittel", unit=place.units["Døra"], status="done", published="y"),
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#punkt-{point_id}")
    [point] = points(app)
    assert (point.title, point.unit_id, point.status, point.published) == (
        "Ny tittel",
        place.units["Døra"],
        "done",
        True,
    )
    [event] = events(app, "action_point.update")
    assert event.target == f"action_point:{point_id}"
    assert event.details["title"] == ["Gammel tittel", "Ny tittel"]
    assert event.details["status"] == ["planned", "done"]
    assert event.details["unit"] == [None, "Døra"]


def test_a_bad_change_keeps_the_point_as_it_was(
    app: Flask, place: Place, group: FlaskClient
) -> None:
    point_id = make_point(app, place.rounds["main"], title="Uendret")
    url = f"/resultater/{place.rounds['main']}/tiltak/{point_id}/endre"
    response = post_form(group, url, point_data(title="Endret", due_on="32.13.2030"))
    assert response.status_code == 400
    assert 'id="due_on-error"' in response.get_data(as_text=True)
    assert "Endret" in response.get_data(as_text=True)
    assert points(app)[0].title == "Uendret"
    assert events(app, "action_point.update") == []


def test_group_deletes_a_point_after_confirming(
    app: Flask, place: Place, group: FlaskClient
) -> None:
    point_id = make_point(app, place.rounds["main"], title="Skal bort")
    url = f"/resultater/{place.rounds['main']}/tiltak/{point_id}/slett"
    page = group.get(url)
    assert page.status_code == 200 and "Skal bort" in page.get_data(as_text=True)
    assert len(points(app)) == 1  # asking is not deleting
    # Without the form's token nothing happens.
    assert group.post(url).status_code == 400
    assert len(points(app)) == 1
    response = post_form(group, url, {})
    assert response.status_code == 302
    assert points(app) == []
    [event] = events(app, "action_point.delete")
    assert event.target == f"action_point:{point_id}" and event.subject == "Skal bort"


def test_managers_cannot_write_the_plan(
    app: Flask, place: Place, group: FlaskClient, manager: FlaskClient
) -> None:
    point_id = make_point(app, place.rounds["main"], unit_id=place.units["Solsiden"])
    base = f"/resultater/{place.rounds['main']}/tiltak"
    assert manager.get(f"{base}/ny").status_code == 404
    assert manager.get(f"{base}/{point_id}/endre").status_code == 404
    assert manager.get(f"{base}/{point_id}/slett").status_code == 404
    # Even with a valid token from a page they may see.
    token_page = page_url(place.rounds["main"])
    assert post_form(manager, f"{base}/{point_id}/slett", {}, page=token_page).status_code == 404
    assert len(points(app)) == 1
    html = manager.get(token_page).get_data(as_text=True)
    assert f"{base}/{point_id}/endre" not in html and f"{base}/ny" not in html


# --- managers answer -----------------------------------------------------------------------------


def test_manager_answers_a_point_of_their_unit(
    app: Flask, place: Place, manager: FlaskClient
) -> None:
    # Lars leads "Psykisk helse"; Solsiden is below it.
    point_id = make_point(
        app, place.rounds["main"], title="Solsiden", unit_id=place.units["Solsiden"]
    )
    url = f"/resultater/{place.rounds['main']}/tiltak/{point_id}/svar"
    response = post_form(
        manager,
        url,
        {f"svar-{point_id}-body": "Første møte var 3. mai."},
        page=page_url(place.rounds["main"]),
        prefix=f"svar-{point_id}",
    )
    assert response.status_code == 302
    [answer] = answers(app)
    assert answer.action_point_id == point_id
    assert answer.author_id == place.people["leder"]
    assert answer.body == "Første møte var 3. mai."
    [event] = events(app, "action_point.answer")
    assert event.target == f"action_point:{point_id}"
    html = manager.get(page_url(place.rounds["main"])).get_data(as_text=True)
    assert "Første møte var 3. mai." in html and "Lars Leder" in html


def test_a_double_click_stores_one_answer(app: Flask, place: Place, manager: FlaskClient) -> None:
    point_id = make_point(app, place.rounds["main"], unit_id=None)
    url = f"/resultater/{place.rounds['main']}/tiltak/{point_id}/svar"
    for _ in range(2):
        response = post_form(
            manager,
            url,
            {f"svar-{point_id}-body": "Samme svar"},
            page=page_url(place.rounds["main"]),
            prefix=f"svar-{point_id}",
        )
        assert response.status_code == 302
    assert len(answers(app)) == 1


def test_an_empty_or_too_long_answer_is_refused(
    app: Flask, place: Place, manager: FlaskClient
) -> None:
    point_id = make_point(app, place.rounds["main"], unit_id=place.units["Møteplassen"])
    url = f"/resultater/{place.rounds['main']}/tiltak/{point_id}/svar"
    for body in ("   ", "z" * 4001):
        response = post_form(
            manager,
            url,
            {f"svar-{point_id}-body": body},
            page=page_url(place.rounds["main"]),
            prefix=f"svar-{point_id}",
        )
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert f'id="svar-{point_id}-body-error"' in html
    assert "z" * 4001 in html  # kept
    assert answers(app) == []


def test_manager_of_another_unit_gets_404(
    app: Flask, place: Place, manager: FlaskClient, rus_manager: FlaskClient
) -> None:
    # Døra is below Rusteamet: Rut's, not Lars's.
    point_id = make_point(
        app, place.rounds["main"], title="Dørapunktet", unit_id=place.units["Døra"]
    )
    base = f"/resultater/{place.rounds['main']}/tiltak/{point_id}"
    assert "Dørapunktet" not in manager.get(page_url(place.rounds["main"])).get_data(as_text=True)
    token_page = page_url(place.rounds["main"])
    response = post_form(manager, f"{base}/svar", {"body": "Nei"}, page=token_page)
    assert response.status_code == 404
    response = post_form(manager, f"{base}/status", {"status": "done"}, page=token_page)
    assert response.status_code == 404
    assert answers(app) == [] and points(app)[0].status == "planned"
    # Rut sees it and may answer.
    assert "Dørapunktet" in rus_manager.get(token_page).get_data(as_text=True)
    response = post_form(
        rus_manager,
        f"{base}/svar",
        {f"svar-{point_id}-body": "Vi er i gang."},
        page=token_page,
        prefix=f"svar-{point_id}",
    )
    assert response.status_code == 302


def test_points_for_the_whole_organisation_are_every_managers(
    app: Flask, place: Place, manager: FlaskClient, rus_manager: FlaskClient
) -> None:
    make_point(app, place.rounds["main"], title="Felles kurs", unit_id=None)
    for client in (manager, rus_manager):
        assert "Felles kurs" in client.get(page_url(place.rounds["main"])).get_data(as_text=True)


def test_a_point_of_another_round_is_404(app: Flask, place: Place, group: FlaskClient) -> None:
    point_id = make_point(app, place.rounds["few"])
    assert (
        group.get(f"/resultater/{place.rounds['main']}/tiltak/{point_id}/endre").status_code == 404
    )
    assert (
        group.get(f"/resultater/{place.rounds['few']}/tiltak/{point_id}/endre").status_code == 200
    )


def test_manager_sets_the_status_only(app: Flask, place: Place, manager: FlaskClient) -> None:
    point_id = make_point(
        app, place.rounds["main"], title="Uendret tittel", unit_id=place.units["Solsiden"]
    )
    url = f"/resultater/{place.rounds['main']}/tiltak/{point_id}/status"
    response = post_form(
        manager,
        url,
        {f"status-{point_id}-status": "in_progress", "title": "Hacket"},
        page=page_url(place.rounds["main"]),
        prefix=f"status-{point_id}",
    )
    assert response.status_code == 302
    [point] = points(app)
    assert point.status == "in_progress" and point.title == "Uendret tittel"
    [event] = events(app, "action_point.status")
    assert event.details["status"] == ["planned", "in_progress"]
    assert event.actor_id == place.people["leder"]
    # Not a status from the list: refused at the field.
    response = post_form(
        manager,
        url,
        {f"status-{point_id}-status": "closed"},
        page=page_url(place.rounds["main"]),
        prefix=f"status-{point_id}",
    )
    assert response.status_code == 400
    assert f'id="status-{point_id}-status-error"' in response.get_data(as_text=True)
    assert points(app)[0].status == "in_progress"


# --- overdue -------------------------------------------------------------------------------------


def test_overdue_points_stand_out_in_text(app: Flask, place: Place, group: FlaskClient) -> None:
    late = make_point(
        app, place.rounds["main"], title="For sent", due_on=today() - timedelta(days=1)
    )
    make_point(
        app, place.rounds["main"], title="Ferdig", status="done", due_on=today() - timedelta(days=9)
    )
    make_point(app, place.rounds["main"], title="I tide", due_on=today())
    html = group.get(page_url(place.rounds["main"]), headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert html.count('class="overdue-badge"') == 1
    article = re.search(rf'<article[^>]*id="punkt-{late}".*?</article>', html, re.S)
    assert article and "Overdue" in article.group(0)


def test_is_overdue() -> None:
    from feedback.evaluation.services import is_overdue

    day = date(2030, 5, 10)
    assert is_overdue(ActionPoint(status="planned", due_on=date(2030, 5, 9)), day)
    assert is_overdue(ActionPoint(status="in_progress", due_on=date(2030, 5, 9)), day)
    assert not is_overdue(ActionPoint(status="planned", due_on=day), day)
    assert not is_overdue(ActionPoint(status="done", due_on=date(2030, 5, 9)), day)
    assert not is_overdue(ActionPoint(status="dropped", due_on=date(2030, 5, 9)), day)
    assert not is_overdue(ActionPoint(status="planned", due_on=None), day)


def test_open_action_points_for_the_dashboard(app: Flask, place: Place) -> None:
    from feedback.evaluation.services import open_action_points
    from feedback.models import Organisation

    solsiden = make_point(
        app,
        place.rounds["main"],
        title="a",
        unit_id=place.units["Solsiden"],
        due_on=date(2030, 1, 2),
    )
    dora = make_point(
        app, place.rounds["few"], title="b", unit_id=place.units["Døra"], due_on=date(2030, 1, 1)
    )
    everyone = make_point(app, place.rounds["main"], title="c", status="in_progress")
    make_point(app, place.rounds["main"], title="d", status="done", unit_id=place.units["Solsiden"])
    make_point(app, place.rounds["main"], title="e", status="dropped")
    make_point(app, place.rounds["other"], title="f")
    with app.app_context():
        org = db.session.get(Organisation, place.org)
        assert org is not None
        assert [p.id for p in open_action_points(org, None)] == [dora, solsiden, everyone]
        mine = {place.units["Psykisk helse"], place.units["Solsiden"], place.units["Møteplassen"]}
        assert [p.id for p in open_action_points(org, mine)] == [solsiden, everyone]
        assert [p.id for p in open_action_points(org, set())] == [everyone]
