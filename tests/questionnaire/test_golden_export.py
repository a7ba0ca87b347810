"""The questionnaire export format stays byte-identical: every built-in template, stored as a
round and exported again, gives exactly the text kept in tests/questionnaire/golden/.

The golden files were written by the code before the questionnaire package existed; run with
FEEDBACK_WRITE_GOLDEN=1 only when the format is meant to change (and say so in the change).
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from feedback.designer.library import builtin_templates
from feedback.extensions import db
from feedback.models import SurveyRound, SurveySeries
from feedback.questionnaire import document as doc
from tests import factories

GOLDEN = Path(__file__).parent / "golden"


def test_builtin_templates_export_byte_identical(app: Flask) -> None:
    with app.test_request_context(headers={"Cookie": "sprak=en"}):
        org = factories.organisation()
        for template in builtin_templates():
            series = SurveySeries(organisation=org)
            round_ = SurveyRound(series=series, number=1, status="draft")
            db.session.add(series)
            doc.fill_round(round_, template.document)
            db.session.commit()
            round_id = round_.id
            db.session.expire_all()
            exported = doc.dumps(doc.export_round(db.session.get_one(SurveyRound, round_id)))
            golden = GOLDEN / f"{template.name}.json"
            if os.environ.get("FEEDBACK_WRITE_GOLDEN") == "1":
                golden.write_bytes(exported.encode("utf-8"))
            assert exported.encode("utf-8") == golden.read_bytes(), template.name
