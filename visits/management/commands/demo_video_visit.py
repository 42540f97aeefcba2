"""Put a demo video visit a few minutes from now, to try the video visit on one machine."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import ProviderProfile, User
from accounts.zones import zone_name
from visits.scheduling.models import Visit, VisitType

PATIENT = "alex.morgan@demo.housecall.example"
CLINICIAN = "maya.patel@demo.housecall.example"


class Command(BaseCommand):
    help = "Book Alex Morgan with Dr. Maya Patel in a few minutes (demo clinic; DEBUG only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--minutes", type=int, default=5, help="Minutes from now (default 5).")

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_video_visit only runs with DEBUG=True, on the demo clinic.")
        patient = User.objects.filter(email=PATIENT).first()
        provider = ProviderProfile.objects.filter(user__email=CLINICIAN).first()
        if patient is None or provider is None:
            raise CommandError("Seed the demo clinic first: make seed.")
        kind = VisitType.objects.get(slug="urgent-care")
        start = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(
            minutes=options["minutes"]
        )
        end = start + kind.duration
        clash = Visit.objects.active().filter(
            provider=provider, start__lt=end + kind.buffer_after, blocked_until__gt=start
        ) | Visit.objects.active().filter(patient=patient, start__lt=end, blocked_until__gt=start)
        if clash.exists():
            raise CommandError("Alex or Dr. Patel already has a visit then; try --minutes 30.")
        visit = Visit.objects.create(
            patient=patient,
            provider=provider,
            visit_type=kind,
            start=start,
            end=end,
            blocked_until=end + kind.buffer_after,
            booked_by=patient,
        )
        base = settings.SITE_URL
        zone = patient.patient_profile.zone
        self.stdout.write(
            f"Booked {kind.name} for Alex Morgan with Dr. Maya Patel at "
            f"{start.astimezone(zone):%I:%M %p} {zone_name(zone)}.\n"
            f"Patient (one window): {base}/visits/{visit.pk}/check-in/\n"
            f"Clinician (a private window): {base}/visits/{visit.pk}/"
        )
