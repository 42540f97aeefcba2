"""`|date` and `|time` write exactly what Django's filters write, only faster."""

import datetime
import zoneinfo

import pytest
from django.template import Context, Template, defaultfilters
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from visits.templatetags import english_dates

# Every format the templates use, and others mixing letters, literals and escapes.
FORMATS = [
    "g:i A",
    "M j, Y",
    "l, F j, Y, g:i A",
    "F j, Y",
    "M j, Y, g:i A",
    "l, F j",
    "l, F j, Y",
    "F j, Y, g:i A",
    "l, F j, g:i A",
    "M j, g:i A",
    "M j",
    "D j M Y, g:i A",
    "l, M j",
    "D, M j, Y",
    "l",
    "F j",
    "D j M, g:i A",
    "Y-m-d H:i:s",
    "d/m/y h:i A",
    "n/j G:i",
    "P",
    "N j, Y",
    "jS F",
    "g:i a",
    "T",
    r"j \o\f F",
    "DATE_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "",
    None,
]
ZONES = [datetime.UTC, zoneinfo.ZoneInfo("America/Chicago"), zoneinfo.ZoneInfo("Asia/Kolkata")]
moments = st.datetimes(
    min_value=datetime.datetime(1900, 1, 1), max_value=datetime.datetime(2200, 12, 31)
)


def djangos(filter_name: str, value, arg):
    try:
        return getattr(defaultfilters, filter_name)(value, arg)
    except Exception as error:  # the same failure is expected of both
        return type(error)


def ours(filter_name: str, value, arg):
    try:
        return getattr(english_dates, filter_name)(value, arg)
    except Exception as error:
        return type(error)


@pytest.mark.parametrize("arg", FORMATS)
@settings(max_examples=25)
@given(moment=moments, zone=st.sampled_from(ZONES))
def test_dates_and_times_read_as_djangos(arg, moment, zone):
    aware = moment.replace(tzinfo=zone)
    for value in (aware, moment, moment.date(), moment.time()):
        assert ours("date", value, arg) == djangos("date", value, arg)
        assert ours("time", value, arg) == djangos("time", value, arg)


@pytest.mark.parametrize("value", [None, "", "not a date", 5])
def test_values_that_are_not_dates_are_left_to_django(value):
    assert english_dates.date(value, "M j, Y") == defaultfilters.date(value, "M j, Y")
    assert english_dates.time(value, "g:i A") == defaultfilters.time(value, "g:i A")


def test_other_languages_get_djangos_translated_names():
    moment = datetime.datetime(2026, 12, 1, 15, 30, tzinfo=datetime.UTC)
    with translation.override("de"):
        assert english_dates.date(moment, "l, F j") == defaultfilters.date(moment, "l, F j")
        assert english_dates.date(moment, "l, F j") == "Dienstag, Dezember 1"


def test_templates_use_these_filters_and_convert_to_the_viewers_zone(settings):
    settings.TIME_ZONE = "America/Chicago"
    moment = datetime.datetime(2026, 12, 1, 15, 30, tzinfo=datetime.UTC)
    template = Template('{{ moment|date:"l, F j, g:i A" }} / {{ moment|time:"g:i A" }}')
    assert template.render(Context({"moment": moment})) == "Tuesday, December 1, 9:30 AM / 9:30 AM"
    assert template.engine.template_builtins[-1].filters["date"] is english_dates.date


@pytest.mark.parametrize("arg", FORMATS[:17])
def test_the_formats_of_the_pages_are_written_here_not_by_django(arg):
    moment = datetime.datetime(2026, 12, 1, 15, 30, tzinfo=datetime.UTC)
    assert english_dates._written(moment, arg, times_only=False) is not None
