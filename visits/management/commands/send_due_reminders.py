"""Send the day-before reminders that are due (for a scheduler, or where tasks cannot be deferred)."""

from django.core.management.base import BaseCommand

from visits.scheduling.tasks import send_due_reminders


class Command(BaseCommand):
    help = "Email reminders for booked visits starting within 24 hours that have not had one."

    def handle(self, *args, **options) -> None:
        sent = send_due_reminders()
        self.stdout.write(f"Sent {sent} reminder{'s' if sent != 1 else ''}.")
