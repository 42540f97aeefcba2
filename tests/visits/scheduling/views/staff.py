"""Helpers for the staff-side page tests: Chicago times next week, hours, visits, URLs."""

import datetime
from html import unescape
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from visits.scheduling.models import (
    Visit,
    WeeklyHours,
)

CHICAGO = ZoneInfo("America/Chicago")
HTMX = {"HX-Request": "true"}
ONE_DAY = datetime.timedelta(days=1)
DASH = "\N{EN DASH}"  # between the times of a block, as the pages show them


def next_monday() -> datetime.date:
    """The coming Monday in Chicago: 1 to 7 days ahead, inside every visit type's horizon."""
    today = timezone.now().astimezone(CHICAGO).date()
    return today + datetime.timedelta(days=7 - today.weekday())


def days_from_today(days: int) -> datetime.date:
    """The day `days` days from today in Chicago, for visit types that need a day's notice
    (the coming Monday is tomorrow on a Sunday)."""
    return timezone.now().astimezone(CHICAGO).date() + datetime.timedelta(days=days)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """A Chicago wall-clock time on a day, as an aware UTC datetime."""
    local = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=CHICAGO)
    return local.astimezone(datetime.UTC)


def hours(provider, weekday: int, start: int, end: int) -> WeeklyHours:
    return WeeklyHours.objects.create(
        provider=provider,
        weekday=weekday,
        start_time=datetime.time(start),
        end_time=datetime.time(end),
    )


def visit_at(provider, patient, visit_type, start, **fields) -> Visit:
    """A booked visit written straight to the database, as the services would leave it."""
    return Visit.objects.create(
        patient=patient,
        provider=provider,
        visit_type=visit_type,
        start=start,
        end=start + visit_type.duration,
        blocked_until=start + visit_type.duration + visit_type.buffer_after,
        **fields,
    )


def text(response) -> str:
    return unescape(response.content.decode())


def url(name: str, provider, *args) -> str:
    return reverse(name, args=[provider.pk, *args])
