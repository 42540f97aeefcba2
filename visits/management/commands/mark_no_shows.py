"""Mark the visits nobody came to as no-shows (for a scheduler, every ten minutes or so)."""

from django.core.management.base import BaseCommand

from visits.records.tasks import mark_due_no_shows


class Command(BaseCommand):
    help = (
        "Mark booked visits nobody checked in to by VISIT_NO_SHOW_MINUTES after their start "
        "as no-shows."
    )

    def handle(self, *args, **options) -> None:
        marked = mark_due_no_shows.call()
        self.stdout.write(f"Marked {marked} visit{'s' if marked != 1 else ''} as no-shows.")
