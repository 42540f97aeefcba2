"""Background work for safety alerts: escalation when nobody acknowledged one in time."""

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from visits.questionnaires.models import SafetyAlert


@task
def escalate_safety_alert(alert_id: int) -> bool:
    """Send the alert to the other treating clinicians if it is still unacknowledged when due.

    Only the alert's id is stored with the task (never anything clinical). The escalation is
    claimed with a conditional UPDATE, so a retried or duplicated task escalates once.
    """
    from visits.questionnaires.services import alert_escalate

    return alert_escalate(alert_id=alert_id)


def schedule_escalation(alert: SafetyAlert) -> None:
    """Queue the escalation for when the alert is due, where the task backend can defer work;
    elsewhere the escalate_safety_alerts sweep sends it on."""
    if escalate_safety_alert.get_backend().supports_defer:
        run_after = alert.created_at + settings.SAFETY_ALERT_ESCALATE_AFTER
        escalate_safety_alert.using(run_after=run_after).enqueue(alert.pk)


def escalate_due_alerts() -> int:
    """Route alerts that reached nobody (raised by an earlier release, or before anyone treated
    the patient), then escalate every overdue one; returns how many escalated."""
    from visits.questionnaires.services import alert_assign

    now = timezone.now()
    unrouted = SafetyAlert.objects.filter(acknowledged_at__isnull=True, recipients__isnull=True)
    for alert in unrouted.select_related("response__visit__provider"):
        alert_assign(alert=alert)
    due = SafetyAlert.objects.filter(
        acknowledged_at__isnull=True,
        escalated_at__isnull=True,
        created_at__lte=now - settings.SAFETY_ALERT_ESCALATE_AFTER,
    ).values_list("pk", flat=True)
    return sum(bool(escalate_safety_alert.call(alert_id)) for alert_id in due)
