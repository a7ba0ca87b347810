"""The published page's tests use the world's place with the evaluation's rounds."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.world import Place, add_evaluation_rounds, build_place


@pytest.fixture
def place(app: Flask) -> Place:
    """The world's place with the evaluation's rounds."""
    with app.app_context():
        return add_evaluation_rounds(build_place())
