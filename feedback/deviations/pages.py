"""What the staff pages of the area share: who may open them, and how they show stored values
(status, severity and reporter labels, the audit log's details of a case change)."""

from __future__ import annotations

from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from feedback.codes import show_code
from feedback.vocabulary import (
    AUDIT_LABELS,
    DEVIATION_STATUS_LABELS,
    REPORTER_KIND_LABELS,
    SEVERITY_LABELS,
)
from feedback.web.access import role_required

#: Cases and statistics: the quality group and managers. Anyone else gets 404, also for a case
#: id that exists.
case_access = role_required("quality", "manager", denied=404)
#: Categories: administrators.
admin_access = role_required("admin", denied=404)

#: Names of the details the audit log keeps about a case change.
CHANGE_LABELS = {
    "status": _l("Status"),
    "severity": _l("Severity"),
    "handler": _l("Case handler"),
    "deadline": _l("Deadline"),
    "owner": _l("Responsible"),
    "due": _l("Due"),
    "count": _l("Number"),
}

PERSONAL_DATA_LABELS = {
    "national_id": _l("National identity number"),
    "phone": _l("Phone number"),
    "email": _l("E-mail address"),
}


def show_value(key: str, value: object) -> str:
    """A value from the audit log as people read it."""
    if value is None or value == "":
        return "–"
    if key == "status" and value in DEVIATION_STATUS_LABELS:
        return str(DEVIATION_STATUS_LABELS[str(value)])
    if key == "severity" and value in SEVERITY_LABELS:
        return str(SEVERITY_LABELS[str(value)])
    if key in ("deadline", "due") and isinstance(value, str):
        try:
            return str(format_date(date.fromisoformat(value), "short"))
        except ValueError:
            return value
    return str(value)


#: What every staff page of the area passes to its template.
LABELS = {
    "show_case_id": show_code,
    "change_labels": CHANGE_LABELS,
    "pd_labels": PERSONAL_DATA_LABELS,
    "show_value": show_value,
    "status_labels": DEVIATION_STATUS_LABELS,
    "severity_labels": SEVERITY_LABELS,
    "kind_labels": REPORTER_KIND_LABELS,
    "audit_labels": AUDIT_LABELS,
}
