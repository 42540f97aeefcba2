"""Slot computation: working hours from a weekly pattern and exceptions, and free start times."""

import datetime
from bisect import bisect_right
from dataclasses import dataclass
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from visits.scheduling.slots import DatedChange, WeeklyBlock, free_starts, nearest, working_hours

UTC = datetime.UTC
CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")
PHOENIX = ZoneInfo("America/Phoenix")
MINUTE = datetime.timedelta(minutes=1)
DAY = datetime.timedelta(days=1)

# Zones with and without daylight saving, whole-hour and odd offsets (Kathmandu is +05:45,
# Lord Howe moves its clocks by 30 minutes).
ZONES = [
    "UTC",
    "America/Chicago",
    "America/New_York",
    "America/Phoenix",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
]
# Dates around both 2026 daylight-saving changes in the US, Europe and Australia.
# The change days themselves come up often.
CHANGE_DAYS = [datetime.date(2026, 3, d) for d in (8, 29)] + [
    datetime.date(2026, 4, 5),
    datetime.date(2026, 10, 4),
    datetime.date(2026, 10, 25),
    datetime.date(2026, 11, 1),
]
DAYS = (
    st.sampled_from(CHANGE_DAYS)
    | st.dates(min_value=datetime.date(2026, 3, 1), max_value=datetime.date(2026, 4, 8))
    | st.dates(min_value=datetime.date(2026, 9, 28), max_value=datetime.date(2026, 11, 6))
)
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None)


def clock(first_minute: int) -> st.SearchStrategy[datetime.time]:
    """Wall-clock times on a five-minute grid, from `first_minute` past midnight; often between
    01:00 and 03:00, where clock changes skip or repeat time."""
    around_changes = st.integers(max(first_minute // 5, 12), 35)
    return (st.integers(first_minute // 5, 287) | around_changes).map(
        lambda n: datetime.time(n * 5 // 60, n * 5 % 60)
    )


@st.composite
def time_range(draw, first_minute: int = 0) -> tuple[datetime.time, datetime.time]:
    start, end = sorted(draw(st.lists(clock(first_minute), min_size=2, max_size=2, unique=True)))
    return start, end


@st.composite
def weekly_block(draw, first_minute: int = 0) -> WeeklyBlock:
    start, end = draw(time_range(first_minute))
    return WeeklyBlock(draw(st.integers(0, 6)), start, end)


@st.composite
def dated_change(draw, around: datetime.date, first_minute: int = 0) -> DatedChange:
    first_day = around + draw(st.integers(-2, 9)) * DAY
    last_day = first_day + draw(st.integers(0, 3)) * DAY
    extra = draw(st.booleans())
    if not extra and draw(st.booleans()):
        return DatedChange(extra=False, first_day=first_day, last_day=last_day)
    start, end = draw(time_range(first_minute))
    return DatedChange(extra=extra, first_day=first_day, last_day=last_day, start=start, end=end)


@st.composite
def schedule(draw, first_minute: int = 0, min_blocks: int = 0) -> dict:
    """Keyword arguments for working_hours: a week's blocks, exceptions, a zone and some days."""
    first_day = draw(DAYS)
    return {
        "weekly": draw(st.lists(weekly_block(first_minute), min_size=min_blocks, max_size=14)),
        "changes": draw(st.lists(dated_change(first_day, first_minute), max_size=5)),
        "zone": ZoneInfo(draw(st.sampled_from(ZONES))),
        "first_day": first_day,
        "last_day": first_day + draw(st.integers(0, 9)) * DAY,
    }


@dataclass
class Scenario:
    working: list[tuple[datetime.datetime, datetime.datetime]]
    provider_busy: list[tuple[datetime.datetime, datetime.datetime]]
    patient_busy: list[tuple[datetime.datetime, datetime.datetime]]
    duration: datetime.timedelta
    buffer_after: datetime.timedelta
    step: datetime.timedelta
    earliest: datetime.datetime
    latest: datetime.datetime

    def starts(self, **options) -> list[datetime.datetime]:
        return free_starts(
            working=self.working,
            provider_busy=self.provider_busy,
            patient_busy=self.patient_busy,
            duration=self.duration,
            buffer_after=self.buffer_after,
            step=self.step,
            earliest=self.earliest,
            latest=self.latest,
            **options,
        )


@st.composite
def scenario(draw) -> Scenario:
    """A provider's week with exceptions, their bookings (with buffers), the patient's visits
    and a search window, all around a daylight-saving change."""
    hours = draw(schedule(min_blocks=4))
    working = working_hours(**hours)
    origin = datetime.datetime.combine(hours["first_day"], datetime.time(), tzinfo=UTC) - DAY
    span_minutes = ((hours["last_day"] - hours["first_day"]).days + 3) * 24 * 60

    def moment() -> datetime.datetime:
        return origin + draw(st.integers(0, span_minutes // 5)) * 5 * MINUTE

    def minutes(low: int, high: int) -> datetime.timedelta:
        return draw(st.integers(low, high)) * MINUTE

    provider_busy = []
    for _ in range(draw(st.integers(0, 15))):
        start = moment()
        # Each booking holds its own duration plus its own visit type's buffer.
        provider_busy.append((start, start + minutes(5, 90) + minutes(0, 30)))
    patient_busy = []
    for _ in range(draw(st.integers(0, 6))):
        start = moment()
        patient_busy.append((start, start + minutes(5, 90)))
    earliest, latest = sorted((moment(), moment()))
    window = draw(st.sampled_from(["all", "part", "part", "empty"]))
    if window == "all":
        earliest, latest = origin, origin + span_minutes * MINUTE
    elif window == "empty":
        earliest, latest = latest, earliest  # nothing may be offered
    return Scenario(
        working=working,
        provider_busy=provider_busy,
        patient_busy=patient_busy,
        duration=draw(st.sampled_from([5, 15, 20, 30, 45, 50, 60, 90])) * MINUTE,
        buffer_after=draw(st.sampled_from([0, 5, 10, 15, 30])) * MINUTE,
        step=draw(st.sampled_from([5, 10, 15, 30, 60])) * MINUTE,
        earliest=earliest,
        latest=latest,
    )


def overlaps(start, end, other_start, other_end) -> bool:
    return start < other_end and other_start < end


class TestFreeStartsProperties:
    @PROPERTY_SETTINGS
    @given(scenario())
    def test_no_start_meets_a_provider_booking_or_its_buffer(self, case):
        """A new visit plus its buffer never overlaps any booking's [start, blocked_until)."""
        for start in case.starts():
            held = (start, start + case.duration + case.buffer_after)
            assert not any(overlaps(*held, *busy) for busy in case.provider_busy)

    @PROPERTY_SETTINGS
    @given(scenario())
    def test_no_start_meets_the_patients_own_visits(self, case):
        """The patient is never offered a time that overlaps one of their visits."""
        for start in case.starts():
            visit = (start, start + case.duration)
            assert not any(overlaps(*visit, *busy) for busy in case.patient_busy)

    @PROPERTY_SETTINGS
    @given(scenario())
    def test_every_visit_lies_inside_working_hours(self, case):
        """Each offered [start, start + duration) is inside one working interval."""
        for start in case.starts():
            assert any(
                work_start <= start and start + case.duration <= work_end
                for work_start, work_end in case.working
            )

    @PROPERTY_SETTINGS
    @given(scenario())
    def test_starts_respect_earliest_and_latest(self, case):
        """No start comes before `earliest` (minimum notice) or at or after `latest` (horizon)."""
        assert all(case.earliest <= start < case.latest for start in case.starts())

    @PROPERTY_SETTINGS
    @given(scenario())
    def test_starts_fall_on_the_step_grid(self, case):
        """Every start is a whole number of steps from the start of its working interval."""
        for start in case.starts():
            assert any(
                work_start <= start < work_end
                and (start - work_start) % case.step == datetime.timedelta(0)
                for work_start, work_end in case.working
            )

    @PROPERTY_SETTINGS
    @given(scenario())
    def test_every_free_grid_time_is_offered(self, case):
        """Nothing free is hidden: the result equals a brute-force walk along the grid."""
        expected = []
        for work_start, work_end in case.working:
            candidate = work_start
            while candidate + case.duration <= work_end:
                finish = candidate + case.duration
                if (
                    case.earliest <= candidate < case.latest
                    and not any(
                        overlaps(candidate, finish + case.buffer_after, *busy)
                        for busy in case.provider_busy
                    )
                    and not any(overlaps(candidate, finish, *busy) for busy in case.patient_busy)
                ):
                    expected.append(candidate)
                candidate += case.step
        assert case.starts() == expected

    @PROPERTY_SETTINGS
    @given(scenario(), st.sampled_from(ZONES))
    def test_first_each_day_is_the_full_answers_first_start_of_each_day(self, case, zone_key):
        """Stopping at a day's first free start gives exactly the first of each local day of
        the full answer, in the viewer's zone (which may differ from the provider's)."""
        zone = ZoneInfo(zone_key)
        expected: dict[datetime.date, datetime.datetime] = {}
        for start in case.starts():
            expected.setdefault(start.astimezone(zone).date(), start)
        assert case.starts(first_each_day_in=zone) == list(expected.values())


def is_working_by_the_clock(hours: dict, instant: datetime.datetime) -> bool:
    """The rule as a scheduler states it, read off the wall clock at one instant."""
    local = instant.astimezone(hours["zone"])
    day, now = local.date(), local.time()
    if not hours["first_day"] <= day <= hours["last_day"]:
        return False
    covering = [change for change in hours["changes"] if change.covers(day)]
    for change in covering:
        if not change.extra and (
            change.start is None or change.start <= now < change.end  # type: ignore[operator]
        ):
            return False
    regular = any(
        block.weekday == day.weekday() and block.start <= now < block.end
        for block in hours["weekly"]
    )
    extra = any(
        change.extra and change.start <= now < change.end  # type: ignore[operator]
        for change in covering
    )
    return regular or extra


def is_repeated(instant: datetime.datetime, zone: ZoneInfo) -> bool:
    """Whether the wall clock shows this instant's time twice, as when clocks fall back."""
    local = instant.astimezone(zone)
    return local.replace(fold=1 - local.fold).astimezone(UTC) != instant


class TestWorkingHoursProperties:
    # Hours may begin or end at any time, including in an hour a clock change skips. In an hour
    # the clocks repeat, the wall clock alone cannot say which pass is meant (the engine takes
    # the first); those instants are pinned by the examples in TestDaylightSaving.
    @PROPERTY_SETTINGS
    @given(schedule())
    def test_working_time_matches_the_wall_clock_rule(self, hours):
        """At every five minutes, 'working' agrees with the weekly hours and exceptions read locally."""
        working = working_hours(**hours)
        ends = [end for _, end in working]
        instant = datetime.datetime.combine(
            hours["first_day"], datetime.time(), tzinfo=hours["zone"]
        ).astimezone(UTC)
        stop = datetime.datetime.combine(
            hours["last_day"] + DAY, datetime.time(), tzinfo=hours["zone"]
        ).astimezone(UTC)
        while instant < stop:
            index = bisect_right(ends, instant)
            engine = index < len(working) and working[index][0] <= instant
            if not is_repeated(instant, hours["zone"]):
                assert engine == is_working_by_the_clock(hours, instant), instant
            instant += 5 * MINUTE

    @PROPERTY_SETTINGS
    @given(schedule())
    def test_intervals_are_sorted_disjoint_and_not_empty(self, hours):
        """Working intervals come in time order, never touch or overlap, and are never empty."""
        working = working_hours(**hours)
        assert all(start < end for start, end in working)
        assert all(previous_end < start for (_, previous_end), (start, _) in pairwise(working))


def monday_hours(**overrides) -> dict:
    hours = {
        "weekly": [WeeklyBlock(0, datetime.time(9), datetime.time(12))],
        "changes": [],
        "zone": CHICAGO,
        "first_day": datetime.date(2027, 2, 1),
        "last_day": datetime.date(2027, 2, 14),
    }
    return hours | overrides


def local_ranges(intervals, zone=CHICAGO) -> list[tuple[str, str]]:
    return [
        (f"{start.astimezone(zone):%a %d %H:%M}", f"{end.astimezone(zone):%a %d %H:%M}")
        for start, end in intervals
    ]


class TestWorkingHoursExamples:
    def test_weekly_hours_repeat_on_their_weekday(self):
        """Mon 09:00-12:00 gives one interval on each Monday of the range, nothing else."""
        assert local_ranges(working_hours(**monday_hours())) == [
            ("Mon 01 09:00", "Mon 01 12:00"),
            ("Mon 08 09:00", "Mon 08 12:00"),
        ]

    def test_whole_day_time_off_removes_the_day(self):
        """A day off without times removes every hour of that day."""
        off = DatedChange(
            extra=False, first_day=datetime.date(2027, 2, 8), last_day=datetime.date(2027, 2, 8)
        )
        assert local_ranges(working_hours(**monday_hours(changes=[off]))) == [
            ("Mon 01 09:00", "Mon 01 12:00")
        ]

    def test_partial_time_off_cuts_a_hole(self):
        """Time off from 10:00 to 10:30 splits the morning in two."""
        off = DatedChange(
            extra=False,
            first_day=datetime.date(2027, 2, 1),
            last_day=datetime.date(2027, 2, 1),
            start=datetime.time(10),
            end=datetime.time(10, 30),
        )
        assert local_ranges(working_hours(**monday_hours(changes=[off])))[:2] == [
            ("Mon 01 09:00", "Mon 01 10:00"),
            ("Mon 01 10:30", "Mon 01 12:00"),
        ]

    def test_extra_hours_add_time_and_merge_with_adjacent_hours(self):
        """Extra hours on a free day appear; extra hours touching regular hours merge with them."""
        tuesday = DatedChange(
            extra=True,
            first_day=datetime.date(2027, 2, 2),
            last_day=datetime.date(2027, 2, 2),
            start=datetime.time(14),
            end=datetime.time(16),
        )
        monday = DatedChange(
            extra=True,
            first_day=datetime.date(2027, 2, 8),
            last_day=datetime.date(2027, 2, 8),
            start=datetime.time(12),
            end=datetime.time(13),
        )
        assert local_ranges(working_hours(**monday_hours(changes=[tuesday, monday]))) == [
            ("Mon 01 09:00", "Mon 01 12:00"),
            ("Tue 02 14:00", "Tue 02 16:00"),
            ("Mon 08 09:00", "Mon 08 13:00"),
        ]

    def test_time_off_over_a_range_of_days_covers_each_day(self):
        """A week of leave removes every working day it covers, and only those."""
        leave = DatedChange(
            extra=False, first_day=datetime.date(2027, 2, 1), last_day=datetime.date(2027, 2, 7)
        )
        weekdays = [WeeklyBlock(day, datetime.time(9), datetime.time(12)) for day in range(5)]
        intervals = working_hours(**monday_hours(weekly=weekdays, changes=[leave]))
        assert {start.astimezone(CHICAGO).date() for start, _ in intervals} == {
            datetime.date(2027, 2, day) for day in (8, 9, 10, 11, 12)
        }

    def test_time_off_applies_to_extra_hours_too(self):
        """Time off wins over extra hours given for the same day."""
        day = datetime.date(2027, 2, 3)
        extra = DatedChange(
            extra=True, first_day=day, last_day=day, start=datetime.time(9), end=datetime.time(11)
        )
        off = DatedChange(extra=False, first_day=day, last_day=day)
        assert (
            working_hours(**monday_hours(changes=[extra, off], first_day=day, last_day=day)) == []
        )


class TestNearest:
    def test_picks_the_closest_starts_in_time_order(self):
        """The three nearest starts to the target are returned sorted, ties going earlier."""
        base = datetime.datetime(2027, 2, 1, 15, tzinfo=UTC)
        starts = [base + n * 15 * MINUTE for n in range(8)]
        assert nearest(starts, base + 45 * MINUTE) == starts[2:5]
        assert nearest(starts, base + 52 * MINUTE, count=2) == starts[3:5]
        assert nearest([], base) == []


def first_start(zone: ZoneInfo, monday: datetime.date) -> datetime.datetime:
    """The first 15-minute start on `monday` for Mon 09:00-12:00 in `zone`."""
    working = working_hours(
        weekly=[WeeklyBlock(0, datetime.time(9), datetime.time(12))],
        changes=[],
        zone=zone,
        first_day=monday,
        last_day=monday,
    )
    return free_starts(
        working=working,
        provider_busy=[],
        duration=15 * MINUTE,
        buffer_after=5 * MINUTE,
        step=15 * MINUTE,
        earliest=working[0][0],
        latest=working[0][1],
    )[0]


# The Mondays either side of the 2026 US clock changes (8 March and 1 November).
MARCH = (datetime.date(2026, 3, 2), datetime.date(2026, 3, 9))
NOVEMBER = (datetime.date(2026, 10, 26), datetime.date(2026, 11, 2))


class TestDaylightSaving:
    def test_chicago_hours_stay_at_nine_local_in_march(self):
        """Across 8 March the provider still starts at 09:00 local; the UTC instant is an hour earlier."""
        before, after = (first_start(CHICAGO, monday) for monday in MARCH)
        assert before.astimezone(CHICAGO).time() == after.astimezone(CHICAGO).time()
        assert before.astimezone(CHICAGO).time() == datetime.time(9)
        assert (before.time(), after.time()) == (datetime.time(15), datetime.time(14))

    def test_chicago_hours_stay_at_nine_local_in_november(self):
        """Across 1 November the provider still starts at 09:00 local; the UTC instant is an hour later."""
        before, after = (first_start(CHICAGO, monday) for monday in NOVEMBER)
        assert before.astimezone(CHICAGO).time() == datetime.time(9)
        assert after.astimezone(CHICAGO).time() == datetime.time(9)
        assert after - before == datetime.timedelta(days=7, hours=1)

    def test_new_york_patient_sees_ten_oclock_every_week(self):
        """Chicago and New York change together, so the patient sees 10:00 before and after each change."""
        for monday in (*MARCH, *NOVEMBER):
            assert first_start(CHICAGO, monday).astimezone(NEW_YORK).time() == datetime.time(10)

    def test_phoenix_provider_keeps_the_same_utc_time(self):
        """Arizona has no daylight saving: the UTC instant stays put while a Chicago patient's clock moves."""
        for before_day, after_day in (MARCH, NOVEMBER):
            before, after = first_start(PHOENIX, before_day), first_start(PHOENIX, after_day)
            assert before.time() == after.time() == datetime.time(16)
            assert after - before == datetime.timedelta(days=7)
        march = [first_start(PHOENIX, day).astimezone(CHICAGO).time() for day in MARCH]
        november = [first_start(PHOENIX, day).astimezone(CHICAGO).time() for day in NOVEMBER]
        assert march == [datetime.time(10), datetime.time(11)]
        assert november == [datetime.time(11), datetime.time(10)]

    def test_hours_on_the_day_of_the_change_keep_their_wall_clock(self):
        """On the Sunday clocks change, 09:00-12:00 is still three hours from 09:00 local."""
        sunday = datetime.date(2026, 3, 8)
        [(start, end)] = working_hours(
            weekly=[WeeklyBlock(6, datetime.time(9), datetime.time(12))],
            changes=[],
            zone=CHICAGO,
            first_day=sunday,
            last_day=sunday,
        )
        assert start.astimezone(CHICAGO).time() == datetime.time(9)
        assert end - start == datetime.timedelta(hours=3)

    def test_hours_starting_in_the_skipped_hour_start_when_the_clocks_jump(self):
        """02:30-05:00 on the day 02:00-03:00 is skipped runs from 03:00 to 05:00: two hours."""
        [(start, end)] = one_sunday(datetime.time(2, 30), datetime.time(5), MARCH_CHANGE)
        assert start.astimezone(CHICAGO).time() == datetime.time(3)
        assert end - start == datetime.timedelta(hours=2)

    def test_hours_ending_in_the_skipped_hour_end_when_the_clocks_jump(self):
        """00:00-02:30 on that day ends at the jump: 01:59 is worked, 03:00 is not."""
        [(start, end)] = one_sunday(datetime.time(0), datetime.time(2, 30), MARCH_CHANGE)
        assert end.astimezone(CHICAGO).time() == datetime.time(3)
        assert end - start == datetime.timedelta(hours=2)

    def test_time_off_inside_the_skipped_hour_takes_nothing(self):
        """Time off from 02:15 to 02:45, a time that never happens, leaves the hours whole."""
        off = DatedChange(
            extra=False,
            first_day=MARCH_CHANGE,
            last_day=MARCH_CHANGE,
            start=datetime.time(2, 15),
            end=datetime.time(2, 45),
        )
        [(start, end)] = one_sunday(datetime.time(0), datetime.time(6), MARCH_CHANGE, [off])
        assert end - start == datetime.timedelta(hours=5)

    def test_hours_starting_in_the_repeated_hour_start_at_its_first_pass(self):
        """01:30-04:00 on the day 01:00-02:00 happens twice starts at the first 01:30."""
        [(start, end)] = one_sunday(datetime.time(1, 30), datetime.time(4), NOVEMBER_CHANGE)
        assert start.astimezone(CHICAGO).utcoffset() == datetime.timedelta(hours=-5)
        assert end - start == datetime.timedelta(hours=3, minutes=30)


MARCH_CHANGE = datetime.date(2026, 3, 8)
NOVEMBER_CHANGE = datetime.date(2026, 11, 1)


def one_sunday(start, end, sunday, changes=()) -> list:
    """Chicago working hours on one Sunday with a block from start to end."""
    return working_hours(
        weekly=[WeeklyBlock(6, start, end)],
        changes=list(changes),
        zone=CHICAGO,
        first_day=sunday,
        last_day=sunday,
    )
