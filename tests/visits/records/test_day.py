"""The clinician's day view: their visits of one day in their zone, alerts on top."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory
from tests.visits.factories import VisitFactory, visit_type
from tests.visits.questionnaires.factories import QUIET_GAD7, raise_alert, submit
from tests.visits.records.record_rows import critical_alert
from visits.audit import AuditEvent
from visits.scheduling.models import Visit

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
DAY = datetime.date(2027, 3, 2)  # a Tuesday, clocks unchanged
URL = reverse("records:day")


def local(day: datetime.date, hour: int, minute: int = 0, zone=CHICAGO) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)


def day_page(client, day: datetime.date = DAY, **params) -> str:
    response = client.get(URL, {"date": day.isoformat(), **params})
    assert response.status_code == 200
    return response.content.decode()


def named(first: str, **fields):
    return PatientProfileFactory(legal_first_name=first, legal_last_name="Okafor", **fields).user


class TestVisits:
    def test_the_days_visits_in_the_clinicians_zone(self, treating_client, provider):
        """From local midnight to midnight: time, patient, visit type and status in words;
        the visit just before and just after the day are not shown."""
        VisitFactory(provider=provider, patient=named("Ada"), start=local(DAY, 9, 30))
        VisitFactory(
            provider=provider,
            patient=named("Bea"),
            start=local(DAY, 0, 0),
            visit_type=visit_type("follow-up"),
            status=Visit.Status.COMPLETED,
        )
        VisitFactory(
            provider=provider,
            patient=named("Cy"),
            start=local(DAY, 23, 45) + datetime.timedelta(minutes=15),
        )
        VisitFactory(
            provider=provider,
            patient=named("Di"),
            start=local(DAY, 0, 0) - datetime.timedelta(hours=1),
        )
        content = day_page(treating_client)
        assert "Tuesday, March 2, 2027" in content
        assert "Ada Okafor" in content
        assert "9:30 AM" in content
        assert "Booked" in content
        assert "Bea Okafor" in content
        assert "Follow-up" in content
        assert "Completed" in content
        assert "Cy Okafor" not in content
        assert "Di Okafor" not in content
        assert "Central time" in content
        assert content.index("12:00 AM") < content.index("9:30 AM")

    def test_a_clinician_in_another_zone_sees_their_own_day(self, client, patient):
        """A Los Angeles clinician's day runs from Pacific midnight; times are Pacific."""
        provider = ProviderProfileFactory(time_zone="America/Los_Angeles")
        from tests.accounts.fixtures import enrol_totp

        enrol_totp(provider.user)
        pacific = ZoneInfo("America/Los_Angeles")
        VisitFactory(provider=provider, patient=patient, start=local(DAY, 0, 30, zone=pacific))
        client.force_login(provider.user)
        content = day_page(client)
        assert "12:30 AM" in content
        assert "Pacific time" in content
        assert "Jordan Rivera" in content
        assert "No visits on this day" in day_page(client, DAY - datetime.timedelta(days=1))

    def test_not_the_cancelled_ones(self, treating_client, provider):
        """A cancelled visit frees its time and never made its patient theirs: not listed."""
        VisitFactory(
            provider=provider,
            patient=named("Ivy"),
            start=local(DAY, 14),
            status=Visit.Status.CANCELLED,
        )
        content = day_page(treating_client)
        assert "Ivy Okafor" not in content
        assert "No visits on this day" in content

    def test_never_another_clinicians_visits(self, treating_client):
        """Another clinician's patient on the same day is not on this clinician's day."""
        VisitFactory(patient=named("Eve"), start=local(DAY, 10))
        content = day_page(treating_client)
        assert "Eve Okafor" not in content
        assert "No visits on this day" in content

    def test_links_to_the_chart_note_and_orders(self, treating_client, provider, patient):
        """Each visit links to the patient's chart, the visit's note and its orders."""
        visit = VisitFactory(provider=provider, patient=patient, start=local(DAY, 11))
        content = day_page(treating_client)
        assert reverse("records:chart", args=[patient.pk]) in content
        assert reverse("records:visit_note", args=[visit.pk]) in content
        assert reverse("records:visit_orders", args=[visit.pk]) in content
        assert reverse("scheduling:visit_detail", args=[visit.pk]) in content

    def test_a_checked_in_patient_is_brought_into_the_video_room_from_the_day(
        self, treating_client, provider, patient
    ):
        """Today's checked-in visit offers "Start video visit", which opens the room."""
        start = timezone.now() + datetime.timedelta(minutes=5)
        visit = VisitFactory(provider=provider, patient=patient, start=start)
        Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.CHECKED_IN)
        content = day_page(treating_client, start.astimezone(CHICAGO).date())
        assert reverse("video:start", args=[visit.pk]) in content
        assert "Start video visit" in content


class TestDays:
    def test_today_unless_told(self, treating_client, provider, patient):
        """Without ?date= the page shows today in the clinician's zone."""
        today = timezone.now().astimezone(CHICAGO).date()
        content = treating_client.get(URL).content.decode()
        assert f"Today, {today:%A, %B} {today.day}, {today.year}" in content

    def test_previous_and_next_day_links(self, treating_client):
        """Links lead to the day before and the day after."""
        content = day_page(treating_client)
        assert f"{URL}?date=2027-03-01" in content
        assert f"{URL}?date=2027-03-03" in content

    @pytest.mark.parametrize("raw", ["tomorrow", "2027-02-30", "03/02/2027", "20270302", ""])
    def test_a_bad_date_is_told_not_a_server_error(self, treating_client, raw):
        """A date that is not YYYY-MM-DD gets a message by the field, the input kept, and today."""
        response = treating_client.get(URL, {"date": raw})
        assert response.status_code == 200
        content = response.content.decode()
        assert "Enter a date as year-month-day, for example 2026-03-09." in content
        assert 'aria-invalid="true"' in content
        assert "Today, " in content

    def test_a_date_too_far_away_is_told(self, treating_client):
        """Years away is refused with a message, not a page of nothing (or an overflow)."""
        content = treating_client.get(URL, {"date": "9999-12-31"}).content.decode()
        assert "Choose a day within five years of today." in content
        assert 'value="9999-12-31"' in content


class TestQuestionnaires:
    def test_due_done_and_red_flags_at_a_glance(self, client, patient):
        """A therapy session asks for PHQ-9 and GAD-7: the answered one shows done with its
        score and its crisis answer as a red flag, in words; the other shows due."""
        from tests.accounts.fixtures import enrol_totp

        therapist = ProviderProfileFactory(kind="therapist")
        enrol_totp(therapist.user)
        start = timezone.now() + datetime.timedelta(days=2)
        session = VisitFactory(
            provider=therapist, patient=patient, visit_type=visit_type("therapy"), start=start
        )
        alert = raise_alert(patient, session)
        client.force_login(therapist.user)
        content = day_page(client, start.astimezone(CHICAGO).date())
        assert "Crisis answer" in content
        assert "PHQ-9" in content
        assert ": done, 1 (" in content
        assert "GAD-7 anxiety questionnaire: due" in content
        # The open safety alert is on top, with the page to answer it from.
        assert reverse("safety_alert_detail", args=[alert.pk]) in content
        assert content.index("Safety alerts") < content.index("Visits (1)")
        submit(patient, "gad-7", QUIET_GAD7, visit=session)
        assert "GAD-7 anxiety questionnaire: due" not in day_page(
            client, start.astimezone(CHICAGO).date()
        )


class TestCriticalResults:
    def test_open_critical_results_on_top(self, treating_client, visit):
        """An unacknowledged critical result is on top with a link to acknowledge it; once
        acknowledged it is gone."""
        alert = critical_alert(visit)
        content = day_page(treating_client)
        assert "Critical results (1)" in content
        assert "Potassium 6.8 mmol/L, critically high" in content
        assert reverse("results:critical_alert_detail", args=[alert.pk]) in content
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = visit.provider.user
        alert.save()
        assert "Critical results" not in day_page(treating_client)


class TestStatusButtons:
    def test_only_the_moves_that_make_sense_now(self, treating_client, provider):
        """A visit that began five minutes ago offers check in, start and no-show; one still in
        progress from earlier offers complete."""
        now = timezone.now()
        fay = VisitFactory(
            provider=provider, patient=named("Fay"), start=now - datetime.timedelta(minutes=5)
        )
        gus = VisitFactory(
            provider=provider,
            patient=named("Gus"),
            # Begun before Fay's, and over (with its buffer) before hers began: no overlap.
            start=now - datetime.timedelta(minutes=40),
            status=Visit.Status.IN_PROGRESS,
        )
        # Just after midnight in Chicago the two may fall on different days: read both.
        days = sorted({visit.start.astimezone(CHICAGO).date() for visit in (fay, gus)})
        content = "".join(day_page(treating_client, day) for day in days)
        assert 'Check in<span class="visually-hidden"> for Fay Okafor' in content
        assert 'Start visit<span class="visually-hidden"> for Fay Okafor' in content
        assert 'Mark no-show<span class="visually-hidden"> for Fay Okafor' in content
        assert 'Complete<span class="visually-hidden"> for Gus Okafor' in content
        assert 'Complete<span class="visually-hidden"> for Fay Okafor' not in content
        assert 'name="back" value="day"' in content


class TestAuditAndCost:
    def fill(self, provider, count: int) -> None:
        patients = [PatientProfileFactory(intake=False).user for _ in range(min(count, 20))]
        urgent = visit_type("urgent-care")
        therapy = visit_type("therapy")
        first = local(DAY, 0, 0).astimezone(datetime.UTC)
        Visit.objects.bulk_create(
            Visit(
                patient=patients[n % len(patients)],
                provider=provider,
                visit_type=therapy if n % 2 else urgent,
                start=first + datetime.timedelta(minutes=2 * n),
                end=first + datetime.timedelta(minutes=2 * n + 1),
                blocked_until=first + datetime.timedelta(minutes=2 * n + 1),
            )
            for n in range(count)
        )

    def test_one_event_per_patient_shown(
        self, treating_client, treating_clinician, provider, patient, visit
    ):
        """Each patient on the day gets one view event for the page, naming what was shown."""
        critical_alert(visit)
        VisitFactory(provider=provider, patient=patient, start=local(DAY, 9))
        VisitFactory(provider=provider, patient=named("Hal"), start=local(DAY, 10))
        day_page(treating_client)
        events = AuditEvent.objects.filter(actor=treating_clinician, action="view")
        assert events.count() == 2
        mine = events.get(patient=patient)
        assert mine.page == "records:day"
        assert mine.what == "visit, critical result"
        assert mine.summary == "Viewed your visit and critical result on the clinician's day view"

    @pytest.mark.parametrize("count", [10, 500])
    def test_the_query_count_is_fixed(
        self, treating_client, provider, count, django_assert_max_num_queries
    ):
        """The same number of queries for 10 visits as for 500."""
        self.fill(provider, count)
        with django_assert_max_num_queries(13):
            content = day_page(treating_client)
        assert f"Visits ({count})" in content


class TestAccess:
    @pytest.mark.parametrize("fixture", ["patient_client", "scheduler_client"])
    def test_patients_and_staff_are_refused(self, request, fixture):
        """Only clinicians have a day view."""
        assert request.getfixturevalue(fixture).get(URL).status_code == 403

    def test_signed_out_visitors_are_sent_to_sign_in(self, client):
        assert client.get(URL)["Location"].startswith(reverse("account_login"))

    def test_linked_from_the_dashboard_and_the_navigation(self, treating_client):
        """The clinician finds the day view from My day and the main navigation."""
        content = treating_client.get(reverse("clinician_dashboard")).content.decode()
        assert content.count(f'href="{URL}"') == 2
