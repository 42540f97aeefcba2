"""The time picker's two lists, the days with free time and the times on the chosen day, written
in Python: a booking page lists up to sixty days and dozens of times, and the template engine
spent some twenty lookups and filters on each link. `tests/visits/scheduling/` holds the
template the lists were written with, and a test that these write what it wrote."""

from collections.abc import Iterable, Mapping

from django import template
from django.utils.safestring import SafeString

from config.html import escape

register = template.Library()
CHOSEN = ' aria-current="date" class="chosen"'


@register.simple_tag
def day_links(days: Iterable[Mapping], times_url: str) -> SafeString:
    """Each day with free time: a link to its times, in the page and by htmx."""
    url = escape(times_url)
    return SafeString(
        "".join(
            f'\n        <li><a href="{url}?day={escape(day["iso"])}" '
            f'hx-get="{url}?day={escape(day["iso"])}" hx-target="#time-picker" '
            f'hx-swap="outerHTML" hx-push-url="true"'
            f"{CHOSEN if day['chosen'] else ''}>"
            f"{escape(day['label'])} <small>{day['count']} "
            f"time{'' if day['count'] == 1 else 's'}</small></a></li>\n      "
            for day in days
        )
    )


@register.simple_tag
def time_links(times: Iterable[Mapping], confirm_url: str) -> SafeString:
    """Each free time on the chosen day: a button to the confirm step."""
    url = escape(confirm_url)
    return SafeString(
        "".join(
            f'\n        <li><a role="button" class="outline" '
            f'href="{url}?start={escape(time["start"])}">{escape(time["label"])}</a></li>\n      '
            for time in times
        )
    )
