"""Background work for results: held reports release themselves when their time comes, and
critical results nobody acknowledged in time escalate."""

import datetime

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from visits.results.models import CriticalResultAlert


@task
def release_held_results_task() -> int:
    """Release every held report past its latest release time; returns how many.

    No argument is stored with the task (nothing clinical); a scheduler enqueues it, or runs
    the release_held_results command, every few minutes.
    """
    from visits.results.release import release_held_results

    return release_held_results()


def schedule_release(release_by: datetime.datetime) -> None:
    """Queue the sweep for a held report's latest release time, where the task backend can defer
    work; elsewhere the release_held_results command, run by a scheduler, does it."""
    if release_held_results_task.get_backend().supports_defer:
        release_held_results_task.using(run_after=release_by).enqueue()


@task
def escalate_critical_result(alert_id: int) -> bool:
    """Send the critical result to the other treating clinicians if it is still unacknowledged
    when due; returns whether this run escalated it.

    Only the alert's id is stored with the task (never a value or a name). The escalation is
    claimed with a conditional UPDATE, so a retried or duplicated task escalates once.
    """
    from visits.results.critical import critical_alert_escalate

    return critical_alert_escalate(alert_id=alert_id)


def schedule_critical_escalation(alerts: list[CriticalResultAlert]) -> None:
    """Queue each alert's escalation for when it is due, where the task backend can defer work;
    elsewhere the escalate_critical_results sweep, run by a scheduler, sends them on."""
    if not escalate_critical_result.get_backend().supports_defer:
        return
    for alert in alerts:
        run_after = alert.created_at + settings.CRITICAL_RESULT_ESCALATE_AFTER
        escalate_critical_result.using(run_after=run_after).enqueue(alert.pk)


def escalate_due_critical_results() -> int:
    """Escalate every unacknowledged critical result past CRITICAL_RESULT_ESCALATE_AFTER that
    has not escalated yet; returns how many escalated (a second run finds none)."""
    due = CriticalResultAlert.objects.filter(
        acknowledged_at__isnull=True,
        escalated_at__isnull=True,
        created_at__lte=timezone.now() - settings.CRITICAL_RESULT_ESCALATE_AFTER,
    ).values_list("pk", flat=True)
    return sum(bool(escalate_critical_result.call(alert_id)) for alert_id in due)
