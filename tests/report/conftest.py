"""The public report pages use the deviation tests' organisation and reporter."""

from tests.deviations.conftest import place, reporter  # noqa: F401
