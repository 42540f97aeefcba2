"""Scheduling's pages, by family: the patient's booking, one visit, the hours editor, the
calendar, and booking for a patient. Helpers the staff-side families share live here.
"""

import datetime
from zoneinfo import ZoneInfo

from django.db.models import BigIntegerField
from django.http import Http404
from django.urls import reverse

from accounts import policy
from accounts.models import ProviderProfile
from accounts.zones import zone_name
from config.prepared import Param, Prepared, Viewer

# Every staff-side page of a schedule starts here: built and compiled once (config.prepared).
SCHEDULE = Prepared(
    lambda viewer, provider: (
        policy.SCHEDULES.filter(ProviderProfile.objects.select_related("user"), viewer)
        .filter(pk=provider)
        .order_by()  # one row by its id: no ORDER BY (and no join to order by the user's name)
    ),
    viewer=Viewer(),
    provider=Param("provider", BigIntegerField()),
)


def schedule_for(request, provider_id: int) -> ProviderProfile:
    """The provider whose schedule this is, from those the user may manage; 404 otherwise."""
    found = SCHEDULE.run(viewer=request.user, provider=provider_id, limit=1)
    if not found:
        raise Http404("No such schedule.")
    return found[0]


def local_midnight(day: datetime.date, zone: ZoneInfo) -> datetime.datetime:
    """The start of a local day, in UTC."""
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=zone).astimezone(datetime.UTC)


def editor_url(provider: ProviderProfile, weekday: int | None = None) -> str:
    url = reverse("scheduling:schedule_edit", args=[provider.pk])
    return url if weekday is None else f"{url}#weekday-{weekday}"


def calendar_url(provider: ProviderProfile, day: datetime.date) -> str:
    return reverse("scheduling:schedule_calendar", args=[provider.pk]) + f"?day={day.isoformat()}"


def zone_context(provider: ProviderProfile, now: datetime.datetime) -> dict:
    """The provider's zone for the staff pages, which show a schedule in the provider's own zone:
    its key for `{% timezone %}`, and its name in words for the reader ("Central time")."""
    return {"zone_name": provider.time_zone, "zone_words": zone_name(provider.zone)}
