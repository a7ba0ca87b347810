"""The domain exception services raise when a request breaks a rule."""

from __future__ import annotations


class RuleBroken(Exception):
    """A request that breaks a rule; ``field`` names the form field to show it at ("" = form)."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = message
