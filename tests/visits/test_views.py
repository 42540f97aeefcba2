"""Each role's dashboard: what it shows, who may open it, and a fixed number of queries."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory
from tests.visits.factories import VisitFactory
from visits.audit import AuditEvent, access_log_total
from visits.scheduling.models import Visit, VisitType
from visits.scheduling.recent_changes import CHANGES_SHOWN
from visits.views import PAST_VISITS_SHOWN, PROVIDERS_SHOWN, UPCOMING_VISITS_SHOWN

pytestmark = pytest.mark.django_db


def _weekly_therapy(patient, count: int, *, after_weeks: int = 0) -> None:
    """`count` weekly therapy visits for `patient`, the first tomorrow (after `after_weeks`)."""
    therapist = ProviderProfileFactory(kind="therapist", states=["TX"])
    therapy = VisitType.objects.get(slug="therapy")
    first = timezone.now() + datetime.timedelta(days=1, weeks=after_weeks)
    visits = []
    for week in range(count):
        start = first + datetime.timedelta(weeks=week)
        end = start + therapy.duration
        visits.append(
            Visit(
                patient=patient,
                provider=therapist,
                visit_type=therapy,
                start=start,
                end=end,
                blocked_until=end + therapy.buffer_after,
            )
        )
    Visit.objects.bulk_create(visits)


class TestPatientDashboard:
    def test_new_patient_is_told_what_to_do_next(self, new_patient, client):
        """Without details the dashboard points to the details form and explains the steps."""
        client.force_login(new_patient)
        content = client.get(reverse("patient_dashboard")).content.decode()
        assert "Tell us about yourself" in content
        assert reverse("profile_edit") in content
        assert "Complete your health history" in content
        assert "You have no upcoming visits." in content

    def test_patient_with_details_sees_their_state_and_zone(self, patient_client):
        """Saved details show as done, with the state that decides licensure."""
        content = patient_client.get(reverse("patient_dashboard")).content.decode()
        assert "Hello, Jordan" in content
        assert "Texas" in content
        assert "Central time" in content
        assert "America/Chicago" not in content

    def test_query_count_is_fixed(self, patient_client, patient, django_assert_max_num_queries):
        """The patient dashboard's queries do not grow with the number of visits."""
        with django_assert_max_num_queries(8):
            assert patient_client.get(reverse("patient_dashboard")).status_code == 200
        therapist = ProviderProfileFactory(kind="therapist", states=["TX"])
        therapy = VisitType.objects.get(slug="therapy")
        first = timezone.now() + datetime.timedelta(days=1)
        for week in range(6):
            start = first + datetime.timedelta(weeks=week)
            Visit.objects.create(
                patient=patient,
                provider=therapist,
                visit_type=therapy,
                start=start,
                end=start + therapy.duration,
                blocked_until=start + therapy.duration + therapy.buffer_after,
            )
        with django_assert_max_num_queries(9):
            content = patient_client.get(reverse("patient_dashboard")).content.decode()
        assert content.count("Therapy with") == 6
        assert "PHQ-9 depression questionnaire" in content

    def test_the_first_visit_checklist_shows_until_a_visit_took_place(
        self, patient_client, patient
    ):
        """Before any visit the checklist shows; after a completed visit it does not."""
        assert (
            "Before your first visit"
            in patient_client.get(reverse("patient_dashboard")).content.decode()
        )
        provider = ProviderProfileFactory(states=["TX"])
        VisitFactory(
            patient=patient,
            provider=provider,
            start=timezone.now() + datetime.timedelta(days=2),
        )
        content = patient_client.get(reverse("patient_dashboard")).content.decode()
        assert "Before your first visit" in content
        assert "Your next visit is booked." in content
        VisitFactory(
            patient=patient,
            provider=provider,
            start=timezone.now() - datetime.timedelta(days=30),
            status=Visit.Status.COMPLETED,
        )
        content = patient_client.get(reverse("patient_dashboard")).content.decode()
        assert "Before your first visit" not in content
        assert "Tell us about yourself" not in content

    def test_a_cancelled_visit_does_not_make_a_patient_established(self, patient_client, patient):
        """Only a visit that took place ends the first-visit checklist."""
        VisitFactory(
            patient=patient,
            start=timezone.now() - datetime.timedelta(days=3),
            status=Visit.Status.CANCELLED,
        )
        assert (
            "Before your first visit"
            in patient_client.get(reverse("patient_dashboard")).content.decode()
        )

    def test_a_visit_older_than_the_past_visits_shown_still_counts(self, patient_client, patient):
        """A page of cancelled visits since the one that took place does not bring the checklist
        back: the visit further back is found."""
        provider = ProviderProfileFactory(states=["TX"])
        VisitFactory(
            patient=patient,
            provider=provider,
            start=timezone.now() - datetime.timedelta(days=60),
            status=Visit.Status.COMPLETED,
        )
        for days in range(1, PAST_VISITS_SHOWN + 1):
            VisitFactory(
                patient=patient,
                provider=provider,
                start=timezone.now() - datetime.timedelta(days=days),
                status=Visit.Status.CANCELLED,
            )
        content = patient_client.get(reverse("patient_dashboard")).content.decode()
        assert "Before your first visit" not in content

    def test_an_established_patient_is_still_told_about_missing_intake(self, client):
        """After a visit, an unfinished health history is still a to-do, without the checklist."""
        user = PatientProfileFactory(intake=False).user
        VisitFactory(
            patient=user,
            start=timezone.now() - datetime.timedelta(days=30),
            status=Visit.Status.COMPLETED,
        )
        client.force_login(user)
        content = client.get(reverse("patient_dashboard")).content.decode()
        assert "Before your first visit" not in content
        assert "Update your health history" in content

    def test_upcoming_visits_are_shown_a_page_at_a_time(self, patient_client, patient):
        """Ten upcoming visits at a time, "show more" for the next ten, without JavaScript."""
        _weekly_therapy(patient, 25)
        url = reverse("patient_dashboard")
        first = patient_client.get(url).content.decode()
        assert first.count("Therapy with") == UPCOMING_VISITS_SHOWN
        assert 'href="?upcoming=2#visits-heading">Show more upcoming visits' in first
        assert "PHQ-9 depression questionnaire" in first
        second = patient_client.get(url, {"upcoming": "2"}).content.decode()
        assert second.count("Therapy with") == UPCOMING_VISITS_SHOWN
        assert "Show more upcoming visits" in second
        assert "Back to your next visits" in second
        # The questionnaire due before tomorrow's visit is still asked for on later pages.
        assert "PHQ-9 depression questionnaire" in second
        last = patient_client.get(url, {"upcoming": "3"}).content.decode()
        assert last.count("Therapy with") == 5
        assert "Show more upcoming visits" not in last
        beyond = patient_client.get(url, {"upcoming": "9"}).content.decode()
        assert "No more upcoming visits." in beyond
        assert "You have no upcoming visits" not in beyond
        garbled = patient_client.get(url, {"upcoming": "x"}).content.decode()
        assert garbled.count("Therapy with") == UPCOMING_VISITS_SHOWN
        assert "Back to your next visits" not in garbled

    def test_bytes_and_queries_do_not_grow_with_upcoming_visits(self, patient_client, patient):
        """With 12 upcoming visits or 250, the dashboard is the same size and the same queries."""
        url = reverse("patient_dashboard")
        _weekly_therapy(patient, 12)
        with CaptureQueriesContext(connection) as few_queries:
            few = patient_client.get(url).content
        _weekly_therapy(patient, 238, after_weeks=12)
        with CaptureQueriesContext(connection) as many_queries:
            many = patient_client.get(url).content
        assert many.decode().count("Therapy with") == UPCOMING_VISITS_SHOWN
        assert len(many_queries) == len(few_queries)
        assert abs(len(many) - len(few)) < 100

    @pytest.mark.parametrize("fixture", ["clinician_client", "scheduler_client"])
    def test_other_roles_are_refused(self, request, fixture):
        """Only patients open the patient dashboard."""
        assert request.getfixturevalue(fixture).get(reverse("patient_dashboard")).status_code == 403

    def test_signed_out_visitors_are_sent_to_sign_in(self, client):
        """No dashboard without signing in."""
        response = client.get(reverse("patient_dashboard"))
        assert response["Location"] == reverse("account_login") + "?next=/patient/"


class TestClinicianDashboard:
    def test_shows_licenses_languages_and_zone(self, clinician_client):
        """A clinician sees how patients find them."""
        content = clinician_client.get(reverse("clinician_dashboard")).content.decode()
        assert "My day" in content
        assert "California, Texas" in content
        assert "English" in content
        assert "Central time" in content
        assert "America/Chicago" not in content

    def test_todays_visits_are_listed_audited_and_cost_fixed_queries(
        self, clinician_client, clinician, django_assert_max_num_queries
    ):
        """Today's visits appear in the clinician's zone; each read is audited in one insert."""
        # The recent-changes list is one query, the open critical results one, and the
        # seen-now duty switch (is this physician on duty) one.
        with django_assert_max_num_queries(13):
            assert clinician_client.get(reverse("clinician_dashboard")).status_code == 200
        provider = clinician.provider_profile
        zone = ZoneInfo(provider.time_zone)
        midnight = datetime.datetime.combine(
            timezone.now().astimezone(zone).date(), datetime.time(), tzinfo=zone
        )
        urgent_care = VisitType.objects.get(slug="urgent-care")
        for hour in range(1, 6):
            start = midnight + datetime.timedelta(hours=hour)
            Visit.objects.create(
                patient=PatientProfileFactory(legal_first_name=f"Patient{hour}").user,
                provider=provider,
                visit_type=urgent_care,
                start=start,
                end=start + urgent_care.duration,
                blocked_until=start + urgent_care.duration + urgent_care.buffer_after,
            )
        with django_assert_max_num_queries(14):
            content = clinician_client.get(reverse("clinician_dashboard")).content.decode()
        assert content.count("Patient") >= 5
        assert "Patient3 Rivera" in content
        assert AuditEvent.objects.filter(actor=clinician, action="view").count() == 5

    @pytest.mark.parametrize("fixture", ["patient_client", "scheduler_client"])
    def test_other_roles_are_refused(self, request, fixture):
        """Only clinicians open the clinician dashboard."""
        assert (
            request.getfixturevalue(fixture).get(reverse("clinician_dashboard")).status_code == 403
        )


class TestClinicianRecentChanges:
    def test_booked_moved_and_cancelled_visits_with_them_are_listed(
        self, clinician_client, clinician
    ):
        """A booking, a move and a cancellation with this clinician each show, newest first."""
        provider = clinician.provider_profile
        booked = VisitFactory(
            provider=provider,
            patient=PatientProfileFactory(legal_first_name="Booked").user,
            start=timezone.now() + datetime.timedelta(days=3),
        )
        moved = VisitFactory(
            provider=provider,
            patient=PatientProfileFactory(legal_first_name="Moved").user,
            start=timezone.now() + datetime.timedelta(days=4),
            sequence=1,
        )
        cancelled = VisitFactory(
            provider=provider,
            patient=PatientProfileFactory(legal_first_name="Cancelled").user,
            start=timezone.now() + datetime.timedelta(days=5),
            status=Visit.Status.CANCELLED,
            sequence=1,
        )
        VisitFactory(start=timezone.now() + datetime.timedelta(days=3))  # someone else's
        content = clinician_client.get(reverse("clinician_dashboard")).content.decode()
        section = content[
            content.index('id="changes-heading"') : content.index('id="profile-heading"')
        ]
        assert "<strong>Booked</strong>: " in section
        assert "<strong>Moved</strong>: " in section
        assert "<strong>Cancelled</strong>: " in section
        for visit in (booked, moved, cancelled):
            assert reverse("scheduling:visit_detail", args=[visit.pk]) in section
        assert section.count("<li>") == 3
        assert AuditEvent.objects.filter(actor=clinician, action="view").count() == 3

    def test_the_list_is_bounded_and_costs_fixed_queries(
        self, clinician_client, clinician, django_assert_max_num_queries
    ):
        """Twenty recent bookings show as the last five, in the same number of queries as one."""
        provider = clinician.provider_profile
        VisitFactory(provider=provider, start=timezone.now() + datetime.timedelta(days=2))
        # 14 with the open critical results' and the seen-now duty switch's queries.
        with django_assert_max_num_queries(14):
            clinician_client.get(reverse("clinician_dashboard"))
        for day in range(20):
            VisitFactory(provider=provider, start=timezone.now() + datetime.timedelta(days=3 + day))
        with django_assert_max_num_queries(14):
            content = clinician_client.get(reverse("clinician_dashboard")).content.decode()
        section = content[
            content.index('id="changes-heading"') : content.index('id="profile-heading"')
        ]
        assert section.count("<li>") == CHANGES_SHOWN

    def test_nothing_recent_says_so(self, clinician_client):
        """With no changes in two weeks the section says there were none."""
        content = clinician_client.get(reverse("clinician_dashboard")).content.decode()
        assert (
            "No visits with you were booked, moved or cancelled in the past two weeks." in content
        )


class TestStaffDashboard:
    def test_lists_every_provider_with_licenses(self, scheduler_client):
        """Staff see the clinic's providers, their states and languages."""
        ProviderProfileFactory(user__display_name="Dr. Ada Lovelace", states=["NY", "NJ"])
        content = scheduler_client.get(reverse("staff_dashboard")).content.decode()
        assert "Dr. Ada Lovelace" in content
        assert "NY, NJ" in content or "NJ, NY" in content

    def test_query_count_does_not_grow_with_providers(
        self, scheduler_client, django_assert_max_num_queries
    ):
        """Twenty providers cost the same queries as one."""
        ProviderProfileFactory.create_batch(
            20, states=["TX", "CA", "NY"], language_codes=["en", "es"]
        )
        with django_assert_max_num_queries(9):
            content = scheduler_client.get(reverse("staff_dashboard")).content.decode()
        assert content.count("<tr>") == 21

    def test_providers_are_listed_a_page_at_a_time(self, scheduler_client):
        """With many providers the list shows a page of them, with links to the next and back,
        in the same queries as a short list and the bytes of one full page."""
        url = reverse("staff_dashboard")
        ProviderProfileFactory.create_batch(3, states=["TX"], language_codes=["en"])
        with CaptureQueriesContext(connection) as few_queries:
            few = scheduler_client.get(url).content.decode()
        assert "Next providers" not in few
        ProviderProfileFactory.create_batch(
            PROVIDERS_SHOWN - 3, states=["TX"], language_codes=["en"]
        )
        full = scheduler_client.get(url).content.decode()
        ProviderProfileFactory.create_batch(
            PROVIDERS_SHOWN + 3, states=["TX"], language_codes=["en"]
        )
        with CaptureQueriesContext(connection) as many_queries:
            first = scheduler_client.get(url).content.decode()
        assert len(many_queries) == len(few_queries)
        assert first.count("<tr>") == PROVIDERS_SHOWN + 1
        assert 'href="?page=2">Next providers' in first
        assert "Previous providers" not in first
        second = scheduler_client.get(url, {"page": "2"}).content.decode()
        assert second.count("<tr>") == PROVIDERS_SHOWN + 1
        assert 'href="?page=1">Previous providers' in second
        assert 'href="?page=3">Next providers' in second
        last = scheduler_client.get(url, {"page": "3"}).content.decode()
        assert last.count("<tr>") == 3 + 1
        assert "Next providers" not in last
        assert "No more providers." in scheduler_client.get(url, {"page": "9"}).content.decode()
        # A page of 53 providers is a page of 25 and its links.
        assert abs(len(first) - len(full)) < 300

    @pytest.mark.parametrize("fixture", ["patient_client", "clinician_client"])
    def test_other_roles_are_refused(self, request, fixture):
        """Only clinic staff open the staff dashboard."""
        assert request.getfixturevalue(fixture).get(reverse("staff_dashboard")).status_code == 403


class TestAccessLog:
    def test_patient_sees_who_opened_their_record(self, patient_client, patient, scheduler):
        """Each audited read of the patient's data is listed with who and when."""
        AuditEvent.objects.create(actor=scheduler, patient=patient, action="view", what="visit")
        content = patient_client.get(reverse("access_log")).content.decode()
        assert scheduler.get_full_name() in content
        assert "Viewed your visit" in content
        assert "(clinic staff)" in content

    def test_the_page_says_notes_and_results_are_recorded_too(self, patient_client):
        """The patient is told reads of their notes and results are listed, as they are."""
        content = patient_client.get(reverse("access_log")).content.decode()
        assert "opens your chart, visit notes, results, prescriptions, answers" in content

    def test_other_patients_events_are_not_shown(self, patient_client, scheduler):
        """A patient sees only their own record's log."""
        other = PatientProfileFactory(intake=False).user
        AuditEvent.objects.create(actor=scheduler, patient=other, action="view", what="visit")
        assert (
            "Nobody but you has opened your record yet."
            in patient_client.get(reverse("access_log")).content.decode()
        )

    def test_query_count_is_fixed(
        self, patient_client, patient, scheduler, django_assert_max_num_queries
    ):
        """Many events cost the same queries as one."""
        AuditEvent.objects.bulk_create(
            AuditEvent(actor=scheduler, patient=patient, action="view", what="visit")
            for _ in range(30)
        )
        with django_assert_max_num_queries(6):
            patient_client.get(reverse("access_log"))

    def test_a_long_log_is_counted_to_a_thousand_and_told_as_more(
        self, patient_client, patient, scheduler
    ):
        """Counting stops past a thousand accesses, so a long-treated patient's page costs no
        more with each one: it says "more than 1,000", and exactly a thousand is a thousand."""
        AuditEvent.objects.bulk_create(
            AuditEvent(actor=scheduler, patient=patient, action="view", what="visit")
            for _ in range(1000)
        )
        page = patient_client.get(reverse("access_log")).content.decode()
        assert "The 20 most recent of 1000 accesses" in page
        AuditEvent.objects.bulk_create(
            AuditEvent(actor=scheduler, patient=patient, action="view", what="visit")
            for _ in range(5)
        )
        first = patient_client.get(reverse("access_log")).content.decode()
        assert "The 20 most recent of more than 1,000 accesses" in first
        older = patient_client.get(reverse("access_log"), {"page": "2"}).content.decode()
        assert "Older accesses, 21 to 40 of more than 1,000" in older
        assert access_log_total(patient) == 1001

    def test_twenty_accesses_a_page_with_older_ones_a_page_away(
        self, patient_client, patient, scheduler
    ):
        AuditEvent.objects.bulk_create(
            AuditEvent(actor=scheduler, patient=patient, action="view", what=f"visit {n}")
            for n in range(25)
        )
        first = patient_client.get(reverse("access_log")).content.decode()
        assert first.count("<tr>") == 20 + 1
        assert "The 20 most recent of 25 accesses" in first
        assert '<a href="?page=2">Older accesses</a>' in first
        older = patient_client.get(reverse("access_log"), {"page": "2"}).content.decode()
        assert older.count("<tr>") == 5 + 1
        assert "Older accesses, 21 to 25 of 25" in older
        assert '<a href="?page=1">Newer accesses</a>' in older
        assert "Older accesses</a>" not in older
        assert "No older accesses." in (
            patient_client.get(reverse("access_log"), {"page": "3"}).content.decode()
        )

    @pytest.mark.parametrize("page", ["0", "-1", "two", ""])
    def test_a_bad_page_number_shows_the_most_recent(
        self, patient_client, patient, scheduler, page
    ):
        AuditEvent.objects.create(actor=scheduler, patient=patient, action="view", what="visit")
        response = patient_client.get(reverse("access_log"), {"page": page})
        assert response.status_code == 200
        assert "The 1 most recent accesses" in response.content.decode()

    def test_only_patients_have_an_access_log(self, scheduler_client):
        """Staff have no patient access log page."""
        assert scheduler_client.get(reverse("access_log")).status_code == 403
