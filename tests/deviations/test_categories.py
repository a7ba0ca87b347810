"""Deviation categories, kept by administrators: the list, adding, renaming, taking out of use
and ordering, and what the public report form offers as a result."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.deviations import stats
from feedback.deviations.scope import Scope
from feedback.extensions import db
from feedback.models import AuditEvent, Deviation, DeviationCategory, Organisation
from feedback.models.deviation import DEFAULT_CATEGORIES
from tests.conftest import csrf_token, post_form
from tests.world import Place, Reporter, case_ids, signed_in

ROW_ID = re.compile(r'<tr id="category-(\d+)">')
RADIO = re.compile(
    r'<input[^>]*name="category"[^>]*value="(\d+)"[^>]*>\s*<label [^>]*for="[^"]+">([^<]*)</label>'
)


@pytest.fixture
def admin(app: Flask, place: Place) -> FlaskClient:
    return signed_in(app, "admin@example.no")


def offered(reporter: Reporter, language: str = "nb") -> list[tuple[int, str]]:
    """The categories of the public report form, in order: (id, name)."""
    html = reporter.client.get(f"/avvik/{reporter.place.slug}?sprak={language}").get_data(
        as_text=True
    )
    return [(int(value), label.strip()) for value, label in RADIO.findall(html)]


def stored(app: Flask, org: int) -> list[DeviationCategory]:
    with app.app_context():
        found = list(
            db.session.scalars(
                sa.select(DeviationCategory)
                .where(DeviationCategory.organisation_id == org)
                .order_by(DeviationCategory.position, DeviationCategory.id)
            )
        )
        db.session.expunge_all()
        return found


def category_events(app: Flask) -> list[tuple[str, int | None, str, dict[str, Any]]]:
    with app.app_context():
        return [
            (e.action, e.actor_id, e.subject, dict(e.details))
            for e in db.session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.action.like("deviation_category.%"))
                .order_by(AuditEvent.id)
            )
        ]


def add(client: FlaskClient, **names: str):  # type: ignore[no-untyped-def]
    data = {f"names-{lang}": text for lang, text in names.items()}
    return post_form(client, "/avvik/kategorier", {**data, "active": "y"})


def edit(client: FlaskClient, category_id: int, data: dict[str, str]):  # type: ignore[no-untyped-def]
    url = f"/avvik/kategorier/{category_id}"
    return post_form(client, url, data)


def move(client: FlaskClient, category_id: int, direction: str):  # type: ignore[no-untyped-def]
    return post_form(
        client,
        f"/avvik/kategorier/{category_id}/flytt",
        {"retning": direction},
        page="/avvik/kategorier",
    )


# --- the list ------------------------------------------------------------------------------------


def test_the_defaults_in_order(app: Flask, place: Place, admin: FlaskClient) -> None:
    response = admin.get("/avvik/kategorier")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert [int(i) for i in ROW_ID.findall(html)] == place.categories
    names = [c["nb"] for c in DEFAULT_CATEGORIES]
    positions = [html.index(f">{name}</a>") for name in names]
    assert positions == sorted(positions)
    assert len(place.categories) == 9


def test_the_public_form_offers_the_defaults(app: Flask, place: Place, reporter: Reporter) -> None:
    assert offered(reporter) == [
        (i, c["nb"]) for i, c in zip(place.categories, DEFAULT_CATEGORIES, strict=True)
    ]
    assert [name for _i, name in offered(reporter, "nn")] == [c["nn"] for c in DEFAULT_CATEGORIES]


# --- adding --------------------------------------------------------------------------------------


def test_add_a_category(app: Flask, place: Place, admin: FlaskClient, reporter: Reporter) -> None:
    response = add(admin, nb="Mat og måltider", nn="Mat og måltid", en="Food and meals")
    assert response.status_code == 302
    categories = stored(app, place.org)
    assert len(categories) == 10
    new = categories[-1]
    assert new.names == {"nb": "Mat og måltider", "nn": "Mat og måltid", "en": "Food and meals"}
    assert new.active is True
    assert new.position > categories[-2].position
    html = admin.get("/avvik/kategorier").get_data(as_text=True)
    assert [int(i) for i in ROW_ID.findall(html)] == [*place.categories, new.id]

    assert offered(reporter)[-1] == (new.id, "Mat og måltider")
    assert offered(reporter, "nn")[-1] == (new.id, "Mat og måltid")
    assert offered(reporter, "en")[-1] == (new.id, "Food and meals")
    assert len(offered(reporter)) == 10

    assert category_events(app) == [
        ("deviation_category.create", place.people["admin"], "Mat og måltider", {})
    ]
    # The other organisation's list is its own.
    assert len(stored(app, place.other_org)) == 9


def test_nynorsk_falls_back_to_bokmal(
    app: Flask, place: Place, admin: FlaskClient, reporter: Reporter
) -> None:
    assert add(admin, nb="Transport", nn="  ", en="").status_code == 302
    new = stored(app, place.org)[-1]
    assert new.names == {"nb": "Transport"}
    assert offered(reporter, "nn")[-1] == (new.id, "Transport")
    assert offered(reporter, "en")[-1] == (new.id, "Transport")


def test_a_new_category_can_be_reported(
    app: Flask, place: Place, admin: FlaskClient, reporter: Reporter
) -> None:
    assert add(admin, nb="Transport").status_code == 302
    new = stored(app, place.org)[-1]
    reporter.report(category=new.id)
    with app.app_context():
        (case_id,) = case_ids(app)
        assert db.session.get(Deviation, case_id).category_id == new.id


@pytest.mark.parametrize(
    ("names", "field"),
    [
        ({"nb": "", "nn": "Berre nynorsk"}, "names-nb"),
        ({"nb": "   ", "nn": "Berre nynorsk"}, "names-nb"),
        ({"nb": "x" * 101}, "names-nb"),
        ({"nb": "Greit", "nn": "y" * 101}, "names-nn"),
        ({"nb": "Greit", "en": "z" * 101}, "names-en"),
    ],
)
def test_add_refused(
    app: Flask,
    place: Place,
    admin: FlaskClient,
    reporter: Reporter,
    names: dict[str, str],
    field: str,
) -> None:
    response = add(admin, **names)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in html
    for text in names.values():
        if text.strip():
            assert f'value="{text}"' in html
    assert len(stored(app, place.org)) == 9
    assert category_events(app) == []
    assert len(offered(reporter)) == 9


def test_a_name_of_100_characters_is_allowed(app: Flask, place: Place, admin: FlaskClient) -> None:
    assert add(admin, nb="x" * 100).status_code == 302
    assert stored(app, place.org)[-1].names == {"nb": "x" * 100}


# --- editing -------------------------------------------------------------------------------------


def test_edit_the_name(app: Flask, place: Place, admin: FlaskClient, reporter: Reporter) -> None:
    first = place.categories[0]
    page = admin.get(f"/avvik/kategorier/{first}").get_data(as_text=True)
    assert 'value="Brukermedvirkning"' in page and 'value="Brukarmedverknad"' in page
    response = edit(
        admin, first, {"names-nb": "Medvirkning", "names-nn": "Medverknad", "active": "y"}
    )
    assert response.status_code == 302
    category = stored(app, place.org)[0]
    assert category.id == first
    assert category.names == {"nb": "Medvirkning", "nn": "Medverknad"}
    assert offered(reporter)[0] == (first, "Medvirkning")
    assert offered(reporter, "nn")[0] == (first, "Medverknad")
    assert offered(reporter, "en")[0] == (first, "Medvirkning")
    ((action, actor, subject, details),) = category_events(app)
    assert (action, actor, subject) == (
        "deviation_category.update",
        place.people["admin"],
        "Medvirkning",
    )
    assert details["changed"]["names"][1] == {"nb": "Medvirkning", "nn": "Medverknad"}
    assert details["changed"]["names"][0]["nb"] == "Brukermedvirkning"


def test_edit_without_changes_logs_nothing(app: Flask, place: Place, admin: FlaskClient) -> None:
    first = place.categories[0]
    names = DEFAULT_CATEGORIES[0]
    data = {f"names-{k}": v for k, v in names.items()} | {"active": "y"}
    assert edit(admin, first, data).status_code == 302
    assert category_events(app) == []


def test_edit_refused(app: Flask, place: Place, admin: FlaskClient) -> None:
    first = place.categories[0]
    response = edit(admin, first, {"names-nb": "", "names-nn": "Berre nynorsk", "active": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="names-nb-error"' in html and 'value="Berre nynorsk"' in html
    assert stored(app, place.org)[0].names == DEFAULT_CATEGORIES[0]
    assert category_events(app) == []


def test_deactivate(app: Flask, place: Place, admin: FlaskClient, reporter: Reporter) -> None:
    third = place.categories[2]
    reporter.report(category=third)
    (case_id,) = case_ids(app)
    names = DEFAULT_CATEGORIES[2]
    data = {f"names-{k}": v for k, v in names.items()}  # "active" not ticked
    assert edit(admin, third, data).status_code == 302
    unused = place.categories[4]  # out of use, and without reports
    unused_data = {f"names-{k}": v for k, v in DEFAULT_CATEGORIES[4].items()}
    assert edit(admin, unused, unused_data).status_code == 302

    assert stored(app, place.org)[2].active is False
    assert third not in [i for i, _n in offered(reporter)]
    assert len(offered(reporter)) == 7
    # The form refuses the category even if sent.
    assert reporter.send(category=third).status_code == 400
    assert case_ids(app) == [case_id]

    # The case keeps it, and shows it.
    with app.app_context():
        assert db.session.get(Deviation, case_id).category_id == third
    kari = signed_in(app, "kari@example.no")
    assert names["nb"] in kari.get(f"/avvik/saker/{case_id}").get_data(as_text=True)
    # The statistics still count it.
    with app.app_context():
        organisation = db.session.get(Organisation, place.org)
        scope = Scope(organisation, everything=True)
        numbers = stats.statistics_for(scope, date(2000, 1, 1), date(2100, 1, 1))
        assert numbers.by_category[third] == 1
        labels = dict(
            next(c for c in stats.charts(scope, numbers) if c.id == "chart-category").rows
        )
    assert labels[names["nb"]] == 1
    html = kari.get("/avvik/statistikk").get_data(as_text=True)
    assert f'<th scope="row">{names["nb"]}</th>' in html
    # A category taken out of use without reports is left out of the chart.
    assert DEFAULT_CATEGORIES[4]["nb"] not in labels
    assert labels[DEFAULT_CATEGORIES[0]["nb"]] == 0
    # Still in the list of the administrator, and the filter of the cases.
    assert f'id="category-{third}"' in admin.get("/avvik/kategorier").get_data(as_text=True)
    assert f'value="{third}"' in kari.get("/avvik/saker").get_data(as_text=True)
    action, _actor, _subject, details = category_events(app)[0]
    assert action == "deviation_category.update"
    assert details["changed"]["active"] == [True, False]

    # And back in use.
    assert edit(admin, third, {**data, "active": "y"}).status_code == 302
    assert third in [i for i, _n in offered(reporter)]


# --- order ---------------------------------------------------------------------------------------


def test_move_down_and_up(app: Flask, place: Place, admin: FlaskClient, reporter: Reporter) -> None:
    cats = place.categories
    assert move(admin, cats[0], "ned").status_code == 302
    assert [i for i, _n in offered(reporter)] == [cats[1], cats[0], *cats[2:]]
    assert move(admin, cats[8], "opp").status_code == 302
    assert [i for i, _n in offered(reporter)] == [cats[1], cats[0], *cats[2:7], cats[8], cats[7]]
    html = admin.get("/avvik/kategorier").get_data(as_text=True)
    assert [int(i) for i in ROW_ID.findall(html)] == [
        cats[1],
        cats[0],
        *cats[2:7],
        cats[8],
        cats[7],
    ]


def test_move_beyond_the_ends_changes_nothing(
    app: Flask, place: Place, admin: FlaskClient, reporter: Reporter
) -> None:
    cats = place.categories
    assert move(admin, cats[0], "opp").status_code == 302
    assert move(admin, cats[8], "ned").status_code == 302
    assert [i for i, _n in offered(reporter)] == cats


def test_move_past_a_category_out_of_use(
    app: Flask, place: Place, admin: FlaskClient, reporter: Reporter
) -> None:
    cats = place.categories
    data = {f"names-{k}": v for k, v in DEFAULT_CATEGORIES[1].items()}
    assert edit(admin, cats[1], data).status_code == 302
    assert move(admin, cats[0], "ned").status_code == 302
    assert move(admin, cats[0], "ned").status_code == 302
    assert [i for i, _n in offered(reporter)] == [cats[2], cats[0], *cats[3:]]


def test_a_new_category_after_moves_is_last(
    app: Flask, place: Place, admin: FlaskClient, reporter: Reporter
) -> None:
    cats = place.categories
    assert move(admin, cats[8], "opp").status_code == 302
    assert add(admin, nb="Ny").status_code == 302
    assert offered(reporter)[-1][1] == "Ny"


def test_moving_is_audited(app: Flask, place: Place, admin: FlaskClient) -> None:
    """Like moving a page or a question: the order people choose from is a decision."""
    assert move(admin, place.categories[0], "ned").status_code == 302
    logged = category_events(app)
    assert len(logged) == 1
    assert logged[0][1] == place.people["admin"]
    assert logged[0][2] == DEFAULT_CATEGORIES[0]["nb"]


# --- who may ------------------------------------------------------------------------------------


def routes(category_id: int) -> list[tuple[str, str, dict[str, str]]]:
    names = {"names-nb": "Inntrenger", "active": "y"}
    return [
        ("GET", f"/avvik/kategorier/{category_id}", {}),
        ("POST", f"/avvik/kategorier/{category_id}", names),
        ("POST", f"/avvik/kategorier/{category_id}/flytt", {"retning": "ned"}),
    ]


# The quality group and managers: see the authorization matrix (tests/test_authorization.py).
@pytest.mark.parametrize("email", ["ingen@example.no"])
def test_only_administrators(app: Flask, place: Place, reporter: Reporter, email: str) -> None:
    client = signed_in(app, email)
    token = csrf_token(client, "/")
    assert client.get("/avvik/kategorier").status_code == 404
    response = client.post(
        "/avvik/kategorier", data={"csrf_token": token, "names-nb": "Inntrenger", "active": "y"}
    )
    assert response.status_code == 404
    for method, url, data in routes(place.categories[0]):
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token, **data})
        assert response.status_code == 404, (method, url)
    assert [i for i, _n in offered(reporter)] == place.categories
    assert offered(reporter)[0][1] == DEFAULT_CATEGORIES[0]["nb"]
    assert category_events(app) == []


def test_signed_out_goes_to_the_login(app: Flask, place: Place, client: FlaskClient) -> None:
    response = client.get("/avvik/kategorier")
    assert response.status_code == 302
    assert "/logg-inn" in response.headers["Location"]
