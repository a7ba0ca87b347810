"""Survey results: aggregation from tallies, small-group suppression, charts, comparisons,
exports, the evaluation with its action plan, the manager dashboard and the read-only API.

The blueprint lives in ``feedback.results.views`` so that services (``tally``, ``aggregate``)
can be imported without the web layer.
"""
