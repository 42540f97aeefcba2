"""Helpers for the patient-side page tests: providers open all week, free starts, URLs."""

import datetime

from django.urls import reverse
from django.utils import timezone

from visits.scheduling.availability import provider_free_times
from visits.scheduling.models import WeeklyHours


def open_all_week(provider, start=datetime.time(8), end=datetime.time(20)):
    """Give the provider the same hours every day, so tests pass whatever day they run."""
    WeeklyHours.objects.bulk_create(
        WeeklyHours(provider=provider, weekday=day, start_time=start, end_time=end)
        for day in range(7)
    )


def free_start(provider, visit_type, patient=None, days_ahead=2):
    """A free start a couple of days ahead, as the booking pages would offer it."""
    around = timezone.now() + datetime.timedelta(days=days_ahead)
    return provider_free_times(
        provider=provider, visit_type=visit_type, around=around, now=timezone.now(), patient=patient
    )[0]


def confirm_url(visit_type, provider):
    return reverse("scheduling:booking_confirm", args=[visit_type.slug, provider.pk])
