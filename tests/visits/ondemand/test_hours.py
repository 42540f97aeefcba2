"""On-demand hours in the clinic's zone, and the per-position wait estimate."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from visits.ondemand.hours import estimated_wait_minutes, is_open, opening_hours

CHICAGO = ZoneInfo("America/Chicago")


def chicago(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2027, 3, day, hour, minute, tzinfo=CHICAGO)


class TestHours:
    @pytest.mark.parametrize(
        ("hour", "minute", "expected"),
        [(7, 59, False), (8, 0, True), (12, 0, True), (21, 59, True), (22, 0, False)],
    )
    def test_open_from_eight_until_ten_in_the_clinics_zone(self, hour, minute, expected):
        assert is_open(chicago(1, hour, minute).astimezone(datetime.UTC)) is expected

    def test_the_hours_keep_their_wall_clock_across_daylight_saving(self):
        """March 14 2027 is the change: 08:00 Chicago is 14:00 UTC before it, 13:00 after."""
        before = opening_hours(chicago(13, 12))
        after = opening_hours(chicago(15, 12))
        assert before.opens.astimezone(datetime.UTC).hour == 14
        assert after.opens.astimezone(datetime.UTC).hour == 13

    def test_after_closing_the_next_opening_is_tomorrow_morning(self):
        hours = opening_hours(chicago(1, 23))
        assert hours.open_now is False
        assert hours.next_opens == chicago(2, 8)
        assert opening_hours(chicago(1, 6)).next_opens == chicago(1, 8)

    def test_another_zone_and_hours_from_settings(self, settings):
        settings.CLINIC_TIME_ZONE = "America/New_York"
        settings.ON_DEMAND_HOURS = ("09:30", "17:00")
        new_york = ZoneInfo("America/New_York")
        assert is_open(datetime.datetime(2027, 3, 1, 9, 30, tzinfo=new_york))
        assert not is_open(datetime.datetime(2027, 3, 1, 9, 29, tzinfo=new_york))

    @pytest.mark.parametrize("hours", [("22:00", "08:00"), ("8am", "5pm"), (None, "10:00")])
    def test_bad_hours_are_a_configuration_error(self, settings, hours):
        settings.ON_DEMAND_HOURS = hours
        with pytest.raises(ImproperlyConfigured):
            is_open(chicago(1, 12))


class TestEstimate:
    @pytest.mark.parametrize(
        ("position", "physicians", "minutes"),
        [(1, 1, 10), (2, 1, 20), (1, 3, 10), (4, 3, 20), (6, 3, 20), (7, 3, 30)],
    )
    def test_minutes_per_patient_shared_among_physicians(
        self, settings, position, physicians, minutes
    ):
        settings.ON_DEMAND_MINUTES_PER_PATIENT = 10
        assert estimated_wait_minutes(position, physicians) == minutes

    def test_nobody_on_duty_gives_no_estimate(self):
        assert estimated_wait_minutes(1, 0) is None
