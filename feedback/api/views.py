"""The read-only API: rounds, their results (filtered and held back exactly as on the results
pages), units and deviation statistics, as JSON. Described by /api/v1/openapi.json."""

from __future__ import annotations

from flask import Response, jsonify, request, url_for

from feedback.admin.services import unit_tree
from feedback.api import auth, openapi, parameters, payloads
from feedback.deviations import stats
from feedback.models.base import today
from feedback.results import aggregate, comparison, readers
from feedback.results.selection import units_of


def index() -> Response:
    return jsonify(
        {
            "name": "Brukerstemmen API",
            "version": openapi.VERSION,
            "openapi": url_for("api.openapi"),
        }
    )


def openapi_document() -> Response:
    return jsonify(openapi.document(url_for("api.index").rstrip("/")))


def list_rounds() -> Response:
    scope = auth.results_scope()
    found = readers.rounds_with_results(scope.organisation)
    k = scope.organisation.min_group_size
    return jsonify(payloads.rounds(found, comparison.totals(found), k))


def show_round(round_id: int) -> Response:
    scope = auth.results_scope()
    round_ = readers.get_round(scope, round_id)
    total = comparison.totals([round_]).get(round_.id, 0)
    return jsonify(payloads.round_detail(round_, total, scope.organisation.min_group_size))


def round_results(round_id: int) -> Response:
    scope = auth.results_scope()
    round_ = readers.get_round(scope, round_id)
    units = units_of(scope.organisation)
    selection = parameters.selection(request.args, round_, scope, units)
    return jsonify(payloads.results(aggregate.round_results(round_, selection, units)))


def list_units() -> Response:
    return jsonify(payloads.units(unit_tree(auth.client().organisation)))


def deviation_statistics() -> Response:
    scope = auth.deviation_scope()
    first, last = parameters.period(request.args, today())
    numbers = stats.statistics_for(scope, first, last)
    return jsonify(payloads.deviation_statistics(scope, numbers, first, last))
