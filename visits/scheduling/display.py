"""How scheduling pages and messages name times, spans of hours and patients."""

import datetime

from django.utils.dateformat import format as date_format

from accounts.models import User
from visits.scheduling.models import ScheduleException

# Pages list dozens of times; formatting them here, in plain Python, costs a fraction of
# Django's `date` filter (a locale lookup and a translation per call) and reads the same: the
# clinic's pages are in English.
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def clock(value: datetime.time | datetime.datetime) -> str:
    """A wall-clock time as people read it: 9:00 AM (the `date` filter's "g:i A")."""
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'}"


def day_name(day: datetime.date) -> str:
    """A date with its weekday: Monday, January 12 ("l, F j")."""
    return f"{WEEKDAYS[day.weekday()]}, {MONTHS[day.month - 1]} {day.day}"


def short_day(day: datetime.date) -> str:
    """A date in a few letters: Mon 12 Jan ("D j M")."""
    return f"{WEEKDAYS[day.weekday()][:3]} {day.day} {MONTHS[day.month - 1][:3]}"


def month_day(day: datetime.date) -> str:
    """A date as a month's first letters and the day: Jan 12 ("M j")."""
    return f"{MONTHS[day.month - 1][:3]} {day.day}"


def day_and_clock(value: datetime.datetime) -> str:
    """A local date and time: Monday, January 12, 9:00 AM ("l, F j, g:i A")."""
    return f"{day_name(value)}, {clock(value)}"


def when(value: datetime.datetime) -> str:
    """A local date and time as people read it: Monday, January 12, 9:00 AM CST."""
    return date_format(value, "l, F j, g:i A T")


def span(start: datetime.time, end: datetime.time) -> str:
    """Two wall-clock times as a span: 9:00 AM to 12:00 PM."""
    return f"{clock(start)} to {clock(end)}"


def patient_name(user: User) -> str:
    """The name clinic staff know a patient by: the legal name, else what they call themselves."""
    profile = user.patient_profile_or_none
    return profile.legal_name if profile else (user.display_name or user.email)


def patient_label(user: User) -> str:
    """A patient as staff tell them apart in a search: name, date of birth and email."""
    profile = user.patient_profile
    return (
        f"{profile.legal_name}, born {date_format(profile.date_of_birth, 'N j, Y')}, {user.email}"
    )


def exception_summary(exception: ScheduleException) -> str:
    """Time off, Monday, January 12 to Friday, January 16, 1:00 PM to 5:00 PM."""
    days = date_format(exception.start_date, "l, F j")
    if exception.end_date != exception.start_date:
        days += " to " + date_format(exception.end_date, "l, F j")
    start, end = exception.start_time, exception.end_time
    times = "whole day" if start is None or end is None else span(start, end)
    return f"{exception.get_kind_display()}, {days}, {times}"


def when_in_words(value: datetime.datetime) -> str:
    """A local date and time without the zone's abbreviation: Monday, January 12 at 9:00 AM."""
    return date_format(value, "l, F j \\a\\t g:i A")
