"""How a series' dates read to the patient: past the booking horizon, or shifted by a clock change.

A weekly series keeps the provider's wall-clock time. When the provider's zone and the patient's
change their clocks on different days (the US and Europe, or Arizona, which never does), a
session in between reads an hour off in the patient's zone; each such date says why.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import ProviderProfile
from accounts.zones import zone_name
from visits.scheduling.availability import PlannedSession
from visits.scheduling.models import VisitType

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class SessionLine:
    """One planned date as the series page shows it."""

    session: PlannedSession
    beyond_horizon: bool
    clock_note: str


def clock_changes(
    start: datetime.datetime, end: datetime.datetime, zone: datetime.tzinfo
) -> list[datetime.date]:
    """The local dates between `start` and `end` on which `zone` changes its clocks."""
    changes = []
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    while day < last:
        today = datetime.datetime.combine(day, datetime.time(12), tzinfo=zone)
        tomorrow = datetime.datetime.combine(day + ONE_DAY, datetime.time(12), tzinfo=zone)
        if today.utcoffset() != tomorrow.utcoffset():
            changes.append(day + ONE_DAY)
        day += ONE_DAY
    return changes


def _dates(days: list[datetime.date]) -> str:
    return " and ".join(f"{day:%B} {day.day}" for day in days)


def series_lines(
    plan: list[PlannedSession],
    *,
    visit_type: VisitType,
    provider: ProviderProfile,
    zone: datetime.tzinfo,
    now: datetime.datetime | None = None,
) -> list[SessionLine]:
    """Each planned session with whether it lies past the horizon and why its time shifted."""
    if not plan:
        return []
    now = now or timezone.now()
    limit = now + visit_type.booking_horizon
    provider_zone = provider.zone
    first = plan[0].start
    first_time = first.astimezone(zone).time()
    ours = clock_changes(first, plan[-1].start, zone)
    theirs = clock_changes(first, plan[-1].start, provider_zone)
    lines = []
    for session in plan:
        note = ""
        if session.start.astimezone(zone).time() != first_time:
            yours = [day for day in ours if day <= session.start.astimezone(zone).date()]
            provider_days = [
                day for day in theirs if day <= session.start.astimezone(provider_zone).date()
            ]
            your_part = (
                f"your clocks change on {_dates(yours)}" if yours else "your clocks do not change"
            )
            their_part = (
                f"{zone_name(provider_zone)} changes on {_dates(provider_days)}"
                if provider_days
                else f"{zone_name(provider_zone)} does not change"
            )
            note = (
                f"{your_part}, {their_part}; the session keeps "
                f"{provider.user.display_name or 'the provider'}'s "
                f"{session.start.astimezone(provider_zone):%-I:%M %p}"
            )
        lines.append(SessionLine(session, session.start > limit, note))
    return lines
