"""The OpenAPI 3.0 description of the API, served at /api/v1/openapi.json.

Written by hand so it says exactly what the views answer; tests check the views against it
with schemathesis, and the document itself against the OpenAPI 3.0 schema. It is a document
for developers, in English (the texts people read in the app are translated; these are not).
"""

from __future__ import annotations

from typing import Any

from feedback.ids import MAX_ID
from feedback.models.deviation import DEVIATION_STATUSES, SEVERITIES
from feedback.models.survey import CHANNELS, QUESTION_KINDS
from feedback.results.readers import RESULT_STATUSES

VERSION = "1.0.0"

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Schema], description: str | None = None) -> Schema:
    """An object with exactly these properties, all of them always present."""
    schema: Schema = {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def _nullable(schema: Schema) -> Schema:
    nullable = {**schema, "nullable": True}
    if "enum" in nullable:
        nullable["enum"] = [*nullable["enum"], None]
    return nullable


def _array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


ID: Schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
COUNT: Schema = {"type": "integer", "minimum": 0}
DATE: Schema = {"type": "string", "format": "date"}

_ROUND: dict[str, Schema] = {
    "id": ID,
    "series_id": ID,
    "number": {"type": "integer", "minimum": 1, "description": "1 for a series' first round."},
    "title": _ref("LocalText"),
    "status": {"type": "string", "enum": list(RESULT_STATUSES)},
    "opens_on": _nullable(DATE),
    "closes_on": _nullable(DATE),
    "results_published_on": _nullable(
        {
            **DATE,
            "description": "The date the numbers were published. While a round is open they "
            "are updated when enough new answers have come in that no single answer can be "
            "read from the change, at most once an hour; null before the first publication.",
        }
    ),
    "responses": _nullable(
        {
            **COUNT,
            "description": "Responses to the round; null when fewer than the organisation's "
            "smallest group size (k) answered.",
        }
    ),
}

_QUESTION_HEAD: dict[str, Schema] = {
    "question": ID,
    "key": {"type": "string"},
    "number": {"type": "integer", "minimum": 0, "description": "Number in the questionnaire."},
    "kind": {"type": "string", "enum": list(QUESTION_KINDS)},
}

_MEAN: Schema = _object(
    {
        "value": _nullable({"type": "number"}),
        "low": _nullable({"type": "number"}),
        "high": _nullable({"type": "number"}),
        "n": COUNT,
    },
    "Mean of the answers on the question's scale with a 95 % confidence interval "
    "(Student's t); null for questions without a scale.",
)

_HIDDEN: dict[str, Schema] = {
    "shown": {"type": "boolean", "enum": [False]},
    "reason": {
        "type": "string",
        "enum": ["too_few"],
        "description": "Too few answered, or the number would give away a smaller group.",
    },
}

SCHEMAS: dict[str, Schema] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {
                "type": "string",
                "description": "A machine-readable code, such as bad_request or not_found.",
            },
            "message": {"type": "string", "description": "For people, in their language."},
            "parameters": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "What is wrong with each bad query parameter.",
            },
        },
        "additionalProperties": False,
    },
    "LocalText": _object(
        {
            "nb": {"type": "string"},
            "nn": _nullable({"type": "string"}),
            "en": _nullable({"type": "string"}),
        },
        "A text in bokmål (always), nynorsk and English (null when not written).",
    ),
    "Round": _object(_ROUND),
    "Rounds": _object({"rounds": _array(_ref("Round"))}),
    "Option": _object({"value": {"type": "string"}, "label": _ref("LocalText")}),
    "Question": _object(
        {
            "id": ID,
            "key": {"type": "string"},
            "number": {"type": "integer", "minimum": 0},
            "kind": {"type": "string", "enum": list(QUESTION_KINDS)},
            "text": _ref("LocalText"),
            "dont_know": {
                "type": "boolean",
                "description": 'Whether "don\'t know / not applicable" could be answered.',
            },
            "options": _array(_ref("Option")),
        }
    ),
    "RoundDetail": _object({**_ROUND, "questions": _array(_ref("Question"))}),
    "Selection": _object(
        {
            "unit": _nullable(ID),
            "channel": _nullable({"type": "string", "enum": list(CHANNELS)}),
            "question": _nullable(ID),
            "value": _nullable({"type": "string"}),
        },
        "The filters the results were counted with.",
    ),
    "Answer": _object(
        {
            "value": {"type": "string"},
            "label": _ref("LocalText"),
            "count": COUNT,
            "share": _nullable(
                {
                    "type": "number",
                    "minimum": 0,
                    "maximum": 1,
                    "description": "Of those who gave a real answer (valid).",
                }
            ),
        }
    ),
    "QuestionResult": _object(
        {
            **_QUESTION_HEAD,
            "shown": {"type": "boolean", "enum": [True]},
            "n": {**COUNT, "description": "Everyone who answered, don't know included."},
            "valid": {**COUNT, "description": "Those who gave a real answer."},
            "dont_know": COUNT,
            "answers": {
                **_array(_ref("Answer")),
                "description": "Count per answer; empty for free text, which the API never "
                "gives out.",
            },
            "mean": _nullable(_MEAN),
        }
    ),
    "HiddenQuestionResult": _object({**_QUESTION_HEAD, **_HIDDEN}),
    "Results": _object(
        {
            "round": ID,
            "selection": _ref("Selection"),
            "results_published_on": _nullable(
                {**DATE, "description": "The date the numbers were published."}
            ),
            "shown": {"type": "boolean", "enum": [True]},
            "k": {"type": "integer", "minimum": 3, "description": "The smallest group shown."},
            "responses": COUNT,
            "questions": _array({"oneOf": [_ref("QuestionResult"), _ref("HiddenQuestionResult")]}),
        }
    ),
    "HiddenResults": _object(
        {
            "round": ID,
            "selection": _ref("Selection"),
            "results_published_on": _nullable(DATE),
            **_HIDDEN,
        }
    ),
    "Unit": _object(
        {
            "id": ID,
            "name": {"type": "string"},
            "parent_id": _nullable(ID),
            "kind": {"type": "string"},
            "active": {"type": "boolean"},
        }
    ),
    "Units": _object({"units": _array(_ref("Unit"))}),
    "DeviationStatistics": _object(
        {
            "from": DATE,
            "to": DATE,
            "total": COUNT,
            "closed": COUNT,
            "median_days_to_close": _nullable({"type": "number", "minimum": 0}),
            "by_month": _array(
                _object(
                    {
                        "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                        "count": COUNT,
                    }
                )
            ),
            "by_category": _array(
                _object({"category": ID, "name": _ref("LocalText"), "count": COUNT})
            ),
            "by_unit": _array(
                _object(
                    {
                        "unit": _nullable(ID),
                        "name": _nullable({"type": "string"}),
                        "count": COUNT,
                    },
                    "unit null: reports that named no unit (quality group only).",
                )
            ),
            "by_status": _array(
                _object(
                    {"status": {"type": "string", "enum": list(DEVIATION_STATUSES)}, "count": COUNT}
                )
            ),
            "by_severity": _array(
                _object(
                    {
                        "severity": _nullable({"type": "string", "enum": list(SEVERITIES)}),
                        "count": COUNT,
                    },
                    "severity null: not assessed yet.",
                )
            ),
        },
        "Reports received in the period (both days included).",
    ),
}


def _error(description: str, headers: dict[str, Schema] | None = None) -> Schema:
    response: Schema = {
        "description": description,
        "content": {"application/json": {"schema": _ref("Error")}},
    }
    if headers:
        response["headers"] = headers
    return response


RESPONSES: dict[str, Schema] = {
    "BadRequest": _error("A query parameter is wrong; `parameters` names each."),
    "Unauthorized": _error(
        "No key, or a key that is unknown, revoked, or whose owner no longer has access.",
        {"WWW-Authenticate": {"schema": {"type": "string"}}},
    ),
    "NotFound": _error("Not found, or not yours to read."),
    "TooManyRequests": _error(
        "Too many requests with this key.",
        {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
    ),
}


def _response_ref(name: str) -> Schema:
    return {"$ref": f"#/components/responses/{name}"}


def _query(name: str, schema: Schema, description: str) -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


PARAMETERS: dict[str, Schema] = {
    "RoundId": {"name": "round_id", "in": "path", "required": True, "schema": ID},
    "Unit": _query("unit", ID, "Only this unit, with the units below it."),
    "Channel": _query(
        "channel", {"type": "string", "enum": list(CHANNELS)}, "Only answers that came this way."
    ),
    "Question": _query(
        "question", ID, "With `value`: only those who gave this answer to this choice question."
    ),
    "Value": _query("value", {"type": "string"}, "The answer's value (see the round's options)."),
    "From": _query("from", DATE, "First day (default: the first day of the month a year ago)."),
    "To": _query("to", DATE, "Last day (default: today)."),
}


def _operation(
    operation_id: str,
    summary: str,
    schema: str | Schema,
    *,
    parameters: tuple[str, ...] = (),
    errors: tuple[int, ...] = (401, 404, 429),
    description: str | None = None,
) -> Schema:
    names = {400: "BadRequest", 401: "Unauthorized", 404: "NotFound", 429: "TooManyRequests"}
    operation: Schema = {
        "operationId": operation_id,
        "summary": summary,
        "parameters": [{"$ref": f"#/components/parameters/{p}"} for p in parameters],
        "responses": {
            "200": {
                "description": "OK",
                "content": {
                    "application/json": {
                        "schema": _ref(schema) if isinstance(schema, str) else schema
                    }
                },
            },
            **{str(status): _response_ref(names[status]) for status in errors},
        },
    }
    if description:
        operation["description"] = description
    return operation


DESCRIPTION = """\
Read-only access to a quality group's survey results and deviation statistics.

**Keys.** Create a personal key under "API keys" in the app, and send it with every request:
`Authorization: Bearer bst_…`. A key reads what its owner may read in the organisation it was
made in (the quality group everything, a manager the organisation's totals and their own units).
It stops working when it is revoked, the account is made inactive or the role is taken away.

**Small groups.** Results follow the same rule as the app: a group with fewer than *k* answers
(the organisation's smallest group size), or one that could be worked out from other numbers,
is answered with `"shown": false, "reason": "too_few"` and no numbers at all.
Free-text answers are never part of the API.

Every answer is `Cache-Control: no-store`.
"""


def document(base_url: str) -> Schema:
    """The OpenAPI document, with the API's address (``/api/v1`` behind any prefix)."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Brukerstemmen API",
            "version": VERSION,
            "description": DESCRIPTION,
            "license": {"name": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": base_url}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/rounds": {
                "get": _operation(
                    "listRounds",
                    "Survey rounds with results, newest first",
                    "Rounds",
                )
            },
            "/rounds/{round_id}": {
                "get": _operation(
                    "getRound",
                    "A round with its questions and answer options",
                    "RoundDetail",
                    parameters=("RoundId",),
                )
            },
            "/rounds/{round_id}/results": {
                "get": _operation(
                    "getRoundResults",
                    "A round's results, counted per question",
                    {"oneOf": [_ref("Results"), _ref("HiddenResults")]},
                    parameters=("RoundId", "Unit", "Channel", "Question", "Value"),
                    errors=(400, 401, 404, 429),
                    description="Filters combine. A manager may filter on the units they "
                    "lead (404 for other units).",
                )
            },
            "/units": {
                "get": _operation(
                    "listUnits",
                    "The organisation's units, as a tree (parents before children)",
                    "Units",
                    errors=(401, 429),
                )
            },
            "/deviations/statistics": {
                "get": _operation(
                    "getDeviationStatistics",
                    "Deviation reports counted by month, category, unit, status and severity",
                    "DeviationStatistics",
                    parameters=("From", "To"),
                    errors=(400, 401, 404, 429),
                    description="A manager gets the reports of their own units. "
                    "The period is at most ten years.",
                )
            },
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API key (bst_…).",
                }
            },
            "schemas": SCHEMAS,
            "parameters": PARAMETERS,
            "responses": RESPONSES,
        },
    }
