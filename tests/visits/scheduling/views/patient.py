"""Helpers for the patient-side page tests: providers open all week, free starts, URLs."""

import datetime

from django.urls import reverse
from django.utils import timezone

from visits.scheduling.availability import free_times_between
from visits.scheduling.models import WeeklyHours


def open_all_week(provider, start=datetime.time(8), end=datetime.time(20)):
    """Give the provider the same hours every day, so tests pass whatever day they run."""
    WeeklyHours.objects.bulk_create(
        WeeklyHours(provider=provider, weekday=day, start_time=start, end_time=end)
        for day in range(7)
    )


def free_start(provider, visit_type, patient=None, days_ahead=2):
    """The first free start of the provider's own day `days_ahead` days from today, on their
    clock.

    The day is taken whole, from its local midnight, so the start is the morning's first free
    time whatever the hour the test runs, and times a few hours after it are still working hours.
    It is in the provider's zone, so adding weeks keeps the wall-clock time as a weekly series
    does, across a change of the clocks too.
    """
    now = timezone.now()
    day = timezone.localdate(now, provider.zone) + datetime.timedelta(days=days_ahead)
    midnight = datetime.datetime.combine(day, datetime.time(), tzinfo=provider.zone)
    return free_times_between(
        provider=provider,
        visit_type=visit_type,
        start=midnight,
        end=midnight + datetime.timedelta(days=1),
        now=now,
        patient=patient,
    )[0].astimezone(provider.zone)


def confirm_url(visit_type, provider):
    return reverse("scheduling:booking_confirm", args=[visit_type.slug, provider.pk])
