"""When the clinic sees patients on demand, and how long a patient may expect to wait: pure work."""

import datetime
import math
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class OpeningHours:
    """Today's on-demand hours as aware datetimes, and whether they are open at `now`."""

    opens: datetime.datetime
    closes: datetime.datetime
    open_now: bool
    next_opens: datetime.datetime


def clinic_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.CLINIC_TIME_ZONE)


def daily_hours() -> tuple[datetime.time, datetime.time]:
    """settings.ON_DEMAND_HOURS read as wall-clock times in the clinic's zone, every day."""
    try:
        opens, closes = (datetime.time.fromisoformat(value) for value in settings.ON_DEMAND_HOURS)
    except (TypeError, ValueError) as error:
        raise ImproperlyConfigured(
            'ON_DEMAND_HOURS must be two "HH:MM" times, e.g. ("08:00", "22:00").'
        ) from error
    if closes <= opens:
        raise ImproperlyConfigured("ON_DEMAND_HOURS must close after they open, on the same day.")
    return opens, closes


def opening_hours(now: datetime.datetime) -> OpeningHours:
    """The on-demand hours of the clinic's day that `now` falls in."""
    zone = clinic_zone()
    opens_at, closes_at = daily_hours()
    today = now.astimezone(zone).date()
    opens = datetime.datetime.combine(today, opens_at, tzinfo=zone)
    closes = datetime.datetime.combine(today, closes_at, tzinfo=zone)
    if now < opens:
        next_opens = opens
    else:
        next_opens = datetime.datetime.combine(
            today + datetime.timedelta(days=1), opens_at, tzinfo=zone
        )
    return OpeningHours(opens, closes, opens <= now < closes, next_opens)


def is_open(now: datetime.datetime) -> bool:
    """Whether patients may ask to be seen now."""
    return opening_hours(now).open_now


def estimated_wait_minutes(position: int, physicians: int) -> int | None:
    """A simple per-position estimate: each patient ahead (and this one) takes
    settings.ON_DEMAND_MINUTES_PER_PATIENT, shared among the physicians on duty who may see
    them. None when nobody is on duty."""
    if physicians <= 0 or position <= 0:
        return None
    return math.ceil(position / physicians) * settings.ON_DEMAND_MINUTES_PER_PATIENT
