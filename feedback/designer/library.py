"""The questionnaire templates that come with the app (feedback/designer/builtin/*.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

BUILTIN_DIR = Path(__file__).parent / "builtin"


@dataclass(frozen=True)
class BuiltinTemplate:
    name: str
    label: LazyString
    description: LazyString
    document: dict[str, Any]


_TEMPLATES = (
    (
        "user-survey",
        _l("User survey for mental health and substance use services"),
        _l(
            "Being listened to, influence on your own plan and goals, respect, hope and"
            " recovery, access and waiting, information, cooperation and overall."
        ),
    ),
    (
        "relatives-survey",
        _l("Survey for relatives"),
        _l("How relatives are seen, informed, supported and included."),
    ),
    (
        "recovery",
        _l("How recovery-oriented is the service?"),
        _l("Whether the service believes in recovery and builds on the person's own goals."),
    ),
)


@cache
def _load(name: str) -> dict[str, Any]:
    with (BUILTIN_DIR / f"{name}.json").open(encoding="utf-8") as f:
        document: dict[str, Any] = json.load(f)
    return document


def builtin_templates() -> list[BuiltinTemplate]:
    # A fresh copy each time, so nobody changes the cached document by accident.
    return [
        BuiltinTemplate(name, label, description, json.loads(json.dumps(_load(name))))
        for name, label, description in _TEMPLATES
    ]
