"""Survey results (issue 6): aggregation, small-group suppression, charts and exports.

Only the suppression core is here so far (``suppression.py``).
"""
