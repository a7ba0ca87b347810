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

ROUND_STATUS_LABELS = {
    "draft": _l("Draft"),
    "awaiting_approval": _l("Awaiting approval"),
    "open": _l("Open"),
    "closed": _l("Closed"),
    "archived": _l("Archived"),
}

#: How a response came in (models.survey.CHANNELS).
CHANNEL_LABELS = {
    "link": _l("Link"),
    "unit_link": _l("Unit link or poster"),
    "kiosk": _l("Kiosk"),
    "code": _l("One-time code"),
    "paper": _l("Paper"),
}

APPROVAL_RULE_LABELS = {
    "majority": _l("A majority of the user representatives"),
    "all": _l("All user representatives"),
    "count": _l("A set number of user representatives"),
}

AUDIT_LABELS = {
    "unit.create": _l("Unit added"),
    "unit.update": _l("Unit changed"),
    "account.create": _l("Account created"),
    "account.update": _l("Account changed"),
    "account.reset_password": _l("Temporary password set"),
    "account.password_link": _l("Link to choose a new password sent"),
    "account.password_reset": _l("New password chosen with a mailed link"),
    "account.password_changed": _l("Own password changed"),
    "invitation.create": _l("Invitation sent"),
    "invitation.resend": _l("Invitation sent again"),
    "invitation.withdraw": _l("Invitation withdrawn"),
    "invitation.accept": _l("Invitation accepted"),
    "invitation.decline": _l("Invitation declined"),
    "membership.leave": _l("Left the organisation"),
    "account.reset_second_factor": _l("Two-step sign-in reset"),
    "account.second_factor_on": _l("Two-step sign-in turned on"),
    "account.second_factor_off": _l("Two-step sign-in turned off"),
    "account.recovery_codes_renewed": _l("New recovery codes made"),
    "account.recovery_code_used": _l("Signed in with a recovery code"),
    "membership.grant": _l("Role given"),
    "membership.revoke": _l("Role removed"),
    "organisation.update": _l("Settings changed"),
    "organisation.identity": _l("Name, logo or colour changed"),
    "oidc.update": _l("Sign-in settings changed"),
    "oidc.account_create": _l("Account created at sign-in with the identity provider"),
    "oidc.role_from_group": _l("Role given from a group at the identity provider"),
    "round.create": _l("Questionnaire created"),
    "round.update": _l("Title or texts changed"),
    "round.dates": _l("Dates changed"),
    "round.approvals_reset": _l("Approvals removed because of a change"),
    "round.back_to_approval": _l("Sent back for approval because of a change"),
    "round.submit": _l("Sent for approval"),
    "round.back_to_draft": _l("Taken back to draft"),
    "round.approve": _l("Approved"),
    "round.withdraw_approval": _l("Approval withdrawn"),
    "round.open": _l("Opened"),
    "round.close": _l("Closed"),
    "round.archive": _l("Archived"),
    "round.kiosk": _l("Kiosk started"),
    "round.codes": _l("One-time codes made"),
    "round.code_access": _l("Who can answer changed"),
    "round.codes_only": _l("Responses with one-time codes only changed for a unit"),
    "padding.checked": _l("Warning about unusually many responses checked"),
    "page.add": _l("Page added"),
    "page.update": _l("Page changed"),
    "page.move": _l("Page moved"),
    "page.delete": _l("Page deleted"),
    "question.add": _l("Question added"),
    "question.update": _l("Question changed"),
    "question.move": _l("Question moved"),
    "question.delete": _l("Question deleted"),
    "template.save": _l("Saved as a template"),
    "deviation.update": _l("Case changed"),
    "deviation.measure_add": _l("Measure added"),
    "deviation.measure_done": _l("Measure marked as done"),
    "deviation.measure_undone": _l("Measure marked as not done"),
    "deviation.note": _l("Internal note written"),
    "deviation.message": _l("Message sent to the reporter"),
    "deviation.close": _l("Case closed"),
    "deviation.reopen": _l("Case reopened"),
    "deviation.redact": _l("Personal data blacked out"),
    "deviation_category.create": _l("Deviation category added"),
    "deviation_category.update": _l("Deviation category changed"),
    "deviation_category.move": _l("Deviation category moved"),
    "evaluation.update": _l("Evaluation changed"),
    "action_point.create": _l("Action point added"),
    "action_point.update": _l("Action point changed"),
    "action_point.status": _l("Status of an action point changed"),
    "action_point.delete": _l("Action point deleted"),
    "action_point.answer": _l("Action point answered"),
    "api_token.create": _l("API token created"),
    "api_token.revoke": _l("API token revoked"),
}

REPORTER_KIND_LABELS = {
    "service_user": _l("Service user"),
    "relative": _l("Relative"),
    "employee": _l("Employee"),
    "other": _l("Other"),
}

DEVIATION_STATUS_LABELS = {
    "received": _l("Received"),
    "in_progress": _l("Being handled"),
    "measures_taken": _l("Measures taken"),
    # TRANSLATORS: the status of a deviation case (nb "Lukket"), not of a survey round.
    "closed": _l("Closed (case status)"),
}

#: What each status means, for the reporter following up with the receipt code.
DEVIATION_STATUS_EXPLAINED = {
    "received": _l("We have received the report. Nobody has started on it yet."),
    "in_progress": _l("Someone is looking into what happened and what should be done."),
    "measures_taken": _l("Measures have been put in place so that it does not happen again."),
    "closed": _l("The case is finished. You can still write to us here."),
}

SEVERITY_LABELS = {
    "low": _l("Low"),
    "medium": _l("Medium"),
    "high": _l("High"),
    "critical": _l("Critical"),
}
