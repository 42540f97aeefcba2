"""The clinical domain's models, defined by concept in subpackages."""

from visits.audit import AuditEvent
from visits.scheduling.models import (
    ScheduleException,
    Visit,
    VisitSeries,
    VisitType,
    WeeklyHours,
)

__all__ = ["AuditEvent", "ScheduleException", "Visit", "VisitSeries", "VisitType", "WeeklyHours"]
