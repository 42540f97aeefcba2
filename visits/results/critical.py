"""Critical values: an alert to the ordering clinician that stays until they acknowledge it
with what was done, like a safety alert; a critical result is never only a row in a table."""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts import policy
from visits.audit import AuditEvent, audit_change
from visits.results.flags import Flag
from visits.results.models import CriticalResultAlert, LabReport
from visits.results.notifications import notify_clinician_on_commit

OPEN_SHOWN = 50


def critical_alerts_raise(report: LabReport) -> list[CriticalResultAlert]:
    """One alert to the ordering clinician for each current critical value of the report that
    has none yet (a superseded value raises none), and one email to say so; returns them."""
    clinician_id = report.ordering_clinician_id
    if clinician_id is None:
        return []
    critical = report.observations.filter(
        flag__in=Flag.CRITICAL, superseded_by__isnull=True, critical_alert__isnull=True
    )
    alerts = CriticalResultAlert.objects.bulk_create(
        [
            CriticalResultAlert(
                observation=obs, patient_id=obs.patient_id, clinician_id=clinician_id
            )
            for obs in critical
        ]
    )
    if alerts:
        notify_clinician_on_commit(clinician_id, count=len(alerts))
    return alerts


def _with_context(alerts: QuerySet[CriticalResultAlert]) -> QuerySet[CriticalResultAlert]:
    return alerts.select_related(
        "patient__patient_profile", "observation__report", "acknowledged_by"
    )


def open_critical_alerts_for(clinician) -> QuerySet[CriticalResultAlert]:
    """Unacknowledged critical-result alerts this clinician must answer (policy
    CRITICAL_RESULT_ALERTS decides), oldest first, with the patient and value: one query."""
    return _with_context(
        policy.CRITICAL_RESULT_ALERTS.filter(
            CriticalResultAlert.objects.filter(acknowledged_at__isnull=True), clinician
        )
    ).order_by("created_at", "pk")[:OPEN_SHOWN]


def critical_alert_history_for(clinician, *, limit: int = 20) -> list[CriticalResultAlert]:
    """The clinician's most recently acknowledged critical-result alerts, newest first."""
    return list(
        _with_context(
            policy.CRITICAL_RESULT_ALERTS.filter(
                CriticalResultAlert.objects.filter(acknowledged_at__isnull=False), clinician
            )
        ).order_by("-acknowledged_at", "-pk")[:limit]
    )


def critical_alert_for(user, pk: int) -> CriticalResultAlert:
    """The alert with its value, report and patient, if it is this clinician's to answer."""
    alerts = _with_context(
        policy.CRITICAL_RESULT_ALERTS.filter(CriticalResultAlert.objects.all(), user)
    )
    return alerts.get(pk=pk)


def critical_alert_acknowledge(
    *,
    alert: CriticalResultAlert,
    actor,
    outcome: str,
    note: str = "",
    ip_address: str | None = None,
) -> CriticalResultAlert:
    """Record who acknowledged the critical result, when and what they did; it then leaves the
    dashboards. Only the alert's own clinician may; a second acknowledgement changes nothing."""
    if outcome not in CriticalResultAlert.Outcome.values:
        raise ValueError(f"Unknown outcome {outcome!r}.")
    if outcome == CriticalResultAlert.Outcome.OTHER and not note.strip():
        raise ValueError("An outcome of 'other' needs a note saying what was done.")
    with transaction.atomic():
        alert = CriticalResultAlert.objects.select_for_update().get(pk=alert.pk)
        if alert.clinician_id != actor.pk:
            raise PermissionError("Only the alert's clinician acknowledges it.")
        if alert.acknowledged_at is None:
            alert.acknowledged_at = timezone.now()
            alert.acknowledged_by = actor
            alert.outcome = outcome
            alert.note = note.strip()[:500]
            alert.save(update_fields=["acknowledged_at", "acknowledged_by", "outcome", "note"])
            audit_change(
                actor=actor,
                action=AuditEvent.Action.UPDATE,
                what="critical result alert",
                records=[(alert.patient_id, alert.pk)],
                ip_address=ip_address,
            )
    return alert
