"""The OpenAPI document: valid OpenAPI 3.0, describing every view of the API, and the API
behaving as it says under schemathesis (generated requests for every operation)."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.definitions import OPENAPI_30

from feedback import config, create_app
from tests.api.conftest import Survey
from tests.world import Api, Place

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def document(api: Api) -> dict[str, Any]:
    response = api.get("/openapi.json", None)
    assert response.status_code == 200
    found: dict[str, Any] = response.get_json()
    return found


def test_the_document_is_valid_openapi_3(api: Api) -> None:
    found = document(api)
    jsonschema.Draft4Validator(OPENAPI_30).validate(found)
    assert found["servers"] == [{"url": "/api/v1"}]
    assert found["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    # Every reference points at something in the document.
    text = str(found)
    for kind, name in re.findall(r"#/components/(\w+)/(\w+)", text):
        assert name in found["components"][kind], (kind, name)
    # Every schema of the document is a valid JSON schema on its own.
    for schema in found["components"]["schemas"].values():
        jsonschema.Draft4Validator.check_schema(schema)


def test_every_view_of_the_api_is_described(app: Flask, api: Api) -> None:
    found = document(api)
    views = {
        re.sub(r"<[^:>]+:(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint not in ("api.index", "api.openapi")
    }
    assert views == set(found["paths"])
    for path, operations in found["paths"].items():
        assert set(operations) == {"get"}, path
        responses = operations["get"]["responses"]
        assert {"200", "401", "429"} <= set(responses), path
        parameters = {p["$ref"].rsplit("/", 1)[1] for p in operations["get"]["parameters"]}
        assert ("400" in responses) == bool(parameters - {"RoundId"}), path


# --- schemathesis ------------------------------------------------------------------------------


#: The document as the app serves it. Loading it needs no database, so a bare app serves it
#: here; each generated request then goes to the test's own app with its data.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", create_app(config.TestConfig("sqlite://"))
)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_does_what_its_description_says(
    case: Any, app: Flask, survey: Survey, tokens: dict[str, str]
) -> None:
    case.call_and_validate(
        app=app, headers={"Authorization": f"Bearer {tokens['kari']}"}, checks=CHECKS
    )


def test_the_description_covers_the_answers_schemathesis_rarely_reaches(
    app: Flask, place: Place, survey: Survey, tokens: dict[str, str]
) -> None:
    """Hidden results, 401, 404 and 429 checked against the document by hand."""
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    results = loaded["/rounds/{round_id}/results"]["GET"]
    good = {"Authorization": f"Bearer {tokens['kari']}"}
    for query, headers, status in [
        ({"unit": place.units["Døra"]}, good, 200),  # hidden: too few
        ({"unit": place.units["Solsiden"]}, good, 200),
        ({"question": survey.question_ids["group"], "value": "yes"}, good, 200),
        ({"unit": "abc"}, good, 400),
        ({}, {"Authorization": "Bearer bst_wrong"}, 401),
        ({"unit": place.units["Døra"]}, {"Authorization": f"Bearer {tokens['leder']}"}, 404),
    ]:
        case = results.Case(
            path_parameters={"round_id": survey.round_id}, query=query, headers=headers
        )
        response = case.call()
        assert response.status_code == status, (query, response.text)
        case.validate_response(response, checks=CHECKS)
    missing = loaded["/rounds/{round_id}"]["GET"].Case(
        path_parameters={"round_id": 99999}, headers=good
    )
    response = missing.call()
    assert response.status_code == 404
    missing.validate_response(response, checks=CHECKS)
