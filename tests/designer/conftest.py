"""Fixtures for the survey designer: the world's people (tests/world/, without the unit tree)
and two more user representatives, Ulf and Una, for the approval tests."""

from __future__ import annotations

import pytest
from flask import Flask

from feedback.extensions import db
from feedback.models import Organisation
from tests import factories
from tests.world import build_place, people_ids


@pytest.fixture
def people(app: Flask) -> dict[str, int]:
    """The world's ids ("org", "other_org" and every person's key), with "ulf" and "una"."""
    with app.app_context():
        ids = people_ids(build_place(units=()))
        org = db.session.get(Organisation, ids["org"])
        for key, name in (("ulf", "Ulf"), ("una", "Una")):
            ids[key] = factories.user(f"{key}@example.no", org=org, role="quality", name=name).id
        db.session.commit()
        return ids
