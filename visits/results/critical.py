"""Critical values: an alert to the ordering clinician that stays until someone responsible
acknowledges it with what was done, like a safety alert; a critical result is never only a row
in a table. Nobody acknowledged it within settings.CRITICAL_RESULT_ESCALATE_AFTER: it escalates
to every other clinician who treats the patient, or, if there is none, the clinic staff are told
to reach the ordering clinician (it stays with them)."""

from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts import policy
from config.prepared import Prepared, Viewer
from visits.alerts import acknowledge
from visits.questionnaires.selectors import treating_clinicians
from visits.results.flags import Flag
from visits.results.models import CriticalAlertRecipient, CriticalResultAlert, LabReport
from visits.results.notifications import (
    notify_clinician_on_commit,
    notify_escalated_recipients,
    notify_staff_unanswered,
)
from visits.results.tasks import schedule_critical_escalation

OPEN_SHOWN = 50


def critical_alerts_raise(report: LabReport) -> list[CriticalResultAlert]:
    """One alert to the ordering clinician for each current critical value of the report that
    has none yet (a superseded value raises none), one email to say so, and each alert's
    escalation planned; returns them."""
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
        transaction.on_commit(partial(schedule_critical_escalation, alerts))
    return alerts


def critical_alert_escalate(*, alert_id: int) -> bool:
    """Send a critical result nobody acknowledged in time to the other clinicians who treat the
    patient, and email each of them once; returns whether this call escalated it.

    Escalation is claimed with one conditional UPDATE (still open, not yet escalated, due), so an
    acknowledgement that got there first, a retried task or an overlapping sweep leave it alone.
    If no other clinician treats the patient, it stays with the ordering clinician and the clinic
    staff are emailed to reach them (staff never see the value).
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = CriticalResultAlert.objects.filter(
            pk=alert_id,
            acknowledged_at__isnull=True,
            escalated_at__isnull=True,
            created_at__lte=now - settings.CRITICAL_RESULT_ESCALATE_AFTER,
        ).update(escalated_at=now)
        if not claimed:
            return False
        alert = CriticalResultAlert.objects.select_related("patient", "clinician").get(pk=alert_id)
        others = [c for c in treating_clinicians(alert.patient) if c.pk != alert.clinician_id]
        CriticalAlertRecipient.objects.bulk_create(
            [CriticalAlertRecipient(alert=alert, clinician=clinician) for clinician in others],
            ignore_conflicts=True,
        )
        if others:
            notify_escalated_recipients(alert.pk)
        else:
            notify_staff_unanswered(alert.clinician)
    return True


def _with_context(alerts: QuerySet[CriticalResultAlert]) -> QuerySet[CriticalResultAlert]:
    return alerts.select_related(
        "patient__patient_profile", "observation__report", "clinician", "acknowledged_by"
    )


# What a list of alerts shows (the dashboards' and the critical results page's): the patient's
# name, the value, when it was raised, escalated and acknowledged, by whom and what was done.
# Only these columns are loaded, so the lists' queries are built and read for them alone.
LISTED_FIELDS = (
    "patient_id",
    "clinician_id",
    "created_at",
    "escalated_at",
    "acknowledged_at",
    "outcome",
    "note",
    "patient__email",
    "patient__patient_profile__legal_first_name",
    "patient__patient_profile__legal_last_name",
    "observation__name",
    "observation__value",
    "observation__value_text",
    "observation__unit",
    "observation__flag",
)


def _listed(alerts: QuerySet[CriticalResultAlert], person: str) -> QuerySet[CriticalResultAlert]:
    """The alerts as a list shows them, with `person` (who ordered or acknowledged) by name."""
    return alerts.select_related("patient__patient_profile", "observation", person).only(
        *LISTED_FIELDS, f"{person}__display_name", f"{person}__email"
    )


def _open_critical_alerts(clinician) -> QuerySet[CriticalResultAlert]:
    return _listed(
        policy.CRITICAL_RESULT_ALERTS.filter(
            CriticalResultAlert.objects.filter(acknowledged_at__isnull=True), clinician
        ),
        "clinician",
    ).order_by("created_at", "pk")


# On the clinician's dashboard and lab pages: built and compiled once (config.prepared).
OPEN_CRITICAL_ALERTS = Prepared(_open_critical_alerts, clinician=Viewer("clinician"))


def open_critical_alerts_for(clinician) -> list[CriticalResultAlert]:
    """Unacknowledged critical-result alerts this clinician must answer (policy
    CRITICAL_RESULT_ALERTS decides), oldest first, with the patient and value: one query."""
    return OPEN_CRITICAL_ALERTS.run(clinician=clinician, limit=OPEN_SHOWN)


CRITICAL_ALERT_HISTORY = Prepared(
    lambda clinician: _listed(
        policy.CRITICAL_RESULT_ALERTS.filter(
            CriticalResultAlert.objects.filter(acknowledged_at__isnull=False), clinician
        ),
        "acknowledged_by",
    ).order_by("-acknowledged_at", "-pk"),
    clinician=Viewer("clinician"),
)


def critical_alert_history_for(clinician, *, limit: int = 20) -> list[CriticalResultAlert]:
    """The clinician's most recently acknowledged critical-result alerts, newest first."""
    return CRITICAL_ALERT_HISTORY.run(clinician=clinician, limit=limit)


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
    """Record who acknowledged the critical result, when and what they did; it then leaves every
    dashboard it was on. Only a clinician it is for (policy.CRITICAL_RESULT_ALERTS: the ordering
    clinician, or one it escalated to) may; a second acknowledgement changes nothing."""
    return acknowledge(
        alert,
        actor=actor,
        outcome=outcome,
        note=note,
        what="critical result alert",
        ip_address=ip_address,
        may_acknowledge=lambda fresh: policy.CRITICAL_RESULT_ALERTS.allows(actor, fresh),
    )
