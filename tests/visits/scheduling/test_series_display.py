"""A series' dates as the patient reads them: past the horizon, or shifted by a clock change."""

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from visits.scheduling.availability import PlannedSession
from visits.scheduling.series_display import clock_changes, series_lines

CHICAGO = ZoneInfo("America/Chicago")
LONDON = ZoneInfo("Europe/London")
PHOENIX = ZoneInfo("America/Phoenix")
NOW = datetime.datetime(2027, 3, 1, 12, tzinfo=datetime.UTC)


def weekly_at_ten_chicago(first: datetime.date, count: int) -> list[PlannedSession]:
    return [
        PlannedSession(
            datetime.datetime.combine(
                first + datetime.timedelta(weeks=week), datetime.time(10), tzinfo=CHICAGO
            ),
            True,
        )
        for week in range(count)
    ]


def provider():
    return SimpleNamespace(zone=CHICAGO, user=SimpleNamespace(display_name="Ava Thompson"))


def visit_type(days: int = 90):
    return SimpleNamespace(booking_horizon=datetime.timedelta(days=days))


class TestClockChanges:
    def test_the_us_and_the_uk_change_on_different_days(self):
        """In March 2027 Chicago changes on the 14th, London on the 28th, Phoenix never."""
        start = datetime.datetime(2027, 3, 1, tzinfo=datetime.UTC)
        end = datetime.datetime(2027, 4, 1, tzinfo=datetime.UTC)
        assert clock_changes(start, end, CHICAGO) == [datetime.date(2027, 3, 14)]
        assert clock_changes(start, end, LONDON) == [datetime.date(2027, 3, 28)]
        assert clock_changes(start, end, PHOENIX) == []


class TestSeriesLines:
    def test_sessions_between_the_two_changes_say_why_they_moved(self):
        """A London client's 4:00 PM reads 3:00 PM for two weeks, and each of those says why."""
        plan = weekly_at_ten_chicago(datetime.date(2027, 3, 9), 4)
        lines = series_lines(
            plan, visit_type=visit_type(), provider=provider(), zone=LONDON, now=NOW
        )
        notes = [line.clock_note for line in lines]
        assert notes[0] == ""
        assert notes[3] == ""  # both zones have changed by March 30: 4:00 PM again
        for note in notes[1:3]:
            assert note.startswith("your clocks do not change")
        assert "Central time changes on March 14" in notes[1]
        assert "keeps Ava Thompson's 10:00 AM" in notes[1]
        assert plan[1].start.astimezone(LONDON).hour == 15

    def test_a_zone_without_daylight_saving_explains_every_later_date(self):
        """A Phoenix client: every session after Chicago's change reads an hour earlier, and says so."""
        plan = weekly_at_ten_chicago(datetime.date(2027, 3, 9), 3)
        lines = series_lines(
            plan, visit_type=visit_type(), provider=provider(), zone=PHOENIX, now=NOW
        )
        assert [bool(line.clock_note) for line in lines] == [False, True, True]
        assert "your clocks do not change, Central time changes on March 14" in lines[1].clock_note

    def test_the_same_zone_needs_no_note(self):
        """A client in Chicago time reads 10:00 AM every week: nothing to explain."""
        plan = weekly_at_ten_chicago(datetime.date(2027, 3, 9), 4)
        lines = series_lines(
            plan, visit_type=visit_type(), provider=provider(), zone=CHICAGO, now=NOW
        )
        assert [line.clock_note for line in lines] == [""] * 4

    def test_dates_past_the_horizon_are_marked(self):
        """With a 21-day horizon, sessions more than 21 days from now are beyond it."""
        plan = weekly_at_ten_chicago(datetime.date(2027, 3, 9), 4)
        lines = series_lines(
            plan, visit_type=visit_type(days=21), provider=provider(), zone=CHICAGO, now=NOW
        )
        assert [line.beyond_horizon for line in lines] == [False, False, True, True]

    def test_an_empty_plan_has_no_lines(self):
        """Nothing planned, nothing shown."""
        assert series_lines([], visit_type=visit_type(), provider=provider(), zone=CHICAGO) == []
