"""Free time, computed from plain values: weekly hours, exceptions and what is already booked.

Nothing here touches the database. Weekly hours are wall-clock times in the provider's zone and
are turned into UTC day by day, so 09:00 stays 09:00 across daylight-saving changes.
"""

import datetime
import functools
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

UTC = datetime.UTC
Interval = tuple[datetime.datetime, datetime.datetime]


@dataclass(frozen=True)
class WeeklyBlock:
    """Regular hours on one weekday (Monday is 0), local wall-clock times."""

    weekday: int
    start: datetime.time
    end: datetime.time


@dataclass(frozen=True)
class DatedChange:
    """Time off (removes hours) or extra hours (adds them) on each day of a date range.

    Without times, time off covers the whole of each day.
    """

    extra: bool
    first_day: datetime.date
    last_day: datetime.date
    start: datetime.time | None = None
    end: datetime.time | None = None

    def covers(self, day: datetime.date) -> bool:
        return self.first_day <= day <= self.last_day


# A pure function of its arguments, asked the same few (a page of providers keeps much the same
# hours in a few zones, over the same days), so its answers are kept.
@functools.lru_cache(maxsize=8192)
def _local(day: datetime.date, clock: datetime.time, zone: ZoneInfo) -> datetime.datetime:
    """The instant a wall-clock time happens on a day, in UTC.

    A time the clocks skip when they spring forward stands for the moment they jump, so hours
    starting or ending inside the gap neither gain nor lose time. A time that happens twice when
    the clocks fall back is its first occurrence.
    """
    wall = datetime.datetime.combine(day, clock, tzinfo=zone)
    instant = wall.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return instant
    # Inside the gap: read with the offset after the change the time falls before the jump,
    # with the offset before it after the jump. Narrow down to the second the offset changes.
    before, after = wall.replace(fold=1).astimezone(UTC), instant
    offset_after = after.astimezone(zone).utcoffset()
    while (seconds := int((after - before).total_seconds())) > 1:
        middle = before + datetime.timedelta(seconds=seconds // 2)
        if middle.astimezone(zone).utcoffset() == offset_after:
            after = middle
        else:
            before = middle
    return after


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted intervals with overlapping or touching ones joined."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(intervals: list[Interval], removed: Interval) -> list[Interval]:
    cut_start, cut_end = removed
    if cut_start >= cut_end:
        return intervals  # e.g. time off inside the hour the clocks skip
    kept: list[Interval] = []
    for start, end in intervals:
        if end <= cut_start or start >= cut_end:
            kept.append((start, end))
            continue
        if start < cut_start:
            kept.append((start, cut_start))
        if end > cut_end:
            kept.append((cut_end, end))
    return kept


def working_hours(
    *,
    weekly: Iterable[WeeklyBlock],
    changes: Iterable[DatedChange],
    zone: ZoneInfo,
    first_day: datetime.date,
    last_day: datetime.date,
) -> list[Interval]:
    """The provider's working time from first_day to last_day (local dates), as UTC intervals."""
    by_weekday: dict[int, list[WeeklyBlock]] = {}
    for block in weekly:
        by_weekday.setdefault(block.weekday, []).append(block)
    changes = list(changes)
    result: list[Interval] = []
    day = first_day
    while day <= last_day:
        intervals = [
            (_local(day, block.start, zone), _local(day, block.end, zone))
            for block in by_weekday.get(day.weekday(), ())
        ]
        todays = [change for change in changes if change.covers(day)]
        for change in todays:
            if change.extra and change.start is not None and change.end is not None:
                intervals.append((_local(day, change.start, zone), _local(day, change.end, zone)))
        intervals = merge_intervals(intervals)
        for change in todays:
            if change.extra:
                continue
            if change.start is None or change.end is None:
                intervals = []
            else:
                intervals = _subtract(
                    intervals, (_local(day, change.start, zone), _local(day, change.end, zone))
                )
        result.extend(interval for interval in intervals if interval[0] < interval[1])
        day += datetime.timedelta(days=1)
    return result


class _Busy:
    """Booked intervals, sorted, answering 'does [start, end) meet any of them?' in log time."""

    def __init__(self, intervals: Iterable[Interval]) -> None:
        self.intervals = merge_intervals(intervals)
        self.starts = [start for start, _ in self.intervals]

    def meets(self, start: datetime.datetime, end: datetime.datetime) -> bool:
        index = bisect_left(self.starts, end)
        return index > 0 and self.intervals[index - 1][1] > start


_MIDNIGHT = datetime.time(0)


def _next_local_midnight(moment: datetime.datetime, zone: ZoneInfo) -> datetime.datetime:
    """The instant the local day after `moment`'s begins, in UTC."""
    return _local(moment.astimezone(zone).date() + datetime.timedelta(days=1), _MIDNIGHT, zone)


def free_starts(
    *,
    working: Sequence[Interval],
    provider_busy: Iterable[Interval],
    patient_busy: Iterable[Interval] = (),
    duration: datetime.timedelta,
    buffer_after: datetime.timedelta,
    step: datetime.timedelta,
    earliest: datetime.datetime,
    latest: datetime.datetime,
    first_each_day_in: ZoneInfo | None = None,
) -> list[datetime.datetime]:
    """Start times where a visit and its buffer fit: inside working time, clear of bookings.

    A visit occupies [start, start + duration) for the patient and, with the buffer,
    [start, start + duration + buffer_after) for the provider; provider_busy holds each existing
    visit's [start, start + duration + buffer). Starts fall on `step` from the start of each
    working interval, no earlier than `earliest` and before `latest`.

    With `first_each_day_in` (a zone), only the earliest start of each local day in that zone:
    the same as keeping the first of each day of the full answer, found without walking the
    rest of a day once it has one. Enough for "next free" and "days with free time".
    """
    provider = _Busy(provider_busy)
    patient = _Busy(patient_busy)
    starts: list[datetime.datetime] = []
    resume = earliest
    for work_start, work_end in working:
        candidate = work_start
        if candidate < resume:
            candidate = work_start + -(-(resume - work_start) // step) * step
        while candidate + duration <= work_end and candidate < latest:
            finish = candidate + duration
            if not provider.meets(candidate, finish + buffer_after) and not patient.meets(
                candidate, finish
            ):
                starts.append(candidate)
                if first_each_day_in is not None:
                    resume = _next_local_midnight(candidate, first_each_day_in)
                    candidate = work_start + -(-(resume - work_start) // step) * step
                    continue
            candidate += step
    return starts


def nearest(
    starts: Sequence[datetime.datetime], target: datetime.datetime, count: int = 3
) -> list[datetime.datetime]:
    """The `count` free starts closest in time to `target`, in time order."""
    closest = sorted(starts, key=lambda start: (abs(start - target), start))[:count]
    return sorted(closest)
