"""Reads for booking: providers' schedules and free start times, series plans (which providers
can see a patient: visits.scheduling.bookable).

A search runs a fixed number of queries however many providers, days or visits there are:
the providers with their hours, exceptions and languages (four queries), every booked visit
of those providers in the window (one), and the patient's own visits (one).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import (
    BigIntegerField,
    DateField,
    DateTimeField,
    QuerySet,
    UUIDField,
)
from django.utils import timezone

from accounts.models import ProviderProfile
from config.prepared import Param, Params, Prepared
from visits.scheduling.models import ScheduleException, Visit, VisitType, WeeklyHours
from visits.scheduling.slots import DatedChange, WeeklyBlock, free_starts, nearest, working_hours

ONE_DAY = datetime.timedelta(days=1)


WEEKLY_COLUMNS = ("weekday", "start_time", "end_time")
EXCEPTION_COLUMNS = ("kind", "start_date", "end_date", "start_time", "end_time")


def weekly_block(block: WeeklyHours) -> WeeklyBlock:
    """A stored block of weekly hours as the slot engine reads it."""
    return WeeklyBlock(*(getattr(block, column) for column in WEEKLY_COLUMNS))


def dated_change(exception: ScheduleException) -> DatedChange:
    """A stored exception (time off, extra hours) as the slot engine reads it."""
    return _dated_change(*(getattr(exception, column) for column in EXCEPTION_COLUMNS))


def _dated_change(kind, first_day, last_day, start, end) -> DatedChange:
    """An exception's EXCEPTION_COLUMNS as the slot engine reads them."""
    return DatedChange(
        extra=kind == ScheduleException.Kind.EXTRA_HOURS,
        first_day=first_day,
        last_day=last_day,
        start=start,
        end=end,
    )


@dataclass(frozen=True)
class Schedule:
    """A provider's weekly hours and the exceptions near a window, as the slot engine reads them."""

    weekly: list[WeeklyBlock]
    changes: list[DatedChange]


SCHEDULE_ATTRIBUTE = "booking_schedule"


def schedule_of(provider: ProviderProfile) -> Schedule:
    """The schedule with_schedules() or add_schedules() gave this provider."""
    try:
        return getattr(provider, SCHEDULE_ATTRIBUTE)
    except AttributeError:
        raise ValueError("Load the provider with with_schedules() or add_schedules().") from None


# The slot engine's reads, built and compiled once (config.prepared) for each number of
# providers (a page of them at most) and run with the page's providers and window.
PROVIDERS = Params("providers", BigIntegerField())
WEEKLY_HOURS = Prepared(
    lambda providers: (
        WeeklyHours.objects.filter(provider_id__in=providers)
        .order_by()
        .values_list("provider_id", *WEEKLY_COLUMNS)
    ),
    providers=PROVIDERS,
)
EXCEPTIONS_NEAR = Prepared(
    lambda providers, first, last: (
        ScheduleException.objects.filter(
            provider_id__in=providers, end_date__gte=first, start_date__lte=last
        )
        .order_by()
        .values_list("provider_id", *EXCEPTION_COLUMNS)
    ),
    providers=PROVIDERS,
    first=Param("first", DateField()),
    last=Param("last", DateField()),
)
IGNORED = Params("ignored", UUIDField())
HELD_BY_PROVIDERS = Prepared(
    lambda providers, start, end, ignored: (
        Visit.objects.active()
        .filter(provider__in=providers)
        .overlapping(start, end)
        .exclude(pk__in=ignored)
        .order_by()
        .values_list("provider_id", "start", "blocked_until")
    ),
    providers=PROVIDERS,
    start=Param("start", DateTimeField()),
    end=Param("end", DateTimeField()),
    ignored=IGNORED,
)
PATIENT_BUSY = Prepared(
    lambda patient, start, end, ignored: (
        Visit.objects.active()
        .filter(patient=patient, start__lt=end, end__gt=start)
        .exclude(pk__in=ignored)
        .order_by()
        .values_list("start", "end")
    ),
    patient=Param("patient", BigIntegerField()),
    start=Param("start", DateTimeField()),
    end=Param("end", DateTimeField()),
    ignored=IGNORED,
)


def add_schedules(
    providers: list[ProviderProfile], *, start: datetime.datetime, end: datetime.datetime
) -> None:
    """Give providers already read their weekly hours and the exceptions near the window
    [start, end) (schedule_of), in two queries of plain rows however many providers: a full
    page of providers cost twice a short one while each row was a model instance."""
    ids = [provider.pk for provider in providers]
    weekly: dict[int, list[WeeklyBlock]] = defaultdict(list)
    for provider_id, *block in WEEKLY_HOURS.run(providers=ids):
        weekly[provider_id].append(WeeklyBlock(*block))
    changes: dict[int, list[DatedChange]] = defaultdict(list)
    near = EXCEPTIONS_NEAR.run(
        providers=ids, first=(start - ONE_DAY).date(), last=(end + ONE_DAY).date()
    )
    for provider_id, *change in near:
        changes[provider_id].append(_dated_change(*change))
    for provider in providers:
        setattr(provider, SCHEDULE_ATTRIBUTE, Schedule(weekly[provider.pk], changes[provider.pk]))


def with_schedules(
    providers: QuerySet[ProviderProfile],
    *,
    start: datetime.datetime,
    end: datetime.datetime,
    languages: bool = True,
) -> list[ProviderProfile]:
    """Evaluate providers with their weekly hours, the exceptions near the window (see
    add_schedules) and (unless the page does not show them) their languages."""
    loaded = list(providers.prefetch_related("languages") if languages else providers)
    add_schedules(loaded, start=start, end=end)
    return loaded


def search_window(
    *,
    visit_type: VisitType,
    now: datetime.datetime,
    start: datetime.datetime,
    end: datetime.datetime,
    outside_window: bool = False,
) -> tuple[datetime.datetime, datetime.datetime]:
    """The part of [start, end) the visit type's notice and horizon allow.

    `outside_window` (staff booking with a stated reason) drops the notice and the horizon,
    but never opens the past.
    """
    if outside_window:
        return max(start, now), end
    return max(start, now + visit_type.minimum_notice), min(end, now + visit_type.booking_horizon)


def free_times(
    *,
    visit_type: VisitType,
    providers: list[ProviderProfile],
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime,
    patient=None,
    ignore_visits: tuple = (),
    outside_window: bool = False,
    first_each_day_in: ZoneInfo | None = None,
) -> dict[int, list[datetime.datetime]]:
    """Free start times per provider id in [start, end), honouring notice and horizon.

    `providers` come from with_schedules() or add_schedules(). `ignore_visits` are visit ids
    being moved, whose own time counts as free. `outside_window`: see search_window. With
    `first_each_day_in`, only the first free start of each local day in that zone (see
    slots.free_starts), for pages that show the next free time and how many days have time.
    """
    earliest, latest = search_window(
        visit_type=visit_type, now=now, start=start, end=end, outside_window=outside_window
    )
    result: dict[int, list[datetime.datetime]] = {provider.pk: [] for provider in providers}
    if earliest >= latest or not providers:
        return result
    held_until = latest + visit_type.duration + visit_type.buffer_after
    ignored = list(ignore_visits)
    booked = HELD_BY_PROVIDERS.run(
        providers=[provider.pk for provider in providers],
        start=earliest,
        end=held_until,
        ignored=ignored,
    )
    busy_by_provider: dict[int, list[tuple]] = defaultdict(list)
    for provider_id, visit_start, blocked_until in booked:
        busy_by_provider[provider_id].append((visit_start, blocked_until))
    patient_busy: list[tuple] = []
    if patient is not None:
        patient_busy = PATIENT_BUSY.run(
            patient=patient, start=earliest, end=held_until, ignored=ignored
        )
    for provider in providers:
        zone = provider.zone
        schedule = schedule_of(provider)
        working = working_hours(
            weekly=schedule.weekly,
            changes=schedule.changes,
            zone=zone,
            first_day=earliest.astimezone(zone).date(),
            last_day=latest.astimezone(zone).date(),
        )
        result[provider.pk] = free_starts(
            working=working,
            provider_busy=busy_by_provider[provider.pk],
            patient_busy=patient_busy,
            duration=visit_type.duration,
            buffer_after=visit_type.buffer_after,
            step=visit_type.slot_interval,
            earliest=earliest,
            latest=latest,
            first_each_day_in=first_each_day_in,
        )
    return result


def days_with_time(starts: list[datetime.datetime], zone: ZoneInfo) -> dict[datetime.date, int]:
    """How many free starts fall on each local day."""
    counts: dict[datetime.date, int] = defaultdict(int)
    for start in starts:
        counts[start.astimezone(zone).date()] += 1
    return dict(counts)


def provider_free_times(
    *,
    provider: ProviderProfile,
    visit_type: VisitType,
    around: datetime.datetime,
    now: datetime.datetime,
    patient=None,
    days: int = 1,
    ignore_visits: tuple = (),
    outside_window: bool = False,
) -> list[datetime.datetime]:
    """One provider's free starts within `days` either side of `around`."""
    return free_times_between(
        provider=provider,
        visit_type=visit_type,
        start=around - days * ONE_DAY,
        end=around + days * ONE_DAY,
        now=now,
        patient=patient,
        ignore_visits=ignore_visits,
        outside_window=outside_window,
    )


def free_times_between(
    *,
    provider: ProviderProfile,
    visit_type: VisitType,
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime,
    patient=None,
    ignore_visits: tuple = (),
    outside_window: bool = False,
) -> list[datetime.datetime]:
    """One provider's free starts in [start, end)."""
    providers = with_schedules(ProviderProfile.objects.filter(pk=provider.pk), start=start, end=end)
    return free_times(
        visit_type=visit_type,
        providers=providers,
        start=start,
        end=end,
        now=now,
        patient=patient,
        ignore_visits=ignore_visits,
        outside_window=outside_window,
    ).get(provider.pk, [])


@dataclass
class PlannedSession:
    """One date of a proposed series: free, or clashing with the nearest alternatives."""

    start: datetime.datetime
    free: bool
    alternatives: list[datetime.datetime] = field(default_factory=list)


def series_plan(
    *,
    patient,
    provider: ProviderProfile,
    visit_type: VisitType,
    starts: list[datetime.datetime],
    now: datetime.datetime | None = None,
    ignore_visits: tuple = (),
) -> list[PlannedSession]:
    """Which of these starts are free, and the nearest free times on the same days for those that clash."""
    now = now or timezone.now()
    if not starts:
        return []
    free = free_times_between(
        provider=provider,
        visit_type=visit_type,
        start=starts[0] - ONE_DAY,
        end=starts[-1] + ONE_DAY,
        now=now,
        patient=patient,
        ignore_visits=ignore_visits,
    )
    free_set = set(free)
    plan = []
    for start in starts:
        if start in free_set:
            plan.append(PlannedSession(start, True))
        else:
            same_days = [t for t in free if abs(t - start) < ONE_DAY]
            plan.append(PlannedSession(start, False, nearest(same_days, start)))
    return plan
