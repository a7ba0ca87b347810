"""Survey results: tallies and their publication, aggregation with small-group suppression and
padding checks, comparisons and trends, free text, exports and the one chart system
(``charts``), with the results pages, downloads and report (blueprint in ``blueprint``).

The evaluation and action plan are ``feedback.evaluation``, the manager overview
``feedback.overview``, the public page ``feedback.published`` and the API ``feedback.api``.
"""
