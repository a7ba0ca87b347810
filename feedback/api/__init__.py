"""The read-only JSON API under /api/v1: rounds, their results (held back exactly as on the
results pages), units and deviation statistics, authenticated by personal tokens (made on the
pages of ``feedback.api_keys``) and described by its OpenAPI document."""
