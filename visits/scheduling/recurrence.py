"""Pure recurrence: the starts of a weekly series, and a start shifted as its anchor moved.

Both keep the local wall-clock time in the provider's zone, so daylight-saving changes never
slip a session (dateutil's rrule works on naive local times).
"""

import datetime
from collections.abc import Iterable
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import WEEKLY, rrule

MAX_SERIES_SESSIONS = 52


def series_starts(
    *,
    first: datetime.datetime,
    zone: ZoneInfo,
    every_weeks: int,
    count: int | None = None,
    until: datetime.date | None = None,
) -> list[datetime.datetime]:
    """Weekly or fortnightly starts at the same local wall-clock time, in UTC (dateutil rrule)."""
    local_first = first.astimezone(zone).replace(tzinfo=None)
    rule: Iterable[datetime.datetime]
    if count is not None or until is None:
        rule = rrule(
            WEEKLY,
            interval=every_weeks,
            dtstart=local_first,
            count=min(count or 1, MAX_SERIES_SESSIONS),
        )
    else:
        last = datetime.datetime.combine(until, datetime.time(23, 59))
        # dateutil deprecates count together with until (RFC 5545), so cap the length here.
        rule = islice(
            rrule(WEEKLY, interval=every_weeks, dtstart=local_first, until=last),
            MAX_SERIES_SESSIONS,
        )
    return [occurrence.replace(tzinfo=zone).astimezone(datetime.UTC) for occurrence in rule]


def shifted_start(
    start: datetime.datetime,
    *,
    old_anchor: datetime.datetime,
    new_anchor: datetime.datetime,
    zone: ZoneInfo,
) -> datetime.datetime:
    """Move `start` the way the anchor moved, in local days and wall-clock time, so DST never slips it."""
    old_local, new_local = old_anchor.astimezone(zone), new_anchor.astimezone(zone)
    local = start.astimezone(zone)
    day = local.date() + (new_local.date() - old_local.date())
    return datetime.datetime.combine(
        day, new_local.time().replace(tzinfo=None), tzinfo=zone
    ).astimezone(datetime.UTC)
