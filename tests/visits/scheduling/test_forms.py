"""The parsing every scheduling page shares: dates and times bounded to a sane window."""

import datetime

import pytest

from visits.scheduling.forms import (
    EARLIEST_DAY,
    BookingForm,
    date_window,
    in_date_window,
    out_of_window_message,
    parse_day,
    parse_start,
)

TODAY = datetime.date(2026, 12, 1)


class TestParseStart:
    @pytest.mark.parametrize(
        "value",
        [
            "0001-01-01T00:00:00+05:00",
            "9999-12-31T23:59:00-05:00",
            "1999-12-31T12:00:00+00:00",
            "2027-03-01T10:00:00",  # no offset
            "not a time",
            "",
            None,
            ["2027-03-01T10:00:00+00:00"],
        ],
    )
    def test_anything_but_a_time_in_the_window_is_none(self, value):
        """Extreme, naive, malformed or missing starts are None, never an OverflowError."""
        assert parse_start(value) is None

    def test_a_time_with_an_offset_comes_back_in_utc(self):
        """An offset time in the window is the same instant in UTC."""
        assert parse_start("2027-03-01T10:00:00-06:00") == datetime.datetime(
            2027, 3, 1, 16, tzinfo=datetime.UTC
        )

    def test_the_first_day_of_the_window_is_accepted_at_any_offset(self):
        """Midnight on January 1, 2000 east of UTC is the last day of 1999 in UTC, and fine."""
        start = parse_start("2000-01-01T00:00:00+05:00")
        assert start == datetime.datetime(1999, 12, 31, 19, tzinfo=datetime.UTC)


class TestParseDay:
    @pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1999-12-31", "2027-02-30", ""])
    def test_days_outside_the_window_or_malformed_are_none(self, value):
        """?day= or ?week= at either end is no day at all."""
        assert parse_day(value) is None

    def test_a_day_in_the_window_is_that_day(self):
        assert parse_day("2027-03-31") == datetime.date(2027, 3, 31)


class TestWindow:
    def test_the_window_runs_from_2000_to_two_years_ahead(self):
        """The bounds every scheduling page shares, and the message naming them."""
        first, last = date_window(TODAY)
        assert first == EARLIEST_DAY == datetime.date(2000, 1, 1)
        assert last == TODAY + datetime.timedelta(days=732)
        assert in_date_window(last, TODAY)
        assert not in_date_window(last + datetime.timedelta(days=1), TODAY)
        assert out_of_window_message(TODAY) == (
            "Choose a date between January 1, 2000 and December 2, 2028."
        )

    def test_the_series_end_date_is_bounded_by_the_field(self):
        """A last date of 9999-12-31 is refused with the window's message."""
        form = BookingForm(
            {"repeat": "1", "until": "9999-12-31"},
            can_recur=True,
            first_start=datetime.datetime(2027, 3, 1, 16, tzinfo=datetime.UTC),
        )
        assert not form.is_valid()
        assert form.errors["until"][0].startswith("Choose a date between January 1, 2000 and")
