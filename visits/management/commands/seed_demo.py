"""A realistic demo clinic to try Housecall with: clinicians and their hours, a scheduler,
patients, and a few booked visits including a weekly therapy series."""

import datetime
from collections.abc import Iterable
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Language, PatientProfile, ProviderLicense, ProviderProfile, Role, User
from visits.intake.consents import CONSENTS
from visits.intake.models import IntakeStep
from visits.intake.selectors import intake_is_complete
from visits.intake.services import intake_for, intake_save_step, intake_sign_consents
from visits.planner import refresh_planner_statistics
from visits.questionnaires import engine
from visits.questionnaires.models import QuestionnaireResponse
from visits.questionnaires.services import latest_version
from visits.records.demo import seed_visit_records
from visits.scheduling.availability import provider_free_times
from visits.scheduling.models import ScheduleException, Visit, VisitSeries, VisitType, WeeklyHours

DEMO_PASSWORD = "demo-Housecall-2026"  # noqa: S105 - demo data, refused unless DEBUG
# Base32 secret shared by the demo clinicians and staff, to add to an authenticator app.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPHOUSECALLDEMO234"  # noqa: S105

PROVIDERS = [
    # email, name, credentials, kind, states, languages, time zone
    (
        "maya.patel@demo.housecall.example",
        "Dr. Maya Patel",
        "MD",
        "physician",
        ["TX", "CA", "NY"],
        ["en", "hi"],
        "America/Chicago",
    ),
    (
        "james.okafor@demo.housecall.example",
        "Dr. James Okafor",
        "DO",
        "physician",
        ["FL", "GA", "NY"],
        ["en"],
        "America/New_York",
    ),
    (
        "elena.ruiz@demo.housecall.example",
        "Dr. Elena Ruiz",
        "MD",
        "physician",
        ["CA", "AZ", "NV"],
        ["en", "es"],
        "America/Los_Angeles",
    ),
    (
        "samuel.chen@demo.housecall.example",
        "Dr. Samuel Chen",
        "MD",
        "psychiatrist",
        ["CA", "NY", "TX"],
        ["en", "zh"],
        "America/Los_Angeles",
    ),
    (
        "ava.thompson@demo.housecall.example",
        "Ava Thompson",
        "LCSW",
        "therapist",
        ["TX", "IL"],
        ["en"],
        "America/Chicago",
    ),
    (
        "daniel.reyes@demo.housecall.example",
        "Daniel Reyes",
        "LMFT",
        "therapist",
        ["AZ", "CA"],
        ["en", "es"],
        "America/Phoenix",
    ),
]

PATIENTS = [
    # email, first, last, preferred, born, phone, state, time zone
    (
        "alex.morgan@demo.housecall.example",
        "Alexandra",
        "Morgan",
        "Alex",
        datetime.date(1988, 3, 14),
        "+15125550143",
        "TX",
        "America/Chicago",
    ),
    (
        "priya.shah@demo.housecall.example",
        "Priya",
        "Shah",
        "",
        datetime.date(1995, 11, 2),
        "+14155550178",
        "CA",
        "America/Los_Angeles",
    ),
    (
        "luis.hernandez@demo.housecall.example",
        "Luis",
        "Hernández",
        "",
        datetime.date(1979, 7, 21),
        "+16025550112",
        "AZ",
        "America/Phoenix",
    ),
]
NEW_PATIENT = "sam.new@demo.housecall.example"
SCHEDULER = ("jordan.lee@demo.housecall.example", "Jordan Lee")
ADMIN = ("admin@demo.housecall.example", "Clinic Administrator")

# Weekly hours by kind: (weekdays, start, end) blocks in the provider's own zone.
HOURS: dict[str, list[tuple[Iterable[int], datetime.time, datetime.time]]] = {
    "physician": [
        (range(5), datetime.time(8), datetime.time(12)),
        (range(5), datetime.time(13), datetime.time(17)),
    ],
    "psychiatrist": [((0, 2, 4), datetime.time(9), datetime.time(15))],
    "therapist": [
        ((0, 1, 2, 3), datetime.time(10), datetime.time(14)),
        ((1, 3), datetime.time(16), datetime.time(20)),
    ],
}
# A plausible health history for the demo patients (each gets their own state in the address).
DEMO_INTAKE: dict[IntakeStep, dict[str, Any]] = {
    IntakeStep.DEMOGRAPHICS: {
        "legal_sex": "",
        "gender_identity": "",
        "address_line1": "1200 Main St",
        "address_line2": "",
        "city": "Springfield",
        "state": "TX",
        "zip_code": "78701",
    },
    IntakeStep.EMERGENCY_CONTACT: {
        "name": "Casey Morgan",
        "relationship": "Partner",
        "phone": "+15125550177",
    },
    IntakeStep.INSURANCE: {
        "payment": "insurance",
        "payer": "Aetna",
        "member_id": "W123456789",
        "group_number": "",
        "subscriber_name": "Casey Morgan",
        "subscriber_relationship": "spouse",
    },
    IntakeStep.HISTORY: {"conditions": ["Seasonal allergies"], "surgeries": []},
    IntakeStep.MEDICATIONS: {
        "no_medications": False,
        "medications": [{"name": "Cetirizine", "dose": "10 mg", "frequency": "once a day"}],
    },
    IntakeStep.ALLERGIES: {"no_known_allergies": True, "allergies": []},
    IntakeStep.PHARMACY: {
        "name": "Walgreens Main Street",
        "phone": "+15125550100",
        "address": "1300 Main St",
    },
}
# PHQ-9 and GAD-7 totals of the demo therapy client, a fortnight apart, oldest first.
SCORE_HISTORY = [(17, 15), (16, 14), (14, 12), (13, 11), (11, 10), (9, 8), (8, 7), (6, 5)]
# Demo bookings: patient, provider, visit type, days ahead, weekly sessions (0 for one visit).
BOOKINGS = [
    (
        "alex.morgan@demo.housecall.example",
        "maya.patel@demo.housecall.example",
        "urgent-care",
        1,
        0,
    ),
    ("alex.morgan@demo.housecall.example", "ava.thompson@demo.housecall.example", "therapy", 3, 6),
    ("priya.shah@demo.housecall.example", "daniel.reyes@demo.housecall.example", "therapy", 2, 8),
    (
        "priya.shah@demo.housecall.example",
        "samuel.chen@demo.housecall.example",
        "psychiatry-intake",
        5,
        0,
    ),
    (
        "luis.hernandez@demo.housecall.example",
        "elena.ruiz@demo.housecall.example",
        "follow-up",
        2,
        0,
    ),
]


class Command(BaseCommand):
    help = "Create (or refresh) the demo clinic. Refused unless DEBUG is on."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo only runs with DEBUG=True: it creates accounts with a published password."
            )
        with transaction.atomic():
            logins = self.seed()
            seed_safety_alerts()
        # The query planner's statistics, so a fresh SQLite file reads by the right indexes.
        refresh_planner_statistics()
        self.stdout.write(
            self.style.SUCCESS("Demo clinic ready. Every demo login uses the password:")
        )
        self.stdout.write(f"    {DEMO_PASSWORD}\n")
        for role, email in logins:
            self.stdout.write(f"  {role:<28} {email}")
        self.stdout.write(
            "\nClinicians, staff and the admin confirm sign-in with two-factor authentication.\n"
            f"Add this secret to an authenticator app: {DEMO_TOTP_SECRET}"
        )
        if getattr(settings, "MFA_TOTP_INSECURE_BYPASS_CODE", None):
            self.stdout.write(
                f"or, in local development only, enter the code {settings.MFA_TOTP_INSECURE_BYPASS_CODE}."
            )

    def seed(self) -> list[tuple[str, str]]:
        logins = []
        languages = {language.code: language for language in Language.objects.all()}
        for email, name, credentials, kind, states, codes, zone in PROVIDERS:
            user = self.person(email, name, Role.CLINICIAN)
            provider, _ = ProviderProfile.objects.update_or_create(
                user=user, defaults={"kind": kind, "credentials": credentials, "time_zone": zone}
            )
            provider.languages.set([languages[code] for code in codes])
            provider.licenses.exclude(state__in=states).delete()
            for state in states:
                ProviderLicense.objects.get_or_create(provider=provider, state=state)
            self.enrol_mfa(user)
            logins.append((f"{provider.get_kind_display()} ({', '.join(states)})", email))

        scheduler = self.person(*SCHEDULER, Role.STAFF)
        self.enrol_mfa(scheduler)
        logins.append(("Clinic staff (scheduler)", scheduler.email))

        admin = self.person(*ADMIN, Role.STAFF, is_staff=True, is_superuser=True)
        self.enrol_mfa(admin)
        logins.append(("Admin (Django admin)", admin.email))

        for email, first, last, preferred, born, phone, state, zone in PATIENTS:
            user = self.person(email, preferred or first, Role.PATIENT)
            PatientProfile.objects.update_or_create(
                user=user,
                defaults={
                    "legal_first_name": first,
                    "legal_last_name": last,
                    "preferred_name": preferred,
                    "date_of_birth": born,
                    "phone": phone,
                    "current_state": state,
                    "time_zone": zone,
                },
            )
            logins.append((f"Patient in {state}", email))
        self.person(NEW_PATIENT, "", Role.PATIENT)
        logins.append(("New patient (no details yet)", NEW_PATIENT))
        self.intakes()
        self.schedules()
        self.bookings()
        self.score_history()
        seed_visit_records()
        return logins

    def schedules(self) -> None:
        """Offer each provider the visit types of their kind, with weekly hours and one day off."""
        visit_types = list(VisitType.objects.all())
        for provider in ProviderProfile.objects.all():
            provider.visit_types.set(
                [vt for vt in visit_types if provider.kind in vt.provider_kinds]
            )
            if provider.weekly_hours.exists():
                continue
            WeeklyHours.objects.bulk_create(
                WeeklyHours(provider=provider, weekday=weekday, start_time=start, end_time=end)
                for weekdays, start, end in HOURS[provider.kind]
                for weekday in weekdays
            )
            day_off = timezone.localdate() + datetime.timedelta(days=10)
            ScheduleException.objects.create(
                provider=provider,
                kind=ScheduleException.Kind.TIME_OFF,
                start_date=day_off,
                end_date=day_off,
                note="Training day",
            )

    def intakes(self) -> None:
        """Complete health histories for the demo patients with details (not the new patient)."""
        for email, first, last, _, _, _, state, _ in PATIENTS:
            patient = User.objects.get(email=email)
            intake = intake_for(patient)
            if intake_is_complete(patient):
                continue
            now = timezone.now()
            answers = {
                **DEMO_INTAKE,
                IntakeStep.DEMOGRAPHICS: {**DEMO_INTAKE[IntakeStep.DEMOGRAPHICS], "state": state},
            }
            for step, step_answers in answers.items():
                intake = intake_save_step(intake=intake, step=step, answers=step_answers, now=now)
            intake_sign_consents(
                intake=intake,
                signatures=dict.fromkeys(CONSENTS, f"{first} {last}"),
                ip_address="127.0.0.1",
                now=now,
            )

    def score_history(self) -> None:
        """Four months of fortnightly PHQ-9 and GAD-7 check-ins for a therapy client, improving."""
        patient = User.objects.get(email="priya.shah@demo.housecall.example")
        if QuestionnaireResponse.objects.filter(patient=patient).exists():
            return
        phq9, gad7 = latest_version("phq-9"), latest_version("gad-7")
        now = timezone.now()
        for fortnight, (depression, anxiety) in enumerate(SCORE_HISTORY):
            when = now - datetime.timedelta(weeks=2 * (len(SCORE_HISTORY) - fortnight))
            for questionnaire, total, prefix, items in (
                (phq9, depression, "phq9", 9),
                (gad7, anxiety, "gad7", 7),
            ):
                answers: dict[str, int | str] = {
                    f"{prefix}_{n}": min(3, max(0, total - 3 * (n - 1)))
                    for n in range(1, items + 1)
                }
                if prefix == "phq9":
                    answers["phq9_9"] = 0  # no self-harm answers in the demo history
                    answers["phq9_difficulty"] = "somewhat"
                result = engine.score(questionnaire.definition, answers)
                if result is None:
                    raise CommandError(f"{questionnaire.slug} is not scored.")
                QuestionnaireResponse.objects.create(
                    patient=patient,
                    questionnaire=questionnaire,
                    answers=answers,
                    total=result.total,
                    band=result.band,
                    screens=result.screens,
                    submitted_at=when,
                )

    def bookings(self) -> None:
        """Book the demo visits at the first free times, unless the patient already has visits."""
        now = timezone.now()
        for patient_email, provider_email, slug, days_ahead, sessions in BOOKINGS:
            patient = User.objects.get(email=patient_email)
            provider = ProviderProfile.objects.get(user__email=provider_email)
            visit_type = VisitType.objects.get(slug=slug)
            if Visit.objects.filter(patient=patient, visit_type=visit_type).exists():
                continue
            zone = provider.zone
            free = provider_free_times(
                provider=provider,
                visit_type=visit_type,
                around=now + datetime.timedelta(days=days_ahead + 3),
                now=now,
                patient=patient,
                days=3,
            )
            first = next((t for t in free if t.astimezone(zone).hour >= 10), None)
            if first is None:
                continue
            series = None
            if sessions:
                series = VisitSeries.objects.create(
                    patient=patient,
                    provider=provider,
                    visit_type=visit_type,
                    frequency=VisitSeries.Frequency.WEEKLY,
                )
            for week in range(max(sessions, 1)):
                local = first.astimezone(zone) + datetime.timedelta(weeks=week)
                begin = datetime.datetime.combine(local.date(), local.time(), tzinfo=zone)
                if (
                    Visit.objects.active()
                    .filter(provider=provider)
                    .overlapping(begin, begin + visit_type.duration + visit_type.buffer_after)
                    .exists()
                ):
                    continue
                Visit.objects.create(
                    patient=patient,
                    provider=provider,
                    visit_type=visit_type,
                    start=begin,
                    end=begin + visit_type.duration,
                    blocked_until=begin + visit_type.duration + visit_type.buffer_after,
                    series=series,
                    reason="Demo booking",
                )

    def person(self, email: str, name: str, role: Role, **flags) -> User:
        user, created = User.objects.update_or_create(
            email=email, defaults={"display_name": name, "role": role, **flags}
        )
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def enrol_mfa(self, user: User) -> None:
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
            RecoveryCodes.activate(user)


DEMO_ALERT_NOTE = (
    "Spoke with Priya: safe at home, went over her safety plan, next session moved up."
)


def seed_safety_alerts() -> None:
    """An acknowledged and an open safety alert for Priya with her therapist Daniel Reyes.

    Three weeks ago, between sessions (answers not tied to a visit), the alert went to her
    behavioral-health clinicians and Daniel called her. Today's, given before her next session,
    went to Daniel alone and is open: his dashboard, the response page and her alert history
    show the routing. Skipped once Priya has any alert, so seeding again changes nothing.
    """
    # Imported here so the demo's alerts stay one self-contained addition to this command.
    from visits.questionnaires.models import SafetyAlert
    from visits.questionnaires.services import alert_acknowledge, response_start, response_submit

    priya = User.objects.get(email="priya.shah@demo.housecall.example")
    daniel = User.objects.get(email="daniel.reyes@demo.housecall.example")
    now = timezone.now()
    next_session = (
        Visit.objects.active()
        .filter(patient=priya, provider__user=daniel, start__gt=now)
        .order_by("start")
        .first()
    )
    if next_session is None or SafetyAlert.objects.filter(patient=priya).exists():
        return
    answers = {**{f"phq9_{n}": "1" for n in range(1, 9)}, "phq9_9": "1"}
    earlier = response_start(patient=priya, slug="phq-9")
    response_submit(response=earlier, data=answers)
    alert_acknowledge(
        alert=earlier.safety_alert,
        actor=daniel,
        outcome=SafetyAlert.Outcome.CALLED_PATIENT,
        note=DEMO_ALERT_NOTE,
    )
    raised = now - datetime.timedelta(weeks=3)
    type(earlier).objects.filter(pk=earlier.pk).update(started_at=raised, submitted_at=raised)
    SafetyAlert.objects.filter(pk=earlier.safety_alert.pk).update(
        created_at=raised, acknowledged_at=raised + datetime.timedelta(minutes=25)
    )
    earlier.safety_alert.recipients.update(added_at=raised, notified_at=raised)
    current = response_start(patient=priya, slug="phq-9", visit=next_session)
    response_submit(response=current, data={**answers, "phq9_9": "2"})
