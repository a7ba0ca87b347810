"""The API's blueprint "api" (under /api/v1): every request but the description needs a bearer
token; every answer, also an error, is JSON and never stored in a cache."""

from __future__ import annotations

from flask import Blueprint, Response
from werkzeug.exceptions import HTTPException

from feedback.api import auth, errors, views
from feedback.api.parameters import BadParameters
from feedback.exceptions import DomainError
from feedback.web import errors as web_errors

bp = Blueprint("api", __name__)


def _no_store(response: Response) -> Response:
    # Results must not stay in shared caches, whoever asked.
    response.headers["Cache-Control"] = "no-store"
    return response


bp.before_request(auth.authenticate_request)
bp.after_request(_no_store)
bp.register_error_handler(BadParameters, errors.bad_parameters)
# Addresses under the API that match no view (404, 405) are answered in JSON too.
bp.record_once(lambda state: web_errors.answer_errors_under(state.app, "/api/", errors.http_error))
bp.register_error_handler(DomainError, errors.domain_error)
bp.register_error_handler(HTTPException, errors.http_error)
bp.register_error_handler(Exception, errors.unexpected_error)

bp.add_url_rule("/", "index", views.index, methods=["GET"])
bp.add_url_rule("/openapi.json", "openapi", views.openapi_document, methods=["GET"])
bp.add_url_rule("/rounds", "list_rounds", views.list_rounds, methods=["GET"])
bp.add_url_rule("/rounds/<id:round_id>", "show_round", views.show_round, methods=["GET"])
bp.add_url_rule(
    "/rounds/<id:round_id>/results", "round_results", views.round_results, methods=["GET"]
)
bp.add_url_rule("/units", "list_units", views.list_units, methods=["GET"])
bp.add_url_rule(
    "/deviations/statistics", "deviation_statistics", views.deviation_statistics, methods=["GET"]
)
