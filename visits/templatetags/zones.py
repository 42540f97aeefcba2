"""Name a time's zone in words on a page: "Central time", never "CST" or "America/Chicago"."""

import datetime

from django import template

from accounts.zones import zone_name

register = template.Library()


@register.filter
def zone_words(value: datetime.datetime | None) -> str:
    """The zone a datetime is shown in, as people name it; empty for no time."""
    if not isinstance(value, datetime.datetime) or value.tzinfo is None:
        return ""
    return zone_name(value.tzinfo)
