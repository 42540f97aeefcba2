"""Time the availability search and booking on a made-up clinic: `make bench`.

Seeds providers licensed in Texas with a month of weekday hours and booked visits, then times
(a) the search a patient's booking page runs (load_bookable + free_times)
and (b) booking: the visit_book service and the patient's booking POST through Django's test
client (the whole request: middleware, form, symptom check, service, redirect). It prints the
median and 95th percentile in milliseconds and the queries of one search and of one booking.
"""

import datetime
import logging
import math
import random
import statistics
import time
from collections.abc import Callable
from itertools import cycle

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Language, PatientProfile, ProviderLicense, ProviderProfile, Role, User
from visits.bench.symptoms import SymptomQuestionsChanged, answer_symptom_questions
from visits.intake.consents import CONSENTS
from visits.intake.models import Intake, IntakeStep
from visits.scheduling.availability import free_times
from visits.scheduling.bookable import load_bookable
from visits.scheduling.models import ScheduleException, Visit, VisitType, WeeklyHours
from visits.scheduling.services import visit_book
from visits.scheduling.slots import DatedChange, WeeklyBlock, working_hours

BENCH_DOMAIN = "bench.housecall.example"
STATE = "TX"
ZONES = ["America/Chicago", "America/New_York", "America/Denver", "America/Los_Angeles"]
HOURS = [(datetime.time(8), datetime.time(12)), (datetime.time(13), datetime.time(17))]
SEEDED_DAYS = 30
PATIENTS_PER_PROVIDER = 4


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class Command(BaseCommand):
    help = (
        "Seed a made-up clinic and time the availability search and booking. "
        "Only with DEBUG=True, on a throwaway database (make bench uses bench.sqlite3)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--providers", type=int, default=50)
        parser.add_argument("--visits", type=int, default=2000, help="Visits already booked.")
        parser.add_argument("--repeat", type=int, default=30, help="Searches to time.")
        parser.add_argument("--bookings", type=int, default=30, help="Bookings to time, each way.")
        parser.add_argument("--days", type=int, default=14, help="Days the search covers.")
        parser.add_argument(
            "--visit-type",
            default="follow-up",
            choices=["urgent-care", "follow-up"],
            help="The physicians' visit type to search and book.",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "bench_booking only runs with DEBUG=True: it writes made-up providers, patients "
                "and visits. Run `make bench`, which uses its own throwaway SQLite file."
            )
        if User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}").exists():
            raise CommandError(
                "This database already holds a bench clinic. Use a fresh database: `make bench` "
                "starts a new bench.sqlite3 each time."
            )
        visit_type = VisitType.objects.filter(slug=options["visit_type"]).first()
        if visit_type is None:
            raise CommandError(f"No visit type {options['visit_type']!r}: run migrate first.")
        # Each booking's email task logs two lines; they would bury the figures.
        logging.getLogger("django.tasks").setLevel(logging.WARNING)
        self.now = timezone.now().replace(second=0, microsecond=0)
        self.rng = random.Random(2026)  # noqa: S311 - repeatable made-up data, not secrets

        began = time.perf_counter()
        bookings = options["bookings"] + 1  # the first of each kind is a warm-up
        searcher, patients = self.seed(
            visit_type, options["providers"], options["visits"], spare_patients=2 * bookings
        )
        seeded = time.perf_counter() - began
        self.stdout.write(
            f"Bench clinic on {connection.vendor}: {options['providers']} providers licensed in "
            f"{STATE}, {Visit.objects.count()} visits, {PatientProfile.objects.count()} patients "
            f"(seeded in {seeded:.1f} s)."
        )

        end = self.now + datetime.timedelta(days=options["days"])

        def search() -> dict[int, list[datetime.datetime]]:
            providers = load_bookable(
                visit_type=visit_type, state=STATE, now=self.now, start=self.now, end=end
            )
            return free_times(
                visit_type=visit_type,
                providers=providers,
                start=self.now,
                end=end,
                now=self.now,
                patient=searcher,
            )

        with CaptureQueriesContext(connection) as queries:
            found = search()
        times = self.timed(search, options["repeat"])
        starts = sum(len(free) for free in found.values())
        self.report(
            f"Search {visit_type.name.lower()}, {options['days']} days "
            f"(horizon {visit_type.booking_horizon_days}), {len(found)} providers, "
            f"{starts} free starts (x{options['repeat']})",
            times,
            len(queries),
        )

        slots = self.slots(found, 2 * bookings)
        self.bench_service(visit_type, slots[:bookings], patients)
        self.bench_post(visit_type, slots[bookings:], patients)

    def timed(self, action: Callable[[], object], repeat: int) -> list[float]:
        samples = []
        for _ in range(repeat):
            began = time.perf_counter()
            action()
            samples.append((time.perf_counter() - began) * 1000)
        return samples

    def report(self, label: str, samples: list[float], queries: int) -> None:
        self.stdout.write(
            f"{label}: median {statistics.median(samples):.1f} ms, "
            f"p95 {percentile(samples, 0.95):.1f} ms, {queries} queries"
        )

    def slots(
        self, found: dict[int, list[datetime.datetime]], count: int
    ) -> list[tuple[int, datetime.datetime]]:
        """Free (provider, start) pairs spread over the providers, none sharing a provider's hour."""
        chosen: list[tuple[int, datetime.datetime]] = []
        queues = {pk: starts[::4] for pk, starts in found.items() if starts}
        for pk in cycle(list(queues)):
            if len(chosen) == count or not any(queues.values()):
                break
            if queues[pk]:
                chosen.append((pk, queues[pk].pop(self.rng.randrange(len(queues[pk])))))
        if len(chosen) < count:
            raise CommandError("Not enough free times to book; seed fewer visits.")
        return chosen

    def bench_service(self, visit_type: VisitType, slots, patients: list[User]) -> None:
        """Time visit_book, the service the booking view calls."""
        providers = ProviderProfile.objects.in_bulk([pk for pk, _ in slots])
        samples, queries = [], 0
        for index, (pk, start) in enumerate(slots):
            patient = patients.pop()
            if visit_type.symptom_check:
                self.answer_symptom_questions(patient)
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                visit_book(
                    patient=patient,
                    actor=patient,
                    provider=providers[pk],
                    visit_type=visit_type,
                    start=start,
                )
                elapsed = (time.perf_counter() - began) * 1000
            if index == 0:
                queries = len(captured)  # the first is a warm-up, counted but not timed
            else:
                samples.append(elapsed)
        self.report(f"Booking, visit_book service (x{len(samples)})", samples, queries)

    def bench_post(self, visit_type: VisitType, slots, patients: list[User]) -> None:
        """Time the patient's booking POST, the whole request through Django's test client."""
        client = Client(SERVER_NAME="localhost")
        samples, queries = [], 0
        for index, (pk, start) in enumerate(slots):
            patient = patients.pop()
            if visit_type.symptom_check:
                self.answer_symptom_questions(patient)
            client.force_login(patient)
            url = reverse("scheduling:booking_confirm", args=[visit_type.slug, pk])
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = client.post(
                    url, {"start": start.isoformat(), "reason": "Bench"}, secure=True
                )
                elapsed = (time.perf_counter() - began) * 1000
            if response.status_code != 302 or "/visits/" not in response["Location"]:
                raise CommandError(
                    f"The booking POST did not book ({response.status_code}): check the view."
                )
            if index == 0:
                queries = len(captured)
            else:
                samples.append(elapsed)
        self.report(f"Booking POST, test client (x{len(samples)})", samples, queries)

    def answer_symptom_questions(self, patient: User) -> None:
        try:
            answer_symptom_questions(patient)
        except SymptomQuestionsChanged as changed:
            raise CommandError(str(changed)) from changed

    def seed(
        self, visit_type: VisitType, provider_count: int, visit_count: int, spare_patients: int
    ) -> tuple[User, list[User]]:
        """Providers with hours, a day off and booked visits, and patients, all in bulk.

        Returns the patient who searches and the patients left free to book.
        """
        password = make_password(None)  # unusable: nobody signs in as a bench person
        provider_users = User.objects.bulk_create(
            User(
                email=f"provider{index}@{BENCH_DOMAIN}",
                display_name=f"Bench Provider {index:03}",
                role=Role.CLINICIAN,
                password=password,
            )
            for index in range(provider_count)
        )
        providers = ProviderProfile.objects.bulk_create(
            ProviderProfile(
                user=user, kind=ProviderProfile.Kind.PHYSICIAN, credentials="MD", time_zone=zone
            )
            for user, zone in zip(provider_users, cycle(ZONES), strict=False)
        )
        ProviderLicense.objects.bulk_create(
            ProviderLicense(provider=provider, state=STATE) for provider in providers
        )
        english = Language.objects.filter(code="en").first()
        if english:
            ProviderProfile.languages.through.objects.bulk_create(
                ProviderProfile.languages.through(providerprofile=provider, language=english)
                for provider in providers
            )
        offered = VisitType.objects.filter(slug__in=[visit_type.slug, "follow-up"])
        VisitType.providers.through.objects.bulk_create(
            VisitType.providers.through(visittype=kind, providerprofile=provider)
            for kind in offered
            for provider in providers
        )
        WeeklyHours.objects.bulk_create(
            WeeklyHours(provider=provider, weekday=weekday, start_time=start, end_time=end)
            for provider in providers
            for weekday in range(5)
            for start, end in HOURS
        )
        today = timezone.localdate(self.now)
        days_off = {
            provider.pk: today + datetime.timedelta(days=self.rng.randrange(2, SEEDED_DAYS))
            for provider in providers
        }
        ScheduleException.objects.bulk_create(
            ScheduleException(
                provider=provider,
                kind=ScheduleException.Kind.TIME_OFF,
                start_date=days_off[provider.pk],
                end_date=days_off[provider.pk],
                note="Bench day off",
            )
            for provider in providers
        )
        regulars = provider_count * PATIENTS_PER_PROVIDER
        patients = self.patients(regulars + 1 + spare_patients)
        Visit.objects.bulk_create(
            self.visits(visit_type, providers, days_off, patients[:regulars], visit_count)
        )
        spares = patients[regulars + 1 :]
        self.complete_intakes(spares)
        return patients[regulars], spares

    def complete_intakes(self, patients: list[User]) -> None:
        """Booking needs a complete health history: mark every step saved and consent signed.

        Placeholder answers, written straight to the table: the bench times booking, not intake.
        """
        answers: dict = {step.value: {"bench": True} for step in IntakeStep}
        answers[IntakeStep.CONSENTS.value] = {
            slug: {"version": document.version, "sha256": document.sha256}
            for slug, document in CONSENTS.items()
        }
        Intake.objects.bulk_create(Intake(patient=patient, answers=answers) for patient in patients)

    def patients(self, count: int) -> list[User]:
        password = make_password(None)
        users = User.objects.bulk_create(
            User(
                email=f"patient{index}@{BENCH_DOMAIN}",
                display_name=f"Bench Patient {index:04}",
                role=Role.PATIENT,
                password=password,
            )
            for index in range(count)
        )
        PatientProfile.objects.bulk_create(
            PatientProfile(
                user=user,
                legal_first_name="Bench",
                legal_last_name=f"Patient {index:04}",
                date_of_birth=datetime.date(1980, 1, 1) + datetime.timedelta(days=index),
                phone="+15125550100",
                current_state=STATE,
                time_zone="America/Chicago",
            )
            for index, user in enumerate(users)
        )
        return users

    def visits(self, visit_type, providers, days_off, patients, visit_count) -> list[Visit]:
        """Visits at random starts in each provider's working time over the month.

        Starts a whole number of half hours apart, at least a visit plus its buffer, keep one
        provider's visits apart, and each patient sees only one provider, so nothing overlaps.
        """
        per_provider = [
            visit_count // len(providers) + (index < visit_count % len(providers))
            for index in range(len(providers))
        ]
        held = visit_type.duration + visit_type.buffer_after
        half_hour = datetime.timedelta(minutes=30)
        step = math.ceil(held / half_hour) * half_hour
        today = timezone.localdate(self.now)
        visits = []
        for index, (provider, wanted) in enumerate(zip(providers, per_provider, strict=True)):
            working = working_hours(
                weekly=[WeeklyBlock(day, start, end) for day in range(5) for start, end in HOURS],
                changes=[
                    DatedChange(
                        extra=False, first_day=days_off[provider.pk], last_day=days_off[provider.pk]
                    )
                ],
                zone=provider.zone,
                first_day=today,
                last_day=today + datetime.timedelta(days=SEEDED_DAYS),
            )
            starts = [
                work_start + n * step
                for work_start, work_end in working
                for n in range(int((work_end - work_start) / step))
                if work_start + n * step + held <= work_end and work_start + n * step > self.now
            ]
            own_patients = patients[
                index * PATIENTS_PER_PROVIDER : (index + 1) * PATIENTS_PER_PROVIDER
            ]
            for number, start in enumerate(
                sorted(self.rng.sample(starts, min(wanted, len(starts))))
            ):
                visits.append(
                    Visit(
                        patient=own_patients[number % PATIENTS_PER_PROVIDER],
                        provider=provider,
                        visit_type=visit_type,
                        start=start,
                        end=start + visit_type.duration,
                        blocked_until=start + held,
                        reason="Bench visit",
                    )
                )
        return visits
