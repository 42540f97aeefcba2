"""Escalate critical results nobody acknowledged in time (for a scheduler, or where tasks cannot be deferred)."""

from django.core.management.base import BaseCommand

from visits.results.tasks import escalate_due_critical_results


class Command(BaseCommand):
    help = (
        "Send unacknowledged critical result alerts older than CRITICAL_RESULT_ESCALATE_MINUTES "
        "to the other clinicians who treat the patient (or tell the clinic staff if there are none)."
    )

    def handle(self, *args, **options) -> None:
        escalated = escalate_due_critical_results()
        self.stdout.write(f"Escalated {escalated} critical result{'s' if escalated != 1 else ''}.")
