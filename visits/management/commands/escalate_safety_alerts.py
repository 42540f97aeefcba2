"""Escalate safety alerts nobody acknowledged in time (for a scheduler, or where tasks cannot be deferred)."""

from django.core.management.base import BaseCommand

from visits.questionnaires.tasks import escalate_due_alerts


class Command(BaseCommand):
    help = (
        "Send unacknowledged safety alerts older than SAFETY_ALERT_ESCALATE_MINUTES to the other "
        "clinicians who treat the patient."
    )

    def handle(self, *args, **options) -> None:
        escalated = escalate_due_alerts()
        self.stdout.write(f"Escalated {escalated} safety alert{'s' if escalated != 1 else ''}.")
