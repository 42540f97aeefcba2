"""What follows a report's arrival: release to the patient (21st Century Cures Act) and alerts
for critical values. The importer and manual entry call `report_recorded` inside their
transaction once a report and its observations are saved."""

import datetime

from django.utils import timezone

from visits.results.flags import Flag
from visits.results.models import CriticalResultAlert, LabReport, ResultStatus

RELEASABLE = (ResultStatus.FINAL, ResultStatus.CORRECTED)


def report_recorded(report: LabReport, *, now: datetime.datetime | None = None) -> None:
    """Release a final report unless its clinician holds it, and raise an alert to the ordering
    clinician for every current critical value that has none yet."""
    now = now or timezone.now()
    if report.status in RELEASABLE and report.held_at is None and report.released_at is None:
        report.released_at = now
        report.save(update_fields=["released_at"])
    clinician_id = report.ordering_clinician_id
    if clinician_id is None:
        return
    critical = report.observations.filter(
        flag__in=Flag.CRITICAL, superseded_by__isnull=True, critical_alert__isnull=True
    )
    CriticalResultAlert.objects.bulk_create(
        [
            CriticalResultAlert(
                observation=obs, patient_id=obs.patient_id, clinician_id=clinician_id
            )
            for obs in critical
        ]
    )
