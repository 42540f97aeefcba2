"""Factories for visit types, providers' hours and exceptions, and visits."""

import datetime
from zoneinfo import ZoneInfo

import factory
from django.core import mail
from django.test import TestCase

from accounts.models import ProviderProfile
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory
from visits.questionnaires.models import QuestionnaireResponse
from visits.questionnaires.services import response_start, response_submit
from visits.scheduling import services
from visits.scheduling.models import ScheduleException, Visit, VisitType, WeeklyHours

UTC = datetime.UTC
CHICAGO = ZoneInfo("America/Chicago")
WEEKDAYS = range(5)

# A Monday in an ordinary week (no daylight-saving change near it): the services' fixed clock.
MONDAY = datetime.date(2027, 2, 1)
NOW = datetime.datetime.combine(MONDAY, datetime.time(6), tzinfo=CHICAGO).astimezone(UTC)


def visit_type(slug: str) -> VisitType:
    """One of the clinic's visit types created by the data migration."""
    return VisitType.objects.get(slug=slug)


def at(
    day: datetime.date, hour: int, minute: int = 0, zone: ZoneInfo = CHICAGO
) -> datetime.datetime:
    """A local wall-clock time on `day` in `zone`, as an aware UTC datetime."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone).astimezone(UTC)


class VisitTypeFactory(factory.django.DjangoModelFactory):
    """A visit type with round numbers, for rules the migrated types don't exercise."""

    class Meta:
        model = VisitType
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"test-visit-{n}")
    name = factory.Sequence(lambda n: f"Test visit {n}")
    duration_minutes = 30
    buffer_after_minutes = 10
    minimum_notice_minutes = 60
    booking_horizon_days = 30
    cancellation_window_hours = 24
    slot_interval_minutes = 15
    provider_kinds = factory.LazyFunction(lambda: ["physician"])
    can_recur = False

    @factory.post_generation
    def offered_by(self, create, extracted, **kwargs):
        if create and extracted:
            self.providers.add(*extracted)


class WeeklyHoursFactory(factory.django.DjangoModelFactory):
    """Monday 09:00-12:00 unless told otherwise."""

    class Meta:
        model = WeeklyHours

    provider = factory.SubFactory(ProviderProfileFactory)
    weekday = 0
    start_time = datetime.time(9)
    end_time = datetime.time(12)


class ScheduleExceptionFactory(factory.django.DjangoModelFactory):
    """A whole day off on MONDAY unless told otherwise."""

    class Meta:
        model = ScheduleException

    provider = factory.SubFactory(ProviderProfileFactory)
    kind = ScheduleException.Kind.TIME_OFF
    start_date = MONDAY
    end_date = factory.SelfAttribute("start_date")
    start_time = None
    end_time = None


class VisitFactory(factory.django.DjangoModelFactory):
    """A booked visit written straight to the table (no checks): for setting the scene."""

    class Meta:
        model = Visit

    patient = factory.LazyFunction(lambda: PatientProfileFactory().user)
    provider = factory.SubFactory(ProviderProfileFactory)
    visit_type = factory.LazyFunction(lambda: visit_type("urgent-care"))
    start = factory.LazyFunction(lambda: at(MONDAY + datetime.timedelta(days=1), 10))
    end = factory.LazyAttribute(lambda visit: visit.start + visit.visit_type.duration)
    blocked_until = factory.LazyAttribute(lambda visit: visit.end + visit.visit_type.buffer_after)


def provider_with_hours(
    *,
    slugs: tuple[str, ...] = ("urgent-care", "follow-up"),
    weekdays=WEEKDAYS,
    start: datetime.time = datetime.time(9),
    end: datetime.time = datetime.time(17),
    **profile,
) -> ProviderProfile:
    """A provider (physician in TX, Chicago time unless told otherwise) offering these visit
    types, working `start`-`end` on each of `weekdays`."""
    provider = ProviderProfileFactory(**profile)
    provider.visit_types.add(*VisitType.objects.filter(slug__in=slugs))
    WeeklyHours.objects.bulk_create(
        WeeklyHours(provider=provider, weekday=weekday, start_time=start, end_time=end)
        for weekday in weekdays
    )
    return provider


def therapist_with_hours(**profile) -> ProviderProfile:
    """A therapist in TX who offers therapy on weekdays 09:00-17:00, Chicago time."""
    return provider_with_hours(
        slugs=("therapy",), kind=ProviderProfile.Kind.THERAPIST, credentials="LCSW", **profile
    )


def book(
    *,
    provider: ProviderProfile,
    start: datetime.datetime,
    patient=None,
    slug: str = "urgent-care",
    now: datetime.datetime = NOW,
    **kwargs,
) -> Visit:
    """Book through the service, as a patient (a new one in TX unless given) would, or `actor`."""
    patient = patient or PatientProfileFactory().user
    kwargs.setdefault("actor", patient)
    kind = visit_type(slug)
    if kind.symptom_check:
        symptoms_checked(patient, at=now)
    # The emails go out when the booking commits; the test's transaction never does.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.visit_book(
            patient=patient,
            provider=provider,
            visit_type=kind,
            start=start,
            now=now,
            **kwargs,
        )


def mail_to(user) -> list:
    """The emails sent so far to this person (a visit's change also tells its clinician)."""
    return [message for message in mail.outbox if user.email in message.to]


CLEAR_COUGH = {
    "symptoms": ["cough"],
    "days": "2",
    "chest_pain": "no",
    "short_of_breath": "no",
    "blue_lips": "no",
}
RED_FLAG_COUGH = {**CLEAR_COUGH, "chest_pain": "yes", "short_of_breath": "yes"}


def symptoms_checked(
    patient, *, answers: dict = CLEAR_COUGH, at: datetime.datetime | None = None
) -> QuestionnaireResponse:
    """The patient answered the cough/cold/flu questions (at `at`, else now), as urgent care asks."""
    response = response_start(patient=patient, slug="symptoms-respiratory")
    submission = response_submit(response=response, data=answers)
    assert submission.ok, submission.errors
    if at is not None:
        QuestionnaireResponse.objects.filter(pk=response.pk).update(submitted_at=at)
        response.refresh_from_db()
    return response
