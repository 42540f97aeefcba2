"""Reads for booking: providers' schedules and free start times, series plans (which providers
can see a patient: visits.scheduling.bookable).

A search runs a fixed number of queries however many providers, days or visits there are:
the providers with their languages (two queries), their hours and exceptions (one), and every
booked visit of those providers in the window with the patient's own visits (one).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import (
    BigIntegerField,
    CharField,
    DateField,
    DateTimeField,
    IntegerField,
    QuerySet,
    UUIDField,
)
from django.utils import timezone

from accounts.models import ProviderProfile
from config.prepared import IfGiven, Param, Params, Prepared, empty
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
# providers (a page of them at most) and run with the page's providers and window: the
# providers' weekly hours and exceptions in one query, the visits that hold their time and the
# patient's own in another (UNION ALL: one round trip each, the rows told apart by their
# empty columns).
PROVIDERS = Params("providers", BigIntegerField())


def _schedule_rows(providers, first, last) -> QuerySet:
    weekly = (
        WeeklyHours.objects.filter(provider_id__in=providers)
        .order_by()
        .annotate(
            kind_=empty(CharField()),
            start_date_=empty(DateField()),
            end_date_=empty(DateField()),
        )
        .values_list(
            "provider_id", "weekday", "kind_", "start_date_", "end_date_", "start_time", "end_time"
        )
    )
    near = (
        ScheduleException.objects.filter(
            provider_id__in=providers, end_date__gte=first, start_date__lte=last
        )
        .order_by()
        .annotate(weekday_=empty(IntegerField()))
        .values_list("provider_id", "weekday_", *EXCEPTION_COLUMNS)
    )
    return weekly.union(near, all=True).order_by()


SCHEDULE_ROWS = Prepared(
    _schedule_rows,
    providers=PROVIDERS,
    first=Param("first", DateField()),
    last=Param("last", DateField()),
)
IGNORED = Params("ignored", UUIDField())


def _busy_rows(providers, patient, start, end, ignored) -> QuerySet:
    held = (
        Visit.objects.active()
        .filter(provider__in=providers)
        .overlapping(start, end)
        .exclude(pk__in=ignored)
        .order_by()
        .values_list("provider_id", "start", "blocked_until")
    )
    if patient is None:
        return held
    own = (
        Visit.objects.active()
        .filter(patient=patient, start__lt=end, end__gt=start)
        .exclude(pk__in=ignored)
        .order_by()
        .annotate(provider_=empty(BigIntegerField()))
        .values_list("provider_", "start", "end")
    )
    return held.union(own, all=True).order_by()


BUSY_ROWS = Prepared(
    _busy_rows,
    providers=PROVIDERS,
    patient=IfGiven("patient", BigIntegerField()),
    start=Param("start", DateTimeField()),
    end=Param("end", DateTimeField()),
    ignored=IGNORED,
)


def add_schedules(
    providers: list[ProviderProfile], *, start: datetime.datetime, end: datetime.datetime
) -> None:
    """Give providers already read their weekly hours and the exceptions near the window
    [start, end) (schedule_of), in one query of plain rows however many providers: a full
    page of providers cost twice a short one while each row was a model instance."""
    weekly: dict[int, list[WeeklyBlock]] = defaultdict(list)
    changes: dict[int, list[DatedChange]] = defaultdict(list)
    rows = SCHEDULE_ROWS.run(
        providers=[provider.pk for provider in providers],
        first=(start - ONE_DAY).date(),
        last=(end + ONE_DAY).date(),
    )
    for provider_id, weekday, kind, first_day, last_day, block_start, block_end in rows:
        if kind is None:
            weekly[provider_id].append(WeeklyBlock(weekday, block_start, block_end))
        else:
            changes[provider_id].append(
                _dated_change(kind, first_day, last_day, block_start, block_end)
            )
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
    busy_by_provider: dict[int, list[tuple]] = defaultdict(list)
    patient_busy: list[tuple] = []
    busy = BUSY_ROWS.run(
        providers=[provider.pk for provider in providers],
        patient=patient,
        start=earliest,
        end=held_until,
        ignored=list(ignore_visits),
    )
    for provider_id, visit_start, visit_end in busy:
        if provider_id is None:  # the patient's own visit: [start, end)
            patient_busy.append((visit_start, visit_end))
        else:  # a provider's visit with its buffer: [start, blocked_until)
            busy_by_provider[provider_id].append((visit_start, visit_end))
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
