"""Name a time's zone in words on a page: "Central time", never "CST" or "America/Chicago"."""

import datetime

from django import template

from accounts.zones import zone_name

register = template.Library()


@register.filter
def zone_words(value: datetime.datetime | datetime.tzinfo | str | None) -> str:
    """A zone as people name it, from a zone or from a datetime shown in it; empty for none."""
    if isinstance(value, datetime.datetime):
        return zone_name(value.tzinfo) if value.tzinfo is not None else ""
    if isinstance(value, datetime.tzinfo | str) and value:
        return zone_name(value)
    return ""
