"""Series starts and shifted starts: local wall-clock time kept across daylight saving."""

import datetime

from tests.visits.factories import CHICAGO, NOW, at
from visits.scheduling.recurrence import MAX_SERIES_SESSIONS, series_starts, shifted_start

UTC = datetime.UTC


class TestSeriesStarts:
    def test_weekly_series_keeps_local_time_across_daylight_saving(self):
        """Weekly 10:00 Chicago sessions stay at 10:00 local when the clocks change on 8 March."""
        first = at(datetime.date(2026, 2, 24), 10)
        starts = series_starts(first=first, zone=CHICAGO, every_weeks=1, count=4)
        assert [start.astimezone(CHICAGO).time() for start in starts] == [datetime.time(10)] * 4
        assert [start.astimezone(CHICAGO).weekday() for start in starts] == [1] * 4
        assert [start.hour for start in starts] == [16, 16, 15, 15]
        assert all(start.tzinfo == UTC for start in starts)

    def test_fortnightly_until_a_date(self):
        """Every two weeks up to and including the last date."""
        first = at(datetime.date(2027, 3, 2), 9)
        starts = series_starts(
            first=first, zone=CHICAGO, every_weeks=2, until=datetime.date(2027, 4, 13)
        )
        assert [start.astimezone(CHICAGO).date().day for start in starts] == [2, 16, 30, 13]

    def test_series_length_is_capped(self):
        """No series runs longer than a year of weekly sessions."""
        by_count = series_starts(first=NOW, zone=CHICAGO, every_weeks=1, count=500)
        by_date = series_starts(
            first=NOW, zone=CHICAGO, every_weeks=1, until=datetime.date(2037, 1, 1)
        )
        assert len(by_count) == len(by_date) == MAX_SERIES_SESSIONS

    def test_a_shifted_start_moves_by_local_days_and_wall_clock(self):
        """Moving a series from Tuesday 10:00 to Thursday 14:00 moves a later session likewise,
        even across the change to daylight saving time."""
        old_anchor = at(datetime.date(2026, 3, 3), 10)
        new_anchor = at(datetime.date(2026, 3, 5), 14)
        later = at(datetime.date(2026, 3, 10), 10)
        moved = shifted_start(later, old_anchor=old_anchor, new_anchor=new_anchor, zone=CHICAGO)
        assert moved == at(datetime.date(2026, 3, 12), 14)
        assert moved.astimezone(CHICAGO).utcoffset() != old_anchor.astimezone(CHICAGO).utcoffset()
