"""Display labels for stored codes (roles, representations, unit kinds), translated lazily."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "quality": _l("Quality group member"),
    "manager": _l("Manager"),
}

REPRESENTATION_LABELS = {
    "user_rep": _l("User representative"),
    "relative_rep": _l("Relatives' representative"),
    "professional": _l("Professional"),
}

UNIT_KIND_LABELS = {
    "housing": _l("Supported housing"),
    "activity_centre": _l("Activity centre"),
    "act_team": _l("ACT team"),
    "substance_team": _l("Substance use team"),
    "outpatient": _l("Outpatient service"),
    "service_area": _l("Service area"),
    "other": _l("Other"),
}

AUDIT_LABELS = {
    "unit.create": _l("Unit added"),
    "unit.update": _l("Unit changed"),
    "account.create": _l("Account created"),
    "account.update": _l("Account changed"),
    "account.reset_password": _l("Temporary password set"),
    "membership.grant": _l("Role given"),
    "membership.revoke": _l("Role removed"),
}
