"""`|date` and `|time` for the formats the clinic's pages use, written in plain Python.

Django's filters look the format up in the active locale's format modules and translate each
month and weekday name on every call: 10-15 µs a date, and pages show dozens. The clinic's pages
are in English, so for an English language and a format made only of the letters below the
filters write the same text themselves (2-3 µs); any other format, language or value goes to
Django's filters. This library is a template builtin (settings: TEMPLATES), so it replaces
Django's two filters in every template. `tests/visits/test_english_dates.py` compares both.
"""

import datetime
import re

from django import template
from django.template import defaultfilters
from django.utils import translation
from django.utils.formats import FORMAT_SETTINGS

from visits.scheduling.display import MONTHS, WEEKDAYS

register = template.Library()

DATE_LETTERS = {
    "l": lambda d: WEEKDAYS[d.weekday()],
    "D": lambda d: WEEKDAYS[d.weekday()][:3],
    "F": lambda d: MONTHS[d.month - 1],
    "M": lambda d: MONTHS[d.month - 1][:3],
    "j": lambda d: str(d.day),
    "d": lambda d: f"{d.day:02d}",
    "n": lambda d: str(d.month),
    "m": lambda d: f"{d.month:02d}",
    "Y": lambda d: f"{d.year:04d}",
    "y": lambda d: f"{d.year % 100:02d}",
}
TIME_LETTERS = {
    "g": lambda t: str(t.hour % 12 or 12),
    "G": lambda t: str(t.hour),
    "h": lambda t: f"{t.hour % 12 or 12:02d}",
    "H": lambda t: f"{t.hour:02d}",
    "i": lambda t: f"{t.minute:02d}",
    "s": lambda t: f"{t.second:02d}",
    "A": lambda t: "AM" if t.hour < 12 else "PM",
}
LETTERS = {"date": DATE_LETTERS, "time": TIME_LETTERS, "date and time": DATE_LETTERS | TIME_LETTERS}
# Every letter Django's format strings give a meaning to (django.utils.dateformat).
DJANGO_LETTERS = re.compile(r"[aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTUuwWyYzZ]")


def _writer(format_string: str, letters: dict) -> list | None:
    """The format as literal text and letter functions, or None if it needs Django."""
    if "\\" in format_string:
        return None
    parts: list = []
    for char in format_string:
        if char in letters:
            parts.append(letters[char])
        elif DJANGO_LETTERS.fullmatch(char):
            return None
        else:
            parts.append(char)
    return parts


_writers: dict[tuple[str, str], list | None] = {}


def _written(value: object, format_string: object, *, times_only: bool) -> str | None:
    if not isinstance(format_string, str) or not format_string:
        return None
    if format_string in FORMAT_SETTINGS or not translation.get_language().startswith("en"):
        return None
    if isinstance(value, datetime.datetime):
        kind = "time" if times_only else "date and time"
    elif isinstance(value, datetime.date) and not times_only:
        kind = "date"
    elif isinstance(value, datetime.time):
        kind = "time"
    else:
        return None
    key = (format_string, kind)
    if key not in _writers:
        _writers[key] = _writer(format_string, LETTERS[kind])
    parts = _writers[key]
    if parts is None:
        return None
    return "".join(part if isinstance(part, str) else part(value) for part in parts)


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    """Django's `date` filter, written here for English and the common letters."""
    written = _written(value, arg, times_only=False)
    return written if written is not None else defaultfilters.date(value, arg)


@register.filter(expects_localtime=True, is_safe=False)
def time(value, arg=None):
    """Django's `time` filter, written here for English and the common letters."""
    written = _written(value, arg, times_only=True)
    return written if written is not None else defaultfilters.time(value, arg)
