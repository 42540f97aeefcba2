"""The clinical domain's models, defined by concept in subpackages."""

from visits.audit import AuditEvent
from visits.intake.models import ConsentSignature, Intake, IntakeVersion
from visits.ondemand.models import PhysicianDuty, QueueEntry
from visits.questionnaires.models import (
    AlertRecipient,
    CheckInPreference,
    Questionnaire,
    QuestionnaireResponse,
    SafetyAlert,
)
from visits.records.models import (
    AfterVisitSummary,
    LabOrder,
    NoteAddendum,
    NoteDiagnosis,
    Prescription,
    PsychotherapyNote,
    VisitNote,
    VisitTransition,
)
from visits.results.models import (
    CriticalAlertRecipient,
    CriticalResultAlert,
    InboundResult,
    LabReport,
    Observation,
)
from visits.scheduling.models import (
    ScheduleException,
    Visit,
    VisitSeries,
    VisitType,
    WeeklyHours,
)
from visits.video.models import PhoneCallRequest, SignalMessage

__all__ = [
    "AfterVisitSummary",
    "AlertRecipient",
    "AuditEvent",
    "CheckInPreference",
    "ConsentSignature",
    "CriticalAlertRecipient",
    "CriticalResultAlert",
    "InboundResult",
    "Intake",
    "IntakeVersion",
    "LabOrder",
    "LabReport",
    "NoteAddendum",
    "NoteDiagnosis",
    "Observation",
    "PhoneCallRequest",
    "PhysicianDuty",
    "Prescription",
    "PsychotherapyNote",
    "Questionnaire",
    "QuestionnaireResponse",
    "QueueEntry",
    "SafetyAlert",
    "ScheduleException",
    "SignalMessage",
    "Visit",
    "VisitNote",
    "VisitSeries",
    "VisitTransition",
    "VisitType",
    "WeeklyHours",
]
