"""The availability search: which providers a patient may book, and their free times."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import ProviderProfile
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory
from tests.visits.factories import (
    CHICAGO,
    MONDAY,
    NOW,
    ScheduleExceptionFactory,
    VisitFactory,
    WeeklyHoursFactory,
    at,
    book,
    provider_with_hours,
    therapist_with_hours,
    visit_type,
)
from visits.scheduling.availability import (
    days_with_time,
    free_times,
    search_window,
    series_plan,
    with_schedules,
)
from visits.scheduling.bookable import bookable_providers, load_bookable
from visits.scheduling.models import ScheduleException, Visit, VisitType
from visits.scheduling.recurrence import series_starts

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
DAY = datetime.timedelta(days=1)
TUESDAY = MONDAY + DAY
NEW_YORK = ZoneInfo("America/New_York")
PHOENIX = ZoneInfo("America/Phoenix")


def search(
    slug: str | VisitType = "urgent-care",
    *,
    state: str = "TX",
    start: datetime.datetime = NOW,
    days: int = 14,
    now: datetime.datetime = NOW,
    patient=None,
    **filters,
) -> dict[int, list[datetime.datetime]]:
    """Every licensed provider's free starts, as the booking pages search them."""
    kind = visit_type(slug) if isinstance(slug, str) else slug
    end = start + days * DAY
    providers = with_schedules(
        bookable_providers(visit_type=kind, state=state, **filters), start=start, end=end
    )
    return free_times(
        visit_type=kind, providers=providers, start=start, end=end, now=now, patient=patient
    )


def local_times(starts, zone=CHICAGO) -> list[str]:
    return [f"{start.astimezone(zone):%a %H:%M}" for start in starts]


class TestBookableProviders:
    def test_only_licensed_offering_active_providers_of_the_right_kind(self):
        """Licence in the patient's state, the visit type offered, the right kind, an active account."""
        urgent_care = visit_type("urgent-care")
        bookable = provider_with_hours()
        provider_with_hours(states=["CA"])  # not licensed in Texas
        provider_with_hours(slugs=("follow-up",))  # does not offer urgent care
        inactive = provider_with_hours()
        inactive.user.is_active = False
        inactive.user.save()
        therapist = therapist_with_hours()
        urgent_care.providers.add(therapist)  # offered by mistake to a therapist
        assert list(bookable_providers(visit_type=urgent_care, state="TX")) == [bookable]

    def test_filters_by_language_and_kind_without_duplicates(self):
        """Language and kind narrow the list; several licences and languages never repeat a row."""
        urgent_care = visit_type("urgent-care")
        bilingual = provider_with_hours(states=["TX", "OK"], language_codes=["en", "es"])
        english = provider_with_hours(language_codes=["en"])
        assert set(bookable_providers(visit_type=urgent_care, state="TX")) == {bilingual, english}
        assert list(bookable_providers(visit_type=urgent_care, state="TX", language="es")) == [
            bilingual
        ]
        assert not bookable_providers(visit_type=urgent_care, state="TX", kind="therapist")
        assert bookable_providers(visit_type=urgent_care, state="TX", kind="physician").count() == 2

    @pytest.mark.parametrize(
        "filters",
        [{}, {"language": "es"}, {"language": "fr"}, {"kind": "physician"}, {"kind": "therapist"}],
    )
    def test_the_booking_pages_prepared_read_lists_the_same_providers(self, filters):
        """load_bookable (the pages' prepared query) keeps bookable_providers' answer, in its
        order, whole and a page at a time, and narrowed to one provider."""
        urgent_care = visit_type("urgent-care")
        providers = [
            provider_with_hours(states=["TX", "OK"], language_codes=["en", "es"]),
            provider_with_hours(language_codes=["en"]),
            provider_with_hours(states=["OK"]),
        ]
        now = timezone.now()
        expected = list(bookable_providers(visit_type=urgent_care, state="TX", **filters))
        loaded = {"visit_type": urgent_care, "state": "TX", "now": now, **filters}
        assert load_bookable(**loaded) == expected
        assert load_bookable(**loaded, offset=1, limit=1) == expected[1:2]
        for provider in providers:
            one = load_bookable(**loaded, provider=provider.pk)
            assert one == [p for p in expected if p == provider]

    def test_the_booking_pages_read_the_languages_each_provider_speaks(self):
        """Each provider the cards show carries the names of the languages they speak, in the
        order `provider.languages.all()` gives them; one without any carries none."""
        urgent_care = visit_type("urgent-care")
        speaks_two = provider_with_hours(language_codes=["es", "en"])
        speaks_one = provider_with_hours(language_codes=["en"])
        silent = provider_with_hours(language_codes=["en"])
        silent.languages.clear()
        loaded = load_bookable(visit_type=urgent_care, state="TX", now=timezone.now())
        spoken = {provider.pk: provider.languages_spoken for provider in loaded}
        assert spoken == {
            provider.pk: [language.name for language in provider.languages.all()]
            for provider in (speaks_two, speaks_one, silent)
        }
        assert spoken[speaks_two.pk] == ["English", "Spanish"]
        assert spoken[silent.pk] == []


class TestFreeTimes:
    def test_every_provider_has_an_entry_even_without_time(self):
        """A provider with no hours in the window maps to an empty list, not a missing key."""
        working = provider_with_hours()
        idle = provider_with_hours(weekdays=())
        result = search()
        assert result[idle.pk] == []
        assert result[working.pk]

    def test_booked_visits_and_their_buffers_are_not_offered(self):
        """Tuesday 10:00-10:15 plus 5 minutes' buffer removes 09:45, 10:00 and 10:15."""
        provider = provider_with_hours()
        VisitFactory(provider=provider, start=at(TUESDAY, 10))
        tuesday = [t for t in search()[provider.pk] if t.astimezone(CHICAGO).date() == TUESDAY]
        assert local_times(tuesday)[:6] == [
            "Tue 09:00",
            "Tue 09:15",
            "Tue 09:30",
            "Tue 10:30",
            "Tue 10:45",
            "Tue 11:00",
        ]

    def test_cancelled_visits_free_their_time(self):
        """Cancelled and late-cancelled visits hold nothing."""
        provider = provider_with_hours()
        for status in (Visit.Status.CANCELLED, Visit.Status.LATE_CANCELLED):
            VisitFactory(provider=provider, start=at(TUESDAY, 10), status=status)
        assert at(TUESDAY, 10) in search()[provider.pk]

    def test_the_patients_visits_with_others_are_avoided(self):
        """A patient's 10:00-10:20 follow-up elsewhere hides 10:00 and 10:15 from them only."""
        provider = provider_with_hours()
        patient = PatientProfileFactory().user
        VisitFactory(patient=patient, start=at(TUESDAY, 10), visit_type=visit_type("follow-up"))
        for_patient = search(patient=patient)[provider.pk]
        for_anyone = search()[provider.pk]
        assert set(for_patient) <= set(for_anyone)
        assert local_times(sorted(set(for_anyone) - set(for_patient))) == ["Tue 10:00", "Tue 10:15"]

    def test_ignored_visits_count_as_free(self):
        """A visit being moved does not block its own old time."""
        provider = provider_with_hours()
        visit = VisitFactory(provider=provider, start=at(TUESDAY, 10))
        providers = with_schedules(
            ProviderProfile.objects.filter(pk=provider.pk), start=NOW, end=NOW + 7 * DAY
        )
        result = free_times(
            visit_type=visit.visit_type,
            providers=providers,
            start=NOW,
            end=NOW + 7 * DAY,
            now=NOW,
            ignore_visits=(visit.pk,),
        )
        assert visit.start in result[provider.pk]

    def test_notice_and_horizon_bound_the_times(self):
        """Nothing inside the 30 minutes' notice or beyond urgent care's 7-day horizon."""
        provider = provider_with_hours(weekdays=range(7), start=datetime.time(0))
        now = at(TUESDAY, 10, 7)
        starts = search(start=now - DAY, days=30, now=now)[provider.pk]
        urgent_care = visit_type("urgent-care")
        assert min(starts) == at(TUESDAY, 10, 45)
        assert max(starts) <= now + urgent_care.booking_horizon
        assert max(starts) > now + urgent_care.booking_horizon - urgent_care.slot_interval
        assert search_window(visit_type=urgent_care, now=now, start=now, end=now + 30 * DAY) == (
            now + urgent_care.minimum_notice,
            now + urgent_care.booking_horizon,
        )

    def test_exceptions_from_the_database_change_the_hours(self):
        """A day off removes Tuesday; extra hours on Saturday add a morning."""
        provider = provider_with_hours()
        ScheduleExceptionFactory(provider=provider, start_date=TUESDAY)
        ScheduleExceptionFactory(
            provider=provider,
            kind=ScheduleException.Kind.EXTRA_HOURS,
            start_date=MONDAY + 5 * DAY,
            start_time=datetime.time(9),
            end_time=datetime.time(10),
        )
        days = days_with_time(search(days=7)[provider.pk], CHICAGO)
        assert TUESDAY not in days
        assert days[MONDAY + 5 * DAY] == 4
        assert days[MONDAY + 2 * DAY] == 32

    def test_an_empty_window_offers_nothing(self):
        """A window that ends before the notice allows has no times at all."""
        provider = provider_with_hours()
        assert search(start=NOW, days=0)[provider.pk] == []

    def test_a_provider_read_without_their_schedule_is_refused(self):
        """Free times come only from hours read for the window, never from none at all."""
        provider = provider_with_hours()
        with pytest.raises(ValueError, match="with_schedules"):
            free_times(
                visit_type=visit_type("urgent-care"),
                providers=[ProviderProfile.objects.get(pk=provider.pk)],
                start=NOW,
                end=NOW + 7 * DAY,
                now=NOW,
            )


class TestDaylightSavingSearch:
    """Monday 09:00-12:00 searched across the 2026 US clock changes (8 March, 1 November)."""

    @pytest.mark.parametrize(
        ("before", "after"),
        [
            (datetime.date(2026, 3, 2), datetime.date(2026, 3, 9)),
            (datetime.date(2026, 10, 26), datetime.date(2026, 11, 2)),
        ],
    )
    @pytest.mark.parametrize(
        ("provider_zone", "shift"),
        [("America/Chicago", True), ("America/Phoenix", False)],
    )
    def test_first_monday_start_across_the_change(self, before, after, provider_zone, shift):
        """Chicago hours keep 09:00 local (UTC moves an hour); Phoenix keeps its UTC instant."""
        zone = ZoneInfo(provider_zone)
        provider = ProviderProfileFactory(time_zone=provider_zone)
        provider.visit_types.add(visit_type("follow-up"))
        WeeklyHoursFactory(provider=provider)
        now = at(before - DAY, 0)
        starts = search("follow-up", start=now, days=9, now=now)[provider.pk]
        first_before = min(t for t in starts if t.astimezone(zone).date() == before)
        first_after = min(t for t in starts if t.astimezone(zone).date() == after)
        assert first_before.astimezone(zone).time() == first_after.astimezone(zone).time()
        assert first_after.astimezone(zone).time() == datetime.time(9)
        moved_by = first_after - first_before - datetime.timedelta(weeks=1)
        if shift:
            assert abs(moved_by) == datetime.timedelta(hours=1)
            assert [t.astimezone(NEW_YORK).time() for t in (first_before, first_after)] == [
                datetime.time(10)
            ] * 2
        else:
            assert moved_by == datetime.timedelta(0)
            chicago = [t.astimezone(CHICAGO).time() for t in (first_before, first_after)]
            assert chicago[0] != chicago[1]
            assert {chicago[0], chicago[1]} == {datetime.time(10), datetime.time(11)}


def clinic(providers: int, visits_each: int) -> None:
    """Providers licensed in Texas with hours, exceptions and booked visits."""
    for _ in range(providers):
        provider = provider_with_hours(states=["TX", "OK"], language_codes=["en", "es"])
        ScheduleExceptionFactory(provider=provider, start_date=MONDAY + 3 * DAY)
        patient = PatientProfileFactory().user
        for number in range(visits_each):
            VisitFactory(
                provider=provider,
                patient=patient,
                start=at(TUESDAY + (number // 8) * DAY, 9 + number % 8),
            )


class TestSearchQueryCount:
    @pytest.mark.parametrize(("providers", "visits_each"), [(2, 1), (20, 6)])
    def test_queries_do_not_grow_with_providers_or_visits(
        self, providers, visits_each, django_assert_num_queries
    ):
        """Four queries: providers, languages, hours with exceptions, their visits with the
        patient's own."""
        clinic(providers, visits_each)
        patient = PatientProfileFactory().user
        urgent_care = visit_type("urgent-care")
        with django_assert_num_queries(4):
            result = search(urgent_care, patient=patient)
        assert len(result) == providers
        assert all(result.values())


class TestBenchCommand:
    def test_runs_on_a_tiny_clinic_and_prints_the_figures(self, settings, capsys):
        """The benchmark seeds, searches and books, then prints medians, 95th percentiles and queries."""
        settings.DEBUG = True
        call_command("bench_booking", providers=3, visits=30, repeat=3, bookings=3)
        output = capsys.readouterr().out
        assert re.search(r"Search .*: median [\d.]+ ms, p95 [\d.]+ ms, \d+ queries", output)
        assert re.search(r"Booking .*: median [\d.]+ ms, p95 [\d.]+ ms, \d+ queries", output)
        assert "3 providers" in output
        assert "30 visits" in output

    def test_refuses_without_debug(self, settings):
        """It writes made-up providers and visits, so it does not run with DEBUG off."""
        settings.DEBUG = False
        with pytest.raises(CommandError, match="DEBUG"):
            call_command("bench_booking", providers=1, visits=1, repeat=1, bookings=1)


def weekly(first: datetime.datetime, count: int) -> list[datetime.datetime]:
    return series_starts(first=first, zone=CHICAGO, every_weeks=1, count=count)


@pytest.fixture
def therapist(db):
    return therapist_with_hours()


class TestSeriesPlan:
    def test_marks_clashes_and_offers_times_on_the_same_day(self, therapist, patient):
        """A week already taken is marked, with the nearest free times that same day."""
        starts = weekly(at(MONDAY + datetime.timedelta(days=8), 10), 4)
        taken = book(provider=therapist, start=starts[2], slug="therapy")
        plan = series_plan(
            patient=patient,
            provider=therapist,
            visit_type=visit_type("therapy"),
            starts=starts,
            now=NOW,
        )
        assert [session.free for session in plan] == [True, True, False, True]
        alternatives = plan[2].alternatives
        assert alternatives
        assert {t.astimezone(CHICAGO).date() for t in alternatives} == {
            taken.start.astimezone(CHICAGO).date()
        }
        assert all(
            t >= taken.blocked_until or t + datetime.timedelta(hours=1) <= taken.start
            for t in alternatives
        )
        assert all(session.alternatives == [] for session in plan if session.free)
