"""Times are shown in the viewer's own zone, named in words, activated once per request."""

import datetime

import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import ViewerTimeZoneMiddleware
from accounts.models import Role
from accounts.request_loads import SessionStore, user_of_session
from accounts.zones import viewer_zone_key, zone_name
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory, UserFactory
from visits.questionnaires.services import response_start, response_submit

# 11:29 PM on November 30 in Los Angeles is already December 1 in UTC and in New York.
LATE_IN_LOS_ANGELES = datetime.datetime(2026, 12, 1, 7, 29, tzinfo=datetime.UTC)
QUIET_PHQ9 = {f"phq9_{n}": "0" for n in range(1, 10)}


class TestZoneNames:
    @pytest.mark.parametrize(
        ("key", "name"),
        [
            ("America/Los_Angeles", "Pacific time"),
            ("America/New_York", "Eastern time"),
            ("America/Chicago", "Central time"),
            ("America/Denver", "Mountain time"),
            ("America/Phoenix", "Arizona time"),
            ("Pacific/Honolulu", "Hawaii time"),
            ("Europe/London", "London time"),
            ("America/Argentina/Buenos_Aires", "Buenos Aires time"),
        ],
    )
    def test_zones_are_named_as_people_say_them(self, key, name):
        """A zone reads "Pacific time", never "America/Los_Angeles"."""
        assert zone_name(key) == name


@pytest.mark.django_db
class TestWhoseZone:
    def test_patients_use_their_profile(self):
        """A patient reads times in the zone of their profile."""
        patient = PatientProfileFactory(time_zone="America/Los_Angeles").user
        assert viewer_zone_key(patient) == "America/Los_Angeles"

    def test_clinicians_use_their_provider_profile(self):
        """A clinician reads times in their provider profile's zone."""
        provider = ProviderProfileFactory(time_zone="America/Denver")
        assert viewer_zone_key(provider.user) == "America/Denver"

    @override_settings(CLINIC_TIME_ZONE="America/New_York")
    def test_staff_use_their_account_zone_else_the_clinics(self):
        """Staff and admins read the zone on their account, or the clinic's if it has none."""
        assert viewer_zone_key(UserFactory(role=Role.STAFF)) == "America/New_York"
        chosen = UserFactory(role=Role.STAFF, time_zone="America/Phoenix")
        assert viewer_zone_key(chosen) == "America/Phoenix"

    def test_the_zone_is_active_while_the_view_runs(self):
        """The middleware activates the viewer's zone for the request and releases it after."""
        patient = PatientProfileFactory(time_zone="America/Los_Angeles").user
        request = RequestFactory().get("/")
        request.user = patient
        seen = {}

        def view(request):
            seen["zone"] = timezone.get_current_timezone_name()
            seen["name"] = request.viewer_zone_name
            return None

        ViewerTimeZoneMiddleware(view)(request)
        assert seen == {"zone": "America/Los_Angeles", "name": "Pacific time"}
        assert timezone.get_current_timezone_name() == "UTC"

    def test_signed_in_requests_cost_no_query_for_the_zone(self, client, django_assert_num_queries):
        """The sign-in backend brings the profile with the user; the zone adds no query."""
        patient = PatientProfileFactory(time_zone="America/Los_Angeles").user
        client.force_login(patient)
        request = RequestFactory().get("/")
        request.session = SessionStore(client.session.session_key)
        with django_assert_num_queries(1):  # the session with its person and their profiles
            request.user = user_of_session(request)
            assert viewer_zone_key(request.user) == "America/Los_Angeles"


@pytest.mark.django_db
class TestPagesAroundMidnight:
    def answered_late(self, time_zone):
        patient = PatientProfileFactory(time_zone=time_zone).user
        response = response_start(patient=patient, slug="phq-9")
        assert response_submit(response=response, data=QUIET_PHQ9).ok
        type(response).objects.filter(pk=response.pk).update(submitted_at=LATE_IN_LOS_ANGELES)
        return patient, response

    def test_a_late_answer_is_dated_the_day_the_patient_gave_it(self, client):
        """11:29 PM in Los Angeles reads November 30, not December 1 (the UTC date)."""
        patient, response = self.answered_late("America/Los_Angeles")
        client.force_login(patient)
        page = client.get(reverse("questionnaire_result", args=[response.pk])).content.decode()
        assert "November 30, 2026, 11:29 PM" in page
        assert "December 1" not in page
        history = client.get(reverse("my_scores")).content.decode()
        assert "Nov 30, 2026" in history

    def test_the_same_instant_reads_december_in_new_york(self, client):
        """The same moment for a patient in New York is 2:29 AM on December 1."""
        patient, response = self.answered_late("America/New_York")
        client.force_login(patient)
        page = client.get(reverse("questionnaire_result", args=[response.pk])).content.decode()
        assert "December 1, 2026, 2:29 AM" in page
        assert "November 30" not in page
