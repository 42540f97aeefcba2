"""Release held lab reports whose latest release time has come (for a scheduler)."""

from django.core.management.base import BaseCommand

from visits.results.release import release_held_results


class Command(BaseCommand):
    help = (
        "Release to their patients the lab reports a clinician held, once RESULT_HOLD_MAX_DAYS "
        "have passed since they became final."
    )

    def handle(self, *args, **options) -> None:
        released = release_held_results()
        self.stdout.write(f"Released {released} held report{'s' if released != 1 else ''}.")
