"""All models, imported here so Alembic and the app see one metadata."""

from feedback.models.api import ApiToken
from feedback.models.audit import AuditEvent
from feedback.models.base import Base
from feedback.models.deviation import (
    Deviation,
    DeviationCategory,
    DeviationMeasure,
    DeviationMessage,
    DeviationNote,
    DeviationNotice,
)
from feedback.models.evaluation import ActionAnswer, ActionPoint, Evaluation
from feedback.models.maintenance import MaintenanceRun, PendingRewrite
from feedback.models.oidc import OidcIdentity, OidcProvider
from feedback.models.organisation import Organisation, Unit
from feedback.models.results import AnswerTally, PaddingCheck, ResponseTally
from feedback.models.survey import (
    AccessCode,
    Answer,
    AnswerDraft,
    Approval,
    Question,
    QuestionOption,
    Response,
    SurveyPage,
    SurveyRound,
    SurveySeries,
    SurveyTemplate,
    UsedFormToken,
)
from feedback.models.user import (
    EmailChange,
    Invitation,
    Membership,
    PasswordLink,
    RecoveryCode,
    StaffSession,
    User,
    invitation_unit,
    membership_unit,
)

__all__ = [
    "ActionAnswer",
    "ActionPoint",
    "AnswerTally",
    "ApiToken",
    "Evaluation",
    "PaddingCheck",
    "ResponseTally",
    "AccessCode",
    "Answer",
    "Approval",
    "AuditEvent",
    "Base",
    "Deviation",
    "DeviationCategory",
    "DeviationMeasure",
    "DeviationMessage",
    "DeviationNote",
    "DeviationNotice",
    "EmailChange",
    "Invitation",
    "MaintenanceRun",
    "Membership",
    "OidcIdentity",
    "OidcProvider",
    "Organisation",
    "PasswordLink",
    "PendingRewrite",
    "Question",
    "QuestionOption",
    "RecoveryCode",
    "Response",
    "StaffSession",
    "SurveyPage",
    "SurveyRound",
    "SurveySeries",
    "SurveyTemplate",
    "Unit",
    "AnswerDraft",
    "UsedFormToken",
    "User",
    "invitation_unit",
    "membership_unit",
]
