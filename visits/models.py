"""The clinical domain's models, defined by concept in subpackages."""

from visits.audit import AuditEvent
from visits.intake.models import ConsentSignature, Intake, IntakeVersion
from visits.questionnaires.models import (
    AlertRecipient,
    CheckInPreference,
    Questionnaire,
    QuestionnaireResponse,
    SafetyAlert,
)
from visits.scheduling.models import (
    ScheduleException,
    Visit,
    VisitSeries,
    VisitType,
    WeeklyHours,
)

__all__ = [
    "AlertRecipient",
    "AuditEvent",
    "CheckInPreference",
    "ConsentSignature",
    "Intake",
    "IntakeVersion",
    "Questionnaire",
    "QuestionnaireResponse",
    "SafetyAlert",
    "ScheduleException",
    "Visit",
    "VisitSeries",
    "VisitType",
    "WeeklyHours",
]
