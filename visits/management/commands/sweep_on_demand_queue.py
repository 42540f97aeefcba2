"""Sweep the on-demand queue (for a scheduler; the queue pages also sweep as they are read)."""

from django.core.management.base import BaseCommand

from visits.ondemand.services import queue_sweep


class Command(BaseCommand):
    help = (
        "Remove waiting patients whose page stopped checking in (ON_DEMAND_IDLE_SECONDS) and "
        "give back, first in line, patients whose physician did not join (ON_DEMAND_JOIN_SECONDS)."
    )

    def handle(self, *args, **options) -> None:
        swept = queue_sweep()
        self.stdout.write(
            f"Removed {swept.removed} idle patient{'s' if swept.removed != 1 else ''}; "
            f"gave back {swept.returned} patient{'s' if swept.returned != 1 else ''}."
        )
