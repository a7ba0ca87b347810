from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback.exceptions import Conflict, Forbidden, NotFound, get_or_404
from feedback.extensions import db
from feedback.models import Organisation
from tests import factories
from tests.conftest import login


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"PROPAGATE_EXCEPTIONS": False}


@pytest.fixture
def failing_app(app: Flask) -> Flask:
    def boom() -> str:
        raise RuntimeError("secret internal detail")

    def database_down() -> str:
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    app.add_url_rule("/test/boom", view_func=boom)
    app.add_url_rule("/test/db-down", view_func=database_down)
    return app


def assert_friendly(response: Any, status: int, text: str) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert text in html
    assert "Traceback" not in html
    assert "secret internal detail" not in html
    assert '<main id="main"' in html  # the normal layout, with navigation and language switch


def test_404_page_in_bokmal(client: FlaskClient) -> None:
    assert_friendly(client.get("/finnes-ikke"), 404, "Vi fant ikke siden")


def test_404_page_in_nynorsk(client: FlaskClient) -> None:
    client.get("/sprak/nn")
    response = client.get("/finnes-ikke")
    assert response.status_code == 404
    assert 'lang="nn"' in response.get_data(as_text=True)
    assert "Vi fann ikkje sida" in response.get_data(as_text=True)


def test_404_page_in_english(client: FlaskClient) -> None:
    response = client.get("/finnes-ikke", headers={"Accept-Language": "en"})
    assert_friendly(response, 404, "We could not find the page")


def test_403_for_signed_in_user_without_the_role(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        org = factories.organisation()
        factories.user("leder@example.no", org=org, role="manager", units=[factories.unit(org)])
        db.session.commit()
    login(client, "leder@example.no")
    assert_friendly(client.get("/admin/enheter"), 403, "Du har ikke tilgang")


def test_405_for_wrong_method(client: FlaskClient) -> None:
    assert client.get("/logg-ut").status_code == 405


def test_400_for_missing_csrf_token(client: FlaskClient) -> None:
    response = client.post("/logg-inn", data={"email": "a@example.no", "password": "x"})
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)


def test_413_for_oversized_body(client: FlaskClient) -> None:
    response = client.post("/logg-inn", data={"email": "x" * (2 * 1024 * 1024)})
    assert_friendly(response, 413, "for mye")


def test_500_is_friendly_and_logged(failing_app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    response = failing_app.test_client().get("/test/boom")
    assert_friendly(response, 500, "Noe gikk galt hos oss")
    assert "secret internal detail" in caplog.text  # logged for the operators, not shown


def test_database_outage_gives_503(failing_app: Flask) -> None:
    response = failing_app.test_client().get("/test/db-down")
    assert_friendly(response, 503, "databasen")


@pytest.mark.parametrize(
    ("exception", "status", "text"),
    [
        (NotFound, 404, "We could not find the page"),
        (Forbidden, 403, "You do not have access to this page"),
        (Conflict, 409, "This has already changed"),
    ],
)
def test_a_service_s_domain_exception_becomes_the_matching_error_page(
    app: Flask, client: FlaskClient, exception: type[Exception], status: int, text: str
) -> None:
    def refuse() -> str:
        raise exception()

    app.add_url_rule("/test/refuse", view_func=refuse)
    response = client.get("/test/refuse", headers={"Accept-Language": "en"})
    assert_friendly(response, status, text)
    api = client.get("/api/v1/test-refuse")  # unknown API addresses stay JSON
    assert api.is_json


def test_get_or_404_refuses_a_row_that_does_not_belong(app: Flask) -> None:
    with app.app_context():
        organisation = factories.organisation(name="Eier")
        db.session.commit()
        assert get_or_404(Organisation, organisation.id) is organisation
        with pytest.raises(NotFound):
            get_or_404(Organisation, organisation.id, lambda row: row.name == "Annen")
        with pytest.raises(NotFound):
            get_or_404(Organisation, organisation.id + 1000)
        with pytest.raises(NotFound):
            get_or_404(Organisation, None)
