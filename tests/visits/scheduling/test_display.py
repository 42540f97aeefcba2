"""The words scheduling pages write for times are the `date` filter's, made without it."""

import datetime

from django.utils.dateformat import format as date_format

from visits.scheduling.display import clock, day_name, month_day


def test_days_read_as_the_date_filter_writes_them():
    day = datetime.date(2026, 1, 1)
    while day.year == 2026:
        assert day_name(day) == date_format(day, "l, F j")
        assert month_day(day) == date_format(day, "M j")
        day += datetime.timedelta(days=1)


def test_times_read_as_the_time_filter_writes_them():
    for minute in range(0, 24 * 60, 7):
        value = datetime.time(minute // 60, minute % 60)
        assert clock(value) == date_format(
            datetime.datetime.combine(datetime.date.today(), value), "g:i A"
        )
