"""Background work for visits: the reminder the day before, sent once and only for booked visits."""

import datetime

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from visits.scheduling.models import Visit

REMINDER_LEAD = datetime.timedelta(hours=24)


@task
def send_visit_reminder(visit_id: str) -> bool:
    """Email the reminder if the visit is still booked, starts within a day and was not reminded yet.

    The reminder is claimed with one conditional UPDATE in the same transaction that queues the
    email, so a retried or duplicated task never sends twice.
    """
    from visits.scheduling import notifications

    now = timezone.now()
    with transaction.atomic():
        claimed = Visit.objects.filter(
            pk=visit_id,
            status=Visit.Status.BOOKED,
            reminder_sent_at__isnull=True,
            start__gt=now,
            start__lte=now + REMINDER_LEAD,
        ).update(reminder_sent_at=now)
        if not claimed:
            return False
        visit = Visit.objects.select_related(
            "visit_type", "provider__user", "patient__patient_profile"
        ).get(pk=visit_id)
        notifications.notify_reminder(visit)
    return True


def schedule_reminder(visit: Visit) -> None:
    """Queue the reminder for 24 hours before the visit, where the task backend can defer work."""
    run_after = visit.start - REMINDER_LEAD
    if run_after <= timezone.now():
        return  # booked within a day: the confirmation is the reminder
    if send_visit_reminder.get_backend().supports_defer:
        send_visit_reminder.using(run_after=run_after).enqueue(str(visit.pk))


def send_due_reminders(*, now: datetime.datetime | None = None) -> int:
    """Remind every booked visit starting within a day that has not been reminded; returns how many."""
    now = now or timezone.now()
    due = Visit.objects.filter(
        status=Visit.Status.BOOKED,
        reminder_sent_at__isnull=True,
        start__gt=now,
        start__lte=now + REMINDER_LEAD,
    ).values_list("pk", flat=True)
    return sum(bool(send_visit_reminder.call(str(visit_id))) for visit_id in due)
