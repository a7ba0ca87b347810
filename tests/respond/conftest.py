"""The answering tests build on the one test world (tests/world/): the open three-page round
(fixture ``survey``), ``make_round`` and the ``Respondent`` that walks a questionnaire."""

from __future__ import annotations

import re
import secrets
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import itsdangerous
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from feedback.extensions import db
from feedback.models import Response, SurveyRound, Unit
from tests.world import FULL_WALK, Respondent, Survey


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def walk_pages(unit: str | None = None) -> list[dict[str, Any]]:
    """FULL_WALK with the unit question answered by ``unit``, or left out when it is fixed."""
    pages = [dict(page) for page in FULL_WALK]
    if unit is None:
        pages[0].pop("enhet")
    else:
        pages[0]["enhet"] = unit
    return pages


def page_form(
    r: Respondent,
    answers: dict[str, Any] | None = None,
    nav: str = "next",
    replace: dict[str, str] | None = None,
) -> MultiDict[str, str]:
    """What the browser would post from the current page, optionally with hidden fields
    replaced (a changed form)."""
    replace = replace or {}
    data = [(name, value) for name, value in r.hidden() if name not in replace]
    for name, value in {**(answers or {}), **replace}.items():
        for item in value if isinstance(value, list) else [value]:
            data.append((name, item))
    data.append(("nav", nav))
    return MultiDict(data)


def to_last_page(client: FlaskClient, url: str, pages: list[dict[str, Any]]) -> Respondent:
    """A respondent who has answered every page but the last."""
    r = Respondent(client, url).start()
    assert r.response.status_code == 200
    for answers in pages[:-1]:
        assert r.send(answers).status_code == 200, r.html
    return r


def checked(html: str, name: str, value: str) -> bool:
    pattern = rf'name="{re.escape(name)}" id="[^"]*" value="{re.escape(value)}" checked'
    return re.search(pattern, html) is not None


def path_of(response: Any) -> str:
    parts = urlsplit(response.location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def stored(app: Flask) -> list[dict[str, Any]]:
    """Every response with its answers as {(key, position): (value, number)}."""
    with app.app_context():
        result = []
        for response in db.session.scalars(sa.select(Response)):
            result.append(
                {
                    "id": response.id,
                    "round_id": response.round_id,
                    "unit_id": response.unit_id,
                    "channel": response.channel,
                    "submitted_on": response.submitted_on,
                    "answers": {
                        (a.question.key, a.position): (a.value, a.number) for a in response.answers
                    },
                }
            )
        return result


def round_and_unit(survey: Survey, name: str | None) -> tuple[SurveyRound, Unit | None]:
    """Call in an app context."""
    round_ = db.session.get(SurveyRound, survey.round_id)
    assert round_ is not None
    return round_, db.session.get(Unit, survey.units[name]) if name else None


def set_round(app: Flask, round_id: int, **values: Any) -> None:
    with app.app_context():
        round_ = db.session.get(SurveyRound, round_id)
        assert round_ is not None
        for name, value in values.items():
            setattr(round_, name, value)
        db.session.commit()


def token_made_ago(app: Flask, round_id: int, age: timedelta) -> str:
    class Backdated(itsdangerous.TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - age.total_seconds())

    serializer = itsdangerous.URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="answering-form", signer=Backdated
    )
    return serializer.dumps({"r": round_id, "n": secrets.token_hex(16)})
