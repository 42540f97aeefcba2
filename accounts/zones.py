"""Whose clock a page speaks in: the viewer's own zone, named in words people use."""

import datetime
import zoneinfo

from django.conf import settings

# US zones by the names people say, whatever the season ("Pacific time", not "PST" or
# "America/Los_Angeles"); other zones are named by their city.
ZONE_NAMES = {
    "America/New_York": "Eastern time",
    "America/Detroit": "Eastern time",
    "America/Indiana/Indianapolis": "Eastern time",
    "America/Kentucky/Louisville": "Eastern time",
    "US/Eastern": "Eastern time",
    "America/Chicago": "Central time",
    "America/Indiana/Knox": "Central time",
    "America/Menominee": "Central time",
    "US/Central": "Central time",
    "America/Denver": "Mountain time",
    "America/Boise": "Mountain time",
    "US/Mountain": "Mountain time",
    "America/Phoenix": "Arizona time",
    "US/Arizona": "Arizona time",
    "America/Los_Angeles": "Pacific time",
    "US/Pacific": "Pacific time",
    "America/Anchorage": "Alaska time",
    "America/Juneau": "Alaska time",
    "US/Alaska": "Alaska time",
    "Pacific/Honolulu": "Hawaii time",
    "US/Hawaii": "Hawaii time",
    "America/Puerto_Rico": "Atlantic time",
    "UTC": "UTC",
    "Etc/UTC": "UTC",
}


def clinic_zone() -> zoneinfo.ZoneInfo:
    """The clinic's own zone: the default for staff and admins who have not chosen one."""
    return zoneinfo.ZoneInfo(settings.CLINIC_TIME_ZONE)


def zone_name(zone: datetime.tzinfo | str) -> str:
    """A zone as people name it: "Pacific time", "Arizona time", "London time"."""
    key = zone if isinstance(zone, str) else getattr(zone, "key", str(zone))
    if key in ZONE_NAMES:
        return ZONE_NAMES[key]
    city = key.rsplit("/", 1)[-1].replace("_", " ")
    return f"{city} time"


def viewer_zone_key(user) -> str:
    """The zone key a signed-in person sees times in.

    Patients: their profile's zone; clinicians: their provider profile's; staff and admins:
    the zone on their account, else the clinic's. The sign-in backends load the profiles with
    the user, so this costs no query of its own.
    """
    if not getattr(user, "is_authenticated", False):
        return settings.CLINIC_TIME_ZONE
    for profile in ("patient_profile", "provider_profile"):
        zone = getattr(getattr(user, profile, None), "time_zone", "")
        if zone:
            return zone
    return getattr(user, "time_zone", "") or settings.CLINIC_TIME_ZONE
