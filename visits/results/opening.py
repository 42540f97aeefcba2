"""A patient opening one of their released reports: from then on it is no longer new."""

import datetime

from django.utils import timezone

from accounts.models import User
from visits.results.models import LabReport


def report_open(*, report: LabReport, patient: User, now: datetime.datetime | None = None) -> bool:
    """Mark the report opened the first time its patient reads its values; True if it was new.

    One conditional update, so two tabs opening it at once record the first time only. A
    patient's reading of their own record is not an audit event.
    """
    if report.patient_id != patient.pk or report.released_at is None:
        return False
    if report.first_opened_at is not None:
        return False
    now = now or timezone.now()
    opened = LabReport.objects.filter(pk=report.pk, first_opened_at__isnull=True).update(
        first_opened_at=now
    )
    if opened:
        report.first_opened_at = now
    return bool(opened)
