"""Delete video signalling messages older than VIDEO_SIGNAL_KEEP (for a scheduler, e.g. hourly)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from visits.video.signalling import prune_signals


class Command(BaseCommand):
    help = "Delete the video rooms' signalling messages older than VIDEO_SIGNAL_KEEP_MINUTES."

    def handle(self, *args, **options) -> None:
        deleted = prune_signals(now=timezone.now())
        self.stdout.write(f"Deleted {deleted} signalling message{'s' if deleted != 1 else ''}.")
