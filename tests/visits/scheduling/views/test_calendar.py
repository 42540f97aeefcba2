"""A provider's calendar: working time, bookings and free times for a week or a day."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.accounts.factories import PatientProfileFactory
from tests.visits.scheduling.views.staff import (
    CHICAGO,
    DASH,
    ONE_DAY,
    at,
    next_monday,
    text,
    url,
    visit_at,
)
from visits.audit import AuditEvent
from visits.scheduling.models import (
    Visit,
    VisitType,
)

pytestmark = pytest.mark.django_db


class TestCalendar:
    def test_week_shows_hours_visits_and_free_times(self, scheduler_client, provider, monday_visit):
        """Working blocks, the booked visit with patient, type and status, and free starts."""
        response = scheduler_client.get(
            url("scheduling:schedule_calendar", provider) + f"?week={next_monday()}"
        )
        content = text(response)
        assert f"week of {next_monday():%B} {next_monday().day}" in content
        assert "Central time" in content
        assert "America/Chicago" not in content
        assert f"9:00 AM{DASH}12:00 PM" in content
        assert f"10:00 AM{DASH}10:20 AM" in content
        assert "Jordan Rivera" in content
        assert "Booked" in content
        assert "<caption" in content
        assert '<th scope="row">' in content
        free_nine = at(next_monday(), 9).astimezone(CHICAGO).isoformat()
        assert f"start={free_nine}" in unescape(re.sub(r"%3A", ":", re.sub(r"%2B", "+", content)))
        assert url("scheduling:schedule_visit_move", provider, monday_visit.pk) in content
        assert url("scheduling:schedule_visit_cancel", provider, monday_visit.pk) in content

    def test_week_starts_on_monday_with_previous_and_next_links(self, scheduler_client, provider):
        """Any date shows its Monday-to-Sunday week, with links a week either side."""
        monday = next_monday()
        content = text(
            scheduler_client.get(
                url("scheduling:schedule_calendar", provider) + f"?week={monday + 2 * ONE_DAY}"
            )
        )
        assert f"?week={monday - 7 * ONE_DAY}&type=follow-up" in content
        assert f"?week={monday + 7 * ONE_DAY}&type=follow-up" in content
        assert content.count('class="calendar-day"') == 7

    def test_day_view(self, scheduler_client, provider, monday_visit):
        """One day, with links to the days either side and to its week."""
        monday = next_monday()
        content = text(
            scheduler_client.get(url("scheduling:schedule_calendar", provider) + f"?day={monday}")
        )
        assert content.count('class="calendar-day"') == 1
        assert f"?day={monday - ONE_DAY}&type=follow-up" in content
        assert f"?day={monday + ONE_DAY}&type=follow-up" in content
        assert f"?week={monday}&type=follow-up" in content
        assert "Jordan Rivera" in content

    def test_cancelled_visits_show_their_status_without_actions(
        self, scheduler_client, provider, patient, follow_up
    ):
        """A cancelled visit is listed as such and cannot be moved."""
        visit = visit_at(
            provider, patient, follow_up, at(next_monday(), 10), status=Visit.Status.CANCELLED
        )
        content = text(
            scheduler_client.get(
                url("scheduling:schedule_calendar", provider) + f"?day={next_monday()}"
            )
        )
        assert "Cancelled" in content
        assert url("scheduling:schedule_visit_move", provider, visit.pk) not in content

    def test_reading_the_calendar_is_audited(
        self, scheduler_client, scheduler, provider, patient, follow_up
    ):
        """One view event per patient shown, naming their visits, the page and the staff member."""
        visits = [
            visit_at(provider, patient, follow_up, at(next_monday(), 9 + n)) for n in range(2)
        ]
        scheduler_client.get(
            url("scheduling:schedule_calendar", provider) + f"?week={next_monday()}"
        )
        (event,) = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, what="visit")
        assert set(event.object_id.split(",")) == {str(visit.pk) for visit in visits}
        assert (event.count, event.page) == (2, "scheduling:schedule_calendar")
        assert (event.actor_id, event.patient_id) == (scheduler.pk, patient.pk)

    def test_free_times_for_the_chosen_visit_type(self, scheduler_client, provider):
        """Free starts follow the type chosen: 50-minute therapy is not offered by a physician."""
        therapy = VisitType.objects.get(slug="therapy")
        provider.visit_types.add(therapy)
        content = text(
            scheduler_client.get(
                url("scheduling:schedule_calendar", provider) + f"?day={next_monday()}&type=therapy"
            )
        )
        assert "Free start times for therapy" in content
        assert '<option value="therapy" selected>' in content

    def test_query_count_does_not_grow_with_visits(
        self, scheduler_client, provider, follow_up, django_assert_max_num_queries
    ):
        """A week with one visit and a week with twelve cost the same, small number of queries."""
        monday = next_monday()
        page = url("scheduling:schedule_calendar", provider) + f"?week={monday}"
        visit_at(provider, PatientProfileFactory().user, follow_up, at(monday, 9))
        scheduler_client.get(page)
        with CaptureQueriesContext(connection) as one:
            scheduler_client.get(page)
        for day in range(1, 7):
            for hour in (9, 11):
                visit_at(
                    provider,
                    PatientProfileFactory().user,
                    follow_up,
                    at(monday + day * ONE_DAY, hour),
                )
        with django_assert_max_num_queries(12):
            response = scheduler_client.get(page)
        assert response.content.decode().count('<th scope="row">') == 13
        with CaptureQueriesContext(connection) as many:
            scheduler_client.get(page)
        assert len(many.captured_queries) == len(one.captured_queries)

    @pytest.mark.parametrize(
        "query",
        [
            "day=0001-01-01",
            "week=0001-01-01",
            "day=9999-12-31",
            "week=9999-12-31",
            "day=1999-12-31",
        ],
    )
    def test_dates_outside_the_calendar_are_said_never_a_server_error(
        self, scheduler_client, provider, query
    ):
        """An extreme or too early date shows this week with a clear message, not a 500."""
        response = scheduler_client.get(url("scheduling:schedule_calendar", provider) + f"?{query}")
        assert response.status_code == 200
        content = text(response)
        assert "That date is not on the calendar. Choose a date from January 1, 2000 to" in content
        assert "Showing this week instead." in content

    def test_the_first_calendar_day_links_back_to_a_date_it_explains(
        self, scheduler_client, provider
    ):
        """January 1, 2000 shows; its previous day leads to the message, not an error."""
        content = text(
            scheduler_client.get(url("scheduling:schedule_calendar", provider) + "?day=2000-01-01")
        )
        assert "Saturday, January 1, 2000" in content
        assert "?day=1999-12-31" in content
        assert "not on the calendar" not in content


def provider_reads(queries) -> list[str]:
    """The queries that read provider profiles themselves (not their hours or visits)."""
    return [
        query["sql"]
        for query in queries.captured_queries
        if re.match(r'SELECT .* FROM "accounts_providerprofile"', query["sql"])
    ]


class TestCalendarCost:
    def test_the_provider_is_read_once(self, scheduler_client, provider, monday_visit):
        """The calendar reads the provider one time, its hours and exceptions with it."""
        page = url("scheduling:schedule_calendar", provider) + f"?week={next_monday()}"
        with CaptureQueriesContext(connection) as queries:
            assert scheduler_client.get(page).status_code == 200
        assert len(provider_reads(queries)) == 1

    def test_each_free_start_links_to_booking_it_in_the_providers_zone(
        self, scheduler_client, provider, follow_up
    ):
        """Every free start on Monday 9 to 12 links to the booking form with its local time."""
        monday = next_monday()
        content = scheduler_client.get(
            url("scheduling:schedule_calendar", provider) + f"?day={monday}"
        ).content.decode()
        book = url("scheduling:schedule_book", provider)
        links = re.findall(
            rf'<a href="{re.escape(book)}\?type=follow-up&amp;start=([^"]+)">', content
        )
        starts = [at(monday, 9) + n * follow_up.slot_interval for n in range(len(links))]
        assert len(links) >= 6
        assert [unescape(link) for link in links] == [
            start.astimezone(CHICAGO).isoformat().replace(":", "%3A").replace("+", "%2B")
            for start in starts
        ]
        assert (
            f'9:00 AM<span class="visually-hidden"> on {monday:%A, %B} {monday.day}: book'
            in content
        )
