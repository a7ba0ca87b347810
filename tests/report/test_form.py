"""The public report form: what it offers, what a valid report stores, how bad input, replayed
and concurrent forms are answered, and that it sets no cookie and is never cached."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback.extensions import db
from feedback.models import Deviation, DeviationCategory, Organisation, Unit, UsedFormToken
from feedback.models.base import today
from feedback.models.deviation import REPORTER_KINDS
from tests import factories
from tests.shared import post_concurrently
from tests.world import SKJEMA, Place, Reporter, report_data

CODE_SHOWN = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$")
TYPABLE_UPPER = set("abcdefghjkmnpqrstuvwxyz23456789".upper())


@pytest.fixture
def app_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Per-test config through indirect parametrisation; none by default."""
    return dict(getattr(request, "param", {}))


def cases(app: Flask) -> list[Deviation]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(Deviation)))
        db.session.expunge_all()
        return found


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def select_values(html: str, name: str) -> list[str]:
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select {name}"
    return re.findall(r'<option[^>]*value="([^"]*)"', match.group(1))


def radio_values(html: str, name: str) -> list[str]:
    values = []
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and 'type="radio"' in tag:
            found = re.search(r'value="([^"]*)"', tag)
            assert found
            values.append(found.group(1))
    return values


# --- the form ----------------------------------------------------------------------------------


def test_form_offers_every_kind_active_units_in_tree_order_and_own_categories(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    with app.app_context():
        org = db.session.get(Organisation, place.org)
        assert org is not None
        retired = factories.unit(
            org, "Gamlehuset", parent=db.session.get(Unit, place.units["Døra"])
        )
        retired.active = False
        retired_id = retired.id
        old_category = db.session.get(DeviationCategory, place.categories[1])
        assert old_category is not None
        old_category.active = False
        other_categories = [
            str(c)
            for c in db.session.scalars(
                sa.select(DeviationCategory.id).where(
                    DeviationCategory.organisation_id == place.other_org
                )
            )
        ]
        db.session.commit()

    response = reporter.client.get(f"/avvik/{place.slug}?sprak=nb")
    assert response.status_code == 200
    html = response.get_data(as_text=True)

    assert radio_values(html, "reporter_kind") == list(REPORTER_KINDS)
    u = place.units
    assert select_values(html, "unit") == [
        "",
        str(u["Psykisk helse"]),
        str(u["Møteplassen"]),
        str(u["Solsiden"]),
        str(u["Rusteamet"]),
        str(u["Døra"]),
        "ingen",
    ]
    assert str(retired_id) not in select_values(html, "unit")
    assert "Gamlehuset" not in html
    assert "Nabohuset" not in html
    offered = radio_values(html, "category")
    assert offered == [str(c) for c in place.categories if c != place.categories[1]]
    assert not set(offered) & set(other_categories)
    assert SKJEMA.search(html)


def test_every_visit_gets_its_own_one_time_token(place: Place, reporter: Reporter) -> None:
    tokens = {reporter.form_token() for _ in range(3)}
    assert len(tokens) == 3


def test_form_sets_no_cookie_and_is_not_cached(app: Flask, place: Place) -> None:
    # A client that would keep cookies: any the app tried to set would show.
    client = app.test_client()
    page = client.get(f"/avvik/{place.slug}")
    token = SKJEMA.search(page.get_data(as_text=True))
    assert token
    sent = client.post(
        f"/avvik/{place.slug}", data={**report_data(place), "skjema": token.group(1)}
    )
    bad = client.post(f"/avvik/{place.slug}", data={**report_data(place, description="")})
    assert (page.status_code, sent.status_code, bad.status_code) == (200, 200, 400)
    for response in (page, sent, bad):
        assert "Set-Cookie" not in response.headers
        assert response.headers.get("Cache-Control") == "no-store"
    assert client.get_cookie("brukerstemmen") is None


# --- a valid report ----------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["%d.%m.%Y", "%Y-%m-%d"])
def test_a_valid_report_stores_one_case_as_given(
    app: Flask, place: Place, reporter: Reporter, written: str
) -> None:
    event = today() - timedelta(days=10)
    response = reporter.send(
        reporter_kind="relative",
        unit=place.units["Døra"],
        event_date=event.strftime(written),
        category=place.categories[3],
        description="  Døra var stengt hele dagen.\n ",
        suggestion="\n Sett opp en lapp.  ",
        reporter_name="  Ola Nordmann ",
        reporter_contact=" 912 34 567 ",
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    shown = re.search(r'class="receipt__code"[^>]*>([^<]+)<', html)
    assert shown and CODE_SHOWN.match(shown.group(1).strip())
    assert set(shown.group(1).strip().replace("-", "")) <= TYPABLE_UPPER

    [case] = cases(app)
    assert case.organisation_id == place.org
    assert case.reporter_kind == "relative"
    assert case.unit_id == place.units["Døra"]
    assert case.event_date == event
    assert case.category_id == place.categories[3]
    assert case.description == "Døra var stengt hele dagen."
    assert case.suggestion == "Sett opp en lapp."
    assert case.reporter_name == "Ola Nordmann"
    assert case.reporter_contact == "912 34 567"
    assert case.status == "received"
    assert case.received_on == today()
    assert case.deadline == today() + timedelta(days=14)
    assert case.severity is None and case.handler_id is None and case.closed_on is None


def test_name_and_contact_are_optional_and_stored_as_nothing(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    reporter.report(reporter_name="   ", reporter_contact="", suggestion="")
    [case] = cases(app)
    assert case.reporter_name is None
    assert case.reporter_contact is None
    assert case.suggestion == ""


def test_do_not_know_stores_no_unit(app: Flask, place: Place, reporter: Reporter) -> None:
    reporter.report(unit="ingen")
    [case] = cases(app)
    assert case.unit_id is None


@pytest.mark.parametrize("app_overrides", [{"DEVIATION_DEADLINE_DAYS": 30}], indirect=True)
def test_the_deadline_follows_the_configuration(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    reporter.report()
    [case] = cases(app)
    assert case.deadline == today() + timedelta(days=30)


def test_limits_are_inclusive(app: Flask, place: Place, reporter: Reporter) -> None:
    reporter.report(
        description="x" * 5000,
        reporter_name="n" * 200,
        event_date=(today() - timedelta(days=4 * 365)).strftime("%d.%m.%Y"),
    )
    [case] = cases(app)
    assert len(case.description) == 5000 and len(case.reporter_name or "") == 200


# --- bad input ---------------------------------------------------------------------------------


def _bad_inputs(place: Place) -> dict[str, tuple[str, dict[str, Any]]]:
    """name → (field that gets the message, form overrides)."""
    future = (today() + timedelta(days=1)).strftime("%d.%m.%Y")
    too_old = (today() - timedelta(days=6 * 365)).strftime("%d.%m.%Y")
    return {
        "no kind": ("reporter_kind", {"reporter_kind": ""}),
        "unknown kind": ("reporter_kind", {"reporter_kind": "politician"}),
        "other organisation's unit": ("unit", {"unit": place.other_unit}),
        "unit not a number": ("unit", {"unit": "solsiden"}),
        "no unit": ("unit", {"unit": ""}),
        "no date": ("event_date", {"event_date": ""}),
        "not a date": ("event_date", {"event_date": "31.02.2026"}),
        "words for a date": ("event_date", {"event_date": "i forrige uke"}),
        "future date": ("event_date", {"event_date": future}),
        "date too long ago": ("event_date", {"event_date": too_old}),
        "no category": ("category", {"category": ""}),
        "category not a number": ("category", {"category": "abc"}),
        "no description": ("description", {"description": "   "}),
        "description too long": ("description", {"description": "y" * 5001}),
        "name too long": ("reporter_name", {"reporter_name": "n" * 201}),
        "contact too long": ("reporter_contact", {"reporter_contact": "c" * 255}),
        "suggestion too long": ("suggestion", {"suggestion": "s" * 3001}),
    }


BAD_CASES = [
    "no kind",
    "unknown kind",
    "other organisation's unit",
    "unit not a number",
    "no unit",
    "no date",
    "not a date",
    "words for a date",
    "future date",
    "date too long ago",
    "no category",
    "category not a number",
    "no description",
    "description too long",
    "name too long",
    "contact too long",
    "suggestion too long",
]


@pytest.mark.parametrize("name", BAD_CASES)
def test_bad_input_is_shown_at_the_field_keeps_the_text_and_stores_nothing(
    app: Flask, place: Place, reporter: Reporter, name: str
) -> None:
    field, overrides = _bad_inputs(place)[name]
    typed = {"description": "Ingen sa fra om endringen i åpningstid.", "suggestion": "Ring oss."}
    typed.update(overrides)
    response = reporter.send(**typed)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(
        rf'<p class="ds-validation-message error-message" id="{field}-error">', html
    ), field
    assert len(re.findall(r'class="ds-validation-message error-message"', html)) == 1
    assert 'class="ds-error-summary error-summary"' in html
    assert f'href="#{field}' in html
    if field not in ("reporter_kind", "category"):
        tag = re.search(rf'<(?:input|select|textarea)[^>]*id="{field}"[^>]*>', html)
        assert tag and 'aria-invalid="true"' in tag.group(0)
    # What was typed is still there.
    kept = "Ring oss." if field == "description" else "Ingen sa fra om endringen i åpningstid."
    assert kept in html
    if field != "reporter_kind":
        assert re.search(r'<input checked[^>]*name="reporter_kind"[^>]*value="service_user"', html)
    # A fresh token comes with the form, so the corrected form can be sent.
    assert SKJEMA.search(html)
    assert count(app, Deviation) == 0
    assert count(app, UsedFormToken) == 0


def test_category_of_another_organisation_is_refused(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    with app.app_context():
        other = db.session.scalar(
            sa.select(DeviationCategory.id).where(
                DeviationCategory.organisation_id == place.other_org
            )
        )
    response = reporter.send(category=other)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="category-error"' in html
    assert "Husmøtet ble avlyst uten beskjed." in html
    assert count(app, Deviation) == 0


def test_retired_units_and_categories_are_refused(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    with app.app_context():
        unit = db.session.get(Unit, place.units["Møteplassen"])
        category = db.session.get(DeviationCategory, place.categories[2])
        assert unit is not None and category is not None
        unit.active = False
        category.active = False
        db.session.commit()
    for field, value in (("unit", place.units["Møteplassen"]), ("category", place.categories[2])):
        response = reporter.send(**{field: value})
        assert response.status_code == 400
        assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert count(app, Deviation) == 0


def test_the_corrected_form_can_be_sent(app: Flask, place: Place, reporter: Reporter) -> None:
    bad = reporter.send(description="")
    assert bad.status_code == 400
    token = SKJEMA.search(bad.get_data(as_text=True))
    assert token
    assert reporter.send(token=token.group(1)).status_code == 200
    assert count(app, Deviation) == 1


# --- the one-time token ------------------------------------------------------------------------


def _tampered(token: str) -> str:
    """The token with its first character changed. (Not the last: the last base64 character of
    the signature carries padding bits, so some changes there decode to the same bytes.)"""
    first = "A" if token[0] != "A" else "B"
    return first + token[1:]


@pytest.mark.parametrize("kind", ["tampered", "absent", "garbage", "other organisation"])
def test_a_bad_token_stores_nothing(
    app: Flask, place: Place, reporter: Reporter, kind: str
) -> None:
    good = reporter.form_token()
    token = {
        "tampered": _tampered(good),
        "absent": "",
        "garbage": "not-a-token",
        "other organisation": reporter.form_token(place.other_slug),
    }[kind]
    response = reporter.send(token=token)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Husmøtet ble avlyst uten beskjed." in html
    fresh = SKJEMA.search(html)
    assert fresh and fresh.group(1) != token
    assert count(app, Deviation) == 0
    assert count(app, UsedFormToken) == 0


def test_the_same_form_twice_stores_once(app: Flask, place: Place, reporter: Reporter) -> None:
    token = reporter.form_token()
    first = reporter.send(token=token)
    second = reporter.send(token=token, description="Et annet innhold")
    assert first.status_code == 200
    assert second.status_code == 409
    assert 'class="receipt__code"' not in second.get_data(as_text=True)
    [case] = cases(app)
    assert case.description == "Husmøtet ble avlyst uten beskjed."
    assert count(app, UsedFormToken) == 1


def test_the_same_form_sent_at_once_from_many_places_stores_once(
    app: Flask, place: Place, reporter: Reporter
) -> None:
    data = {**report_data(place), "skjema": reporter.form_token()}
    statuses = post_concurrently(app, [(f"/avvik/{place.slug}", data)] * 8)
    assert sorted(statuses) == [200] + [409] * 7
    assert count(app, Deviation) == 1
    assert count(app, UsedFormToken) == 1


# --- organisations and languages ---------------------------------------------------------------


def test_unknown_organisation_is_not_found(place: Place, reporter: Reporter) -> None:
    assert reporter.client.get("/avvik/finnes-ikke").status_code == 404
    response = reporter.client.post("/avvik/finnes-ikke", data=report_data(place))
    assert response.status_code == 404


def test_one_organisation_goes_straight_to_its_form(app: Flask) -> None:
    with app.app_context():
        factories.organisation("Eneste kommune", "eneste")
        db.session.commit()
    response = app.test_client(use_cookies=False).get("/avvik/?sprak=nn")
    assert response.status_code in (302, 303)
    assert response.location.split("?")[0].endswith("/avvik/eneste")
    assert "sprak=nn" in response.location


def test_two_organisations_are_both_listed(place: Place, reporter: Reporter) -> None:
    response = reporter.client.get("/avvik/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'href="/avvik/fjordvik' in html and "Fjordvik kommune" in html
    assert 'href="/avvik/nabo' in html and "Nabokommunen" in html


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_form_comes_in_the_chosen_language(
    place: Place, reporter: Reporter, language: str
) -> None:
    page = reporter.client.get(f"/avvik/{place.slug}?sprak={language}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'<html lang="{language}">' in html
    assert f'name="sprak" value="{language}"' in html
    category_name = {"nb": "Brukermedvirkning", "nn": "Brukarmedverknad", "en": "User involvement"}
    assert category_name[language] in html
    token = SKJEMA.search(html)
    assert token
    data = {**report_data(place), "sprak": language, "skjema": token.group(1)}
    sent = reporter.client.post(f"/avvik/{place.slug}", data=data)
    assert sent.status_code == 200
    assert f'<html lang="{language}">' in sent.get_data(as_text=True)


def test_a_report_is_stored_only_when_the_request_commits(app: Flask, place: Place) -> None:
    """The service writes the case and uses up the form token in one transaction and leaves
    the commit to the view: rolled back, neither is kept."""
    from feedback.deviations import receiving

    with app.app_context():
        organisation = db.session.get(Organisation, place.org)
        category = db.session.get(DeviationCategory, place.categories[0])
        assert organisation is not None and category is not None
        report = receiving.NewReport("service_user", None, today(), category, "Avlyst møte.")
        case, _code = receiving.submit(organisation, report, "a" * 32)
        assert db.session.get(Deviation, case.id) is not None
        db.session.rollback()
    assert cases(app) == []
    assert count(app, UsedFormToken) == 0
